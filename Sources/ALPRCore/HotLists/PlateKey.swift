/// A plate packed into 64 bits for the hot list index: each of up to 10 characters takes 6
/// bits (`0`-`9` are 1-10, `A`-`Z` are 11-36, 0 ends the plate), so one integer compare or
/// hash replaces a string compare, and 2 million plates take 16 MB.
struct PlateKey: Hashable, Sendable, Comparable {
    let rawValue: UInt64

    init(rawValue: UInt64) { self.rawValue = rawValue }

    static func < (lhs: PlateKey, rhs: PlateKey) -> Bool { lhs.rawValue < rhs.rawValue }

    /// Character code for a plate byte: `0-9` are 1-10, `A-Z` (or `a-z`) 11-36, anything
    /// else 0. Arithmetic rather than a table: the matcher calls it for every character of
    /// every text it looks up, and a lazily initialised table costs a check on each access.
    @inline(__always)
    static func code(_ byte: UInt8) -> UInt8 {
        if byte &- UInt8(ascii: "0") < 10 { return byte &- (UInt8(ascii: "0") - 1) }
        let upper = byte & 0xDF
        if upper &- UInt8(ascii: "A") < 26 { return upper &- (UInt8(ascii: "A") - 11) }
        return 0
    }

    /// The plate byte for a character code (1-36).
    @inline(__always)
    static func byte(forCode code: UInt8) -> UInt8 {
        code <= 10 ? code &+ (UInt8(ascii: "0") - 1) : code &+ (UInt8(ascii: "A") - 11)
    }

    /// Characters that recognition engines commonly confuse, each mapped to one representative:
    /// O/0/D/Q, I/1/L, B/8, S/5, Z/2 and G/6. Plates equal after this mapping are *possible*
    /// matches of each other. `foldedCode` implements these groups; tests check it against them.
    static let confusableGroups: [String] = ["O0DQ", "I1L", "B8", "S5", "Z2", "G6"]

    /// Character code to the code of its confusable representative (the digit of its group).
    @inline(__always)
    static func foldedCode(_ code: UInt8) -> UInt8 {
        switch code {
        case 25, 14, 27: 1   // O, D, Q -> 0
        case 19, 22: 2       // I, L -> 1
        case 12: 9           // B -> 8
        case 29: 6           // S -> 5
        case 36: 3           // Z -> 2
        case 17: 7           // G -> 6
        default: code
        }
    }

    /// The exact key of a normalised plate, or nil when it is not 1-10 plate characters.
    static func exact(normalisedPlate bytes: some Sequence<UInt8>) -> PlateKey? {
        var key: UInt64 = 0
        var shift: UInt64 = 0
        for byte in bytes {
            let code = byte >= UInt8(ascii: "a") ? 0 : code(byte)
            guard code != 0, shift < 60 else { return nil }
            key |= UInt64(code) << shift
            shift += 6
        }
        return key == 0 ? nil : PlateKey(rawValue: key)
    }

    init(_ plate: PlateNumber) {
        // PlateNumber guarantees 1-10 characters of 0-9A-Z.
        self = PlateKey.exact(normalisedPlate: plate.value.utf8)!
    }

    /// The confusable-folded key: equal for plates that differ only in confusable characters.
    var folded: PlateKey {
        var remaining = rawValue
        var result: UInt64 = 0
        var shift: UInt64 = 0
        while remaining != 0 {
            result |= UInt64(Self.foldedCode(UInt8(truncatingIfNeeded: remaining & 63))) << shift
            remaining >>= 6
            shift += 6
        }
        return PlateKey(rawValue: result)
    }

    /// Characters in the plate.
    var length: Int { (64 - rawValue.leadingZeroBitCount + 5) / 6 }

    /// The plate text this key packs.
    var plate: PlateNumber {
        let text = String(unsafeUninitializedCapacity: length) { buffer in
            var remaining = rawValue
            var count = 0
            while remaining != 0 {
                buffer[count] = Self.byte(forCode: UInt8(truncatingIfNeeded: remaining & 63))
                remaining >>= 6
                count += 1
            }
            return count
        }
        return PlateNumber(validatedNormalised: text)
    }
}

extension PlateKey {
    /// Normalises raw plate text the way `PlateNumber.normalise` does (upper case; spaces,
    /// dashes, dots, underscores and tabs removed) and packs it, without building a String.
    /// nil when the text is not a valid plate. Used for OCR candidates and file fields.
    static func normalising(_ bytes: some Collection<UInt8>) -> PlateKey? {
        normalisingWithFolded(bytes)?.exact
    }

    /// Per byte, for the matcher's loop: 0 for a byte that is not part of a plate,
    /// `skipByte` for a separator, `nonASCIIByte` for a byte above 0x7F, otherwise the
    /// character code in the low byte and its folded code in the high byte. One table load per
    /// character instead of a chain of comparisons.
    static let byteClasses: [UInt16] = (0..<256).map { value in
        let byte = UInt8(value)
        switch byte {
        case UInt8(ascii: " "), UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"), UInt8(ascii: "\t"): return skipByte
        case 0x80...: return nonASCIIByte
        default:
            let code = code(byte)
            return code == 0 ? 0 : UInt16(code) | UInt16(foldedCode(code)) << 8
        }
    }
    static let skipByte: UInt16 = 0xFFFF
    static let nonASCIIByte: UInt16 = 0xFFFE

    /// `normalisingWithFolded` over a String's UTF-8 bytes, read in place (a short string's
    /// bytes are copied to the stack), classified with `byteClasses`.
    @inline(__always)
    static func normalisingWithFolded(utf8Of text: String, classes: UnsafeBufferPointer<UInt16>) -> (exact: PlateKey, folded: PlateKey)? {
        var text = text
        return text.withUTF8 { bytes in
            var key: UInt64 = 0
            var folded: UInt64 = 0
            var shift: UInt64 = 0
            for byte in bytes {
                let codes = classes[Int(byte)]
                if codes == skipByte { continue }
                if codes == nonASCIIByte { return normalisingWithFolded(bytes) }
                guard codes != 0, shift < 60 else { return nil }
                key |= UInt64(codes & 0xFF) << shift
                folded |= UInt64(codes >> 8) << shift
                shift += 6
            }
            return key == 0 ? nil : (PlateKey(rawValue: key), PlateKey(rawValue: folded))
        }
    }

    /// `normalising` and `folded` in one pass over the text, for the matcher's hot path.
    @inline(__always)
    static func normalisingWithFolded(_ bytes: some Collection<UInt8>) -> (exact: PlateKey, folded: PlateKey)? {
        var key: UInt64 = 0
        var folded: UInt64 = 0
        var shift: UInt64 = 0
        for byte in bytes {
            switch byte {
            case UInt8(ascii: " "), UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"), UInt8(ascii: "\t"):
                continue
            case 0x80...:
                // Non-ASCII: let PlateNumber's Unicode-aware normalisation decide.
                guard let plate = try? PlateNumber(String(decoding: bytes, as: UTF8.self)) else { return nil }
                let exact = PlateKey(plate)
                return (exact, exact.folded)
            default:
                let code = code(byte)
                guard code != 0, shift < 60 else { return nil }
                key |= UInt64(code) << shift
                folded |= UInt64(foldedCode(code)) << shift
                shift += 6
            }
        }
        return key == 0 ? nil : (PlateKey(rawValue: key), PlateKey(rawValue: folded))
    }
}

extension PlateNumber {
    /// For text already known to be a normalised plate (decoded from a `PlateKey`), skipping
    /// the String work of the public initialiser.
    init(validatedNormalised value: String) {
        self.value = value
    }
}
