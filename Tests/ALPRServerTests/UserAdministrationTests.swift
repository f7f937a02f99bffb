import ALPRCore
import ALPRStorage
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore
import Testing
@testable import ALPRServer

/// People (R7, R8): an administrator creates accounts, sets roles, records training and the
/// written authorization; each change is audited.
@Suite struct UserAdministrationTests {
    @Test func anAccountBecomesUsableOnlyOnceAuthorizationIsRecorded() async throws {
        let server = try TestServer()
        defer { server.remove() }
        try await server.createUser("admin", roles: [.administrator])
        try await server.app().test(.router) { client in
            let admin = try await client.login("admin")
            let created = try await client.execute(
                uri: "/api/v1/users", method: .post, headers: .json(bearer: admin), body: .json(["username": "J.Smith", "roles": ["officer"]])
            )
            #expect(created.status == .created, "\(created.text)")
            let password = try #require(created.json["password"] as? String)
            let user = try #require(created.json["user"] as? [String: Any])
            let id = try #require(user["id"] as? String)
            #expect(user["username"] as? String == "j.smith" && user["password_hash"] == nil)

            let weak = try await client.execute(
                uri: "/api/v1/users", method: .post, headers: .json(bearer: admin), body: .json(["username": "weak", "password": "short", "roles": []])
            )
            #expect(weak.status == .unprocessableContent && weak.errorField == "password")
            let taken = try await client.execute(
                uri: "/api/v1/users", method: .post, headers: .json(bearer: admin), body: .json(["username": "j.smith", "roles": ["officer"]])
            )
            #expect(taken.status == .conflict)

            let roles = try await client.execute(
                uri: "/api/v1/users/\(id)/roles", method: .put, headers: .json(bearer: admin), body: .json(["roles": ["investigator"]])
            )
            #expect(roles.status == .ok && roles.json["roles"] as? [String] == ["investigator"])

            let token = try await client.login("j.smith", password: password)
            let search = ["case_number": "2025-55", "reason": "Stolen trailer seen towed north on Douglas Drive by a white pickup at dusk", "plate": "ABC123"]
            let before = try await client.execute(uri: "/api/v1/search", method: .post, headers: .json(bearer: token), body: .json(search))
            #expect(before.status == .forbidden && before.errorReason.contains("written authorization"))

            let vague = try await client.execute(
                uri: "/api/v1/users/\(id)/authorization", method: .post, headers: .json(bearer: admin),
                body: .json(["authorized_by": "Chief Adams", "purpose": "ok"])
            )
            #expect(vague.status == .unprocessableContent && vague.errorField == "purpose")
            let authorized = try await client.execute(
                uri: "/api/v1/users/\(id)/authorization", method: .post, headers: .json(bearer: admin),
                body: .json(["authorized_by": "Chief Adams", "purpose": "Investigations of property crimes"])
            )
            #expect(authorized.status == .ok && authorized.json["authorized_by"] as? String == "Chief Adams")
            let training = try await client.execute(
                uri: "/api/v1/users/\(id)/training", method: .post, headers: .json(bearer: admin), body: .json(["completed_at": "2025-01-15T10:00:00Z"])
            )
            #expect(training.status == .ok && training.json["training_completed_at"] != nil)

            let after = try await client.execute(uri: "/api/v1/search", method: .post, headers: .json(bearer: token), body: .json(search))
            #expect(after.status == .ok, "\(after.text)")

            let disabled = try await client.execute(uri: "/api/v1/users/\(id)/disable", method: .post, headers: .bearer(admin))
            #expect(disabled.status == .ok)
            // The existing session no longer grants anything.
            let afterDisable = try await client.execute(uri: "/api/v1/search", method: .post, headers: .json(bearer: token), body: .json(search))
            #expect(afterDisable.status == .forbidden && afterDisable.errorReason.contains("disabled"))
            let list = try await client.execute(uri: "/api/v1/users", method: .get, headers: .bearer(admin))
            #expect((list.json["users"] as? [[String: Any]])?.count == 2)
        }
        let changes = try await server.auditEntries().filter { $0.actor == "admin" && $0.subject == "user" }.map(\.action)
        #expect(changes == [.enter, .update, .update, .update, .update])
    }
}
