import Foundation

/// A criminal investigation that holds reads beyond the retention period (R12).
public struct InvestigationCase: Hashable, Sendable, Codable {
    public var number: String
    public var description: String
    public var openedAt: Date
    public var openedBy: String
    public var closedAt: Date?

    public init(number: String, description: String, openedAt: Date, openedBy: String, closedAt: Date? = nil) {
        self.number = number; self.description = description; self.openedAt = openedAt
        self.openedBy = openedBy; self.closedAt = closedAt
    }

    public var isOpen: Bool { closedAt == nil }
}

/// Why a read is kept past retention (R12, Policy "Data Retention"; §13.824 subd. 3).
public enum HoldBasis: String, Sendable, Codable, CaseIterable {
    /// Pertinent to an open criminal investigation.
    case investigation
    /// A written request from the subject of a pending charge that the data may be exculpatory.
    case exculpatoryRequest = "exculpatory_request"
}

public struct ReadHold: Hashable, Sendable, Codable {
    public var readID: UUID
    public var caseNumber: String
    public var basis: HoldBasis
    public var placedAt: Date
    public var placedBy: String
    public var releasedAt: Date?

    public init(readID: UUID, caseNumber: String, basis: HoldBasis, placedAt: Date, placedBy: String, releasedAt: Date? = nil) {
        self.readID = readID; self.caseNumber = caseNumber; self.basis = basis
        self.placedAt = placedAt; self.placedBy = placedBy; self.releasedAt = releasedAt
    }
}

/// What a retention purge did (or, for a dry run, would do).
public struct PurgeReport: Hashable, Sendable, Codable {
    public var cutoff: Date
    public var readsDeleted: Int
    public var imagesDeleted: Int
    public var readsKeptForHolds: Int
    public var dryRun: Bool
    /// Image files no read referenced (left by an ingest interrupted before its row was stored).
    public var orphanImagesDeleted: Int

    public init(
        cutoff: Date, readsDeleted: Int, imagesDeleted: Int, readsKeptForHolds: Int, dryRun: Bool,
        orphanImagesDeleted: Int = 0
    ) {
        self.cutoff = cutoff; self.readsDeleted = readsDeleted; self.imagesDeleted = imagesDeleted
        self.readsKeptForHolds = readsKeptForHolds; self.dryRun = dryRun
        self.orphanImagesDeleted = orphanImagesDeleted
    }
}
