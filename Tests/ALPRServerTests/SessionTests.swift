import ALPRCore
import ALPRStorage
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore
import Testing
@testable import ALPRServer

/// Logins, database-backed sessions and throttling (R7 individual accounts, R9 audit).
@Suite struct SessionTests {
    static func cookie(from response: TestResponse) throws -> String {
        let header = try #require(response.headers[.setCookie])
        let pair = try #require(header.split(separator: ";").first)
        #expect(header.contains("HttpOnly") && header.contains("SameSite=Strict"))
        return String(pair)
    }

    @Test func aSessionCookieSurvivesARestart() async throws {
        let server = try TestServer()
        defer { server.remove() }
        try await server.createUser("inv", roles: [.investigator])
        let cookie = try await server.app().test(.router) { client in
            let response = try await client.execute(
                uri: "/api/v1/login", method: .post, headers: .json(), body: .json(["username": "inv", "password": TestServer.password])
            )
            #expect(response.status == .created)
            return try Self.cookie(from: response)
        }
        // Only the token's hash is stored.
        let token = String(cookie.split(separator: "=", maxSplits: 1)[1])
        #expect(try await server.storage.sessions.session(tokenHash: token) == nil)
        #expect(try await server.storage.sessions.session(tokenHash: SessionToken(presented: token)!.hash) != nil)

        // A new application on a freshly opened database accepts the cookie.
        let restarted = try await server.app(storage: server.reopenedStorage())
        try await restarted.test(.router) { client in
            let me = try await client.execute(uri: "/api/v1/me", method: .get, headers: [.cookie: cookie])
            #expect(me.status == .ok && me.json["username"] as? String == "inv")
            let page = try await client.execute(uri: "/search", method: .get, headers: [.cookie: cookie])
            #expect(page.status == .ok)
        }
    }

    @Test func anExpiredSessionIsRefused() async throws {
        let server = try TestServer()
        defer { server.remove() }
        let user = try await server.createUser("inv", roles: [.investigator])
        let token = SessionToken.generate()
        try await server.storage.sessions.create(StoredSession(
            tokenHash: token.hash, userID: user.id, createdAt: Date().addingTimeInterval(-7200), expiresAt: Date().addingTimeInterval(-60)
        ))
        try await server.app().test(.router) { client in
            let response = try await client.execute(uri: "/api/v1/me", method: .get, headers: .bearer(token.value))
            #expect(response.status == .unauthorized && response.errorReason.contains("expired"))
            let page = try await client.execute(uri: "/search", method: .get, headers: [.cookie: "\(SessionToken.cookieName)=\(token.value)"])
            #expect(page.status == .seeOther && page.headers[.location] == "/login")
        }
        #expect(try await server.storage.sessions.session(tokenHash: token.hash) == nil)
    }

    @Test func logoutEndsTheSessionAndIsAudited() async throws {
        let server = try TestServer()
        defer { server.remove() }
        try await server.createUser("inv", roles: [.investigator])
        try await server.app().test(.router) { client in
            let token = try await client.login("inv")
            #expect(try await client.execute(uri: "/api/v1/logout", method: .post, headers: .bearer(token)).status == .ok)
            #expect(try await client.execute(uri: "/api/v1/me", method: .get, headers: .bearer(token)).status == .unauthorized)
        }
        let actions = try await server.auditEntries().filter { $0.actor == "inv" }.map(\.action)
        #expect(actions == [.login, .logout])
    }

    @Test func repeatedFailuresLockTheUsernameEvenForTheRightPassword() async throws {
        let server = try TestServer()
        defer { server.remove() }
        try await server.createUser("inv", roles: [.investigator])
        let throttle = LoginThrottle(settings: .init(freeAttempts: 3, window: 600, baseDelay: 60, maximumDelay: 600))
        try await server.app(throttle: throttle).test(.router) { client in
            for _ in 0..<3 {
                let wrong = try await client.execute(
                    uri: "/api/v1/login", method: .post, headers: .json(), body: .json(["username": "inv", "password": "wrong password!"])
                )
                #expect(wrong.status == .unauthorized)
            }
            let locked = try await client.execute(
                uri: "/api/v1/login", method: .post, headers: .json(), body: .json(["username": "INV", "password": TestServer.password])
            )
            #expect(locked.status == .tooManyRequests)
            #expect(Int(locked.headers[.retryAfter] ?? "") ?? 0 > 0)
        }
        let failures = try await server.auditEntries().filter { $0.action == .loginFailed }
        #expect(failures.count == 3)
    }

