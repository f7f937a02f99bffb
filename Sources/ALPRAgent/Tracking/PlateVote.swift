import ALPRCore
import Foundation

/// Combines the readings of one plate across frames into one text. Noise rarely repeats from
/// frame to frame, so per-character votes weighted by confidence correct single misreads.
public enum PlateVote {
    public struct Result: Sendable, Equatable {
        public var text: String
        public var confidence: Double
        public var characterConfidences: [Double]
        public var candidates: [PlateCandidate]
        public var state: String?
    }

    public static let maximumCandidates = 10

    /// Votes over `detections` (at least one). Texts are aligned position by position, so only
    /// readings of the winning length vote on characters; the length itself is chosen by the
    /// total confidence of the readings having it.
    public static func vote(_ detections: [PlateDetection]) -> Result? {
        let readable = detections.filter { !$0.text.isEmpty && $0.confidence.isFinite && $0.confidence >= 0 }
        guard !readable.isEmpty else { return nil }

        var weightByLength: [Int: Double] = [:]
        for detection in readable { weightByLength[detection.text.count, default: 0] += detection.confidence }
        // Highest weight wins; ties go to the longer text (a dropped character is the commoner error).
        let length = weightByLength.max { a, b in a.value != b.value ? a.value < b.value : a.key < b.key }!.key
        let voters = readable.filter { $0.text.count == length }

        var characters: [Character] = []
        var characterConfidences: [Double] = []
        for position in 0..<length {
            var votes: [Character: Double] = [:]
            for voter in voters {
                let character = voter.text[voter.text.index(voter.text.startIndex, offsetBy: position)]
                votes[character, default: 0] += voter.effectiveCharacterConfidences[position]
            }
            let winner = votes.max { a, b in a.value != b.value ? a.value < b.value : a.key > b.key }!
            characters.append(winner.key)
            // Frames that disagree count as zero confidence for the winner.
            characterConfidences.append(clamp(winner.value / Double(voters.count)))
        }
        let text = String(characters)
        let confidence = characterConfidences.reduce(0, +) / Double(max(length, 1))

        return Result(
            text: text, confidence: clamp(confidence), characterConfidences: characterConfidences,
            candidates: candidates(votedText: text, votedConfidence: confidence, detections: readable),
            state: votedState(readable)
        )
    }

    /// The voted text first, then every other text seen (as a frame's reading or one of its
    /// candidates), scored by its mean confidence over all frames.
    static func candidates(votedText: String, votedConfidence: Double, detections: [PlateDetection]) -> [PlateCandidate] {
        var scores: [String: Double] = [:]
        for detection in detections {
            var seenInThisFrame: [String: Double] = [detection.text: detection.confidence]
            for candidate in detection.candidates {
                let text = PlateNumber.normalise(candidate.text)
                guard (try? PlateNumber(text)) != nil, candidate.confidence.isFinite else { continue }
                seenInThisFrame[text] = max(seenInThisFrame[text] ?? 0, candidate.confidence)
            }
            for (text, confidence) in seenInThisFrame { scores[text, default: 0] += confidence }
        }
        scores[votedText] = nil
        let others = scores
            .map { PlateCandidate(text: $0.key, confidence: clamp($0.value / Double(detections.count))) }
            .sorted { $0.confidence != $1.confidence ? $0.confidence > $1.confidence : $0.text < $1.text }
        return Array(([PlateCandidate(text: votedText, confidence: clamp(votedConfidence))] + others).prefix(maximumCandidates))
    }

    static func votedState(_ detections: [PlateDetection]) -> String? {
        var weights: [String: Double] = [:]
        for detection in detections {
            if let state = detection.state { weights[state, default: 0] += detection.confidence }
        }
        return weights.max { a, b in a.value != b.value ? a.value < b.value : a.key > b.key }?.key
    }

    static func clamp(_ value: Double) -> Double { min(max(value, 0), 1) }
}
