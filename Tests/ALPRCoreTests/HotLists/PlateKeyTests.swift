import Testing
@testable import ALPRCore

@Suite("Packed plate keys and confusable folding")
struct PlateKeyTests {
    /// Independent statement of the confusable groups, as text.
    static let referenceFold: [Character: Character] = [
        "O": "0", "0": "0", "D": "0", "Q": "0", "I": "1", "1": "1", "L": "1",
        "B": "8", "8": "8", "S": "5", "5": "5", "Z": "2", "2": "2", "G": "6", "6": "6",
    ]

    static func fold(_ text: String) -> String { String(text.map { referenceFold[$0] ?? $0 }) }

    @Test("keys round-trip and are equal exactly when plates are, on random plates")
    func roundTrip() {
        var random = SeededGenerator(seed: 7)
        let alphabet = Array("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ")
        var seen: [UInt64: String] = [:]
        for _ in 0..<5000 {
            let text = String((0..<Int.random(in: 1...10, using: &random)).map { _ in alphabet.randomElement(using: &random)! })
            let key = PlateKey(HotListFixtures.plate(text))
            #expect(key.plate.value == text)
            if let previous = seen[key.rawValue] { #expect(previous == text) }
            seen[key.rawValue] = text
        }
    }

    @Test("the folding implements exactly the documented confusable groups")
    func groups() {
        var expected: [Character: Character] = [:]
        for group in PlateKey.confusableGroups {
            let representative = group.first { $0.isNumber }!
            for character in group { expected[character] = representative }
        }
        #expect(expected == Self.referenceFold)
        for character in "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ" {
            let folded = PlateKey(HotListFixtures.plate(String(character))).folded.plate.value
            #expect(folded == String(expected[character] ?? character))
        }
    }

    @Test("folded keys are equal exactly when the reference folding says so")
    func folding() {
        var random = SeededGenerator(seed: 11)
        let alphabet = Array("O0DQI1LB8S5Z2G6AXK")
        for _ in 0..<5000 {
            let length = Int.random(in: 1...4, using: &random)
            let a = String((0..<length).map { _ in alphabet.randomElement(using: &random)! })
            let b = String((0..<length).map { _ in alphabet.randomElement(using: &random)! })
            let keysEqual = PlateKey(HotListFixtures.plate(a)).folded == PlateKey(HotListFixtures.plate(b)).folded
            #expect(keysEqual == (Self.fold(a) == Self.fold(b)))
        }
        #expect(PlateKey(HotListFixtures.plate("ABC")).folded != PlateKey(HotListFixtures.plate("ABCD")).folded)
    }

    @Test("byte normalisation agrees with PlateNumber on random raw text")
    func normalising() {
        var random = SeededGenerator(seed: 3)
        let alphabet = Array("abcXYZ019 -._\t#é·")
        for _ in 0..<5000 {
            let raw = String((0..<Int.random(in: 0...13, using: &random)).map { _ in alphabet.randomElement(using: &random)! })
            let reference = try? PlateNumber(raw)
            let packed = PlateKey.normalising(Array(raw.utf8))
            #expect(packed?.plate == reference, "raw: \(raw)")
        }
    }
}
