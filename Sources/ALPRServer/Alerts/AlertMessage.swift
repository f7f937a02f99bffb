import ALPRCore
import ALPRStorage
import Foundation

/// One live alert as the officer's screen receives it (R6): what was read, the hot list record
/// as it was when the read matched, how they compare, and the notices every alert carries
/// (a hit alone is not probable cause; confirm with NCIC; manual-entry justification; state).
public struct AlertMessage: Sendable, Codable, Equatable {
    public var type = "hit"
    /// Resume after this after a reconnect (`?after=`).
    public var sequence: Int64
    public var hitId: UUID
    public var readId: UUID
    public var readerId: UUID
    public var readerKind: ReaderKind
    public var capturedAt: Date
    public var matchedAt: Date
    /// Higher first (`HotListCategory.alertPriority`).
    public var priority: Int
    public var category: HotListCategory
    public var categoryName: String
    public var basis: HotListBasis
    public var matchKind: HotListMatchKind
    /// Anything but an exact match of the read plate.
    public var possibleMatch: Bool
    public var readPlate: String?
    public var readState: String?
    public var matchedText: String
    public var stateComparison: StateComparison
    public var record: RecordView
    public var source: String
    public var listVersion: Int?
    public var notices: [String]
    /// Where the screen fetches the hit with its images (an audited access).
    public var hitURL: String
    public var plateImageURL: String?
    public var vehicleImageURL: String?

    public struct RecordView: Sendable, Codable, Equatable {
        public var plate: String
        public var state: String?
        public var recordReference: String?
        public var originatingAgency: String?
        public var enteredOn: CalendarDay?
        public var description: String?
        public var manualEntryId: UUID?
        public var expiresAt: Date?

        init(_ entry: HotListEntry) {
            plate = entry.plate.value; state = entry.state?.code; recordReference = entry.recordReference
            originatingAgency = entry.originatingAgency; enteredOn = entry.enteredOn; description = entry.description
            manualEntryId = entry.manualEntryID; expiresAt = entry.expiresAt
        }
    }

    public init(_ stored: StoredHit, read: Read?, readerKind: ReaderKind) {
        let hit = stored.hit
        sequence = stored.sequence; hitId = stored.id; readId = stored.readID; readerId = stored.readerID
        self.readerKind = readerKind; capturedAt = stored.capturedAt; matchedAt = stored.matchedAt
        priority = hit.entry.category.alertPriority; category = hit.entry.category
        categoryName = hit.entry.category.displayName; basis = hit.entry.category.basis
        matchKind = hit.matchKind; possibleMatch = hit.isPossible
        readPlate = read?.plate.value; readState = read?.state; matchedText = hit.matchedText.value
        stateComparison = hit.stateComparison; record = RecordView(hit.entry)
        source = hit.source.description; listVersion = hit.listVersion; notices = hit.notices
        hitURL = "/api/v1/hits/\(stored.id.uuidString)"
        plateImageURL = read?.plateImage.map { "/api/v1/hits/\(stored.id.uuidString)/images/\($0.sha256)" }
        vehicleImageURL = read?.vehicleImage.map { "/api/v1/hits/\(stored.id.uuidString)/images/\($0.sha256)" }
    }
}

/// Whose hits an officer's alert connection receives. The rule: every fixed reader's hits go
/// to every officer allowed to receive alerts; a mobile reader's hits go only to the officer
/// logged in to that reader (the session's reader). With `allReaders` (configuration
/// `alertsFromAllReaders`, for a dispatch desk) every hit goes to everyone.
public struct AlertScope: Sendable, Hashable {
    public var allReaders: Bool
    public var ownReaderIDs: Set<UUID>

    public init(allReaders: Bool, ownReaderIDs: Set<UUID>) {
        self.allReaders = allReaders; self.ownReaderIDs = ownReaderIDs
    }

    public func admits(readerID: UUID, readerKind: ReaderKind) -> Bool {
        allReaders || readerKind == .fixed || ownReaderIDs.contains(readerID)
    }

    var query: HitReaderScope {
        allReaders ? .allReaders : .fixedReadersAnd(ownReaderIDs.sorted { $0.uuidString < $1.uuidString })
    }
}
