import ALPRCore
import ALPRStorage
import Foundation
import HummingbirdBcrypt

/// Logging in and out (R7 individual accounts; R9 audits each login, failure and logout).
/// Sessions live in the database (only the token hash), so they survive restarts.
struct SessionManager: Sendable {
    let storage: Storage
    let audit: AuditLog
    let throttle: LoginThrottle
    let lifetime: TimeInterval
    /// A valid bcrypt hash of a random string at the configured cost, compared against when
    /// the username is unknown.
    let decoyHash: String

    init(storage: Storage, audit: AuditLog, throttle: LoginThrottle, lifetime: TimeInterval, passwordHashCost: UInt8) {
        self.storage = storage; self.audit = audit; self.throttle = throttle; self.lifetime = lifetime
        self.decoyHash = Bcrypt.hash(UUID().uuidString, cost: passwordHashCost)
    }

    struct LoggedIn: Sendable {
        var user: User
        var token: SessionToken
        var session: StoredSession
    }

    /// Checks the password, throttling repeated failures per username and per address.
    func verify(username: String, password: String, address: String?) async throws -> User {
        let username = username.trimmingCharacters(in: .whitespaces)
        guard !username.isEmpty, !password.isEmpty else {
            throw ALPRError.invalid(field: "username", reason: "give a username and a password")
        }
        if let wait = throttle.retryAfter(username: username, address: address) {
            let seconds = Int(wait.rounded(.up))
            throw RequestError(
                .tooManyRequests, "too many failed logins; try again in \(seconds) seconds",
                headers: [.retryAfter: String(seconds)]
            )
        }
        let user = try await storage.users.user(username: username)
        // Hash even for unknown users, so timing does not reveal which usernames exist.
        let valid = Bcrypt.verify(password, hash: user?.passwordHash ?? decoyHash)
        guard let user, valid, user.isActive else {
            throttle.recordFailure(username: username, address: address)
            try await audit.record(
                .loginFailed, actor: username, subject: "session",
                criteria: address.map { "address=\($0)" }, reason: user?.isActive == false ? "account disabled" : "wrong username or password"
            )
            throw ALPRError.unauthenticated(reason: "wrong username or password")
        }
        throttle.recordSuccess(username: username)
        return user
    }

    func open(for user: User, readerID: UUID? = nil, now: Date = Date()) async throws -> LoggedIn {
        let token = SessionToken.generate()
        let session = StoredSession(
            tokenHash: token.hash, userID: user.id, readerID: readerID, createdAt: now,
            expiresAt: now.addingTimeInterval(lifetime)
        )
        try await storage.sessions.create(session)
        try await audit.record(
            .login, actor: user.username, subject: "session",
            criteria: readerID.map { "reader=\($0.uuidString)" }
        )
        return LoggedIn(user: user, token: token, session: session)
    }

    /// Ends the session; an officer's session also takes their mobile reader offline (R7).
    func close(_ session: StoredSession, user: User, now: Date = Date()) async throws {
        try await storage.sessions.delete(tokenHash: session.tokenHash)
        var criteria: String?
        if let readerID = session.readerID,
           let period = try await storage.readers.closeActivePeriod(readerID: readerID, at: now) {
            criteria = "reader=\(readerID.uuidString) active_period=\(period.id.uuidString)"
        }
        try await audit.record(.logout, actor: user.username, subject: "session", criteria: criteria)
    }

    static let minimumPasswordLength = 12

    static func validateNewPassword(_ password: String) throws(ALPRError) {
        guard password.count >= minimumPasswordLength else {
            throw .invalid(field: "password", reason: "must be at least \(minimumPasswordLength) characters")
        }
    }

    static func randomPassword() -> String {
        let alphabet = Array("abcdefghijkmnopqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789")
        var generator = SystemRandomNumberGenerator()
        return String((0..<20).map { _ in alphabet.randomElement(using: &generator)! })
    }
}
