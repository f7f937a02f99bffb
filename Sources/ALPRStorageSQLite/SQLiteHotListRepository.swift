import ALPRCore
import ALPRStorage
import Foundation
import GRDB

/// Hot list versions with their entries (R3, R4) and manual entries (R5).
struct SQLiteHotListRepository: HotListRepository {
    let database: SQLiteDatabase

    func store(_ version: HotListVersion, entries: [HotListEntry], loadedBy: String, audit: AuditEntryDraft) async throws {
        let source = SourceColumns(version.source)
        let countsJSON = String(decoding: try JSONEncoder.sortedKeys.encode(version.counts.byCategory), as: UTF8.self)
        try await database.pool.write { db in
            let exists = try Bool.fetchOne(
                db, sql: "SELECT EXISTS (SELECT 1 FROM hot_list_versions WHERE source_key = ? AND number >= ?)",
                arguments: [source.key, version.number]
            ) ?? false
            guard !exists else {
                throw ALPRError.conflict(reason: "version \(version.number) of \(version.source) or a later one is already stored")
            }
            // The replaced version stays as history; its entries go (only live lists are matched).
            try db.execute(
                sql: "DELETE FROM hot_list_entries WHERE version_id IN (SELECT id FROM hot_list_versions WHERE source_key = ?)",
                arguments: [source.key]
            )
            try db.execute(sql: "UPDATE hot_list_versions SET is_live = 0 WHERE source_key = ? AND is_live = 1", arguments: [source.key])
            try db.execute(
                sql: """
                    INSERT INTO hot_list_versions (source_key, source_kind, source_name, case_number, number, loaded_at,
                        loaded_by, checksum, record_lines, entry_count, rejected, counts_by_category, is_live)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 1)
                    """,
                arguments: [
                    source.key, source.kind, source.name, source.caseNumber, version.number, version.loadedAt.unixMilliseconds,
                    loadedBy, version.checksum, version.counts.recordLines, version.counts.entries, version.counts.rejected, countsJSON,
                ]
            )
            let versionID = db.lastInsertedRowID
            let insert = try db.cachedStatement(sql: """
                INSERT INTO hot_list_entries (version_id, plate, state, category, record_reference, originating_agency, entered_on, description)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?)
                """)
            for entry in entries {
                try insert.execute(arguments: [
                    versionID, entry.plate.value, entry.state?.code, entry.category.rawValue, entry.recordReference,
                    entry.originatingAgency, entry.enteredOn.map(Self.packed), entry.description,
                ])
            }
            _ = try AuditLog.append(audit, in: db)
        }
    }

    func liveLists() async throws -> [LoadedHotList] {
        try await database.pool.read { db in
            let versions = try Row.fetchAll(db, sql: "SELECT * FROM hot_list_versions WHERE is_live = 1 ORDER BY id")
            return try versions.map { row in
                let version = try Self.version(from: row)
                let statement = try db.cachedStatement(sql: """
                    SELECT plate, state, category, record_reference, originating_agency, entered_on, description
                    FROM hot_list_entries WHERE version_id = ?
                    """)
                var entries: [HotListEntry] = []
                entries.reserveCapacity(version.counts.entries)
                let cursor = try Row.fetchCursor(statement, arguments: [row["id"] as Int64])
                while let entry = try cursor.next() { entries.append(try Self.entry(from: entry)) }
                return LoadedHotList(version: version, entries: entries)
            }
        }
    }

    func liveVersions() async throws -> [HotListVersion] {
        try await database.pool.read { db in
            try Row.fetchAll(db, sql: "SELECT * FROM hot_list_versions WHERE is_live = 1 ORDER BY id").map(Self.version(from:))
        }
    }

    func versions(limit: Int) async throws -> [StoredHotListVersion] {
        try await database.pool.read { db in
            try Row.fetchAll(db, sql: "SELECT * FROM hot_list_versions ORDER BY loaded_at DESC, id DESC LIMIT ?", arguments: [max(0, limit)])
                .map { row in
                    StoredHotListVersion(version: try Self.version(from: row), isLive: row["is_live"], loadedBy: row["loaded_by"])
                }
        }
    }

    // MARK: Manual entries

    func createManualEntry(_ entry: ManualHotListEntry, audit: AuditEntryDraft) async throws {
        let json = try Self.encode(entry)
        try await database.pool.write { db in
            try db.execute(
                sql: """
                    INSERT INTO manual_hot_list_entries (id, case_number, created_by, created_at, expires_at, removed_at, entry)
                    VALUES (?, ?, ?, ?, ?, ?, ?)
                    """,
                arguments: [
                    entry.id, entry.caseNumber, entry.createdBy, entry.createdAt.unixMilliseconds,
                    entry.expiresAt.unixMilliseconds, entry.removal?.at.unixMilliseconds, json,
                ]
            )
            _ = try AuditLog.append(audit, in: db)
        }
    }

