import ALPRCore
import ALPRStorage
import Foundation
import Hummingbird

/// Authenticates the caller as the route's `RouteAccess` requires and asks `AccessPolicy`
/// (R8, §13.824 subd. 7) whether a user may use the route's permission. Denials are audited.
struct AccessMiddleware: RouterMiddleware {
    typealias Context = AppRequestContext
    let access: RouteAccess
    let route: RouteDescriptor
    let authenticator: Authenticator
    let audit: AuditLog

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        var context = context
        switch access {
        case .public:
            break
        case .reader:
            context.reader = try await authenticator.reader(for: request)
        case .user(let permission):
            let (user, session) = try await authenticator.user(for: request)
            context.user = user
            context.session = session
            if case .deny(let rule, let reason) = AccessPolicy.decide(user, permission) {
                try await audit.record(
                    .denied, actor: user.username, subject: "route",
                    criteria: "\(route.method) \(route.path) needs \(permission.rawValue)", reason: reason
                )
                throw ALPRError.forbidden(rule: rule, reason: reason)
            }
        }
        return try await next(request, context)
    }
}

/// Resolves credentials to a reader or a user session.
struct Authenticator: Sendable {
    let storage: Storage

    func reader(for request: Request) async throws -> Reader {
        guard let bearer = Self.bearerToken(request), let credential = ReaderCredential.parse(bearer: bearer) else {
            throw ALPRError.unauthenticated(reason: "a reader credential is required (Authorization: Bearer <reader id>.<token>)")
        }
        guard let stored = try await storage.readers.credentialHash(readerID: credential.readerID),
              ReaderCredential.matches(token: credential.token, storedHash: stored),
              let reader = try await storage.readers.reader(id: credential.readerID)
        else {
            throw ALPRError.unauthenticated(reason: "unknown reader or wrong credential")
        }
        guard reader.retiredAt == nil else {
            throw ALPRError.unauthenticated(reason: "this reader is retired")
        }
        return reader
    }

    func user(for request: Request) async throws -> (User, StoredSession) {
        let presented = Self.bearerToken(request) ?? request.cookies[SessionToken.cookieName]?.value
        guard let presented, let token = SessionToken(presented: presented) else {
            throw ALPRError.unauthenticated(reason: "log in first")
        }
        guard let session = try await storage.sessions.session(tokenHash: token.hash) else {
            throw ALPRError.unauthenticated(reason: "the session is not valid; log in again")
        }
        guard session.expiresAt > Date() else {
            try await storage.sessions.delete(tokenHash: token.hash)
            throw ALPRError.unauthenticated(reason: "the session has expired; log in again")
        }
        guard let user = try await storage.users.user(id: session.userID) else {
            throw ALPRError.unauthenticated(reason: "the account no longer exists")
        }
        return (user, session)
    }

    static func bearerToken(_ request: Request) -> String? {
        guard let header = request.headers[.authorization] else { return nil }
        let parts = header.split(separator: " ", maxSplits: 1)
        guard parts.count == 2, parts[0].lowercased() == "bearer" else { return nil }
        return parts[1].trimmingCharacters(in: .whitespaces)
    }
}
