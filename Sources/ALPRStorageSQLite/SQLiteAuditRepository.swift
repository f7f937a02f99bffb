import ALPRCore
import ALPRStorage
import Foundation
import GRDB

struct SQLiteAuditRepository: AuditRepository {
    let database: SQLiteDatabase
    /// Entries verified per read transaction, so a long trail never sits in memory at once.
    var verificationPageSize = 10_000

    func append(_ entry: AuditEntryDraft) async throws -> AuditEvent {
        try await database.pool.write { db in try AuditLog.append(entry, in: db) }
    }

    func events(from: Int64, limit: Int) async throws -> [AuditEvent] {
        try await database.pool.read { db in
            try Row.fetchAll(
                db,
                sql: "SELECT \(AuditEventRecord.selection) FROM audit_events WHERE sequence >= ? ORDER BY sequence LIMIT ?",
                arguments: [from, max(0, limit)]
            ).map(AuditEventRecord.event(from:))
        }
    }

    func verify() async throws -> AuditChain.Verification {
        var verifier = AuditChain.Verifier()
        var after: Int64 = 0
        while true {
            // Pages follow the stored order (not expected numbers), so a gap is seen as a gap.
            // Each row as its sequence and the event, or nil when the row cannot be decoded.
            let pageStart = after
            let page: [(sequence: Int64, event: AuditEvent?)] = try await database.pool.read { db in
                try Row.fetchAll(
                    db,
                    sql: "SELECT \(AuditEventRecord.selection) FROM audit_events WHERE sequence > ? ORDER BY sequence LIMIT ?",
                    arguments: [pageStart, verificationPageSize]
                ).map { row in (row["sequence"], try? AuditEventRecord.event(from: row)) }
            }
            for (sequence, event) in page {
                guard let event else {
                    return .broken(sequence: sequence, reason: "the entry cannot be read: it was altered")
                }
                if let broken = verifier.check(event) { return broken }
                after = sequence
            }
            if page.count < verificationPageSize { return verifier.result }
        }
    }
}
