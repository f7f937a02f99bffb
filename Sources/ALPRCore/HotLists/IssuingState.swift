import Foundation

/// The two-letter code of the state, province or territory that issued a plate (NCIC LIS
/// field, USPS code for US states). Stored as two ASCII letters packed into 16 bits so a
/// 2-million-entry hot list keeps it in two bytes.
public struct IssuingState: Hashable, Sendable, Codable, Comparable, CustomStringConvertible {
    let packed: UInt16

    /// Normalises and validates a state code. R4: extracts write `0H` (digit zero) for Ohio;
    /// no state code holds a digit, so a zero is read as the letter O everywhere.
    public init(_ raw: String) throws(ALPRError) {
        guard let state = IssuingState(asciiBytes: raw.utf8) else {
            throw .invalid(field: "state", reason: "a state must be two letters (e.g. MN)")
        }
        self = state
    }

    /// Parses already-split ASCII bytes (surrounding spaces allowed); nil when not a state code.
    init?(asciiBytes: some Sequence<UInt8>) {
        var packed: UInt16 = 0
        var count = 0
        for byte in asciiBytes where byte != UInt8(ascii: " ") {
            var letter = byte
            if letter == UInt8(ascii: "0") { letter = UInt8(ascii: "O") }
            if letter >= UInt8(ascii: "a") && letter <= UInt8(ascii: "z") { letter -= 32 }
            guard letter >= UInt8(ascii: "A") && letter <= UInt8(ascii: "Z"), count < 2 else { return nil }
            packed = packed << 8 | UInt16(letter)
            count += 1
        }
        guard count == 2 else { return nil }
        self.packed = packed
    }

    init(packed: UInt16) { self.packed = packed }

    public var code: String {
        String(decoding: [UInt8(truncatingIfNeeded: packed >> 8), UInt8(truncatingIfNeeded: packed)], as: UTF8.self)
    }

    public var description: String { code }

    public init(from decoder: any Decoder) throws {
        let raw = try decoder.singleValueContainer().decode(String.self)
        try self.init(raw)
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(code)
    }

    public static func < (lhs: IssuingState, rhs: IssuingState) -> Bool { lhs.packed < rhs.packed }
}
