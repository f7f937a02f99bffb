import ALPRCore
import ALPRStorage
import Foundation
import GRDB

struct SQLiteReaderRepository: ReaderRepository {
    let database: SQLiteDatabase

    func create(_ reader: Reader, credentialHash: String, audit: AuditEntryDraft) async throws {
        try await database.pool.write { db in
            if try Bool.fetchOne(db, sql: "SELECT EXISTS (SELECT 1 FROM readers WHERE name = ? OR id = ?)", arguments: [reader.name, reader.id]) ?? false {
                throw ALPRError.conflict(reason: "a reader named '\(reader.name)' or with this id already exists")
            }
            var arguments = ReaderRecord.arguments(reader)
            arguments += [credentialHash]
            try db.execute(
                sql: "INSERT INTO readers (\(ReaderRecord.selection), credential_hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                arguments: arguments
            )
            _ = try AuditLog.append(audit, in: db)
        }
    }

    func update(_ reader: Reader, audit: AuditEntryDraft) async throws {
        try await database.pool.write { db in
            if try Bool.fetchOne(db, sql: "SELECT EXISTS (SELECT 1 FROM readers WHERE name = ? AND id <> ?)", arguments: [reader.name, reader.id]) ?? false {
                throw ALPRError.conflict(reason: "a reader named '\(reader.name)' already exists")
            }
            var arguments = ReaderRecord.arguments(reader)
            arguments += [reader.id]
            try db.execute(
                sql: """
                    UPDATE readers SET id = ?, name = ?, kind = ?, latitude = ?, longitude = ?,
                        location_description = ?, location_withheld = ?, unit = ?, installed_at = ?,
                        first_used_at = ?, bca_reported_at = ?, retired_at = ?, created_at = ?
                    WHERE id = ?
                    """,
                arguments: arguments
            )
            guard db.changesCount == 1 else { throw ALPRError.notFound(what: "reader") }
            _ = try AuditLog.append(audit, in: db)
        }
    }

    func setCredentialHash(readerID: UUID, credentialHash: String, audit: AuditEntryDraft) async throws {
        try await database.pool.write { db in
            try db.execute(sql: "UPDATE readers SET credential_hash = ? WHERE id = ?", arguments: [credentialHash, readerID])
            guard db.changesCount == 1 else { throw ALPRError.notFound(what: "reader") }
            _ = try AuditLog.append(audit, in: db)
        }
    }

    func reader(id: UUID) async throws -> Reader? {
        try await fetchOne("SELECT \(ReaderRecord.selection) FROM readers WHERE id = ?", [id])
    }

    func reader(named name: String) async throws -> Reader? {
        try await fetchOne("SELECT \(ReaderRecord.selection) FROM readers WHERE name = ?", [name])
    }

    func credentialHash(readerID: UUID) async throws -> String? {
        try await database.pool.read { db in
            try String.fetchOne(db, sql: "SELECT credential_hash FROM readers WHERE id = ?", arguments: [readerID])
        }
    }

    func all() async throws -> [Reader] {
        try await database.pool.read { db in
            try Row.fetchAll(db, sql: "SELECT \(ReaderRecord.selection) FROM readers ORDER BY name").map(ReaderRecord.reader(from:))
        }
    }

    private func fetchOne(_ sql: String, _ arguments: StatementArguments) async throws -> Reader? {
        try await database.pool.read { db in try Row.fetchOne(db, sql: sql, arguments: arguments).map(ReaderRecord.reader(from:)) }
    }

    // MARK: Active periods (R7, R14)

    func openActivePeriod(_ period: ActivePeriod) async throws {
        try await database.pool.write { db in
            try Self.closeOpenPeriod(readerID: period.readerID, at: period.startedAt, in: db)
            try ActivePeriodRecord.insert(period, in: db)
        }
    }

    func closeActivePeriod(readerID: UUID, at: Date) async throws -> ActivePeriod? {
        try await database.pool.write { db in try Self.closeOpenPeriod(readerID: readerID, at: at, in: db) }
    }

