import ALPRCore
import ALPRStorage
import Foundation
import Logging

/// The server's live hot lists: the live version of every source and the active manual
/// entries, with the matcher built over them (`index`). Every change builds a whole new
/// `HotListIndex` and swaps it in, so a read is matched against one complete set of lists.
/// Stored reads are never matched again when a list changes: only reads that arrive after.
public actor HotListCatalog {
    /// What ingest matches against; reading it never waits for this actor.
    public nonisolated let index: HotListIndexStore
    let storage: Storage
    let rules: ManualEntryRules
    let logger: Logger
    private var lists: [HotListSource: LoadedHotList] = [:]
    private var manualEntries: [UUID: ManualHotListEntry] = [:]

    public init(storage: Storage, rules: ManualEntryRules = .standard, index: HotListIndexStore = HotListIndexStore(), logger: Logger) {
        self.storage = storage; self.rules = rules; self.index = index; self.logger = logger
    }

    /// Loads the live lists and open manual entries from storage and builds the index (startup).
    public func loadFromStorage(now: Date = Date()) async throws {
        let stored = try await storage.hotLists.liveLists()
        lists = Dictionary(stored.map { ($0.version.source, $0) }, uniquingKeysWith: { $1 })
        let manual = try await storage.hotLists.manualEntries(includingRemoved: false)
        manualEntries = Dictionary(uniqueKeysWithValues: manual.map { ($0.id, $0) })
        try rebuild(now: now)
    }

    /// Reloads when another process (`alpr hotlist import`) stored a newer version.
    public func refreshIfStorageChanged(now: Date = Date()) async throws {
        let live = try await storage.hotLists.liveVersions()
        let known = Set(lists.values.map { "\($0.version.source)#\($0.version.number)" })
        guard Set(live.map { "\($0.source)#\($0.number)" }) != known else { return }
        logger.info("hot lists changed in storage; reloading")
        try await loadFromStorage(now: now)
    }

    /// The live version of a source, if any (the `previous` of the next load, R4).
    public func liveVersion(of source: HotListSource) -> HotListVersion? {
        lists[source]?.version
    }

    public var liveVersions: [HotListVersion] {
        lists.values.map(\.version).sorted { $0.loadedAt < $1.loadedAt }
    }

    /// Makes a newly stored version live.
    public func install(_ list: LoadedHotList, now: Date = Date()) throws {
        if let current = lists[list.version.source], current.version.number >= list.version.number { return }
        lists[list.version.source] = list
        try rebuild(now: now)
    }

    /// Applies a created, extended or removed manual entry.
    public func apply(_ entry: ManualHotListEntry, now: Date = Date()) throws {
        if entry.removal == nil {
            manualEntries[entry.id] = entry
        } else {
            manualEntries[entry.id] = nil
        }
        try rebuild(now: now)
    }

    /// The open manual entries whose expiry (or warrant's) has passed.
    public func manualEntriesDue(at now: Date) -> [ManualHotListEntry] {
        rules.dueForRemoval(manualEntries.values, at: now)
    }

    /// When the earliest open manual entry runs out.
    public var nextManualExpiry: Date? {
        manualEntries.values.filter { $0.removal == nil }.map { entry in
            if case .warrant(let warrant) = entry.authority { return min(entry.expiresAt, warrant.expiresAt) }
            return entry.expiresAt
        }.min()
    }

    private func rebuild(now: Date) throws {
        let started = ContinuousClock.now
        let built = try HotListIndex(
            lists: lists.values.sorted { $0.version.loadedAt < $1.version.loadedAt },
            manualEntries: Array(manualEntries.values), rules: rules, builtAt: now
        )
        index.replace(with: built)
        logger.info("hot list index built", metadata: [
            "lists": "\(built.versions.count)", "entries": "\(built.entryCount)",
            "manual_entries": "\(built.manualEntryCount)", "duration": "\(ContinuousClock.now - started)",
        ])
    }
}
