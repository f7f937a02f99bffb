import ALPRCore
import ALPRStorage
import Foundation
import GRDB

/// Cases and holds (R12). A read is `active_criminal_investigative` exactly while at least one
/// hold on it is unreleased (R2); every change here keeps that column in step.
struct SQLiteCaseRepository: CaseRepository {
    let database: SQLiteDatabase

    func open(_ investigationCase: InvestigationCase, audit: AuditEntryDraft) async throws {
        try await database.pool.write { db in
            if try Bool.fetchOne(db, sql: "SELECT EXISTS (SELECT 1 FROM investigation_cases WHERE number = ?)", arguments: [investigationCase.number]) ?? false {
                throw ALPRError.conflict(reason: "case \(investigationCase.number) already exists")
            }
            try db.execute(
                sql: "INSERT INTO investigation_cases (number, description, opened_at, opened_by, closed_at) VALUES (?, ?, ?, ?, ?)",
                arguments: [
                    investigationCase.number, investigationCase.description, investigationCase.openedAt.unixMilliseconds,
                    investigationCase.openedBy, investigationCase.closedAt?.unixMilliseconds,
                ]
            )
            _ = try AuditLog.append(audit, in: db)
        }
    }

    func investigationCase(number: String) async throws -> InvestigationCase? {
        try await database.pool.read { db in
            try Row.fetchOne(db, sql: "SELECT number, description, opened_at, opened_by, closed_at FROM investigation_cases WHERE number = ?", arguments: [number])
                .map { row in
                    InvestigationCase(
                        number: row["number"], description: row["description"], openedAt: Date(unixMilliseconds: row["opened_at"]),
                        openedBy: row["opened_by"], closedAt: (row["closed_at"] as Int64?).map(Date.init(unixMilliseconds:))
                    )
                }
        }
    }

    func close(number: String, at: Date, audit: AuditEntryDraft) async throws {
        try await database.pool.write { db in
            try db.execute(sql: "UPDATE investigation_cases SET closed_at = ? WHERE number = ? AND closed_at IS NULL", arguments: [at.unixMilliseconds, number])
            guard db.changesCount == 1 else {
                throw try Self.caseExists(number, db) ? ALPRError.conflict(reason: "case \(number) is already closed") : ALPRError.notFound(what: "case \(number)")
            }
            let readIDs = try UUID.fetchAll(db, sql: "SELECT read_id FROM read_holds WHERE case_number = ? AND released_at IS NULL", arguments: [number])
            try db.execute(sql: "UPDATE read_holds SET released_at = ? WHERE case_number = ? AND released_at IS NULL", arguments: [at.unixMilliseconds, number])
            try Self.reclassify(readIDs, in: db)
            _ = try AuditLog.append(audit, in: db)
        }
    }

    func hold(readIDs: [UUID], caseNumber: String, basis: HoldBasis, at: Date, by: String, audit: AuditEntryDraft) async throws {
        try await database.pool.write { db in
            guard let closedAt = try Row.fetchOne(db, sql: "SELECT closed_at FROM investigation_cases WHERE number = ?", arguments: [caseNumber]) else {
                throw ALPRError.notFound(what: "case \(caseNumber)")
            }
            guard (closedAt["closed_at"] as Int64?) == nil else {
                throw ALPRError.conflict(reason: "case \(caseNumber) is closed; a closed case holds no reads")
            }
            for readID in readIDs {
                guard try Bool.fetchOne(db, sql: "SELECT EXISTS (SELECT 1 FROM reads WHERE id = ?)", arguments: [readID]) ?? false else {
                    throw ALPRError.notFound(what: "read \(readID.uuidString)")
                }
                // A read already held for this case keeps its original hold.
                try db.execute(
                    sql: """
                        INSERT INTO read_holds (read_id, case_number, basis, placed_at, placed_by) VALUES (?, ?, ?, ?, ?)
                        ON CONFLICT (read_id, case_number) WHERE released_at IS NULL DO NOTHING
                        """,
                    arguments: [readID, caseNumber, basis.rawValue, at.unixMilliseconds, by]
                )
            }
            try Self.reclassify(readIDs, in: db)
            _ = try AuditLog.append(audit, in: db)
        }
    }

    func release(readIDs: [UUID], caseNumber: String, at: Date, audit: AuditEntryDraft) async throws {
        try await database.pool.write { db in
            for readID in readIDs {
                try db.execute(
                    sql: "UPDATE read_holds SET released_at = ? WHERE read_id = ? AND case_number = ? AND released_at IS NULL",
                    arguments: [at.unixMilliseconds, readID, caseNumber]
                )
            }
            try Self.reclassify(readIDs, in: db)
            _ = try AuditLog.append(audit, in: db)
        }
    }

    func holds(caseNumber: String) async throws -> [ReadHold] {
        try await database.pool.read { db in
            try Row.fetchAll(
                db,
                sql: "SELECT read_id, case_number, basis, placed_at, placed_by, released_at FROM read_holds WHERE case_number = ? ORDER BY id",
                arguments: [caseNumber]
            ).map { row in
                guard let basis = HoldBasis(rawValue: row["basis"]) else {
                    throw StorageError.corruptRow(table: "read_holds", reason: "unknown hold basis")
                }
                return ReadHold(
                    readID: row["read_id"], caseNumber: row["case_number"], basis: basis,
                    placedAt: Date(unixMilliseconds: row["placed_at"]), placedBy: row["placed_by"],
                    releasedAt: (row["released_at"] as Int64?).map(Date.init(unixMilliseconds:))
                )
            }
        }
    }

    /// R2 (§13.824 subd. 2(b)): active criminal investigative data while an open hold links
    /// the read to a case; private otherwise.
    static func reclassify(_ readIDs: [UUID], in db: Database) throws {
        let statement = try db.cachedStatement(sql: """
            UPDATE reads SET classification = CASE
                WHEN EXISTS (SELECT 1 FROM read_holds h WHERE h.read_id = reads.id AND h.released_at IS NULL)
                THEN 'active_criminal_investigative' ELSE 'private' END
            WHERE id = ?
            """)
        for readID in readIDs { try statement.execute(arguments: [readID]) }
    }

    private static func caseExists(_ number: String, _ db: Database) throws -> Bool {
        try Bool.fetchOne(db, sql: "SELECT EXISTS (SELECT 1 FROM investigation_cases WHERE number = ?)", arguments: [number]) ?? false
    }
}
