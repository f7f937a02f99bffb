import ALPRCore
import Foundation

/// One plate found in one frame by the recognition engine.
public struct PlateDetection: Sendable, Equatable {
    /// The text as read, normalised (upper case, `0-9A-Z`).
    public var text: String
    public var confidence: Double
    /// One confidence per character of `text`; empty when the engine gives none.
    public var characterConfidences: [Double]
    /// Where the plate is in the frame, in pixels.
    public var box: PlateBox
    /// Alternative readings, best first.
    public var candidates: [PlateCandidate]
    /// Issuing state (USPS code) when the engine recognised one.
    public var state: String?

    public init(
        text: String, confidence: Double, characterConfidences: [Double] = [], box: PlateBox,
        candidates: [PlateCandidate] = [], state: String? = nil
    ) {
        self.text = PlateNumber.normalise(text)
        self.confidence = confidence
        self.characterConfidences = characterConfidences
        self.box = box
        self.candidates = candidates
        self.state = state
    }

    /// Per-character confidences, falling back to the plate confidence where the engine gave
    /// none or gave a list that does not match the text.
    var effectiveCharacterConfidences: [Double] {
        characterConfidences.count == text.count ? characterConfidences : Array(repeating: confidence, count: text.count)
    }
}
