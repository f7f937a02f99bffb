import ALPRCore
import ALPRStorage
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore
import Testing
@testable import ALPRServer

/// Readers and active periods (R7, R14, R16).
@Suite struct ReaderTests {
    @Test func anAdministratorRegistersAReaderWhoseCredentialWorksOnce() async throws {
        let server = try TestServer()
        defer { server.remove() }
        try await server.createUser("admin", roles: [.administrator])
        try await server.app().test(.router) { client in
            let token = try await client.login("admin")
            let created = try await client.execute(
                uri: "/api/v1/readers", method: .post, headers: .json(bearer: token),
                body: .json(["name": "Pole 7", "kind": "fixed", "latitude": 45.03, "longitude": -93.36, "location_description": "Douglas Dr"])
            )
            #expect(created.status == .created, "\(created.text)")
            let credential = try #require(created.json["credential"] as? String)
            let readerIDText = (created.json["reader"] as? [String: Any])?["id"] as? String
            let readerID = try #require(readerIDText.flatMap(UUID.init(uuidString:)))
            // Only the hash is stored.
            let expectedHash = ReaderCredential.parse(bearer: credential).map { ReaderCredential.hash(token: $0.token) }
            #expect(try await server.storage.readers.credentialHash(readerID: readerID) == expectedHash)

            let start = try await client.execute(uri: "/api/v1/readers/start", method: .post, headers: .bearer(credential))
            #expect(start.status == .created)
            let read = try await client.execute(uri: "/api/v1/reads", method: .post, headers: .json(bearer: credential), body: .json(nativeRead(capturedAt: Date())))
            #expect(read.status == .created, "\(read.text)")
            let stop = try await client.execute(uri: "/api/v1/readers/stop", method: .post, headers: .bearer(credential))
            #expect(stop.status == .ok)
            let after = try await client.execute(uri: "/api/v1/reads", method: .post, headers: .json(bearer: credential), body: .json(nativeRead(capturedAt: Date().addingTimeInterval(5))))
            #expect(after.status == .conflict)

            let list = try await client.execute(uri: "/api/v1/readers", method: .get, headers: .bearer(token))
            let readers = try #require(list.json["readers"] as? [[String: Any]])
            #expect(readers.count == 1 && readers[0]["credential"] == nil && readers[0]["first_used_at"] != nil)

            let duplicate = try await client.execute(
                uri: "/api/v1/readers", method: .post, headers: .json(bearer: token),
                body: .json(["name": "Pole 7", "kind": "fixed", "latitude": 45.03, "longitude": -93.36])
            )
            #expect(duplicate.status == .conflict)
            let noLocation = try await client.execute(
                uri: "/api/v1/readers", method: .post, headers: .json(bearer: token), body: .json(["name": "Pole 8", "kind": "fixed"])
            )
            #expect(noLocation.status == .unprocessableContent)
        }
        #expect(try await server.storage.reads.count() == 1)
    }

    @Test func heartbeatsOpenAPeriodAndTheMonitorClosesItWhenTheyStop() async throws {
        let server = try TestServer()
        defer { server.remove() }
        let (reader, bearer) = try await server.registerReader()
        try await server.app().test(.router) { client in
            let beat = try await client.execute(uri: "/api/v1/readers/heartbeat", method: .post, headers: .bearer(bearer))
            #expect(beat.status == .ok && beat.json["collecting"] as? Bool == true)
            #expect((beat.json["active_period"] as? [String: Any])?["source"] as? String == "heartbeat")
            let read = try await client.execute(uri: "/api/v1/reads", method: .post, headers: .json(bearer: bearer), body: .json(nativeRead(capturedAt: Date())))
            #expect(read.status == .created, "\(read.text)")
        }
        let monitor = ReaderActivityMonitor(storage: server.storage, heartbeatGap: 300, sessionLifetime: 3600, interval: 60, logger: TestServer.logger)
        #expect(try await monitor.closeSilentPeriods(now: Date().addingTimeInterval(60)).isEmpty)
        let closed = try await monitor.closeSilentPeriods(now: Date().addingTimeInterval(600))
        #expect(closed.map(\.readerID) == [reader.id])
        #expect(try await server.storage.readers.activePeriod(readerID: reader.id, at: Date().addingTimeInterval(600)) == nil)
    }

