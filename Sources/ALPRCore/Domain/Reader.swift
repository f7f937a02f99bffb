import Foundation

public enum ReaderKind: String, Sendable, Codable, CaseIterable {
    /// Pole or building mounted; has a fixed location (R14 publishes it, R16 reports it to the BCA).
    case fixed
    /// Mounted on a squad car; collects only while a trained officer is logged in (R7).
    case mobile
}

public struct Reader: Hashable, Sendable, Codable, Identifiable {
    public var id: UUID
    public var name: String
    public var kind: ReaderKind
    /// Fixed readers: where it is. Mobile readers: nil.
    public var location: GeoPoint?
    public var locationDescription: String?
    /// R14: a fixed reader's location may be withheld from the public log as security information.
    public var locationWithheld: Bool
    /// Mobile readers: the squad/unit it is mounted on.
    public var unit: String?
    public var installedAt: Date
    /// R16 (§13.824 subd. 8): first use and the date it was reported to the BCA.
    public var firstUsedAt: Date?
    public var bcaReportedAt: Date?
    public var retiredAt: Date?
    public var createdAt: Date

    public init(
        id: UUID = UUID(), name: String, kind: ReaderKind, location: GeoPoint? = nil,
        locationDescription: String? = nil, locationWithheld: Bool = false, unit: String? = nil,
        installedAt: Date, firstUsedAt: Date? = nil, bcaReportedAt: Date? = nil, retiredAt: Date? = nil,
        createdAt: Date = Date()
    ) {
        self.id = id; self.name = name; self.kind = kind; self.location = location
        self.locationDescription = locationDescription; self.locationWithheld = locationWithheld
        self.unit = unit; self.installedAt = installedAt; self.firstUsedAt = firstUsedAt
        self.bcaReportedAt = bcaReportedAt; self.retiredAt = retiredAt; self.createdAt = createdAt
    }
}

/// A span of time during which a reader was actively collecting (R7 for mobile readers,
/// R14 publishes the spans and the read counts per span).
public struct ActivePeriod: Hashable, Sendable, Codable, Identifiable {
    public enum Source: String, Sendable, Codable {
        /// A trained officer logged in to a mobile reader; ends at log-out.
        case officerLogin = "officer_login"
        /// A fixed reader's start/stop command.
        case startStop = "start_stop"
        /// A fixed reader's heartbeats; ends when heartbeats stop for longer than the gap allowed.
        case heartbeat
    }

    public var id: UUID
    public var readerID: UUID
    public var source: Source
    public var operatorUserID: UUID?
    public var startedAt: Date
    public var endedAt: Date?
    /// For heartbeat periods: the last heartbeat seen.
    public var lastHeartbeatAt: Date?

    public init(
        id: UUID = UUID(), readerID: UUID, source: Source, operatorUserID: UUID? = nil,
        startedAt: Date, endedAt: Date? = nil, lastHeartbeatAt: Date? = nil
    ) {
        self.id = id; self.readerID = readerID; self.source = source
        self.operatorUserID = operatorUserID; self.startedAt = startedAt; self.endedAt = endedAt
        self.lastHeartbeatAt = lastHeartbeatAt
    }

    public func covers(_ date: Date) -> Bool {
        date >= startedAt && (endedAt.map { date <= $0 } ?? true)
    }
}
