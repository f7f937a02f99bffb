import Foundation

/// A plate to search for: exact, or a pattern where `?` is one character and `*` any run.
///
/// The letter O and the digit 0 count as one character (`isRoundGlyph`). On most US plates
/// they are one round glyph, and the recognition engine writes it `0` in a read that fits no
/// serial format (`USPlateFormats.written` in ALPRVision), so a plate searched as it is known
/// (`GROWAPR`) must find the read as the engine wrote it (`GR0WAPR`), and the other way round.
/// Other look-alikes (D, Q, B/8, ...) are distinct glyphs and are not folded here: a search
/// returns the plate asked for, not every plate a misread could have produced.
public enum PlateCriterion: Hashable, Sendable, Codable {
    case exact(PlateNumber)
    case pattern(String)

    /// Parses user input: wildcards make a pattern; otherwise an exact plate.
    public init(_ raw: String) throws(ALPRError) {
        let normalised = PlateNumber.normalise(raw)
        if normalised.contains("?") || normalised.contains("*") {
            guard normalised.unicodeScalars.allSatisfy({ PlateNumber.isPlateCharacter($0) || $0 == "?" || $0 == "*" }) else {
                throw .invalid(field: "plate", reason: "a pattern may only contain A-Z, 0-9, ? and *")
            }
            let literals = normalised.filter { $0 != "?" && $0 != "*" }.count
            guard literals >= 2 else {
                throw .invalid(field: "plate", reason: "a pattern needs at least 2 known characters")
            }
            guard normalised.filter({ $0 != "*" }).count <= PlateNumber.maximumLength else {
                throw .invalid(field: "plate", reason: "pattern is longer than a plate")
            }
            self = .pattern(normalised)
        } else {
            self = .exact(try PlateNumber(normalised))
        }
    }

    /// The letter O and the digit 0, which a search takes as one character.
    public static func isRoundGlyph(_ character: Character) -> Bool {
        character == "O" || character == "0"
    }

    /// Two plate characters are the same for a search: equal, or both round glyphs.
    static func sameForSearch(_ a: Character, _ b: Character) -> Bool {
        a == b || (isRoundGlyph(a) && isRoundGlyph(b))
    }

    /// Reference matcher, used by tests and by in-memory filtering.
    public func matches(_ plate: PlateNumber) -> Bool {
        switch self {
        case .exact(let wanted):
            return wanted.value.count == plate.value.count && zip(wanted.value, plate.value).allSatisfy(Self.sameForSearch)
        case .pattern(let pattern): return Self.wildcardMatch(Array(pattern), Array(plate.value))
        }
    }

    static func wildcardMatch(_ pattern: [Character], _ text: [Character]) -> Bool {
        var p = 0, t = 0, starP = -1, starT = 0
        while t < text.count {
            if p < pattern.count, pattern[p] == "?" || sameForSearch(pattern[p], text[t]) {
                p += 1; t += 1
            } else if p < pattern.count, pattern[p] == "*" {
                starP = p; starT = t; p += 1
            } else if starP >= 0 {
                p = starP + 1; starT += 1; t = starT
            } else {
                return false
            }
        }
        while p < pattern.count, pattern[p] == "*" { p += 1 }
        return p == pattern.count
    }
}

/// Criteria for a search of stored reads (R10: always with a `SearchJustification`).
public struct ReadQuery: Hashable, Sendable, Codable {
    public static let maximumWindowWithoutPlate: TimeInterval = 24 * 3600
    public static let maximumLimit = 1000

    public var plate: PlateCriterion?
    public var from: Date?
    public var to: Date?
    public var readerIDs: [UUID]
    public var limit: Int

    public init(plate: PlateCriterion? = nil, from: Date? = nil, to: Date? = nil, readerIDs: [UUID] = [], limit: Int = 200) throws(ALPRError) {
        if let from, let to, from > to {
            throw .invalid(field: "time range", reason: "'from' is after 'to'")
        }
        if plate == nil {
            // Without a plate the search must be narrow: a time window of at most a day.
            guard let from, let to, to.timeIntervalSince(from) <= Self.maximumWindowWithoutPlate else {
                throw .invalid(field: "plate", reason: "without a plate, give a time range of at most 24 hours")
            }
        }
        guard (1...Self.maximumLimit).contains(limit) else {
            throw .invalid(field: "limit", reason: "must be between 1 and \(Self.maximumLimit)")
        }
        self.plate = plate; self.from = from; self.to = to; self.readerIDs = readerIDs; self.limit = limit
    }

    /// A compact description for the audit trail (R9 "query criteria").
    public var auditDescription: String {
        var parts: [String] = []
        switch plate {
        case .exact(let p): parts.append("plate=\(p.value)")
        case .pattern(let p): parts.append("plate~\(p)")
        case nil: break
        }
        let iso = ISO8601DateFormatter()
        if let from { parts.append("from=\(iso.string(from: from))") }
        if let to { parts.append("to=\(iso.string(from: to))") }
        if !readerIDs.isEmpty { parts.append("readers=\(readerIDs.map(\.uuidString).joined(separator: ","))") }
        parts.append("limit=\(limit)")
        return parts.joined(separator: " ")
    }
}
