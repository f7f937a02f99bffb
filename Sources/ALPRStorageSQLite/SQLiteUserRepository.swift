import ALPRCore
import ALPRStorage
import Foundation
import GRDB

struct SQLiteUserRepository: UserRepository {
    let database: SQLiteDatabase

    func create(_ user: User, audit: AuditEntryDraft) async throws {
        try await database.pool.write { db in
            if try Bool.fetchOne(db, sql: "SELECT EXISTS (SELECT 1 FROM users WHERE username = ? OR id = ?)", arguments: [user.username, user.id]) ?? false {
                throw ALPRError.conflict(reason: "the username '\(user.username)' is taken")
            }
            try db.execute(sql: "INSERT INTO users (\(UserRecord.selection)) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", arguments: UserRecord.arguments(user))
            _ = try AuditLog.append(audit, in: db)
        }
    }

    func update(_ user: User, audit: AuditEntryDraft) async throws {
        try await database.pool.write { db in
            if try Bool.fetchOne(db, sql: "SELECT EXISTS (SELECT 1 FROM users WHERE username = ? AND id <> ?)", arguments: [user.username, user.id]) ?? false {
                throw ALPRError.conflict(reason: "the username '\(user.username)' is taken")
            }
            var arguments = UserRecord.arguments(user)
            arguments += [user.id]
            try db.execute(
                sql: """
                    UPDATE users SET id = ?, username = ?, password_hash = ?, roles = ?, training_completed_at = ?,
                        authorized_by = ?, authorized_at = ?, authorization_purpose = ?, disabled_at = ?, created_at = ?
                    WHERE id = ?
                    """,
                arguments: arguments
            )
            guard db.changesCount == 1 else { throw ALPRError.notFound(what: "user") }
            _ = try AuditLog.append(audit, in: db)
        }
    }

    func user(id: UUID) async throws -> User? {
        try await fetchOne("SELECT \(UserRecord.selection) FROM users WHERE id = ?", [id])
    }

    func user(username: String) async throws -> User? {
        try await fetchOne("SELECT \(UserRecord.selection) FROM users WHERE username = ?", [username])
    }

    func all() async throws -> [User] {
        try await database.pool.read { db in
            try Row.fetchAll(db, sql: "SELECT \(UserRecord.selection) FROM users ORDER BY username").map(UserRecord.user(from:))
        }
    }

    func count() async throws -> Int {
        try await database.pool.read { db in try Int.fetchOne(db, sql: "SELECT count(*) FROM users") ?? 0 }
    }

    private func fetchOne(_ sql: String, _ arguments: StatementArguments) async throws -> User? {
        try await database.pool.read { db in try Row.fetchOne(db, sql: sql, arguments: arguments).map(UserRecord.user(from:)) }
    }
}
