import ALPRCore
import Foundation

// Repository protocols. The SQLite (GRDB) implementation lives in ALPRStorageSQLite; a
// PostgreSQL implementation will follow the same protocols and pass the same contract suite.
// Every method that changes data together with its audit entry does both in one transaction.

public enum InsertOutcome: String, Sendable, Equatable {
    case inserted
    /// A read with this id already exists; nothing was changed (retries are idempotent).
    case duplicate
}

public protocol ReadRepository: Sendable {
    /// Stores reads idempotently by id, and appends `audit` (R9 "entered") in the same
    /// transaction. Returns one outcome per read, in order.
    func insert(_ reads: [Read], audit: AuditEntryDraft?) async throws -> [InsertOutcome]
    func read(id: UUID) async throws -> Read?
    /// Newest first. The caller has checked the `SearchJustification` and audits the search.
    func search(_ query: ReadQuery) async throws -> [Read]
    func count() async throws -> Int
}

public protocol ReaderRepository: Sendable {
    func create(_ reader: Reader, credentialHash: String, audit: AuditEntryDraft) async throws
    func update(_ reader: Reader, audit: AuditEntryDraft) async throws
    func setCredentialHash(readerID: UUID, credentialHash: String, audit: AuditEntryDraft) async throws
    func reader(id: UUID) async throws -> Reader?
    func reader(named name: String) async throws -> Reader?
    func credentialHash(readerID: UUID) async throws -> String?
    func all() async throws -> [Reader]

    /// Opens an active period; an open period of the same reader is closed first at `period.startedAt`.
    func openActivePeriod(_ period: ActivePeriod) async throws
    /// Closes the reader's open period, if any, and returns it.
    func closeActivePeriod(readerID: UUID, at: Date) async throws -> ActivePeriod?
    /// The period covering `at`, if any.
    func activePeriod(readerID: UUID, at: Date) async throws -> ActivePeriod?
    /// Extends the open heartbeat period, or opens a new one when the last heartbeat is older than `maximumGap`.
    func recordHeartbeat(readerID: UUID, at: Date, maximumGap: TimeInterval) async throws -> ActivePeriod
    func activePeriods(readerID: UUID?, from: Date?, to: Date?) async throws -> [ActivePeriod]
}

public protocol UserRepository: Sendable {
    func create(_ user: User, audit: AuditEntryDraft) async throws
    func update(_ user: User, audit: AuditEntryDraft) async throws
    func user(id: UUID) async throws -> User?
    func user(username: String) async throws -> User?
    func all() async throws -> [User]
    func count() async throws -> Int
}

/// A logged-in browser or API session. Only a hash of the token is stored.
public struct StoredSession: Hashable, Sendable, Codable {
    public var tokenHash: String
    public var userID: UUID
    /// Mobile reader this officer logged in to, if any (closing the session ends its active period).
    public var readerID: UUID?
    public var createdAt: Date
    public var expiresAt: Date

    public init(tokenHash: String, userID: UUID, readerID: UUID? = nil, createdAt: Date, expiresAt: Date) {
        self.tokenHash = tokenHash; self.userID = userID; self.readerID = readerID
        self.createdAt = createdAt; self.expiresAt = expiresAt
    }
}

public protocol SessionRepository: Sendable {
    func create(_ session: StoredSession) async throws
    func session(tokenHash: String) async throws -> StoredSession?
    func delete(tokenHash: String) async throws
    func deleteExpired(now: Date) async throws -> Int
}

public protocol AuditRepository: Sendable {
    func append(_ entry: AuditEntryDraft) async throws -> AuditEvent
    /// Entries with sequence >= `from`, in order.
    func events(from: Int64, limit: Int) async throws -> [AuditEvent]
    /// Walks the whole chain (R9 integrity).
    func verify() async throws -> AuditChain.Verification
}

public protocol CaseRepository: Sendable {
    func open(_ investigationCase: InvestigationCase, audit: AuditEntryDraft) async throws
    func investigationCase(number: String) async throws -> InvestigationCase?
    /// Closes the case and releases its holds (the reads become eligible for purge again).
    func close(number: String, at: Date, audit: AuditEntryDraft) async throws
    /// Holds reads for an open case; their classification becomes active criminal investigative (R2).
    func hold(readIDs: [UUID], caseNumber: String, basis: HoldBasis, at: Date, by: String, audit: AuditEntryDraft) async throws
    func release(readIDs: [UUID], caseNumber: String, at: Date, audit: AuditEntryDraft) async throws
    func holds(caseNumber: String) async throws -> [ReadHold]
}

public protocol RetentionRepository: Sendable {
    /// Deletes reads captured before `cutoff` that no open hold keeps, with their images, and
    /// logs the counts in the audit trail. Crash-safe: rows and the list of image files to
    /// remove are committed together; files are removed after, and leftovers on the next run.
    func purge(cutoff: Date, dryRun: Bool, images: ImageStore, actor: String) async throws -> PurgeReport
}

/// Everything the server needs from a database backend.
public struct Storage: Sendable {
    public var reads: any ReadRepository
    public var readers: any ReaderRepository
    public var users: any UserRepository
    public var sessions: any SessionRepository
    public var audit: any AuditRepository
    public var cases: any CaseRepository
    public var retention: any RetentionRepository
    public var hotLists: any HotListRepository
    public var hits: any HitRepository
    public var images: ImageStore

    public init(
        reads: any ReadRepository, readers: any ReaderRepository, users: any UserRepository,
        sessions: any SessionRepository, audit: any AuditRepository, cases: any CaseRepository,
        retention: any RetentionRepository, hotLists: any HotListRepository, hits: any HitRepository,
        images: ImageStore
    ) {
        self.reads = reads; self.readers = readers; self.users = users; self.sessions = sessions
        self.audit = audit; self.cases = cases; self.retention = retention
        self.hotLists = hotLists; self.hits = hits; self.images = images
    }
}