    func updateManualEntry(_ entry: ManualHotListEntry, audit: AuditEntryDraft) async throws {
        let json = try Self.encode(entry)
        try await database.pool.write { db in
            // A removed entry is history: it never changes again.
            try db.execute(
                sql: "UPDATE manual_hot_list_entries SET expires_at = ?, removed_at = ?, entry = ? WHERE id = ? AND removed_at IS NULL",
                arguments: [entry.expiresAt.unixMilliseconds, entry.removal?.at.unixMilliseconds, json, entry.id]
            )
            guard db.changesCount == 1 else {
                let exists = try Bool.fetchOne(db, sql: "SELECT EXISTS (SELECT 1 FROM manual_hot_list_entries WHERE id = ?)", arguments: [entry.id]) ?? false
                throw exists ? ALPRError.conflict(reason: "the manual entry was already removed") : ALPRError.notFound(what: "manual hot list entry")
            }
            _ = try AuditLog.append(audit, in: db)
        }
    }

    func manualEntry(id: UUID) async throws -> ManualHotListEntry? {
        try await database.pool.read { db in
            try String.fetchOne(db, sql: "SELECT entry FROM manual_hot_list_entries WHERE id = ?", arguments: [id]).map(Self.decodeManual)
        }
    }

    func manualEntries(includingRemoved: Bool) async throws -> [ManualHotListEntry] {
        try await database.pool.read { db in
            let filter = includingRemoved ? "" : "WHERE removed_at IS NULL"
            return try String.fetchAll(db, sql: "SELECT entry FROM manual_hot_list_entries \(filter) ORDER BY created_at, id")
                .map(Self.decodeManual)
        }
    }

    // MARK: Rows

    /// How a source is stored: `key` identifies it (one live version per key).
    struct SourceColumns {
        var key: String
        var kind: String
        var name: String?
        var caseNumber: String?

        init(_ source: HotListSource) {
            switch source {
            case .bcaLicensePlateDataFile:
                key = "bca"; kind = "bca"
            case .investigative(let name, let caseNumber):
                key = "investigative:\(caseNumber):\(name)"; kind = "investigative"; self.name = name; self.caseNumber = caseNumber
            case .manual:
                // `HotListImport` never produces a manual version; kept distinct all the same.
                key = "manual"; kind = "manual"
            }
        }
    }

    static func version(from row: Row) throws -> HotListVersion {
        let source: HotListSource
        switch row["source_kind"] as String {
        case "bca": source = .bcaLicensePlateDataFile
        case "investigative": source = .investigative(name: row["source_name"], caseNumber: row["case_number"])
        default: throw StorageError.corruptRow(table: "hot_list_versions", reason: "unknown source kind")
        }
        let byCategory: [HotListCategory: Int]
        do {
            byCategory = try JSONDecoder().decode([HotListCategory: Int].self, from: Data((row["counts_by_category"] as String).utf8))
        } catch {
            throw StorageError.corruptRow(table: "hot_list_versions", reason: "unreadable category counts")
        }
        return HotListVersion(
            source: source, number: row["number"], loadedAt: Date(unixMilliseconds: row["loaded_at"]), checksum: row["checksum"],
            counts: HotListLoadCounts(recordLines: row["record_lines"], entries: row["entry_count"], rejected: row["rejected"], byCategory: byCategory)
        )
    }

    static func entry(from row: Row) throws -> HotListEntry {
        do {
            guard let category = HotListCategory(rawValue: row[2]) else {
                throw StorageError.corruptRow(table: "hot_list_entries", reason: "unknown category")
            }
            let state: String? = row[1]
            let enteredOn: Int64? = row[5]
            return HotListEntry(
                plate: try PlateNumber(row[0] as String), state: try state.map { try IssuingState($0) }, category: category,
                recordReference: row[3], originatingAgency: row[4],
                enteredOn: try enteredOn.map { try CalendarDay(year: Int($0 / 10_000), month: Int($0 / 100 % 100), day: Int($0 % 100)) },
                description: row[6]
            )
        } catch let error as StorageError {
            throw error
        } catch {
            throw StorageError.corruptRow(table: "hot_list_entries", reason: String(describing: error))
        }
    }

    static func packed(_ day: CalendarDay) -> Int64 { Int64(day.year * 10_000 + day.month * 100 + day.day) }

    static func encode(_ entry: ManualHotListEntry) throws -> String {
        String(decoding: try JSONEncoder.sortedKeys.encode(entry), as: UTF8.self)
    }

    static func decodeManual(_ json: String) throws -> ManualHotListEntry {
        do {
            return try JSONDecoder().decode(ManualHotListEntry.self, from: Data(json.utf8))
        } catch {
            throw StorageError.corruptRow(table: "manual_hot_list_entries", reason: "unreadable entry")
        }
    }
}

extension JSONEncoder {
    /// Stable output, so equal values store equal text.
    static var sortedKeys: JSONEncoder {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return encoder
    }
}
