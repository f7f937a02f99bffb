import ALPRCore
import ALPRVision
import Dispatch
import Foundation

/// Adapts ALPRVision's `PlateRecognizer` to the agent. The recognizer is not thread-safe and
/// its inference is long CPU work, so it runs on one serial dispatch queue of its own, never
/// on Swift's cooperative pool.
public final class VisionFrameRecognizer: FrameRecognizer, @unchecked Sendable {
    // Confined to `queue`: every use of `recognizer` happens in a block submitted to it.
    private let recognizer: PlateRecognizer
    private let queue = DispatchQueue(label: "alpr.agent.recognition")

    public init(modelsDirectory: URL) throws {
        recognizer = try PlateRecognizer(modelsDirectory: modelsDirectory, options: Self.options)
    }

    /// The engine's defaults, but a frame with no plate is not read again, neither as a plate
    /// cut out tight (`PlateRecognizer.TightCrops`) nor turned (`TurnedViews`): a camera's
    /// frames are scenes seen level, most of them hold no plate, and more passes over each
    /// would cut the frames a core keeps up with to a half or a third.
    public static var options: PlateRecognizer.Options {
        var options = PlateRecognizer.Options()
        options.tightCrops = nil
        options.turnedViews = nil
        return options
    }

    /// The models folder: `explicit`, else `ALPR_MODELS`, else `./Models`, else the one beside the executable (as `alpr read` does).
    public static func modelsDirectory(explicit: String?) -> URL {
        ModelsDirectory.resolve(explicit: explicit)
    }

    public func recognize(_ frame: RGBFrame) async throws -> [PlateDetection] {
        try await withCheckedThrowingContinuation { continuation in
            queue.async {
                continuation.resume(with: Result {
                    let image = try RGBImage(width: frame.width, height: frame.height, pixels: frame.pixels)
                    return try self.recognizer.recognize(image).map(Self.detection(from:))
                })
            }
        }
    }

    static func detection(from result: PlateResult) -> PlateDetection {
        PlateDetection(
            text: result.text, confidence: Double(result.confidence),
            characterConfidences: result.characterConfidences.map(Double.init),
            box: ALPRCore.PlateBox(x: result.box.x, y: result.box.y, width: result.box.width, height: result.box.height),
            candidates: result.candidates.map { ALPRCore.PlateCandidate(text: $0.text, confidence: Double($0.confidence)) }
        )
    }
}