    func activePeriod(readerID: UUID, at: Date) async throws -> ActivePeriod? {
        let millis = at.unixMilliseconds
        return try await database.pool.read { db in
            try Row.fetchOne(
                db,
                sql: """
                    SELECT \(ActivePeriodRecord.selection) FROM active_periods
                    WHERE reader_id = ? AND started_at <= ? AND (ended_at IS NULL OR ended_at >= ?)
                    ORDER BY started_at DESC LIMIT 1
                    """,
                arguments: [readerID, millis, millis]
            ).map(ActivePeriodRecord.period(from:))
        }
    }

    func recordHeartbeat(readerID: UUID, at: Date, maximumGap: TimeInterval) async throws -> ActivePeriod {
        try await database.pool.write { db in
            if var open = try Self.openPeriod(readerID: readerID, in: db) {
                let last = open.lastHeartbeatAt ?? open.startedAt
                if open.source == .heartbeat, at >= last, at.timeIntervalSince(last) <= maximumGap {
                    try db.execute(
                        sql: "UPDATE active_periods SET last_heartbeat_at = ? WHERE id = ?",
                        arguments: [at.unixMilliseconds, open.id]
                    )
                    open.lastHeartbeatAt = Date(unixMilliseconds: at.unixMilliseconds)
                    return open
                }
                if open.source == .heartbeat {
                    // Heartbeats stopped: the reader was active until the last one it sent.
                    try db.execute(sql: "UPDATE active_periods SET ended_at = ? WHERE id = ?", arguments: [max(last, open.startedAt).unixMilliseconds, open.id])
                } else {
                    try Self.closeOpenPeriod(readerID: readerID, at: at, in: db)
                }
            }
            let period = ActivePeriod(readerID: readerID, source: .heartbeat, startedAt: Date(unixMilliseconds: at.unixMilliseconds), lastHeartbeatAt: Date(unixMilliseconds: at.unixMilliseconds))
            try ActivePeriodRecord.insert(period, in: db)
            return period
        }
    }

    func activePeriods(readerID: UUID?, from: Date?, to: Date?) async throws -> [ActivePeriod] {
        var conditions: [String] = []
        var arguments = StatementArguments()
        if let readerID { conditions.append("reader_id = ?"); arguments += [readerID] }
        // Periods that overlap [from, to].
        if let from { conditions.append("(ended_at IS NULL OR ended_at >= ?)"); arguments += [from.unixMilliseconds] }
        if let to { conditions.append("started_at <= ?"); arguments += [to.unixMilliseconds] }
        let whereClause = conditions.isEmpty ? "" : "WHERE " + conditions.joined(separator: " AND ")
        let finalArguments = arguments
        return try await database.pool.read { db in
            try Row.fetchAll(db, sql: "SELECT \(ActivePeriodRecord.selection) FROM active_periods \(whereClause) ORDER BY started_at, id", arguments: finalArguments)
                .map(ActivePeriodRecord.period(from:))
        }
    }

    private static func openPeriod(readerID: UUID, in db: Database) throws -> ActivePeriod? {
        try Row.fetchOne(
            db, sql: "SELECT \(ActivePeriodRecord.selection) FROM active_periods WHERE reader_id = ? AND ended_at IS NULL",
            arguments: [readerID]
        ).map(ActivePeriodRecord.period(from:))
    }

    @discardableResult
    private static func closeOpenPeriod(readerID: UUID, at: Date, in db: Database) throws -> ActivePeriod? {
        guard var open = try openPeriod(readerID: readerID, in: db) else { return nil }
        let end = max(at, open.startedAt)
        try db.execute(sql: "UPDATE active_periods SET ended_at = ? WHERE id = ?", arguments: [end.unixMilliseconds, open.id])
        open.endedAt = Date(unixMilliseconds: end.unixMilliseconds)
        return open
    }
}
