import ALPRCore
import Foundation

// Hot lists (R3-R5) and the hits they produce (R6, R14). Like every repository, a method that
// changes data together with its audit entry does both in one transaction.

/// A stored hot list version with whether it is the live one of its source (R3, R4).
public struct StoredHotListVersion: Hashable, Sendable {
    public var version: HotListVersion
    /// The newest accepted version of each source is live; older ones are kept as history
    /// (their entries are deleted when they are replaced).
    public var isLive: Bool
    /// Who loaded it: a user, `system:hotlist-import` for the scheduled retrieval, `cli:<user>`.
    public var loadedBy: String

    public init(version: HotListVersion, isLive: Bool, loadedBy: String) {
        self.version = version; self.isLive = isLive; self.loadedBy = loadedBy
    }
}

public protocol HotListRepository: Sendable {
    /// Stores an accepted version with its entries and makes it its source's live version, in
    /// one transaction with `audit`. The previous live version of the same source stays as
    /// history without its entries. A version number already stored for the source is refused
    /// (two loads raced): nothing changes.
    func store(_ version: HotListVersion, entries: [HotListEntry], loadedBy: String, audit: AuditEntryDraft) async throws
    /// The live version of every source with its entries, for building the matcher at startup.
    func liveLists() async throws -> [LoadedHotList]
    /// The live versions without their entries (cheap: for noticing loads made by another process).
    func liveVersions() async throws -> [HotListVersion]
    /// Every stored version, newest first.
    func versions(limit: Int) async throws -> [StoredHotListVersion]

    /// Manual entries (R5). The entry is checked by `ManualEntryRules` before it comes here.
    func createManualEntry(_ entry: ManualHotListEntry, audit: AuditEntryDraft) async throws
    /// Saves an extended or removed entry (removal and extension history live in the entry).
    func updateManualEntry(_ entry: ManualHotListEntry, audit: AuditEntryDraft) async throws
    func manualEntry(id: UUID) async throws -> ManualHotListEntry?
    /// Oldest first.
    func manualEntries(includingRemoved: Bool) async throws -> [ManualHotListEntry]
}

/// A hit as stored: the read it came from and a snapshot of the record as it was when the
/// read matched (R6), with the operator's resolution once recorded.
public struct StoredHit: Hashable, Sendable, Codable, Identifiable {
    /// Increases with every hit stored and is never reused: live-alert clients resume after it.
    public var sequence: Int64
    public var id: UUID
    public var readID: UUID
    public var readerID: UUID
    public var capturedAt: Date
    public var matchedAt: Date
    public var hit: HotListHit
    public var resolution: HitResolution?

    public init(
        sequence: Int64, id: UUID, readID: UUID, readerID: UUID, capturedAt: Date, matchedAt: Date,
        hit: HotListHit, resolution: HitResolution? = nil
    ) {
        self.sequence = sequence; self.id = id; self.readID = readID; self.readerID = readerID
        self.capturedAt = capturedAt; self.matchedAt = matchedAt; self.hit = hit; self.resolution = resolution
    }
}

/// Which readers' hits a query covers.
public enum HitReaderScope: Hashable, Sendable {
    case allReaders
    /// Every fixed reader's hits plus those of the given readers (an officer's own mobile reader).
    case fixedReadersAnd([UUID])
    case readers([UUID])
}

public struct HitQuery: Hashable, Sendable {
    public var scope: HitReaderScope
    /// Only hits with a larger sequence (live-alert catch-up).
    public var afterSequence: Int64?
    public var from: Date?
    public var to: Date?
    /// Only hits without a recorded resolution.
    public var pendingOnly: Bool
    public var limit: Int

    public init(
        scope: HitReaderScope = .allReaders, afterSequence: Int64? = nil, from: Date? = nil, to: Date? = nil,
        pendingOnly: Bool = false, limit: Int = 500
    ) {
        self.scope = scope; self.afterSequence = afterSequence; self.from = from; self.to = to
        self.pendingOnly = pendingOnly; self.limit = limit
    }
}

/// R14 (§13.824 subd. 5): how many reads of one active period matched each category bucket.
/// Aggregate counters without plate text; they outlive the reads and hits they count.
public struct PublicLogHitCount: Hashable, Sendable, Codable {
    public var readerID: UUID
    public var activePeriodID: UUID
    public var bucket: PublicLogHitBucket
    public var readCount: Int

    public init(readerID: UUID, activePeriodID: UUID, bucket: PublicLogHitBucket, readCount: Int) {
        self.readerID = readerID; self.activePeriodID = activePeriodID; self.bucket = bucket; self.readCount = readCount
    }
}

/// The outcome of storing reads with their hits.
public struct MatchedInsertResult: Sendable {
    /// One per read, in order, as `ReadRepository.insert` returns them.
    public var outcomes: [InsertOutcome]
    /// The hits stored for newly inserted reads, in sequence order.
    public var hits: [StoredHit]

    public init(outcomes: [InsertOutcome], hits: [StoredHit]) {
        self.outcomes = outcomes; self.hits = hits
    }
}

public protocol HitRepository: Sendable {
    /// Stores reads exactly as `ReadRepository.insert` does and, in the same transaction, the
    /// hits `match` finds for each read that was newly inserted (a duplicate is not matched
    /// again), counting them for the public log (R14). `match` is called inside the
    /// transaction, so it must be quick and must not touch the database.
    func insertMatching(
        _ reads: [Read], audit: AuditEntryDraft?, matchedAt: Date, match: @Sendable (Read) -> [HotListHit]
    ) async throws -> MatchedInsertResult
    func hit(id: UUID) async throws -> StoredHit?
    /// Newest first, except with `afterSequence`, which returns the oldest first (catch-up order).
    func hits(_ query: HitQuery) async throws -> [StoredHit]
    /// Records the operator's verification and disposition (R6) with `audit`. The caller has
    /// checked it with `HitVerificationRules`. A hit is resolved once; a second resolution is a
    /// conflict.
    func resolve(hitID: UUID, _ resolution: HitResolution, audit: AuditEntryDraft) async throws
    /// R14 counts for active periods that started in the range (nil: unbounded).
    func publicLogHitCounts(readerID: UUID?, from: Date?, to: Date?) async throws -> [PublicLogHitCount]
}
