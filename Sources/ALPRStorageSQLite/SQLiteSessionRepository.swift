import ALPRCore
import ALPRStorage
import Foundation
import GRDB

/// Sessions persist in the database so a restart does not log everyone out. Only the hash of
/// the token is stored.
struct SQLiteSessionRepository: SessionRepository {
    let database: SQLiteDatabase

    func create(_ session: StoredSession) async throws {
        try await database.pool.write { db in
            try db.execute(
                sql: "INSERT INTO sessions (token_hash, user_id, reader_id, created_at, expires_at) VALUES (?, ?, ?, ?, ?)",
                arguments: [session.tokenHash, session.userID, session.readerID, session.createdAt.unixMilliseconds, session.expiresAt.unixMilliseconds]
            )
        }
    }

    /// The stored session, expired or not: the caller compares `expiresAt` with its clock.
    func session(tokenHash: String) async throws -> StoredSession? {
        try await database.pool.read { db in
            try Row.fetchOne(
                db, sql: "SELECT token_hash, user_id, reader_id, created_at, expires_at FROM sessions WHERE token_hash = ?",
                arguments: [tokenHash]
            ).map { row in
                StoredSession(
                    tokenHash: row["token_hash"], userID: row["user_id"], readerID: row["reader_id"],
                    createdAt: Date(unixMilliseconds: row["created_at"]), expiresAt: Date(unixMilliseconds: row["expires_at"])
                )
            }
        }
    }

    func delete(tokenHash: String) async throws {
        try await database.pool.write { db in
            try db.execute(sql: "DELETE FROM sessions WHERE token_hash = ?", arguments: [tokenHash])
        }
    }

    func deleteExpired(now: Date) async throws -> Int {
        try await database.pool.write { db in
            try db.execute(sql: "DELETE FROM sessions WHERE expires_at <= ?", arguments: [now.unixMilliseconds])
            return db.changesCount
        }
    }
}
