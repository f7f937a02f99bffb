import ALPRCore
@testable import ALPRStorageSQLite
import ALPRTestSupport
import Foundation
import Testing

/// The hand-written candidates encoder against `JSONDecoder`, on random awkward text.
@Suite struct CandidatesJSONTests {
    @Test func randomCandidatesRoundTripThroughJSONDecoder() throws {
        var generator = SeededGenerator(seed: 0xC0FFEE)
        let pieces: [String] = ["A", "7", "\"", "\\", "\n", "\t", "\r", "\u{01}", "\u{1F}", "é", "日", "🚗", " ", "/", "\u{7F}"]
        for _ in 0..<2000 {
            let candidates = (0..<Int.random(in: 0...4, using: &generator)).map { _ in
                PlateCandidate(
                    text: (0..<Int.random(in: 0...8, using: &generator)).map { _ in pieces.randomElement(using: &generator)! }.joined(),
                    confidence: [0, 1, 0.1, 1e-7, 0.333333333333333, Double.random(in: 0...1, using: &generator)].randomElement(using: &generator)!
                )
            }
            let json = try ReadRecord.candidatesJSON(candidates, fallback: JSONEncoder())
            #expect(try JSONDecoder().decode([PlateCandidate].self, from: Data(json.utf8)) == candidates, "\(json)")
        }
    }

    @Test func nonFiniteConfidenceIsAnError() {
        #expect(throws: (any Error).self) {
            try ReadRecord.candidatesJSON([PlateCandidate(text: "A", confidence: .nan)], fallback: JSONEncoder())
        }
    }
}
