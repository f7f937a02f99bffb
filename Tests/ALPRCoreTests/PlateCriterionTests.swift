@testable import ALPRCore
import Testing

@Suite struct PlateCriterionTests {
    @Test func wildcardsMakeAPatternOtherwiseAnExactPlate() throws {
        #expect(try PlateCriterion("ab 123") == .exact(PlateNumber("AB123")))
        #expect(try PlateCriterion("ab?12*") == .pattern("AB?12*"))
    }

    @Test(arguments: ["*", "A*", "?A?", "AB#*", "ABCDEFGHIJK*", "**?"])
    func refusesVagueOrMalformedPatterns(_ raw: String) {
        #expect(throws: ALPRError.self) { try PlateCriterion(raw) }
    }

    /// The iterative matcher against a plain recursive definition, on random patterns and plates.
    @Test func matcherAgreesWithRecursiveReference() throws {
        var generator = SeededGenerator(seed: 0x5EED)
        let alphabet = Array("AB1O0")
        var matched = 0
        for _ in 0..<20_000 {
            let text = (0..<Int.random(in: 1...8, using: &generator)).map { _ in alphabet.randomElement(using: &generator)! }
            let pattern = (0..<Int.random(in: 0...8, using: &generator)).map { _ in (alphabet + ["?", "*"]).randomElement(using: &generator)! }
            let expected = Self.referenceMatch(pattern[...], text[...])
            #expect(PlateCriterion.wildcardMatch(pattern, text) == expected, "pattern \(String(pattern)) text \(String(text))")
            if expected { matched += 1 }
        }
        // The random inputs exercised both outcomes.
        #expect(matched > 1000 && matched < 19_000)
    }

    @Test func matchesUsesTheWholePlate() throws {
        let plate = try PlateNumber("ABC123")
        #expect(try PlateCriterion("AB?12*").matches(plate))
        #expect(try PlateCriterion("*123").matches(plate))
        #expect(try !PlateCriterion("BC12*").matches(plate))
        #expect(try !PlateCriterion("ABC12?3").matches(plate))
        #expect(try PlateCriterion("ABC123").matches(plate))
        #expect(try !PlateCriterion("ABC124").matches(plate))
    }

    /// O and 0 are one character, in plates and patterns; D and Q are not folded into them.
    @Test func letterOAndDigitZeroAreOneCharacter() throws {
        #expect(try PlateCriterion("GROWAPR").matches(PlateNumber("GR0WAPR")))
        #expect(try PlateCriterion("GR0WAPR").matches(PlateNumber("GROWAPR")))
        #expect(try PlateCriterion("0RZ466").matches(PlateNumber("ORZ466")))
        #expect(try PlateCriterion("O*6").matches(PlateNumber("0RZ466")))
        #expect(try PlateCriterion("G?0W*").matches(PlateNumber("GROWAPR")))
        #expect(try !PlateCriterion("GROWAPR").matches(PlateNumber("GRDWAPR")))
        #expect(try !PlateCriterion("GROWAPR").matches(PlateNumber("GRQWAPR")))
        #expect(try !PlateCriterion("GROWAPR").matches(PlateNumber("GR0WAP")))
        #expect(try !PlateCriterion("GR0WAP").matches(PlateNumber("GROWAPR")))
    }

    static func referenceMatch(_ pattern: ArraySlice<Character>, _ text: ArraySlice<Character>) -> Bool {
        guard let head = pattern.first else { return text.isEmpty }
        switch head {
        case "*":
            return referenceMatch(pattern.dropFirst(), text) || (!text.isEmpty && referenceMatch(pattern, text.dropFirst()))
        case "?":
            return !text.isEmpty && referenceMatch(pattern.dropFirst(), text.dropFirst())
        default:
            // The letter O and the digit 0 are one character for a search.
            let roundGlyphs: Set<Character> = ["O", "0"]
            let same = text.first == head || (roundGlyphs.contains(head) && text.first.map(roundGlyphs.contains) == true)
            return same && referenceMatch(pattern.dropFirst(), text.dropFirst())
        }
    }
}
