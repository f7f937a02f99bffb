import ALPRCore
import ALPRStorage
import Foundation
import GRDB

/// One row of `users`. Roles are stored as a sorted comma-separated list.
enum UserRecord {
    static let databaseTableName = "users"
    static let selection = """
        id, username, password_hash, roles, training_completed_at, authorized_by, authorized_at, \
        authorization_purpose, disabled_at, created_at
        """

    static func arguments(_ user: User) -> StatementArguments {
        [
            user.id, user.username, user.passwordHash, user.roles.sorted().map(\.rawValue).joined(separator: ","),
            user.trainingCompletedAt?.unixMilliseconds, user.authorization?.authorizedBy,
            user.authorization?.authorizedAt.unixMilliseconds, user.authorization?.purpose,
            user.disabledAt?.unixMilliseconds, user.createdAt.unixMilliseconds,
        ]
    }

    static func user(from row: Row) throws -> User {
        let rolesText: String = row["roles"]
        var roles = Set<Role>()
        for name in rolesText.split(separator: ",") {
            guard let role = Role(rawValue: String(name)) else {
                throw StorageError.corruptRow(table: databaseTableName, reason: "unknown role '\(name)'")
            }
            roles.insert(role)
        }
        var authorization: WrittenAuthorization?
        if let by: String = row["authorized_by"], let at: Int64 = row["authorized_at"], let purpose: String = row["authorization_purpose"] {
            authorization = WrittenAuthorization(authorizedBy: by, authorizedAt: Date(unixMilliseconds: at), purpose: purpose)
        }
        return User(
            id: row["id"], username: row["username"], passwordHash: row["password_hash"], roles: roles,
            trainingCompletedAt: (row["training_completed_at"] as Int64?).map(Date.init(unixMilliseconds:)),
            authorization: authorization,
            disabledAt: (row["disabled_at"] as Int64?).map(Date.init(unixMilliseconds:)),
            createdAt: Date(unixMilliseconds: row["created_at"])
        )
    }
}
