import ALPRCore
import ALPRStorage
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore
import Testing
@testable import ALPRServer

/// R8 (§13.824 subd. 7): every route × every role, from the router's own route table.
@Suite struct AccessTests {
    /// The route table exactly as the router is built from it.
    static func routes(_ server: TestServer) async throws -> [RouteDescriptor] {
        let services = ServerServices(
            storage: server.storage, configuration: server.configuration, throttle: LoginThrottle(),
            pages: try await WebPages.load(), metrics: AppMetrics()
        )
        return routeTable(services).map(\.descriptor)
    }

    static func concretePath(_ path: String) -> String {
        path.split(separator: "/", omittingEmptySubsequences: false).map { segment -> String in
            switch segment {
            case ":id": UUID().uuidString
            case ":sha": String(repeating: "ab", count: 32)
            case ":number": "2025-000123"
            default: String(segment)
            }
        }.joined(separator: "/")
    }

    @Test func everyRouteDeclaresItsAccessOnce() async throws {
        let server = try TestServer()
        defer { server.remove() }
        let routes = try await Self.routes(server)
        #expect(routes.count >= 30)
        #expect(Set(routes.map { "\($0.method) \($0.path)" }).count == routes.count, "a route is declared twice")
        // Everything under /api/v1 that is not the login or a reader's upload needs a user.
        for route in routes where route.access == .public {
            #expect(["/health", "/metrics", "/", "/login", "/api/v1/login"].contains(route.path), "\(route) is public")
        }
    }

    @Test func everyRouteForEveryRoleFollowsTheAccessPolicy() async throws {
        let server = try TestServer()
        defer { server.remove() }
        let routes = try await Self.routes(server)
        for role in Role.allCases {
            try await server.createUser("user-\(role.rawValue)", roles: [role])
        }
        let deniedBefore = try await server.auditEntries().filter { $0.action == .denied }.count
        let expectedDenials = try await server.app().test(.router) { client in
            var expectedDenials = 0
            var tokens: [Role: String] = [:]
            for role in Role.allCases { tokens[role] = try await client.login("user-\(role.rawValue)") }
            for route in routes {
                // Logout would end the session the loop keeps using.
                if route.path.hasSuffix("logout") { continue }
                for role in Role.allCases {
                    let response = try await client.execute(
                        uri: Self.concretePath(route.path), method: route.method,
                        headers: .json(bearer: tokens[role]!), body: route.method == .get ? nil : ByteBuffer(string: "{}")
                    )
                    let status = response.status
                    switch route.access {
                    case .public:
                        #expect(status != .unauthorized && status != .forbidden, "\(route) as \(role): \(status)")
                    case .reader:
                        // A user's session is not a reader credential.
                        #expect(status == .unauthorized, "\(route) as \(role): \(status)")
                    case .user(let permission):
                        let allowed = AccessPolicy.rolePermissions[role]?.contains(permission) ?? false
                        if allowed {
                            #expect(status != .unauthorized && status != .forbidden, "\(route) as \(role): \(status) \(response.text)")
                        } else {
                            expectedDenials += 1
                            #expect(status == .forbidden, "\(route) as \(role): \(status)")
                            let reason = route.path.hasPrefix("/api/") ? response.errorReason : response.text
                            #expect(reason.contains("role"), "\(route) as \(role)")
                        }
                    }
                }
            }
            return expectedDenials
        }
        // Every denial is in the audit trail (R9).
        let denied = try await server.auditEntries().filter { $0.action == .denied && $0.subject == "route" }.count
        #expect(denied - deniedBefore == expectedDenials)
    }

    @Test func withoutCredentialsNothingButPublicRoutesAnswers() async throws {
        let server = try TestServer()
        defer { server.remove() }
        let routes = try await Self.routes(server)
        try await server.app().test(.router) { client in
            for route in routes where route.access != .public {
                let response = try await client.execute(uri: Self.concretePath(route.path), method: route.method, headers: .json(), body: ByteBuffer(string: "{}"))
                if route.path.hasPrefix("/api/") {
                    #expect(response.status == .unauthorized, "\(route): \(response.status)")
                    #expect(!response.errorReason.isEmpty)
                } else {
                    // Web pages send a browser to the login page.
                    #expect(response.status == .seeOther && response.headers[.location] == "/login", "\(route)")
                }
            }
        }
    }

    @Test func dataNeedsAWrittenAuthorizationAndOperatingNeedsTraining() async throws {
        let server = try TestServer()
        defer { server.remove() }
        try await server.createUser("unauthorized-investigator", roles: [.investigator], authorized: false)
        try await server.createUser("disabled-investigator", roles: [.investigator], disabled: true)
        try await server.app().test(.router) { client in
            let token = try await client.login("unauthorized-investigator")
            let response = try await client.execute(uri: "/api/v1/search", method: .post, headers: .json(bearer: token), body: .json([:]))
            #expect(response.status == .forbidden && response.errorReason.contains("written authorization"))
            // A disabled account cannot log in at all.
            let disabled = try await client.execute(
                uri: "/api/v1/login", method: .post, headers: .json(), body: .json(["username": "disabled-investigator", "password": TestServer.password])
            )
            #expect(disabled.status == .unauthorized)
        }
        let denied = try await server.auditEntries().filter { $0.action == .denied }
        #expect(denied.contains { $0.actor == "unauthorized-investigator" })
    }
}
