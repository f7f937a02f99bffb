import Foundation

/// A loaded hot list: its version (R3, R4) and entries.
public struct LoadedHotList: Sendable {
    public var version: HotListVersion
    public var entries: [HotListEntry]

    public init(version: HotListVersion, entries: [HotListEntry]) {
        self.version = version; self.entries = entries
    }
}

/// The matcher: every active hot list record (the lists plus active manual entries), built
/// once and never changed, so the server swaps a whole new index in (`HotListIndexStore`) and a
/// reader never sees half a list.
///
/// Layout: records are sorted by their confusable-folded plate key (`PlateKey.folded`), so
/// every record that could match a given text, exactly or after mapping easily confused
/// characters, sits in one contiguous group. An open-addressing hash table maps a folded key
/// to its group, so looking up a read is one probe per distinct text (the plate and each
/// alternative reading); plates whose folded key is absent touch one table slot. Records are
/// packed into 32 bytes; the rare record that does not pack (long references, manual entries,
/// descriptions) is kept whole in `overflow`.
public final class HotListIndex: Sendable {
    /// Alternative readings looked at per read; engines give about ten.
    public static let maximumCandidates = 16

    /// The lists indexed (R14: the databases compared), in the order given.
    public let versions: [HotListVersion]
    public let builtAt: Date
    /// Records indexed, manual entries included.
    public var entryCount: Int { exactKeys.count }
    public let manualEntryCount: Int
    /// When the earliest indexed manual entry expires: rebuild the index by then. Matching also
    /// drops manual hits whose expiry has passed, so a late rebuild never alerts on them.
    public let nextManualExpiry: Date?

    /// Hash table slots; a slot whose `folded` is 0 is empty (no plate packs to 0).
    private let slots: [Slot]
    private let exactKeys: [UInt64]
    private let records: [PackedRecord]
    private let overflow: [HotListEntry]

    static let manualListSlot = UInt16.max

    /// A group of records sharing a folded key: 16 bytes, so a probe that finds its key has
    /// the group's position without touching another array.
    struct Slot {
        var folded: UInt64
        var start: UInt32
        var count: UInt32
    }

    public convenience init(lists: [LoadedHotList], manualEntries: [ManualHotListEntry] = [], rules: ManualEntryRules = .standard, builtAt now: Date) throws(ALPRError) {
        guard lists.count < Int(Self.manualListSlot) else {
            throw .invalid(field: "hot lists", reason: "too many lists to index")
        }
        let activeManual = manualEntries.filter { rules.isActive($0, at: now) }
        let total = lists.reduce(activeManual.count) { $0 + $1.entries.count }
        guard total < Int(UInt32.max) else {
            throw .invalid(field: "hot lists", reason: "too many entries to index")
        }
        var keyed: [(folded: UInt64, exact: UInt64, record: PackedRecord)] = []
        keyed.reserveCapacity(total)
        var overflow: [HotListEntry] = []
        for (slot, list) in lists.enumerated() {
            for entry in list.entries {
                let key = PlateKey(entry.plate)
                keyed.append((key.folded.rawValue, key.rawValue, PackedRecord(entry, listSlot: UInt16(slot), overflow: &overflow)))
            }
        }
        for manual in activeManual {
            let key = PlateKey(manual.plate)
            keyed.append((key.folded.rawValue, key.rawValue, PackedRecord(manual.hotListEntry, listSlot: Self.manualListSlot, overflow: &overflow)))
        }
        keyed.sort { $0.folded != $1.folded ? $0.folded < $1.folded : $0.exact < $1.exact }
        let nextExpiry = activeManual.map { entry -> Date in
            if case .warrant(let warrant) = entry.authority { return min(entry.expiresAt, warrant.expiresAt) }
            return entry.expiresAt
        }.min()
        self.init(sorted: keyed, overflow: overflow, versions: lists.map(\.version), manualEntryCount: activeManual.count, nextManualExpiry: nextExpiry, builtAt: now)
    }

    private init(
        sorted keyed: [(folded: UInt64, exact: UInt64, record: PackedRecord)], overflow: [HotListEntry],
        versions: [HotListVersion], manualEntryCount: Int, nextManualExpiry: Date?, builtAt: Date
    ) {
        var groups: [Slot] = []
        var exactKeys: [UInt64] = []
        var records: [PackedRecord] = []
        exactKeys.reserveCapacity(keyed.count)
        records.reserveCapacity(keyed.count)
        for (index, item) in keyed.enumerated() {
            if groups.last?.folded == item.folded {
                groups[groups.count - 1].count += 1
            } else {
                groups.append(Slot(folded: item.folded, start: UInt32(index), count: 1))
            }
            exactKeys.append(item.exact)
            records.append(item.record)
        }

        // Load factor at most 0.6 keeps an absent key's probe run short (about 3.6 slots on
        // average with linear probing, mostly within one or two cache lines).
        let capacity = max(16, groups.count * 5 / 3 + 1)
        var slots = [Slot](repeating: Slot(folded: 0, start: 0, count: 0), count: capacity)
        for group in groups {
            var slot = Self.slot(for: group.folded, capacity: capacity)
            while slots[slot].folded != 0 {
                slot += 1
                if slot == capacity { slot = 0 }
            }
            slots[slot] = group
        }
        self.slots = slots
        self.exactKeys = exactKeys
        self.records = records
        self.overflow = overflow
        self.versions = versions
        self.manualEntryCount = manualEntryCount
        self.nextManualExpiry = nextManualExpiry
        self.builtAt = builtAt
    }

