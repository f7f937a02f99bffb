import Foundation

/// A plate to search for: exact, or a pattern where `?` is one character and `*` any run.
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

    /// The pattern as SQL LIKE (with `\` as escape; plate characters never need escaping).
    public var sqlLikePattern: String {
        switch self {
        case .exact(let plate): plate.value
        case .pattern(let pattern):
            String(pattern.map { $0 == "?" ? "_" : $0 == "*" ? "%" : $0 })
        }
    }

    /// Reference matcher, used by tests and by in-memory filtering.
    public func matches(_ plate: PlateNumber) -> Bool {
        switch self {
        case .exact(let wanted): return wanted == plate
        case .pattern(let pattern): return Self.wildcardMatch(Array(pattern), Array(plate.value))
        }
    }

    static func wildcardMatch(_ pattern: [Character], _ text: [Character]) -> Bool {
        var p = 0, t = 0, starP = -1, starT = 0
        while t < text.count {
            if p < pattern.count, pattern[p] == "?" || pattern[p] == text[t] {
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
