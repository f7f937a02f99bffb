/// Serial formats common on US plates, used to re-rank OCR candidates.
///
/// A pattern is a string of `L` (letter), `N` (digit) or a literal character. Candidates that
/// fit a pattern have their score multiplied by `boost` before sorting; reported confidences
/// are left untouched. A boost never forces a format: a confident reading that fits no pattern
/// (vanity plates, other states) still wins over a fitting one with less than 1/`boost` of its
/// probability.
public struct USPlateFormats: Sendable, Equatable {
    /// Minnesota passenger (`ABC123`, newer `123ABC`) and common other states' serials
    /// (`ABC1234`: e.g. Texas, Pennsylvania, New York; `1ABC234`: California), and the next most
    /// common serials among the real US training plates (`split == train` of
    /// `openalpr_segocr_us` and `reported_ocr_us`): New York's for-hire vehicles (`T123456C`,
    /// 565 of 2,481), New York commercial (`12345MN`, 126) and New Jersey passenger (`A12BCD`, 91).
    public static let standard = USPlateFormats(patterns: ["LLLNNN", "NNNLLL", "LLLNNNN", "NLLLNNN", "TNNNNNNC", "NNNNNLL", "LNNLLL"])

    public var patterns: [String]
    public var boost: Float
    /// Writes a round glyph as the digit 0 in a reading that fits no pattern (`written(_:)`).
    public var zeroOutsideFormats: Bool

    public init(patterns: [String], boost: Float = 2, zeroOutsideFormats: Bool = true) {
        self.patterns = patterns
        self.boost = boost
        self.zeroOutsideFormats = zeroOutsideFormats
    }

    /// `text` as the engine reports it. On US plates the letter O and the digit 0 are one
    /// round glyph in most states' fonts (the FHWA-style fonts of our renderer included), so
    /// which one a plate "has" is a convention of whoever wrote its text down. Within a serial
    /// format the position decides (`rerank` and `lookAlikeVariants`); outside one, the real
    /// US training labels write 0: of the round glyphs in train-split texts that fit no
    /// pattern, 324 are written 0 and 11 O (openalpr_segocr_us 195 to 1, reported_ocr_us 129
    /// to 10; even between two letters, as in vanity words, 24 to 6). The OCR did not learn
    /// that convention (its synthetic plates draw either at random), and O against 0 made
    /// about half of its misreads on the close-up folders (54 of 112). So a reading that fits
    /// no pattern has its O written 0; a hot list matches either way (the server's matcher
    /// folds look-alikes).
    public func written(_ text: String) -> String {
        guard zeroOutsideFormats, text.contains("O"), !matches(text) else { return text }
        return String(text.map { $0 == "O" ? "0" : $0 })
    }

    public func matches(_ text: String) -> Bool {
        patterns.contains { pattern in
            pattern.count == text.count && zip(pattern, text).allSatisfy { kind, character in
                switch kind {
                case "L": character.isASCII && character.isLetter
                case "N": character.isASCII && character.isNumber
                default: kind == character
                }
            }
        }
    }

    /// Candidates sorted by `confidence × (fits a pattern ? boost : 1)`, stable for ties.
    public func rerank(_ candidates: [PlateCandidate]) -> [PlateCandidate] {
        candidates.enumerated()
            .map { (index: $0.offset, candidate: $0.element, score: $0.element.confidence * (matches($0.element.text) ? boost : 1)) }
            .sorted { $0.score != $1.score ? $0.score > $1.score : $0.index < $1.index }
            .map(\.candidate)
    }

    /// Characters OCR confuses, used to propose pattern-fitting variants of a reading.
    static let letterForDigit: [Character: Character] = ["0": "O", "1": "I", "2": "Z", "5": "S", "8": "B", "6": "G"]
    static let digitForLetter: [Character: Character] = ["O": "0", "Q": "0", "D": "0", "I": "1", "L": "1", "Z": "2", "S": "5", "B": "8", "G": "6"]

    /// Variants of `text` that fit a pattern of the same length by swapping look-alike
    /// characters where the pattern wants the other kind. The OCR then scores each variant.
    public func lookAlikeVariants(of text: String) -> [String] {
        var variants: [String] = []
        for pattern in patterns where pattern.count == text.count {
            var variant = ""
            var possible = true
            for (kind, character) in zip(pattern, text) {
                if kind == "L", character.isNumber {
                    guard let letter = Self.letterForDigit[character] else { possible = false; break }
                    variant.append(letter)
                } else if kind == "N", character.isLetter {
                    guard let digit = Self.digitForLetter[character] else { possible = false; break }
                    variant.append(digit)
                } else {
                    variant.append(character)
                }
            }
            if possible, variant != text, matches(variant), !variants.contains(variant) { variants.append(variant) }
        }
        return variants
    }
}