    /// An index with nothing in it (before the first list is loaded).
    public static let empty = try! HotListIndex(lists: [], builtAt: Date(timeIntervalSince1970: 0))

    @inline(__always)
    static func slot(for key: UInt64, capacity: Int) -> Int {
        // Fibonacci hashing spreads the packed characters into the high bits, then the
        // multiply-high maps them onto 0..<capacity without a division.
        let mixed = key &* 0x9E37_79B9_7F4A_7C15
        return Int(truncatingIfNeeded: mixed.multipliedFullWidth(by: UInt64(capacity)).high)
    }

    /// Approximate bytes held by the index's tables (not counting overflow records' strings).
    public var approximateByteCount: Int {
        slots.count * MemoryLayout<Slot>.stride + exactKeys.count * 8
            + records.count * MemoryLayout<PackedRecord>.stride + overflow.count * MemoryLayout<HotListEntry>.stride
    }

    // MARK: - Matching

    /// Matches a read against every record: exact hits on the plate, and possible hits where
    /// the plate or one of the engine's alternative readings equals a record's plate exactly
    /// or after mapping easily confused characters. The state is compared and reported, never
    /// used to hide a hit. Hits come exact first, then by category priority.
    ///
    /// - Parameters:
    ///   - state: the read's issuing state as the engine gave it, if any.
    ///   - now: for dropping manual entries that expired since the index was built (defaults
    ///     to the current time, read only when a manual entry matched).
    public func match(plate: PlateNumber, state: String?, candidates: [PlateCandidate] = [], now: Date? = nil) -> [HotListHit] {
        let readState = state.flatMap { IssuingState(asciiBytes: $0.utf8) }
        return match(plate: plate, issuingState: readState, candidates: candidates, now: now)
    }

    public func match(plate: PlateNumber, issuingState readState: IssuingState?, candidates: [PlateCandidate] = [], now: Date? = nil) -> [HotListHit] {
        let textCount = 1 + min(candidates.count, Self.maximumCandidates)
        let found = PlateKey.byteClasses.withUnsafeBufferPointer { classes in
            withUnsafeTemporaryAllocation(of: (exact: UInt64, folded: UInt64, slot: Int).self, capacity: textCount) { texts in
                // 1. Pack every distinct text (plate first, then candidates) with its folded key
                //    and home slot: pure arithmetic, no memory beyond the texts.
                let plateKeys = PlateKey.normalisingWithFolded(utf8Of: plate.value, classes: classes)!
                texts[0] = (plateKeys.exact.rawValue, plateKeys.folded.rawValue, Self.slot(for: plateKeys.folded.rawValue, capacity: slots.count))
                var count = 1
                for candidate in candidates.prefix(Self.maximumCandidates) {
                    guard let keys = PlateKey.normalisingWithFolded(utf8Of: candidate.text, classes: classes) else { continue }
                    if texts[0..<count].contains(where: { $0.exact == keys.exact.rawValue }) { continue }
                    texts[count] = (keys.exact.rawValue, keys.folded.rawValue, Self.slot(for: keys.folded.rawValue, capacity: slots.count))
                    count += 1
                }
                // 2. Probe. The home slots are independent loads, so the processor fetches them
                //    in parallel instead of waiting for one cache miss after another.
                var found = FoundRecords()
                slots.withUnsafeBufferPointer { table in
                    var homes: UInt64 = 0
                    for text in texts[0..<count] { homes |= table[text.slot].folded }
                    // Every home slot empty: none of the texts is in the index.
                    guard homes != 0 else { return }
                    for (position, text) in texts[0..<count].enumerated() {
                        probe(text.exact, folded: text.folded, from: text.slot, in: table, isCandidate: position > 0, into: &found)
                    }
                }
                return found
            }
        }
        guard !found.isEmpty else { return [] }
        return hits(for: found, readState: readState, now: now)
    }

    /// Matches a stored read (its plate, state and alternative readings).
    public func match(_ read: Read, now: Date? = nil) -> [HotListHit] {
        match(plate: read.plate, state: read.state, candidates: read.candidates, now: now)
    }

    /// Records found for one read, with the strongest way each was found.
    private struct FoundRecords {
        var records: [(index: Int, kind: HotListMatchKind, text: UInt64)] = []
        var isEmpty: Bool { records.isEmpty }

