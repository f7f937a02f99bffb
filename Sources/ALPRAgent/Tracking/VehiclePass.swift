import ALPRCore
import Foundation

/// One vehicle passing the reader: the result of voting over every frame of a plate track.
/// The agent turns each pass into exactly one read.
public struct VehiclePass: Sendable {
    public var text: String
    public var confidence: Double
    public var characterConfidences: [Double]
    public var candidates: [PlateCandidate]
    public var state: String?
    public var firstSeenAt: Date
    public var lastSeenAt: Date
    public var observationCount: Int
    /// The highest-confidence observation: its frame and box give the images sent with the read.
    public var best: PlateObservation
    /// True when a plate still in view is reported again after the re-emit interval.
    public var isReemission: Bool
}
