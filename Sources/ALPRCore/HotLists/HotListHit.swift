import Foundation

/// How a read matched a hot list record.
public enum HotListMatchKind: String, Sendable, Codable, CaseIterable {
    /// The read plate is the record's plate.
    case exact
    /// One of the engine's alternative readings is the record's plate.
    case candidate
    /// The read plate equals the record's plate after mapping easily confused characters
    /// (O/0/D/Q, I/1/L, B/8, S/5, Z/2, G/6).
    case confusable
    /// An alternative reading equals the record's plate after that mapping.
    case candidateConfusable = "candidate_confusable"

    /// Stronger evidence sorts first; a record found several ways keeps the strongest.
    var strength: Int {
        switch self {
        case .exact: 3
        case .candidate: 2
        case .confusable: 1
        case .candidateConfusable: 0
        }
    }
}

/// Whether the read's state agrees with the record's. Never hidden (R6: the operator checks
/// that the issuing state matches before acting).
public enum StateComparison: String, Sendable, Codable, CaseIterable {
    case matches
    case differs
    /// The read or the record has no state.
    case unknown

    public init(read: IssuingState?, record: IssuingState?) {
        guard let read, let record else { self = .unknown; return }
        self = read == record ? .matches : .differs
    }

    /// `true`, `false`, or nil for unknown.
    public var stateMatches: Bool? {
        switch self {
        case .matches: true
        case .differs: false
        case .unknown: nil
        }
    }
}

/// A read that matched a hot list record: what the alert shows (R6) with a snapshot of the
/// record as it was in the index, so later list changes do not alter a stored hit.
public struct HotListHit: Hashable, Sendable, Codable {
    public var entry: HotListEntry
    public var source: HotListSource
    /// The list version the record came from; nil for manual entries.
    public var listVersion: Int?
    public var matchKind: HotListMatchKind
    /// The text of the read (its plate or an alternative reading) that matched.
    public var matchedText: PlateNumber
    public var stateComparison: StateComparison
    /// What the officer must be told with this hit (see `HitNotice`).
    public var notices: [String]

    public init(
        entry: HotListEntry, source: HotListSource, listVersion: Int?, matchKind: HotListMatchKind,
        matchedText: PlateNumber, stateComparison: StateComparison
    ) {
        self.entry = entry; self.source = source; self.listVersion = listVersion
        self.matchKind = matchKind; self.matchedText = matchedText; self.stateComparison = stateComparison
        self.notices = []
        self.notices = HitNotice.notices(for: self)
    }

    /// Anything but an exact match of the read plate is a *possible* hit.
    public var isPossible: Bool { matchKind != .exact }
}

/// R6 (Policy "Procedures"), R5 (Policy "Manual Hot List"): the words every alert carries.
public enum HitNotice {
    /// Shown with every hit.
    public static let notProbableCause = "A hit alone is not probable cause for arrest."
    public static let confirmCurrent = "Confirm the alert is still current with NCIC by radio or MDC before acting."
    public static let manualEntry = "Manual hot list entry: confirm the legal justification (warrant or exigency) is still current before acting."
    public static let personBased = "The record is about a person: confirm the person is believed to be in the vehicle."
    public static let ownerBased = "The record is about the registered owner: the driver may not be the owner."
    public static let possibleMatch = "Possible match only: the read differs from the record in easily misread characters. Compare the plate image with the record."
    public static let stateDiffers = "The plate's state differs from the record's state."
    public static let stateUnknown = "The plate's state could not be compared with the record; check it."

    public static func notices(for hit: HotListHit) -> [String] {
        var notices = [notProbableCause, confirmCurrent]
        if hit.isPossible { notices.append(possibleMatch) }
        switch hit.stateComparison {
        case .matches: break
        case .differs: notices.append(stateDiffers)
        case .unknown: notices.append(stateUnknown)
        }
        if hit.entry.isManual { notices.append(manualEntry) }
        switch hit.entry.category.basis {
        case .vehicle: break
        case .person: notices.append(personBased)
        case .registeredOwner: notices.append(ownerBased)
        }
        return notices
    }
}