        mutating func add(_ index: Int, kind: HotListMatchKind, text: UInt64) {
            if let existing = records.firstIndex(where: { $0.index == index }) {
                if kind.strength > records[existing].kind.strength { records[existing] = (index, kind, text) }
            } else {
                records.append((index, kind, text))
            }
        }
    }

    @inline(__always)
    private func probe(
        _ exact: UInt64, folded: UInt64, from home: Int, in table: UnsafeBufferPointer<Slot>, isCandidate: Bool,
        into found: inout FoundRecords
    ) {
        var slot = home
        while true {
            let entry = table[slot]
            if entry.folded == folded {
                let start = Int(entry.start)
                for index in start..<(start + Int(entry.count)) {
                    let kind: HotListMatchKind = exactKeys[index] == exact
                        ? (isCandidate ? .candidate : .exact)
                        : (isCandidate ? .candidateConfusable : .confusable)
                    found.add(index, kind: kind, text: exact)
                }
                return
            }
            if entry.folded == 0 { return }
            slot += 1
            if slot == table.count { slot = 0 }
        }
    }

    private func hits(for found: FoundRecords, readState: IssuingState?, now: Date?) -> [HotListHit] {
        var currentTime = now
        var hits: [HotListHit] = []
        for (index, kind, text) in found.records {
            let entry = entry(at: index)
            if let expiresAt = entry.expiresAt {
                let time = currentTime ?? Date()
                currentTime = time
                if expiresAt <= time { continue }
            }
            let slot = records[index].listSlot
            let version = slot == Self.manualListSlot ? nil : versions[Int(slot)]
            hits.append(HotListHit(
                entry: entry, source: version?.source ?? .manual, listVersion: version?.number, matchKind: kind,
                matchedText: PlateKey(rawValue: text).plate,
                stateComparison: StateComparison(read: readState, record: entry.state)
            ))
        }
        hits.sort { lhs, rhs in
            if lhs.matchKind.strength != rhs.matchKind.strength { return lhs.matchKind.strength > rhs.matchKind.strength }
            if lhs.entry.category.alertPriority != rhs.entry.category.alertPriority {
                return lhs.entry.category.alertPriority > rhs.entry.category.alertPriority
            }
            return lhs.stateComparison == .matches && rhs.stateComparison != .matches
        }
        return hits
    }

    /// The record at a sorted position, unpacked.
    func entry(at index: Int) -> HotListEntry {
        let record = records[index]
        if record.isOverflow { return overflow[Int(record.reference)] }
        return HotListEntry(
            plate: PlateKey(rawValue: exactKeys[index]).plate,
            state: record.state == 0 ? nil : IssuingState(packed: record.state),
            category: HotListCategory.allCases[Int(record.category)],
            recordReference: record.reference == 0 ? nil : PackedRecord.unpackText(record.reference),
            originatingAgency: record.agency == 0 ? nil : PackedRecord.unpackText(record.agency),
            enteredOn: record.enteredOn == 0 ? nil : CalendarDay(packed: record.enteredOn)
        )
    }

    /// Every record in the index, unpacked (for tests and exports; not for the read path).
    public var allEntries: [HotListEntry] {
        (0..<entryCount).map(entry(at:))
    }
}

/// One record in 32 bytes. The NIC and ORI are packed like plates when they are 1-10
/// characters of `0-9A-Z` (NCIC numbers are 10, ORIs 9); otherwise the whole entry goes to
/// the index's overflow array and `reference` holds its position there.
struct PackedRecord: Sendable {
    var reference: UInt64
    var agency: UInt64
    var enteredOn: Int32
    var state: UInt16
    var listSlot: UInt16
    var category: UInt8
    var isOverflow: Bool

    init(_ entry: HotListEntry, listSlot: UInt16, overflow: inout [HotListEntry]) {
        self.listSlot = listSlot
        category = UInt8(entry.category.allCasesIndex)
        state = entry.state?.packed ?? 0
        enteredOn = entry.enteredOn?.packed ?? 0
        // 0 stands for "none"; nil means the text does not pack.
        let reference: UInt64? = if let text = entry.recordReference { Self.packText(text) } else { 0 }
        let agency: UInt64? = if let text = entry.originatingAgency { Self.packText(text) } else { 0 }
        let hasUnpackedFields = entry.description != nil || entry.manualEntryID != nil || entry.expiresAt != nil
        if !hasUnpackedFields, let reference, let agency {
            self.reference = reference
            self.agency = agency
            isOverflow = false
        } else {
            self.reference = UInt64(overflow.count)
            self.agency = 0
            isOverflow = true
            overflow.append(entry)
        }
    }

    /// nil when the text is not 1-10 characters of `0-9A-Z`.
    static func packText(_ text: String) -> UInt64? {
        PlateKey.exact(normalisedPlate: text.utf8)?.rawValue
    }

    static func unpackText(_ packed: UInt64) -> String {
        PlateKey(rawValue: packed).plate.value
    }
}
