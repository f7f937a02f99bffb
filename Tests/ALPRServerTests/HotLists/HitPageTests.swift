import ALPRCore
import ALPRStorage
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore
import Testing
@testable import ALPRServer

/// The officer's hit pages (R6): what a hit shows, and verification through the web form
/// under the same rules as the API.
@Suite struct HitPageTests {
    static func cookie(_ token: String) -> HTTPFields { [.cookie: "\(SessionToken.cookieName)=\(token)"] }

    static func form(_ token: String) -> HTTPFields {
        [.cookie: "\(SessionToken.cookieName)=\(token)", .contentType: "application/x-www-form-urlencoded"]
    }

    /// A hit on the wanted person's plate (person-based record W000000003) and an officer's token.
    static func wantedPersonHit(_ server: TestServer, _ client: some TestClientProtocol) async throws -> (hitID: UUID, officer: String) {
        let (_, bearer) = try await server.collectingReader()
        let officer = try await HitTests.prepare(server, client)
        try await client.postRead(plate: "XYZ789", state: "MN", bearer: bearer)
        let hit = try #require(try await server.storedHits().first)
        return (hit.id, officer)
    }

    @Test func theHitPageShowsTheNoticesAndTheRecordSnapshot() async throws {
        let server = try TestServer()
        defer { server.remove() }
        try await server.app().test(.router) { client in
            let (hitID, officer) = try await Self.wantedPersonHit(server, client)
            let list = try await client.execute(uri: "/hits", method: .get, headers: Self.cookie(officer))
            #expect(list.status == .ok)
            #expect(list.text.contains("/hits/\(hitID.uuidString)") && list.text.contains("XYZ789") && list.text.contains("pending verification"))

            let page = try await client.execute(uri: "/hits/\(hitID.uuidString)", method: .get, headers: Self.cookie(officer))
            #expect(page.status == .ok)
            let hit = try #require(try await server.storedHits().first)
            for notice in hit.hit.notices {
                #expect(page.text.contains(notice), "missing notice: \(notice)")
            }
            #expect(page.text.contains("<strong>\(HitNotice.notProbableCause)</strong>"))
            #expect(page.text.contains("W000000003") && page.text.contains("MN0270100"))
            #expect(page.text.contains("confirm the person is believed to be in the vehicle"))
            #expect(page.text.contains("action=\"/hits/\(hitID.uuidString)/verification\""))
        }
        let audit = try await server.auditEntries()
        #expect(audit.contains { $0.action == .query && $0.subject == "hit" && $0.actor == "officer" })
        #expect(audit.contains { $0.action == .access && $0.subject == "hit" && $0.actor == "officer" && $0.resultIDs.first != nil })
    }

    @Test func anIncompleteWebVerificationShowsWhyAndACompleteOneIsStored() async throws {
        let server = try TestServer()
        defer { server.remove() }
        try await server.app().test(.router) { client in
            let (hitID, officer) = try await Self.wantedPersonHit(server, client)
            let uri = "/hits/\(hitID.uuidString)/verification"
            let steps = "readAccurate=yes&stateMatches=yes&confirmedCurrentVia=radio&disposition=confirmed&actionTaken=Traffic+stop"
            let incomplete = try await client.execute(uri: uri, method: .post, headers: Self.form(officer), body: ByteBuffer(string: steps))
            #expect(incomplete.status == .unprocessableContent)
            #expect(incomplete.text.contains("a hit cannot be confirmed until you confirm the person is believed to be in the vehicle"))
            #expect(incomplete.text.contains("Traffic stop"))
            #expect(try await server.storage.hits.hit(id: hitID)?.resolution == nil)

            let complete = try await client.execute(
                uri: uri, method: .post, headers: Self.form(officer), body: ByteBuffer(string: steps + "&personBelievedInVehicle=yes")
            )
            #expect(complete.status == .ok, "\(complete.text)")
            #expect(complete.text.contains("Disposition: confirmed"))
        }
        let stored = try #require(try await server.storedHits().first)
        let resolution = try #require(stored.resolution)
        #expect(resolution.disposition == .confirmed && resolution.actionTaken == "Traffic stop")
        #expect(resolution.verification.verifiedBy == "officer" && resolution.verification.personBelievedInVehicle == true)
        #expect(resolution.verification.confirmedCurrentVia == .radio)
    }

    @Test func anInvestigatorCannotOpenTheHitPages() async throws {
        let server = try TestServer()
        defer { server.remove() }
        try await server.createUser("inv", roles: [.investigator])
        try await server.app().test(.router) { client in
            let (hitID, _) = try await Self.wantedPersonHit(server, client)
            let investigator = try await client.login("inv")
            let list = try await client.execute(uri: "/hits", method: .get, headers: Self.cookie(investigator))
            let page = try await client.execute(uri: "/hits/\(hitID.uuidString)", method: .get, headers: Self.cookie(investigator))
            let post = try await client.execute(
                uri: "/hits/\(hitID.uuidString)/verification", method: .post, headers: Self.form(investigator),
                body: ByteBuffer(string: "readAccurate=yes&stateMatches=yes&confirmedCurrentVia=radio&personBelievedInVehicle=yes&disposition=confirmed&actionTaken=x")
            )
            for response in [list, page, post] {
                #expect(response.status == .forbidden && !response.text.contains("W000000003"))
            }
            #expect(try await server.storage.hits.hit(id: hitID)?.resolution == nil)
        }
        let audit = try await server.auditEntries()
        #expect(audit.filter { $0.action == .denied && $0.actor == "inv" }.count == 3)
        #expect(!audit.contains { $0.action == .access && $0.subject == "hit" && $0.actor == "inv" })
    }
}
