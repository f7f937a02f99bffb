import ALPRCore
import ALPRStorage
import ALPRTestSupport
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore
import Testing
@testable import ALPRServer

/// Matching on ingest, hits, verification (R6), and hits' destruction with their reads (R11)
/// while the public log's counts stay (R14).
@Suite struct HitTests {
    /// Loads the standard list through the route and returns an officer's token.
    static func prepare(_ server: TestServer, _ client: some TestClientProtocol) async throws -> String {
        try await server.createUser("admin", roles: [.administrator])
        try await server.createUser("officer", roles: [.officer])
        let admin = try await client.login("admin")
        let loaded = try await client.uploadHotList(HotListFiles.text(HotListFiles.standardRows), token: admin)
        try #require(loaded.status == .created, "\(loaded.text)")
        return try await client.login("officer")
    }

    @Test func readsAreMatchedOnIngestExactlyByStateAndByConfusableCharacters() async throws {
        let server = try TestServer()
        defer { server.remove() }
        let (reader, bearer) = try await server.collectingReader()
        try await server.app().test(.router) { client in
            _ = try await Self.prepare(server, client)
            try await client.postRead(plate: "ABC123", state: "MN", bearer: bearer)      // exact, state matches
            try await client.postRead(plate: "DEF456", state: "MN", bearer: bearer)      // exact, record is WI
            try await client.postRead(plate: "XY2789", state: "MN", bearer: bearer)      // Z read as 2: possible
            try await client.postRead(plate: "QQQ999", candidates: ["ABC123"], bearer: bearer) // an alternative reading
            try await client.postRead(plate: "NOTHIT1", bearer: bearer)
            // A retried upload is a duplicate and is not matched again.
            let id = UUID()
            try await client.postRead(plate: "ABC123", id: id, bearer: bearer)
            try await client.postRead(plate: "ABC123", id: id, bearer: bearer)
        }
        let hits = try await server.storedHits()
        #expect(hits.count == 5)
        #expect(hits.allSatisfy { $0.readerID == reader.id })
        let exact = hits[0].hit
        #expect(exact.matchKind == .exact && exact.stateComparison == .matches && exact.entry.category == .stolenVehicle)
        #expect(exact.notices.contains(HitNotice.notProbableCause) && !exact.notices.contains(HitNotice.stateDiffers))
        let wrongState = hits[1].hit
        #expect(wrongState.matchKind == .exact && wrongState.stateComparison == .differs && wrongState.notices.contains(HitNotice.stateDiffers))
        let possible = hits[2].hit
        #expect(possible.matchKind == .confusable && possible.isPossible && possible.entry.plate.value == "XYZ789")
        #expect(possible.notices.contains(HitNotice.possibleMatch) && possible.notices.contains(HitNotice.personBased))
        #expect(hits[3].hit.matchKind == .candidate && hits[3].hit.entry.plate.value == "ABC123")
        #expect(hits.map(\.sequence) == hits.map(\.sequence).sorted() && Set(hits.map(\.sequence)).count == 5)
        #expect(try await server.storage.reads.count() == 6)
    }

    /// A list loaded later is not matched against reads already stored.
    @Test func storedReadsAreNotMatchedWhenAListLoads() async throws {
        let server = try TestServer()
        defer { server.remove() }
        let (_, bearer) = try await server.collectingReader()
        try await server.app().test(.router) { client in
            try await client.postRead(plate: "ABC123", bearer: bearer)
            _ = try await Self.prepare(server, client)
        }
        #expect(try await server.storedHits().isEmpty)
    }

    @Test func aHitIsVerifiedOnlyWhenEveryStepIsRecorded() async throws {
        let server = try TestServer()
        defer { server.remove() }
        let (_, bearer) = try await server.collectingReader()
        try await server.app().test(.router) { client in
            let officer = try await Self.prepare(server, client)
            try await client.postRead(plate: "XYZ789", bearer: bearer)   // wanted person: person-based
            let listing = try await client.execute(uri: "/api/v1/hits?pending=true", method: .get, headers: .bearer(officer))
            let pending = try #require(listing.json["hits"] as? [[String: Any]])
            let hitID = try #require(pending.first?["hit_id"] as? String)
            #expect(pending.count == 1)

            let shown = try await client.execute(uri: "/api/v1/hits/\(hitID)", method: .get, headers: .bearer(officer))
            #expect(shown.status == .ok)
            let alert = try #require(shown.json["alert"] as? [String: Any])
            #expect(alert["read_plate"] as? String == "XYZ789" && alert["read_state"] as? String == "MN")
            #expect((alert["record"] as? [String: Any])?["record_reference"] as? String == "W000000003")
            #expect((alert["notices"] as? [String])?.contains(HitNotice.notProbableCause) == true)
            #expect((shown.json["read"] as? [String: Any])?["plate"] as? String == "XYZ789")
            let missing = try #require(shown.json["missing_for_confirmation"] as? [String])
            #expect(missing.contains { $0.contains("person is believed to be in the vehicle") })

            func verify(_ body: [String: Any]) async throws -> TestResponse {
                try await client.execute(uri: "/api/v1/hits/\(hitID)/verification", method: .post, headers: .json(bearer: officer), body: .json(body))
            }
            var body: [String: Any] = [
                "read_accurate": true, "state_matches": true, "confirmed_current_via": "radio",
                "disposition": "confirmed", "action_taken": "Traffic stop; driver arrested on the warrant",
            ]
            let incomplete = try await verify(body)
            #expect(incomplete.status == .unprocessableContent)
            #expect(incomplete.errorReason.contains("confirm the person is believed to be in the vehicle"))
            #expect(try await server.storage.hits.hit(id: try #require(UUID(uuidString: hitID)))?.resolution == nil)

            body["person_believed_in_vehicle"] = true
            let complete = try await verify(body)
            #expect(complete.status == .created, "\(complete.text)")
            #expect((complete.json["resolution"] as? [String: Any])?["disposition"] as? String == "confirmed")
            let twice = try await verify(body)
            #expect(twice.status == .conflict)
        }
        let hit = try #require(try await server.storedHits().first)
        #expect(hit.resolution?.verification.verifiedBy == "officer" && hit.resolution?.disposition == .confirmed)
        let audit = try await server.auditEntries()
        #expect(audit.contains { $0.action == .access && $0.subject == "hit" && $0.actor == "officer" && $0.resultIDs.first == hit.id.uuidString })
        #expect(audit.contains { $0.action == .update && $0.subject == "hit" && $0.criteria == "disposition=confirmed" })
    }

