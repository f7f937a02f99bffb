import ALPRCore
import ALPRStorage
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore
import Testing
@testable import ALPRServer

/// R5 (§13.824 subd. 2(d); Policy "Manual Hot List") through the routes and the expiry service.
@Suite struct ManualEntryTests {
    static let justification = "Victim reports her vehicle taken at knifepoint ten minutes ago, suspect fled north on Highway 100"

    static func exigencyEntry(plate: String = "MAN001", expiresAt: Date? = nil) -> [String: Any] {
        var body: [String: Any] = [
            "plate": plate, "state": "MN", "case_number": "2025-000777",
            "exigency": ["circumstance": "fresh_stolen_motor_vehicle", "justification": justification],
        ]
        if let expiresAt { body["expires_at"] = iso8601Milliseconds(expiresAt) }
        return body
    }

    @Test func anEntryNeedsAWarrantOrAStatedExigency() async throws {
        let server = try TestServer()
        defer { server.remove() }
        try await server.createUser("detective", roles: [.investigator])
        try await server.app().test(.router) { client in
            let token = try await client.login("detective")
            func create(_ body: [String: Any]) async throws -> TestResponse {
                try await client.execute(uri: "/api/v1/hotlists/manual", method: .post, headers: .json(bearer: token), body: .json(body))
            }
            let bare = try await create(["plate": "MAN001", "state": "MN", "case_number": "2025-000777"])
            #expect(bare.status == .forbidden && bare.errorReason.contains("warrant"))
            let vague = try await create(["plate": "MAN001", "case_number": "2025-000777", "exigency": ["circumstance": "kidnapping", "justification": "urgent"]])
            #expect(vague.status == .forbidden && vague.errorReason.contains("describe the exigent circumstance"))
            let noCase = try await create(["plate": "MAN001", "exigency": ["circumstance": "kidnapping", "justification": Self.justification]])
            #expect(noCase.status == .forbidden && noCase.errorReason.contains("case number"))
            let expiredWarrant = try await create([
                "plate": "MAN001", "case_number": "2025-000777",
                "warrant": ["number": "TW-1", "issuing_court": "Hennepin County District Court", "expires_at": iso8601Milliseconds(Date().addingTimeInterval(-60))],
            ])
            #expect(expiredWarrant.status == .forbidden && expiredWarrant.errorReason.contains("expired"))
            let warrant = try await create([
                "plate": "MAN002", "case_number": "2025-000778",
                "warrant": ["number": "TW-2", "issuing_court": "Hennepin County District Court", "expires_at": iso8601Milliseconds(Date().addingTimeInterval(7 * 86_400))],
            ])
            #expect(warrant.status == .created, "\(warrant.text)")
            #expect(warrant.json["authority"] as? String == "warrant")
        }
        #expect(try await server.storage.hotLists.manualEntries(includingRemoved: true).map(\.plate.value) == ["MAN002"])
        #expect(try await server.auditEntries().filter { $0.subject == "manual_hot_list_entry" }.map(\.caseNumber) == ["2025-000778"])
    }

    @Test func aManualHitCarriesTheJustificationNoticeUntilTheEntryIsRemoved() async throws {
        let server = try TestServer()
        defer { server.remove() }
        try await server.createUser("detective", roles: [.investigator])
        let (_, bearer) = try await server.collectingReader()
        try await server.app().test(.router) { client in
            let token = try await client.login("detective")
            let created = try await client.execute(uri: "/api/v1/hotlists/manual", method: .post, headers: .json(bearer: token), body: .json(Self.exigencyEntry()))
            #expect(created.status == .created, "\(created.text)")
            let id = try #require(created.json["id"] as? String)
            try await client.postRead(plate: "MAN001", bearer: bearer)

            // Entered in NCIC: the manual entry goes (Policy "Manual Hot List").
            let removed = try await client.execute(
                uri: "/api/v1/hotlists/manual/\(id)/removal", method: .post, headers: .json(bearer: token), body: .json(["reason": "entered_in_ncic"])
            )
            #expect(removed.status == .ok && removed.json["removal_reason"] as? String == "entered in ncic")
            try await client.postRead(plate: "MAN001", bearer: bearer)
            let again = try await client.execute(
                uri: "/api/v1/hotlists/manual/\(id)/removal", method: .post, headers: .json(bearer: token), body: .json(["reason": "justification_ended"])
            )
            #expect(again.status == .conflict)
        }
        let hits = try await server.storedHits()
        #expect(hits.count == 1)
        #expect(hits.first?.hit.notices.contains(HitNotice.manualEntry) == true)
        #expect(hits.first?.hit.entry.recordReference == "2025-000777")
        let audit = try await server.auditEntries().filter { $0.subject == "manual_hot_list_entry" }
        #expect(audit.map(\.action) == [.enter, .destroy])
        #expect(audit.first?.reason == Self.justification)
    }

