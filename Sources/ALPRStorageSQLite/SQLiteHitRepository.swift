import ALPRCore
import ALPRStorage
import Foundation
import GRDB

/// Hits (R6) and the public log's hit counters (R14).
struct SQLiteHitRepository: HitRepository {
    let database: SQLiteDatabase

    func insertMatching(
        _ reads: [Read], audit: AuditEntryDraft?, matchedAt: Date, match: @Sendable (Read) -> [HotListHit]
    ) async throws -> MatchedInsertResult {
        try await database.pool.write { db in
            let inserter = try ReadInserter(db)
            let insertHit = try db.cachedStatement(sql: """
                INSERT INTO hits (id, read_id, reader_id, captured_at, matched_at, category, match_kind, snapshot)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?)
                """)
            let count = try db.cachedStatement(sql: """
                INSERT INTO public_log_hit_counts (active_period_id, reader_id, bucket, read_count) VALUES (?, ?, ?, 1)
                ON CONFLICT (active_period_id, bucket) DO UPDATE SET read_count = read_count + 1
                """)
            let snapshotEncoder = JSONEncoder.sortedKeys
            var outcomes: [InsertOutcome] = []
            var stored: [StoredHit] = []
            outcomes.reserveCapacity(reads.count)
            for read in reads {
                let outcome = try inserter.insert(read)
                outcomes.append(outcome)
                guard outcome == .inserted else { continue }
                let hits = match(read)
                for hit in hits {
                    let id = UUID()
                    try insertHit.execute(arguments: [
                        id, read.id, read.readerID, read.capturedAt.unixMilliseconds, matchedAt.unixMilliseconds,
                        hit.entry.category.rawValue, hit.matchKind.rawValue,
                        String(decoding: try snapshotEncoder.encode(hit), as: UTF8.self),
                    ])
                    stored.append(StoredHit(
                        sequence: db.lastInsertedRowID, id: id, readID: read.id, readerID: read.readerID,
                        capturedAt: read.capturedAt, matchedAt: matchedAt, hit: hit
                    ))
                }
                // R14 counts reads, so a read matching two records of one bucket counts once.
                if let period = read.activePeriodID {
                    for bucket in Set(hits.map(\.entry.category.publicLogBucket)) {
                        try count.execute(arguments: [period, read.readerID, bucket.rawValue])
                    }
                }
            }
            if let audit { _ = try AuditLog.append(audit, in: db) }
            return MatchedInsertResult(outcomes: outcomes, hits: stored)
        }
    }

    static let selection = "sequence, id, read_id, reader_id, captured_at, matched_at, snapshot, resolution"

    func hit(id: UUID) async throws -> StoredHit? {
        try await database.pool.read { db in
            try Row.fetchOne(db, sql: "SELECT \(Self.selection) FROM hits WHERE id = ?", arguments: [id]).map(Self.hit(from:))
        }
    }

    func hits(_ query: HitQuery) async throws -> [StoredHit] {
        var conditions: [String] = []
        var arguments = StatementArguments()
        switch query.scope {
        case .allReaders:
            break
        case .fixedReadersAnd(let ids):
            let own = ids.isEmpty ? "" : " OR reader_id IN (\(ids.map { _ in "?" }.joined(separator: ", ")))"
            conditions.append("(reader_id IN (SELECT id FROM readers WHERE kind = 'fixed')\(own))")
            for id in ids { arguments += [id] }
        case .readers(let ids):
            conditions.append("reader_id IN (\(ids.isEmpty ? "NULL" : ids.map { _ in "?" }.joined(separator: ", ")))")
            for id in ids { arguments += [id] }
        }
        if let after = query.afterSequence { conditions.append("sequence > ?"); arguments += [after] }
        if let from = query.from { conditions.append("captured_at >= ?"); arguments += [from.unixMilliseconds] }
        if let to = query.to { conditions.append("captured_at <= ?"); arguments += [to.unixMilliseconds] }
        if query.pendingOnly { conditions.append("disposition IS NULL") }
        let whereClause = conditions.isEmpty ? "" : "WHERE " + conditions.joined(separator: " AND ")
        let order = query.afterSequence == nil ? "DESC" : "ASC"
        arguments += [max(0, query.limit)]
        let sql = "SELECT \(Self.selection) FROM hits \(whereClause) ORDER BY sequence \(order) LIMIT ?"
        let finalArguments = arguments
        return try await database.pool.read { db in
            try Row.fetchAll(db, sql: sql, arguments: finalArguments).map(Self.hit(from:))
        }
    }

    func resolve(hitID: UUID, _ resolution: HitResolution, audit: AuditEntryDraft) async throws {
        let json = String(decoding: try JSONEncoder.sortedKeys.encode(resolution), as: UTF8.self)
        try await database.pool.write { db in
            try db.execute(
                sql: "UPDATE hits SET disposition = ?, resolution = ?, resolved_at = ? WHERE id = ? AND disposition IS NULL",
                arguments: [resolution.disposition.rawValue, json, resolution.verification.verifiedAt.unixMilliseconds, hitID]
            )
            guard db.changesCount == 1 else {
                let exists = try Bool.fetchOne(db, sql: "SELECT EXISTS (SELECT 1 FROM hits WHERE id = ?)", arguments: [hitID]) ?? false
                throw exists ? ALPRError.conflict(reason: "the hit's verification was already recorded") : ALPRError.notFound(what: "hit")
            }
            _ = try AuditLog.append(audit, in: db)
        }
    }

    func publicLogHitCounts(readerID: UUID?, from: Date?, to: Date?) async throws -> [PublicLogHitCount] {
        var conditions: [String] = []
        var arguments = StatementArguments()
        if let readerID { conditions.append("c.reader_id = ?"); arguments += [readerID] }
        if let from { conditions.append("p.started_at >= ?"); arguments += [from.unixMilliseconds] }
        if let to { conditions.append("p.started_at <= ?"); arguments += [to.unixMilliseconds] }
        let whereClause = conditions.isEmpty ? "" : "WHERE " + conditions.joined(separator: " AND ")
        let finalArguments = arguments
        return try await database.pool.read { db in
            try Row.fetchAll(
                db,
                sql: """
                    SELECT c.reader_id, c.active_period_id, c.bucket, c.read_count
                    FROM public_log_hit_counts c JOIN active_periods p ON p.id = c.active_period_id
                    \(whereClause) ORDER BY p.started_at, c.bucket
                    """,
                arguments: finalArguments
            ).map { row in
                guard let bucket = PublicLogHitBucket(rawValue: row["bucket"]) else {
                    throw StorageError.corruptRow(table: "public_log_hit_counts", reason: "unknown bucket")
                }
                return PublicLogHitCount(readerID: row["reader_id"], activePeriodID: row["active_period_id"], bucket: bucket, readCount: row["read_count"])
            }
        }
    }

    static func hit(from row: Row) throws -> StoredHit {
        let decoder = JSONDecoder()
        do {
            let hit = try decoder.decode(HotListHit.self, from: Data((row["snapshot"] as String).utf8))
            let resolution = try (row["resolution"] as String?).map { try decoder.decode(HitResolution.self, from: Data($0.utf8)) }
            return StoredHit(
                sequence: row["sequence"], id: row["id"], readID: row["read_id"], readerID: row["reader_id"],
                capturedAt: Date(unixMilliseconds: row["captured_at"]), matchedAt: Date(unixMilliseconds: row["matched_at"]),
                hit: hit, resolution: resolution
            )
        } catch {
            throw StorageError.corruptRow(table: "hits", reason: "unreadable hit snapshot or resolution")
        }
    }
}
