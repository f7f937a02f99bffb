import ALPRCore
import ALPRStorage
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore
import Testing
@testable import ALPRServer

/// Searches (R10), access audit and the audit routes (R9), cases and holds (R12).
@Suite struct SearchAuditTests {
    static let reason = "Silver sedan seen leaving the 5600 block of West Broadway after a burglary on June 3"

    /// Stores three reads through the HTTP ingest path and returns their ids.
    static func seed(_ server: TestServer, client: some TestClientProtocol) async throws -> [UUID] {
        let (_, bearer) = try await server.collectingReader()
        let ids = [UUID(), UUID(), UUID()]
        let reads = [
            nativeRead(id: ids[0], plate: "ABC123", extra: ["plate_image": Data(jpegBytes(count: 1000, seed: 21)).base64EncodedString()]),
            nativeRead(id: ids[1], plate: "ABC128"), nativeRead(id: ids[2], plate: "QRS555"),
        ]
        let response = try await client.execute(uri: "/api/v1/reads", method: .post, headers: .json(bearer: bearer), body: .json(reads))
        try #require(response.status == .created)
        return ids
    }

    @Test func aJustifiedSearchIsAuditedWithItsResults() async throws {
        let server = try TestServer()
        defer { server.remove() }
        try await server.createUser("inv", roles: [.investigator])
        try await server.app().test(.router) { client in
            let ids = try await Self.seed(server, client: client)
            let token = try await client.login("inv")
            let response = try await client.execute(
                uri: "/api/v1/search", method: .post, headers: .json(bearer: token),
                body: .json(["case_number": "2025-000123", "reason": Self.reason, "plate": "ABC12?"])
            )
            #expect(response.status == .ok, "\(response.text)")
            let reads = try #require(response.json["reads"] as? [[String: Any]])
            #expect(Set(reads.compactMap { $0["id"] as? String }) == Set([ids[0], ids[1]].map(\.uuidString)))
            #expect(response.json["count"] as? Int == 2)
        }
        let query = try #require(try await server.auditEntries().last { $0.action == .query })
        #expect(query.actor == "inv" && query.caseNumber == "2025-000123" && query.reason == Self.reason)
        #expect(query.resultCount == 2 && query.resultIDs.count == 2 && (query.criteria ?? "").contains("plate~ABC12?"))
    }

    @Test(arguments: [
        ["case_number": "", "reason": reason],
        ["case_number": "2025-000123", "reason": "investigation"],
        ["case_number": "2025-000123", "reason": "ongoing criminal investigation per request of the case"],
    ])
    func searchesWithoutAProperJustificationAreRefusedAndAudited(body: [String: String]) async throws {
        let server = try TestServer()
        defer { server.remove() }
        try await server.createUser("inv", roles: [.investigator])
        try await server.app().test(.router) { client in
            let token = try await client.login("inv")
            var criteria: [String: Any] = body
            criteria["plate"] = "ABC123"
            let response = try await client.execute(uri: "/api/v1/search", method: .post, headers: .json(bearer: token), body: .json(criteria))
            #expect(response.status == .forbidden || response.status == .unprocessableContent)
            #expect(response.errorReason.contains("R10") || response.errorReason.contains("case number"))
        }
        let entries = try await server.auditEntries()
        #expect(!entries.contains { $0.action == .query })
        #expect(entries.contains { $0.action == .denied && $0.actor == "inv" && $0.criteria == "search refused" })
    }

    @Test func viewingAReadOrImageIsAuditedAsAccess() async throws {
        let server = try TestServer()
        defer { server.remove() }
        try await server.createUser("inv", roles: [.investigator])
        try await server.app().test(.router) { client in
            let ids = try await Self.seed(server, client: client)
            let token = try await client.login("inv")
            let read = try await client.execute(uri: "/api/v1/reads/\(ids[0].uuidString)?case=2025-000123", method: .get, headers: .bearer(token))
            #expect(read.status == .ok && read.json["plate"] as? String == "ABC123" && read.json["classification"] as? String == "private")
            let image = try #require(read.json["plate_image"] as? [String: Any])
            let url = try #require(image["url"] as? String)
            let bytes = try await client.execute(uri: url, method: .get, headers: .bearer(token))
            #expect(bytes.status == .ok && bytes.headers[.contentType] == "image/jpeg")
            #expect(Array(buffer: bytes.body) == jpegBytes(count: 1000, seed: 21))
            let missing = try await client.execute(uri: "/api/v1/reads/\(UUID().uuidString)", method: .get, headers: .bearer(token))
            #expect(missing.status == .notFound)
            let badID = try await client.execute(uri: "/api/v1/reads/not-a-uuid", method: .get, headers: .bearer(token))
            #expect(badID.status.code >= 400 && badID.status.code < 500)
        }
        let access = try await server.auditEntries().filter { $0.action == .access }
        #expect(access.contains { $0.subject == "read" && $0.caseNumber == "2025-000123" })
        #expect(access.contains { $0.subject == "image" })
    }

