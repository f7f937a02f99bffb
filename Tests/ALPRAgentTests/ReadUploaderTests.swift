@testable import ALPRAgent
import ALPRCore
import Foundation
import Synchronization
import Testing

/// A server that stores reads by id, as the real ingest endpoint does: a repeated id answers
/// 200 "duplicate" and is not stored again.
final class RecordingIngest: Sendable {
    struct State {
        var stored: [UUID: Int] = [:]
        var storedOrder: [UUID] = []
        var requests = 0
        var duplicates = 0
        var credentials: Set<String> = []
        /// When > 0, the next requests are processed but the connection is closed before the answer.
        var hangUpsAfterStoring = 0
    }

    let state = Mutex(State())

    func handle(_ request: TestHTTPServer.Request) -> TestHTTPServer.Reply {
        guard request.method == "POST", request.path == "/api/v1/reads" else { return .respond(status: 404, body: Data()) }
        let reads: [ReadUpload]
        if let batch = try? JSONDecoder().decode([ReadUpload].self, from: request.body) {
            reads = batch
        } else if let single = try? JSONDecoder().decode(ReadUpload.self, from: request.body) {
            reads = [single]
        } else {
            return .respond(status: 400, body: Data(#"{"error":"malformed read"}"#.utf8))
        }
        if reads.contains(where: { $0.plate == "INVALID" }), reads.count == 1 {
            return .respond(status: 422, body: Data(#"{"error":"invalid plate"}"#.utf8))
        }
        if reads.contains(where: { $0.plate == "INVALID" }) {
            return .respond(status: 422, body: Data(#"{"error":"batch has an invalid read"}"#.utf8))
        }
        let (hangUp, results) = state.withLock { state in
            state.requests += 1
            state.credentials.insert(request.headers["authorization"] ?? "")
            var results: [[String: String]] = []
            for read in reads {
                if state.stored[read.id] != nil {
                    state.duplicates += 1
                    results.append(["id": read.id.uuidString, "status": "duplicate"])
                } else {
                    state.stored[read.id] = 1
                    state.storedOrder.append(read.id)
                    results.append(["id": read.id.uuidString, "status": "inserted"])
                }
            }
            if state.hangUpsAfterStoring > 0 {
                state.hangUpsAfterStoring -= 1
                return (true, results)
            }
            return (false, results)
        }
        // The server's answer: 201 when something new was stored, else 200.
        let inserted = results.filter { $0["status"] == "inserted" }.count
        let body = (try? JSONSerialization.data(withJSONObject: [
            "accepted": inserted, "duplicates": results.count - inserted, "results": results,
        ])) ?? Data()
        return hangUp ? .hangUp : .respond(status: inserted > 0 ? 201 : 200, body: body)
    }
}

@Suite struct ReadUploaderTests {
    func makeUploader(queue: DurableQueue, server: TestHTTPServer, gate: CollectionGate = CollectionGate(mode: .alwaysCollect)) throws -> ReadUploader {
        var configuration = ReadUploader.Configuration()
        configuration.batchSize = 4
        configuration.idleInterval = 0.05
        configuration.backoff = ExponentialBackoff(initial: 0.05, maximum: 0.3)
        return ReadUploader(
            queue: queue, client: try ServerClient(baseURL: server.baseURL, credential: "reader-secret"),
            gate: gate, configuration: configuration, logger: testLogger
        )
    }

    @Test func everyReadArrivesExactlyOnceAcrossAnOutageAndLostAnswers() async throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let ingest = RecordingIngest()
        let server = TestHTTPServer { ingest.handle($0) }
        try server.start()
        defer { server.stop() }
        let queue = try DurableQueue(directory: folder.url, configuration: .init(diskBudgetBytes: 1 << 30))
        let uploader = try makeUploader(queue: queue, server: server)
        let task = Task { try await uploader.run() }
        defer { task.cancel() }

        var enqueued: [UUID] = []
        for index in 0..<10 {
            let read = try makeRead(plate: "UP\(index)", imageBytes: 2000)
            try queue.enqueue(read)
            enqueued.append(read.id)
        }
        #expect(await waitUntil { queue.depth == 0 })

        // The server goes down; reads pile up on disk meanwhile.
        server.stop()
        for index in 10..<30 {
            let read = try makeRead(plate: "DOWN\(index)")
            try queue.enqueue(read)
            enqueued.append(read.id)
        }
        try await Task.sleep(for: .milliseconds(500))
        #expect(queue.depth == 20)

        // It comes back, but drops the connection after storing the first two batches: the
        // agent sends them again and the server answers "duplicate".
        ingest.state.withLock { $0.hangUpsAfterStoring = 2 }
        try server.start(port: server.port)
        #expect(await waitUntil { queue.depth == 0 })

        let state = ingest.state.withLock { $0 }
        #expect(state.storedOrder == enqueued, "every read stored once, in order")
        #expect(state.stored.values.allSatisfy { $0 == 1 })
        #expect(state.duplicates >= 2)
        #expect(state.credentials == ["Bearer reader-secret"])
        #expect(queue.counters.acknowledged == 30)
    }

    @Test func anInvalidReadIsRejectedWithoutBlockingTheOthers() async throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let ingest = RecordingIngest()
        let server = TestHTTPServer { ingest.handle($0) }
        try server.start()
        defer { server.stop() }
        let queue = try DurableQueue(directory: folder.url, configuration: .init(diskBudgetBytes: 1 << 30))
        let reads = try ["OK1", "INVALID", "OK2"].map { try makeRead(plate: $0) }
        for read in reads { try queue.enqueue(read) }
        let task = Task { try await makeUploader(queue: queue, server: server).run() }
        defer { task.cancel() }
        #expect(await waitUntil { queue.depth == 0 })
        #expect(queue.counters.rejected == 1)
        #expect(queue.counters.acknowledged == 2)
        #expect(ingest.state.withLock { $0.storedOrder } == [reads[0].id, reads[2].id])
    }

    /// The server checks the period at `captured_at` (R7), so a 409 is final for the read;
    /// a read captured after the last confirmation also shuts a mobile reader's gate.
    @Test func aReadOutsideAnActivePeriodIsRejectedAndStopsCollection() async throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let refusal = #"{"error":{"reason":"captured_at: reader 'squad-12' was not actively collecting at that time (R7)","request_id":"r1"}}"#
        let server = TestHTTPServer { _ in .respond(status: 409, body: Data(refusal.utf8)) }
        try server.start()
        defer { server.stop() }
        let queue = try DurableQueue(directory: folder.url, configuration: .init(diskBudgetBytes: 1 << 30))
        let gate = CollectionGate(mode: .requireActivePeriod(offlineGrace: 600))
        gate.recordServerStatus(active: true, at: Date().addingTimeInterval(-5))
        try queue.enqueue(try makeRead(plate: "LATE1", capturedAt: Date()))
        let task = Task { try await makeUploader(queue: queue, server: server, gate: gate).run() }
        defer { task.cancel() }
        #expect(await waitUntil { queue.depth == 0 })
        #expect(queue.counters.rejected == 1)
        #expect(queue.counters.acknowledged == 0)
        #expect(!gate.isCollecting(now: Date()))
    }

    @Test func heartbeatCarriesQueueDepthAndOpensTheGate() async throws {
        let receivedDepth = Mutex<Int?>(nil)
        let server = TestHTTPServer { request in
            if request.path == "/api/v1/readers/heartbeat" {
                let object = try? JSONSerialization.jsonObject(with: request.body) as? [String: Any]
                receivedDepth.withLock { $0 = object?["queue_depth"] as? Int }
                return .respond(status: 200, body: Data(#"{"status":"ok","collecting":true}"#.utf8))
            }
            return .respond(status: 404, body: Data())
        }
        try server.start()
        defer { server.stop() }
        let gate = CollectionGate(mode: .requireActivePeriod(offlineGrace: 600))
        let sender = HeartbeatSender(client: try ServerClient(baseURL: server.baseURL, credential: "x"), gate: gate, interval: 60, logger: testLogger) {
            HeartbeatSender.Status(queueDepth: 7, oldestUnsentAt: nil, counters: .init(), frames: .init(), locationKnown: false, collecting: false)
        }
        #expect(!gate.isCollecting(now: Date()))
        await sender.beat()
        #expect(gate.isCollecting(now: Date()))
        #expect(receivedDepth.withLock { $0 } == 7)
    }
}

@Suite struct UploadResponsePolicyTests {
    @Test func classifiesAnswers() {
        let empty = Data()
        let duplicate = #"{"accepted":0,"duplicates":1,"results":[{"id":"\#(UUID().uuidString)","status":"duplicate"}]}"#
        #expect(UploadResponsePolicy.classify(status: 200, body: Data(duplicate.utf8)) == .accepted(rejectedIDs: []))
        #expect(UploadResponsePolicy.classify(status: 201, body: empty) == .accepted(rejectedIDs: []))
        for status in [408, 429, 500, 502, 503] {
            guard case .retry = UploadResponsePolicy.classify(status: status, body: empty) else {
                Issue.record("\(status) should be retried")
                continue
            }
        }
        for status in [401, 403, 404] {
            guard case .retry = UploadResponsePolicy.classify(status: status, body: empty) else {
                Issue.record("\(status) should be retried: the reads are not at fault")
                continue
            }
        }
        for status in [400, 413, 415, 422] {
            guard case .rejected = UploadResponsePolicy.classify(status: status, body: empty) else {
                Issue.record("\(status) should be final")
                continue
            }
        }
        let refusal = #"{"error":{"reason":"captured_at: not actively collecting at that time"}}"#
        #expect(UploadResponsePolicy.classify(status: 409, body: Data(refusal.utf8)) == .outsideActivePeriod(reason: "captured_at: not actively collecting at that time"))
    }

    @Test func batchAnswersCanRejectSingleItems() {
        let bad = UUID(), good = UUID()
        let body = Data(#"{"results":[{"id":"\#(good.uuidString)","status":"inserted"},{"id":"\#(bad.uuidString)","status":"rejected"}]}"#.utf8)
        #expect(UploadResponsePolicy.classify(status: 200, body: body) == .accepted(rejectedIDs: [bad]))
    }
}

/// R7: a mobile reader collects only while the server reports an active period.
@Suite struct CollectionGateTests {
    let now = Date(timeIntervalSince1970: 1_750_000_000)

    @Test func mobileReaderStartsClosedAndFollowsTheServer() {
        let gate = CollectionGate(mode: .requireActivePeriod(offlineGrace: 600))
        #expect(!gate.isCollecting(now: now))
        gate.recordServerStatus(active: true, at: now)
        #expect(gate.isCollecting(now: now.addingTimeInterval(1)))
        gate.recordNoActivePeriod(at: now.addingTimeInterval(2))
        #expect(!gate.isCollecting(now: now.addingTimeInterval(3)))
    }

    @Test func lastConfirmationLapsesAfterTheOfflineGrace() {
        let gate = CollectionGate(mode: .requireActivePeriod(offlineGrace: 600))
        gate.recordServerStatus(active: true, at: now)
        #expect(gate.isCollecting(now: now.addingTimeInterval(599)))
        #expect(!gate.isCollecting(now: now.addingTimeInterval(601)))
    }

    @Test func fixedReaderAlwaysCollects() {
        let gate = CollectionGate(mode: .alwaysCollect)
        gate.recordNoActivePeriod(at: now)
        #expect(gate.isCollecting(now: now))
    }

    @Test func anOldQueuedReadDoesNotShutAGateConfirmedSince() {
        let gate = CollectionGate(mode: .requireActivePeriod(offlineGrace: 600))
        gate.recordServerStatus(active: true, at: now)
        gate.recordReadOutsideActivePeriod(capturedAt: now.addingTimeInterval(-60), at: now.addingTimeInterval(1))
        #expect(gate.isCollecting(now: now.addingTimeInterval(2)))
        gate.recordReadOutsideActivePeriod(capturedAt: now.addingTimeInterval(3), at: now.addingTimeInterval(4))
        #expect(!gate.isCollecting(now: now.addingTimeInterval(5)))
    }

    @Test func readsTheServersStatusAnswers() {
        #expect(ActivePeriodStatus.isActive(inResponse: Data(#"{"collecting":true,"active_period":{"source":"officer_login"}}"#.utf8)) == true)
        #expect(ActivePeriodStatus.isActive(inResponse: Data(#"{"collecting":false,"reader":{"name":"squad-12"}}"#.utf8)) == false)
        #expect(ActivePeriodStatus.isActive(inResponse: Data(#"{"status":"ok"}"#.utf8)) == nil)
        #expect(ActivePeriodStatus.isActive(inResponse: Data("not json".utf8)) == nil)
    }
}

@Suite struct ServerClientTests {
    @Test func descriptionsNeverShowTheCredential() throws {
        let secret = "8C2E0F3A-6A1B-4C55-9E41-0D7F3B2A9C11.\(UUID().uuidString)"
        let client = try ServerClient(baseURL: URL(string: "http://127.0.0.1:8080")!, credential: secret)
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let uploader = ReadUploader(
            queue: try DurableQueue(directory: folder.url, configuration: .init(diskBudgetBytes: 1 << 20)),
            client: client, gate: CollectionGate(mode: .alwaysCollect), logger: testLogger
        )
        for text in ["\(client)", String(reflecting: client), "\(uploader)", String(reflecting: uploader)] {
            #expect(!text.contains(secret) && !text.contains("8C2E0F3A"))
        }
    }
}
