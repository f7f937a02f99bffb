import Foundation

/// A licence plate number as the system stores and compares it: upper case, `0-9A-Z` only,
/// 1 to 10 characters (spaces, dashes and dots that cameras and people add are removed).
public struct PlateNumber: Hashable, Sendable, Codable, Comparable, CustomStringConvertible {
    public static let maximumLength = 10
    public let value: String

    /// Normalises and validates `raw`; throws `ALPRError.invalid` with the reason.
    public init(_ raw: String) throws(ALPRError) {
        let normalised = Self.normalise(raw)
        guard !normalised.isEmpty else {
            throw .invalid(field: "plate", reason: "plate is empty after normalisation")
        }
        guard normalised.count <= Self.maximumLength else {
            throw .invalid(field: "plate", reason: "plate has more than \(Self.maximumLength) characters")
        }
        guard normalised.unicodeScalars.allSatisfy(Self.isPlateCharacter) else {
            throw .invalid(field: "plate", reason: "plate may only contain the letters A-Z and digits 0-9")
        }
        value = normalised
    }

    public init(from decoder: any Decoder) throws {
        let raw = try decoder.singleValueContainer().decode(String.self)
        try self.init(raw)
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(value)
    }

    /// Upper-cases and removes the separators people and cameras put in plates.
    public static func normalise(_ raw: String) -> String {
        String(raw.uppercased().unicodeScalars.filter { !separators.contains($0) })
    }

    static let separators: Set<Unicode.Scalar> = [" ", "-", ".", "·", "\t", "_"]

    static func isPlateCharacter(_ scalar: Unicode.Scalar) -> Bool {
        ("A"..."Z").contains(scalar) || ("0"..."9").contains(scalar)
    }

    public var description: String { value }
    public static func < (lhs: PlateNumber, rhs: PlateNumber) -> Bool { lhs.value < rhs.value }
}
