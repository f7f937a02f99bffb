import ALPRCore
import ALPRStorage
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import HummingbirdWSTesting
import HummingbirdWebSocket
import WSClient
import NIOCore
import Synchronization
import Testing
@testable import ALPRServer

/// Live alerts end to end over a real socket: a read posted to the server reaches an
/// officer's WebSocket, and a client that reconnects with the last sequence it saw receives
/// what it missed.
@Suite struct AlertWebSocketTests {
    /// The next text message, as JSON; nil when the connection ends or `timeout` passes.
    static func nextMessage(_ messages: inout WebSocketInboundMessageStream.AsyncIterator, timeout: Duration = .seconds(5)) async throws -> [String: Any]? {
        guard case .text(let text) = try await messages.next() else { return nil }
        return try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any]
    }

    @Test func aHitReachesTheOfficerAndAReconnectCatchesUp() async throws {
        let server = try TestServer()
        defer { server.remove() }
        let (_, bearer) = try await server.collectingReader()
        try await server.app().test(.live) { client in
            let officer = try await HitTests.prepare(server, client)
            var configuration = WebSocketClientConfiguration()
            configuration.additionalHeaders = [.authorization: "Bearer \(officer)"]
            let lastSeen = Mutex<Int64>(0)

            try await client.ws("/api/v1/alerts/ws", configuration: configuration) { inbound, outbound, _ in
                var messages = inbound.messages(maxSize: 1 << 20).makeAsyncIterator()
                let ready = try await Self.nextMessage(&messages)
                #expect(ready?["type"] as? String == "ready")
                try await client.postRead(plate: "ABC123", bearer: bearer)
                let alert = try #require(try await Self.nextMessage(&messages))
                #expect(alert["type"] as? String == "hit" && alert["read_plate"] as? String == "ABC123")
                #expect(alert["category"] as? String == "stolen_vehicle" && alert["priority"] as? Int == HotListCategory.stolenVehicle.alertPriority)
                #expect((alert["notices"] as? [String])?.contains(HitNotice.notProbableCause) == true)
                #expect(alert["state_comparison"] as? String == "matches")
                lastSeen.withLock { $0 = (alert["sequence"] as? NSNumber)?.int64Value ?? 0 }
                try await outbound.close(.normalClosure, reason: nil)
            }
            let after = lastSeen.withLock { $0 }
            #expect(after > 0)

            // Two hits while disconnected.
            try await client.postRead(plate: "DEF456", bearer: bearer)
            try await client.postRead(plate: "XYZ789", bearer: bearer)
            try await client.ws("/api/v1/alerts/ws?after=\(after)", configuration: configuration) { inbound, outbound, _ in
                var messages = inbound.messages(maxSize: 1 << 20).makeAsyncIterator()
                let first = try await Self.nextMessage(&messages)
                let second = try await Self.nextMessage(&messages)
                #expect([first?["read_plate"] as? String, second?["read_plate"] as? String] == ["DEF456", "XYZ789"])
                #expect((first?["notices"] as? [String])?.contains(HitNotice.stateDiffers) == true)
                let ready = try await Self.nextMessage(&messages)
                #expect(ready?["type"] as? String == "ready")
                #expect((ready?["last_sequence"] as? NSNumber)?.int64Value == (second?["sequence"] as? NSNumber)?.int64Value)
                try await outbound.close(.normalClosure, reason: nil)
            }
        }
        let audit = try await server.auditEntries()
        #expect(audit.filter { $0.subject == "alert_connection" && $0.actor == "officer" }.count == 2)
        #expect(audit.contains { $0.subject == "hit" && $0.criteria == "live alert" && $0.actor == "officer" })
    }

    /// R7: an account without training on record gets no alert connection.
    @Test func anUntrainedOfficerIsRefused() async throws {
        let server = try TestServer()
        defer { server.remove() }
        try await server.createUser("trainee", roles: [.officer], trained: false)
        try await server.app().test(.live) { client in
            let token = try await client.login("trainee")
            var configuration = WebSocketClientConfiguration()
            configuration.additionalHeaders = [.authorization: "Bearer \(token)"]
            await #expect(throws: (any Error).self) {
                try await client.ws("/api/v1/alerts/ws", configuration: configuration) { _, _, _ in
                    Issue.record("the upgrade was accepted")
                }
            }
            let plain = try await client.execute(uri: "/api/v1/alerts/ws", method: .get, headers: .bearer(token))
            #expect(plain.status == .forbidden && plain.errorReason.contains("training"))
        }
    }
}

/// Cross-site WebSocket hijacking: a page on another site cannot open an officer's stream.
@Suite struct AlertOriginTests {
    static func request(origin: String?, authority: String) -> Request {
        var head = HTTPRequest(method: .get, scheme: "http", authority: authority, path: AlertsController.path)
        if let origin { head.headerFields[.origin] = origin }
        return Request(head: head, body: .init(buffer: ByteBuffer()))
    }

    @Test(arguments: [
        (nil, "alpr.police.local:8080", true),
        ("https://alpr.police.local", "alpr.police.local:8080", true),
        ("ws://localhost", "localhost:4711", true),
        ("https://evil.example", "alpr.police.local:8080", false),
        ("https://alpr.police.local.evil.example", "alpr.police.local", false),
        ("null", "alpr.police.local", false),
    ] as [(String?, String, Bool)])
    func onlyTheServersOwnPagesMayConnect(origin: String?, authority: String, allowed: Bool) {
        let accepted = (try? AlertsController.checkOrigin(Self.request(origin: origin, authority: authority))) != nil
        #expect(accepted == allowed)
    }
}