    @Test func theThrottleBacksOffExponentiallyPerUsernameAndAddress() {
        let throttle = LoginThrottle(settings: .init(freeAttempts: 2, window: 300, baseDelay: 10, maximumDelay: 100))
        let start = Date(timeIntervalSince1970: 1_000_000)
        throttle.recordFailure(username: "a", address: "10.0.0.1", now: start)
        #expect(throttle.retryAfter(username: "a", address: nil, now: start) == nil)
        throttle.recordFailure(username: "a", address: "10.0.0.1", now: start)
        #expect(throttle.retryAfter(username: "a", address: nil, now: start) == 10)
        throttle.recordFailure(username: "a", address: "10.0.0.1", now: start)
        #expect(throttle.retryAfter(username: "a", address: nil, now: start) == 20)
        // Another username from the same address is held back too.
        #expect(throttle.retryAfter(username: "b", address: "10.0.0.1", now: start) == 20)
        #expect(throttle.retryAfter(username: "b", address: "10.0.0.2", now: start) == nil)
        for _ in 0..<10 { throttle.recordFailure(username: "a", address: nil, now: start) }
        #expect(throttle.retryAfter(username: "a", address: nil, now: start) == 100)
        // Failures outside the window are forgotten.
        let later = start.addingTimeInterval(1000)
        throttle.recordFailure(username: "a", address: nil, now: later)
        #expect(throttle.retryAfter(username: "a", address: nil, now: later) == nil)
    }

    @Test func failuresFromOneAddressAreThrottledOverRealSockets() async throws {
        let server = try TestServer()
        defer { server.remove() }
        try await server.createUser("someone", roles: [.investigator])
        let throttle = LoginThrottle(settings: .init(freeAttempts: 2, window: 600, baseDelay: 60, maximumDelay: 600))
        try await server.app(throttle: throttle).test(.live) { client in
            for name in ["guess-1", "guess-2"] {
                let response = try await client.execute(
                    uri: "/api/v1/login", method: .post, headers: .json(), body: .json(["username": name, "password": "not the password"])
                )
                #expect(response.status == .unauthorized)
            }
            // A different, real username from the same address now waits.
            let response = try await client.execute(
                uri: "/api/v1/login", method: .post, headers: .json(), body: .json(["username": "someone", "password": TestServer.password])
            )
            #expect(response.status == .tooManyRequests)
        }
    }

    @Test func theWebLoginFormSetsTheCookieAndRedirects() async throws {
        let server = try TestServer()
        defer { server.remove() }
        try await server.createUser("inv", roles: [.investigator])
        try await server.app().test(.router) { client in
            let page = try await client.execute(uri: "/login", method: .get)
            #expect(page.status == .ok && page.text.contains("Minn. Stat. §13.09") && page.text.contains("misdemeanor"))
            let wrong = try await client.execute(
                uri: "/login", method: .post, headers: [.contentType: "application/x-www-form-urlencoded"],
                body: ByteBuffer(string: "username=inv&password=nope")
            )
            #expect(wrong.status == .unauthorized && wrong.text.contains("wrong username or password"))
            let right = try await client.execute(
                uri: "/login", method: .post, headers: [.contentType: "application/x-www-form-urlencoded"],
                body: ByteBuffer(string: "username=inv&password=correct%20horse%20battery%20staple")
            )
            #expect(right.status == .seeOther && right.headers[.location] == "/search")
            let cookie = try Self.cookie(from: right)
            let search = try await client.execute(uri: "/search", method: .get, headers: [.cookie: cookie])
            #expect(search.status == .ok && search.text.contains("Minn. Stat. §13.09") && search.text.contains("626.8472"))
        }
    }
}