    /// Removed automatically, as the system, soon after the expiry passes (R5).
    @Test func anExpiredEntryIsRemovedOnTime() async throws {
        let server = try TestServer()
        defer { server.remove() }
        try await server.createUser("detective", roles: [.investigator])
        try await server.app().test(.router) { client in
            let token = try await client.login("detective")
            // Taken after the login: on a loaded machine starting up takes a while.
            let expiresAt = Date().addingTimeInterval(4)
            let created = try await client.execute(
                uri: "/api/v1/hotlists/manual", method: .post, headers: .json(bearer: token), body: .json(Self.exigencyEntry(expiresAt: expiresAt))
            )
            #expect(created.status == .created, "\(created.text)")
            let removed = try await eventually(timeout: 15) {
                try await server.storage.hotLists.manualEntries(includingRemoved: false).isEmpty
            }
            #expect(removed)
        }
        let entry = try #require(try await server.storage.hotLists.manualEntries(includingRemoved: true).first)
        let removal = try #require(entry.removal)
        #expect(removal.reason == .expired && removal.by == "system")
        #expect(removal.at >= entry.expiresAt)
        // The service sleeps until the expiry and checks at least every second; the bound leaves
        // room for a loaded test machine.
        #expect(removal.at.timeIntervalSince(entry.expiresAt) < 3)
        let destroyed = try await server.auditEntries().filter { $0.subject == "manual_hot_list_entry" && $0.action == .destroy }
        #expect(destroyed.count == 1 && destroyed.first?.actor == "system" && destroyed.first?.resultIDs == [entry.id.uuidString])
    }

    @Test func anExigencyEntryIsExtendedOnlyWithAFreshJustification() async throws {
        let server = try TestServer()
        defer { server.remove() }
        try await server.createUser("detective", roles: [.investigator])
        try await server.app().test(.router) { client in
            let token = try await client.login("detective")
            let created = try await client.execute(
                uri: "/api/v1/hotlists/manual", method: .post, headers: .json(bearer: token),
                body: .json(Self.exigencyEntry(expiresAt: Date().addingTimeInterval(3600)))
            )
            let id = try #require(created.json["id"] as? String)
            let later = iso8601Milliseconds(Date().addingTimeInterval(7200))
            let reused = try await client.execute(
                uri: "/api/v1/hotlists/manual/\(id)/extension", method: .post, headers: .json(bearer: token),
                body: .json(["expires_at": later, "exigency": ["circumstance": "fresh_stolen_motor_vehicle", "justification": Self.justification]])
            )
            #expect(reused.status == .forbidden)
            let fresh = try await client.execute(
                uri: "/api/v1/hotlists/manual/\(id)/extension", method: .post, headers: .json(bearer: token),
                body: .json(["expires_at": later, "exigency": [
                    "circumstance": "fresh_stolen_motor_vehicle",
                    "justification": "Vehicle seen again at 14:05 near Brooklyn Center by a patrol unit, occupants armed",
                ]])
            )
            #expect(fresh.status == .ok, "\(fresh.text)")
            #expect(fresh.json["extensions"] as? Int == 1)
        }
        #expect(try await server.auditEntries().filter { $0.subject == "manual_hot_list_entry" }.map(\.action) == [.enter, .update])
    }
}
