import ALPRCore
import ALPRStorage
import Foundation
import Hummingbird
import HummingbirdBcrypt

/// People (R7 individual accounts and training, R8 roles and written authorization).
struct UsersController {
    let services: ServerServices

    var routes: [AppRoute] {
        [
            AppRoute(.post, "/api/v1/users", .user(.manageUsers), create),
            AppRoute(.get, "/api/v1/users", .user(.manageUsers), list),
            AppRoute(.put, "/api/v1/users/:id/roles", .user(.manageUsers), setRoles),
            AppRoute(.post, "/api/v1/users/:id/training", .user(.manageUsers), recordTraining),
            AppRoute(.post, "/api/v1/users/:id/authorization", .user(.manageUsers), recordAuthorization),
            AppRoute(.post, "/api/v1/users/:id/disable", .user(.manageUsers), disable),
        ]
    }

    /// Never includes the password hash.
    struct UserView: Codable {
        var id: UUID
        var username: String
        var roles: [String]
        var trainingCompletedAt: Date?
        var authorizedBy: String?
        var authorizedAt: Date?
        var authorizationPurpose: String?
        var disabledAt: Date?
        var createdAt: Date
        init(_ user: User) {
            id = user.id; username = user.username; roles = user.roles.sorted().map(\.rawValue)
            trainingCompletedAt = user.trainingCompletedAt; authorizedBy = user.authorization?.authorizedBy
            authorizedAt = user.authorization?.authorizedAt; authorizationPurpose = user.authorization?.purpose
            disabledAt = user.disabledAt; createdAt = user.createdAt
        }
    }

    struct Creation: Decodable {
        var username: String
        var password: String?
        var roles: [Role]
    }

    struct Created: Encodable {
        var user: UserView
        /// Present only when the server generated the password; shown once.
        var password: String?
    }

    static func validateUsername(_ raw: String) throws(ALPRError) -> String {
        let username = raw.trimmingCharacters(in: .whitespaces).lowercased()
        guard (2...64).contains(username.count),
              username.unicodeScalars.allSatisfy({ CharacterSet.alphanumerics.contains($0) || "._-".unicodeScalars.contains($0) })
        else {
            throw .invalid(field: "username", reason: "2 to 64 letters, digits, '.', '_' or '-'")
        }
        return username
    }

    @Sendable func create(_ request: Request, context: AppRequestContext) async throws -> Response {
        let admin = try context.requireUser()
        let body = try await APIJSON.decode(Creation.self, from: request, context: context)
        let username = try Self.validateUsername(body.username)
        let generated = body.password == nil ? SessionManager.randomPassword() : nil
        let password = body.password ?? generated!
        try SessionManager.validateNewPassword(password)
        guard try await services.storage.users.user(username: username) == nil else {
            throw ALPRError.conflict(reason: "the username is taken")
        }
        let user = User(
            username: username, passwordHash: Bcrypt.hash(password, cost: services.configuration.passwordHashCost),
            roles: Set(body.roles)
        )
        try await services.storage.users.create(user, audit: services.audit.draft(
            .enter, actor: admin.username, subject: "user",
            criteria: "username=\(username) roles=\(user.roles.sorted().map(\.rawValue).joined(separator: ","))",
            resultIDs: [user.id.uuidString]
        ))
        return try APIJSON.response(Created(user: UserView(user), password: generated), status: .created)
    }

    @Sendable func list(_ request: Request, context: AppRequestContext) async throws -> Response {
        try APIJSON.response(["users": try await services.storage.users.all().map(UserView.init)])
    }

    func update(_ context: AppRequestContext, what: String, change: (inout User) throws -> Void) async throws -> Response {
        let admin = try context.requireUser()
        let id = try context.parameters.require("id", as: UUID.self)
        guard var user = try await services.storage.users.user(id: id) else { throw ALPRError.notFound(what: "user") }
        try change(&user)
        try await services.storage.users.update(user, audit: services.audit.draft(
            .update, actor: admin.username, subject: "user", criteria: what, resultIDs: [user.id.uuidString]
        ))
        return try APIJSON.response(UserView(user))
    }

    struct Roles: Decodable { var roles: [Role] }

    @Sendable func setRoles(_ request: Request, context: AppRequestContext) async throws -> Response {
        let body = try await APIJSON.decode(Roles.self, from: request, context: context)
        let roles = Set(body.roles)
        return try await update(context, what: "roles=\(roles.sorted().map(\.rawValue).joined(separator: ","))") { $0.roles = roles }
    }

    struct Training: Decodable { var completedAt: Date? }

    @Sendable func recordTraining(_ request: Request, context: AppRequestContext) async throws -> Response {
        let body = try await APIJSON.decode(Training.self, from: request, context: context)
        let completedAt = body.completedAt ?? Date()
        guard completedAt <= Date().addingTimeInterval(CollectionLimits.allowedClockSkew) else {
            throw ALPRError.invalid(field: "completed_at", reason: "is in the future")
        }
        return try await update(context, what: "training_completed_at") { $0.trainingCompletedAt = completedAt }
    }

    struct Authorization: Decodable {
        var authorizedBy: String
        var authorizedAt: Date?
        var purpose: String
    }

    /// R8: the chief's or a designee's written authorization, for a specified purpose.
    @Sendable func recordAuthorization(_ request: Request, context: AppRequestContext) async throws -> Response {
        let body = try await APIJSON.decode(Authorization.self, from: request, context: context)
        let by = body.authorizedBy.trimmingCharacters(in: .whitespacesAndNewlines)
        let purpose = body.purpose.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !by.isEmpty else { throw ALPRError.invalid(field: "authorized_by", reason: "name the chief or designee who authorized") }
        guard purpose.count >= 10 else { throw ALPRError.invalid(field: "purpose", reason: "state the law enforcement purpose (at least 10 characters)") }
        let authorization = WrittenAuthorization(authorizedBy: by, authorizedAt: body.authorizedAt ?? Date(), purpose: purpose)
        return try await update(context, what: "authorization by \(by)") { $0.authorization = authorization }
    }

    @Sendable func disable(_ request: Request, context: AppRequestContext) async throws -> Response {
        let admin = try context.requireUser()
        let id = try context.parameters.require("id", as: UUID.self)
        guard id != admin.id else { throw ALPRError.conflict(reason: "you cannot disable your own account") }
        return try await update(context, what: "disabled") { $0.disabledAt = Date() }
    }
}
