import ALPRCore
import ALPRStorage
import Foundation
import GRDB

/// Stores reads inside a write transaction, idempotently by id, and records each new read's
/// plate in the `plates` dictionary that wildcard search scans. Every path that stores reads
/// goes through it, so a read is stored the same way whichever path stores it.
struct ReadInserter {
    private let db: Database
    private let insertRead: Statement
    private let recordPlate: Statement
    private let encoder = JSONEncoder()

    init(_ db: Database) throws {
        self.db = db
        insertRead = try db.cachedStatement(sql: ReadRecord.insertSQL)
        recordPlate = try db.cachedStatement(sql: "INSERT INTO plates (plate) VALUES (?) ON CONFLICT (plate) DO NOTHING")
    }

    /// `.duplicate` when a read with this id is already stored; nothing changes then.
    func insert(_ read: Read) throws -> InsertOutcome {
        insertRead.setUncheckedArguments(try ReadRecord.insertArguments(read, candidatesEncoder: encoder))
        try insertRead.execute()
        guard db.changesCount == 1 else { return .duplicate }
        try recordPlate.execute(arguments: [read.plate.value])
        return .inserted
    }
}
