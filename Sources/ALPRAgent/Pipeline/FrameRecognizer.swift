import Foundation

/// The recognition engine as the agent sees it: plates found in one frame. The command wires
/// this to ALPRVision's `PlateRecognizer`; tests substitute scripted detections.
public protocol FrameRecognizer: Sendable {
    func recognize(_ frame: RGBFrame) async throws -> [PlateDetection]
}
