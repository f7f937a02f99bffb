import ALPRCore
import ALPRStorage
import Foundation
import GRDB

/// One row of `audit_events`.
enum AuditEventRecord {
    static let databaseTableName = "audit_events"
    static let selection = """
        sequence, at, actor, action, subject, criteria, result_ids, result_count, case_number, \
        reason, recipient, previous_hash, hash
        """

    static func event(from row: Row) throws -> AuditEvent {
        guard let action = AuditAction(rawValue: row["action"]) else {
            throw StorageError.corruptRow(table: databaseTableName, reason: "unknown action at entry \(row["sequence"] as Int64)")
        }
        let resultIDsText: String = row["result_ids"]
        guard let resultIDs = try? JSONDecoder().decode([String].self, from: Data(resultIDsText.utf8)) else {
            throw StorageError.corruptRow(table: databaseTableName, reason: "result ids are not a JSON list at entry \(row["sequence"] as Int64)")
        }
        let entry = AuditEntryDraft(
            at: Date(unixMilliseconds: row["at"]), actor: row["actor"], action: action,
            subject: row["subject"], criteria: row["criteria"], resultIDs: resultIDs,
            resultCount: row["result_count"], caseNumber: row["case_number"], reason: row["reason"],
            recipient: row["recipient"]
        )
        return AuditEvent(sequence: row["sequence"], entry: entry, previousHash: row["previous_hash"], hash: row["hash"])
    }
}

/// Appends to the hash chain inside the caller's transaction, so a data change and its audit
/// entry commit together (R9). SQLite has one writer at a time, so reading the last hash and
/// inserting the next entry cannot interleave with another append.
enum AuditLog {
    static func append(_ draft: AuditEntryDraft, in db: Database) throws -> AuditEvent {
        var entry = draft
        // Stored to the millisecond: seal what will be read back, so the hash verifies.
        entry.at = Date(unixMilliseconds: draft.at.unixMilliseconds)
        let last = try Row.fetchOne(db, sql: "SELECT sequence, hash FROM audit_events ORDER BY sequence DESC LIMIT 1")
        let sequence: Int64 = (last?["sequence"] as Int64? ?? 0) + 1
        let previousHash: String = last?["hash"] ?? AuditChain.genesisHash
        let event = AuditChain.seal(sequence: sequence, entry: entry, previousHash: previousHash)
        let resultIDs = String(decoding: try JSONEncoder().encode(entry.resultIDs), as: UTF8.self)
        try db.execute(
            sql: """
                INSERT INTO audit_events (\(AuditEventRecord.selection))
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """,
            arguments: [
                sequence, entry.at.unixMilliseconds, entry.actor, entry.action.rawValue, entry.subject,
                entry.criteria, resultIDs, entry.resultCount, entry.caseNumber, entry.reason,
                entry.recipient, event.previousHash, event.hash,
            ]
        )
        return event
    }
}