    @Test func mobileReadersCollectOnlyWhileATrainedOfficerIsLoggedIn() async throws {
        let server = try TestServer()
        defer { server.remove() }
        let (reader, bearer) = try await server.registerReader(kind: .mobile)
        try await server.createUser("officer", roles: [.officer])
        try await server.createUser("untrained", roles: [.officer], trained: false)
        try await server.app().test(.router) { client in
            // A mobile reader's heartbeat reports; only an officer's login opens a period.
            let heartbeat = try await client.execute(uri: "/api/v1/readers/heartbeat", method: .post, headers: .bearer(bearer))
            #expect(heartbeat.status == .ok && heartbeat.json["collecting"] as? Bool == false)
            let before = try await client.execute(uri: "/api/v1/reads", method: .post, headers: .json(bearer: bearer), body: .json(nativeRead()))
            #expect(before.status == .conflict)

            let untrained = try await client.execute(
                uri: "/api/v1/officer/login", method: .post, headers: .json(bearer: bearer),
                body: .json(["username": "untrained", "password": TestServer.password, "reader_id": reader.id.uuidString])
            )
            #expect(untrained.status == .forbidden && untrained.errorReason.contains("training"))

            let login = try await client.execute(
                uri: "/api/v1/officer/login", method: .post, headers: .json(bearer: bearer),
                body: .json(["username": "officer", "password": TestServer.password, "reader_id": reader.id.uuidString])
            )
            #expect(login.status == .created, "\(login.text)")
            let officerToken = try #require(login.json["token"] as? String)
            let during = try await client.execute(uri: "/api/v1/reads", method: .post, headers: .json(bearer: bearer), body: .json(nativeRead(capturedAt: Date())))
            #expect(during.status == .created, "\(during.text)")

            // Logging out takes the reader offline.
            #expect(try await client.execute(uri: "/api/v1/logout", method: .post, headers: .bearer(officerToken)).status == .ok)
            let after = try await client.execute(
                uri: "/api/v1/reads", method: .post, headers: .json(bearer: bearer), body: .json(nativeRead(capturedAt: Date().addingTimeInterval(2)))
            )
            #expect(after.status == .conflict)
        }
        let periods = try await server.storage.readers.activePeriods(readerID: reader.id, from: nil, to: nil)
        #expect(periods.count == 1 && periods[0].source == .officerLogin && periods[0].endedAt != nil)
        let entries = try await server.auditEntries()
        #expect(entries.contains { $0.action == .denied && $0.actor == "untrained" })
        #expect(entries.contains { $0.action == .logout && $0.actor == "officer" && ($0.criteria ?? "").contains(reader.id.uuidString) })
        #expect(try await server.storage.reads.count() == 1)
    }

    @Test func anOfficerPeriodEndsWithTheSessionEvenWithoutALogout() async throws {
        let server = try TestServer()
        defer { server.remove() }
        let (reader, _) = try await server.registerReader(kind: .mobile)
        let (fixed, _) = try await server.collectingReader()
        let officer = try await server.createUser("officer", roles: [.officer])
        let start = Date().addingTimeInterval(-7200)
        try await server.storage.readers.openActivePeriod(ActivePeriod(readerID: reader.id, source: .officerLogin, operatorUserID: officer.id, startedAt: start))
        let monitor = ReaderActivityMonitor(storage: server.storage, heartbeatGap: 300, sessionLifetime: 3600, interval: 60, logger: TestServer.logger)
        #expect(try await monitor.closeSilentPeriods(now: start.addingTimeInterval(1800)).isEmpty)
        let closed = try await monitor.closeSilentPeriods()
        #expect(closed.map(\.readerID) == [reader.id])
        let period = try #require(try await server.storage.readers.activePeriods(readerID: reader.id, from: nil, to: nil).first)
        #expect(abs((period.endedAt ?? .distantFuture).timeIntervalSince(start.addingTimeInterval(3600))) < 0.01)
        // A fixed reader started by command keeps collecting until it is stopped.
        #expect(try await server.storage.readers.activePeriod(readerID: fixed.id, at: Date()) != nil)
    }
}