    @Test func casesHoldReadsAndCloseReleasesThem() async throws {
        let server = try TestServer()
        defer { server.remove() }
        try await server.createUser("inv", roles: [.investigator])
        try await server.app().test(.router) { client in
            let ids = try await Self.seed(server, client: client)
            let token = try await client.login("inv")
            let opened = try await client.execute(
                uri: "/api/v1/cases", method: .post, headers: .json(bearer: token),
                body: .json(["number": "2025-000777", "description": "Burglary, 5600 block West Broadway"])
            )
            #expect(opened.status == .created)
            let hold = try await client.execute(
                uri: "/api/v1/cases/2025-000777/holds", method: .post, headers: .json(bearer: token),
                body: .json(["read_ids": [ids[0].uuidString], "basis": "investigation"])
            )
            #expect(hold.status == .created, "\(hold.text)")
            #expect(try await server.storage.reads.read(id: ids[0])?.classification == .activeCriminalInvestigative)
            let unknown = try await client.execute(
                uri: "/api/v1/cases/2025-000777/holds", method: .post, headers: .json(bearer: token), body: .json(["read_ids": [UUID().uuidString]])
            )
            #expect(unknown.status == .unprocessableContent)
            let shown = try await client.execute(uri: "/api/v1/cases/2025-000777", method: .get, headers: .bearer(token))
            #expect((shown.json["holds"] as? [[String: Any]])?.count == 1)
            let closed = try await client.execute(uri: "/api/v1/cases/2025-000777/close", method: .post, headers: .bearer(token))
            #expect(closed.status == .ok)
            let again = try await client.execute(uri: "/api/v1/cases/2025-000777/close", method: .post, headers: .bearer(token))
            #expect(again.status == .conflict)
            let missing = try await client.execute(uri: "/api/v1/cases/1999-1/close", method: .post, headers: .bearer(token))
            #expect(missing.status == .notFound)
        }
        let heldID = try #require(try await server.storage.cases.holds(caseNumber: "2025-000777").first?.readID)
        #expect(try await server.storage.reads.read(id: heldID)?.classification == .private)
    }

    @Test func auditorsPageAndVerifyTheTrail() async throws {
        let server = try TestServer()
        defer { server.remove() }
        try await server.createUser("aud", roles: [.auditor])
        try await server.app().test(.router) { client in
            _ = try await Self.seed(server, client: client)
            let token = try await client.login("aud")
            let first = try await client.execute(uri: "/api/v1/audit?limit=2", method: .get, headers: .bearer(token))
            #expect(first.status == .ok)
            let entries = try #require(first.json["entries"] as? [[String: Any]])
            #expect(entries.map { $0["sequence"] as? Int } == [1, 2])
            let next = try #require(first.json["next"] as? Int)
            let second = try await client.execute(uri: "/api/v1/audit?from=\(next)&limit=2", method: .get, headers: .bearer(token))
            #expect((second.json["entries"] as? [[String: Any]])?.first?["sequence"] as? Int == 3)
            let bad = try await client.execute(uri: "/api/v1/audit?limit=0", method: .get, headers: .bearer(token))
            #expect(bad.status == .unprocessableContent)
            let verify = try await client.execute(uri: "/api/v1/audit/verify", method: .get, headers: .bearer(token))
            #expect(verify.status == .ok && verify.json["intact"] as? Bool == true && (verify.json["count"] as? Int ?? 0) > 3)
        }
    }

    @Test func theWebSearchShowsResultsAndTheWarning() async throws {
        let server = try TestServer()
        defer { server.remove() }
        try await server.createUser("inv", roles: [.investigator])
        try await server.app().test(.router) { client in
            _ = try await Self.seed(server, client: client)
            let token = try await client.login("inv")
            let cookie = "\(SessionToken.cookieName)=\(token)"
            let form = "caseNumber=2025-000123&reason=\(Self.reason.addingPercentEncoding(withAllowedCharacters: .alphanumerics)!)&plate=QRS555"
            let page = try await client.execute(
                uri: "/search", method: .post, headers: [.cookie: cookie, .contentType: "application/x-www-form-urlencoded"], body: ByteBuffer(string: form)
            )
            #expect(page.status == .ok)
            #expect(page.text.contains("QRS555") && page.text.contains("1 reads") && page.text.contains("§13.09"))
            let vague = try await client.execute(
                uri: "/search", method: .post, headers: [.cookie: cookie, .contentType: "application/x-www-form-urlencoded"],
                body: ByteBuffer(string: "caseNumber=2025-1&reason=investigation&plate=QRS555")
            )
            #expect(vague.status == .forbidden && vague.text.contains("R10") && !vague.text.contains("QRS555</td>"))
        }
    }
}