    /// Alert scope: an officer not logged in to a mobile reader sees fixed readers' hits only.
    @Test func aMobileReadersHitsStayWithItsOfficer() async throws {
        let server = try TestServer()
        defer { server.remove() }
        let (_, fixedBearer) = try await server.collectingReader()
        let (mobile, mobileBearer) = try await server.registerReader(kind: .mobile)
        try await server.storage.readers.openActivePeriod(ActivePeriod(readerID: mobile.id, source: .officerLogin, startedAt: Date().addingTimeInterval(-3600)))
        try await server.app().test(.router) { client in
            let officer = try await Self.prepare(server, client)
            try await client.postRead(plate: "ABC123", bearer: fixedBearer)
            try await client.postRead(plate: "DEF456", bearer: mobileBearer)
            let listing = try await client.execute(uri: "/api/v1/hits", method: .get, headers: .bearer(officer))
            let hits = try #require(listing.json["hits"] as? [[String: Any]])
            #expect(hits.compactMap { $0["read_plate"] as? String } == ["ABC123"])
            let mobileHit = try #require(try await server.storedHits().first { $0.readerID == mobile.id })
            let hidden = try await client.execute(uri: "/api/v1/hits/\(mobileHit.id.uuidString)", method: .get, headers: .bearer(officer))
            #expect(hidden.status == .notFound)
        }
        let scope = AlertScope(allReaders: false, ownReaderIDs: [mobile.id])
        #expect(scope.admits(readerID: mobile.id, readerKind: .mobile) && scope.admits(readerID: UUID(), readerKind: .fixed))
        #expect(!AlertScope(allReaders: false, ownReaderIDs: []).admits(readerID: mobile.id, readerKind: .mobile))
        #expect(AlertScope(allReaders: true, ownReaderIDs: []).admits(readerID: mobile.id, readerKind: .mobile))
    }

    /// R11: hits are destroyed with their reads; R14: the public log's counts stay.
    @Test func thePurgeDestroysHitsWithTheirReadsButKeepsTheCounts() async throws {
        let server = try TestServer()
        defer { server.remove() }
        let storage = server.storage
        let reader = try await Fixtures.registerReader(in: storage)
        let period = ActivePeriod(readerID: reader.id, source: .startStop, startedAt: Fixtures.now.addingTimeInterval(-90 * 86_400))
        try await storage.readers.openActivePeriod(period)
        let list = LoadedHotList(
            version: HotListVersion(
                source: .bcaLicensePlateDataFile, number: 1, loadedAt: Fixtures.now, checksum: "x",
                counts: HotListLoadCounts(recordLines: 2, entries: 2, rejected: 0, byCategory: [:])
            ),
            entries: [
                HotListEntry(plate: try PlateNumber("OLD111"), state: try IssuingState("MN"), category: .stolenVehicle),
                HotListEntry(plate: try PlateNumber("OLD111"), state: try IssuingState("MN"), category: .stolenPlate),
                HotListEntry(plate: try PlateNumber("NEW222"), state: try IssuingState("MN"), category: .ownerLicenseRevoked),
            ]
        )
        let index = try HotListIndex(lists: [list], builtAt: Fixtures.now)
        var old = Fixtures.read(readerID: reader.id, plate: "OLD111", capturedAt: Fixtures.now.addingTimeInterval(-70 * 86_400))
        old.activePeriodID = period.id
        var recent = Fixtures.read(readerID: reader.id, plate: "NEW222", capturedAt: Fixtures.now.addingTimeInterval(-86_400))
        recent.activePeriodID = period.id
        let stored = try await storage.hits.insertMatching([old, recent], audit: nil, matchedAt: Fixtures.now) { index.match($0, now: Fixtures.now) }
        #expect(stored.hits.count == 3)

        let countsBefore = try await storage.hits.publicLogHitCounts(readerID: reader.id, from: nil, to: nil)
        // The read matching two stolen-vehicle-bucket records counts once.
        #expect(Set(countsBefore.map { "\($0.bucket.rawValue)=\($0.readCount)" }) == ["stolen_vehicles=1", "owners_with_suspended_or_revoked_licenses=1"])

        let report = try await storage.retention.purge(
            cutoff: Fixtures.now.addingTimeInterval(-60 * 86_400), dryRun: false, images: storage.images, actor: "test"
        )
        #expect(report.readsDeleted == 1)
        let remaining = try await storage.hits.hits(HitQuery(limit: 100))
        #expect(remaining.map(\.readID) == [recent.id])
        #expect(try await storage.hits.hit(id: try #require(stored.hits.first { $0.readID == old.id }).id) == nil)
        #expect(try await storage.hits.publicLogHitCounts(readerID: reader.id, from: nil, to: nil) == countsBefore)
    }
}
