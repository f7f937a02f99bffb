import ALPRAgent
import ALPRCore
import ALPRStorage
import ALPRTestSupport
import Foundation
import Hummingbird
import Logging
import NIOCore
import ServiceLifecycle
import Synchronization
import Testing
@testable import ALPRServer

/// The reader agent's queue, uploader and heartbeat against a real server on a real socket,
/// over SQLite in a temporary directory: the contract between the two, end to end.
@Suite(.serialized) struct AgentEndToEndTests {
    static let agentLogger: Logger = {
        var logger = Logger(label: "alpr-agent-e2e")
        logger.logLevel = .critical
        return logger
    }()

    @Test func everyReadArrivesExactlyOnceAcrossAServerRestart() async throws {
        let server = try TestServer()
        defer { server.remove() }
        let folder = try TemporaryDirectory(prefix: "alpr-agent-e2e")
        defer { folder.remove() }
        let (reader, bearer) = try await server.collectingReader()

        let first = try await LiveServer.start(server, storage: server.storage, port: 0)
        let client = try ServerClient(baseURL: first.baseURL, credential: bearer)
        let queue = try DurableQueue(directory: folder.url.appending(path: "queue"), configuration: .init(diskBudgetBytes: 1 << 30))
        let gate = CollectionGate(mode: .alwaysCollect)
        let uploader = ReadUploader(queue: queue, client: client, gate: gate, configuration: Self.fastUploads, logger: Self.agentLogger)
        let uploading = Task { try await uploader.run() }
        defer { uploading.cancel() }

        // The heartbeat body is accepted and the command-started period is kept, not replaced.
        let heartbeat = HeartbeatSender(client: client, gate: gate, interval: 60, logger: Self.agentLogger) {
            HeartbeatSender.Status(
                queueDepth: queue.depth, oldestUnsentAt: queue.oldestPendingCapturedAt, counters: queue.counters,
                frames: .init(), locationKnown: true, collecting: true
            )
        }
        await heartbeat.beat()
        let periods = try await server.storage.readers.activePeriods(readerID: reader.id, from: nil, to: nil)
        #expect(periods.count == 1 && periods.first?.source == .startStop && periods.first?.endedAt == nil)

        var enqueued: [UUID] = []
        for index in 0..<12 { enqueued.append(try Self.enqueue(Self.read(index), in: queue)) }
        #expect(await waitUntil { queue.depth == 0 }, "queue drained while the server is up")
        #expect(try await server.storage.reads.count() == 12)

        // The server goes away; the agent keeps every read on disk meanwhile.
        try await first.stop()
        for index in 12..<30 { enqueued.append(try Self.enqueue(Self.read(index), in: queue)) }
        try await Task.sleep(for: .milliseconds(400))
        #expect(queue.depth == 18)

        // A new server process on the same database and port.
        let second = try await LiveServer.start(server, storage: try server.reopenedStorage(), port: first.port)
        #expect(await waitUntil { queue.depth == 0 }, "queue drained after the restart")
        try await second.stop()

        let storage = try server.reopenedStorage()
        #expect(try await storage.reads.count() == enqueued.count)
        for id in enqueued {
            let stored = try await storage.reads.read(id: id)
            #expect(stored?.readerID == reader.id)
        }
        #expect(queue.counters.acknowledged == enqueued.count)
        #expect(queue.counters.rejected == 0)
        // Images travelled with the reads.
        let withImage = try #require(try await storage.reads.read(id: enqueued[0]))
        #expect(withImage.plateImage != nil && withImage.candidates.count == 2)
    }

    @Test func aMobileReaderCollectsOnlyWhileAnOfficerIsLoggedIn() async throws {
        let server = try TestServer()
        defer { server.remove() }
        let folder = try TemporaryDirectory(prefix: "alpr-agent-e2e")
        defer { folder.remove() }
        let (reader, bearer) = try await server.registerReader(kind: .mobile)
        try await server.createUser("officer", roles: [.officer])

        let live = try await LiveServer.start(server, storage: server.storage, port: 0)
        let client = try ServerClient(baseURL: live.baseURL, credential: bearer)
        let queue = try DurableQueue(directory: folder.url.appending(path: "queue"), configuration: .init(diskBudgetBytes: 1 << 30))
        let gate = CollectionGate(mode: .requireActivePeriod(offlineGrace: 600))
        let heartbeat = HeartbeatSender(client: client, gate: gate, interval: 60, logger: Self.agentLogger) {
            HeartbeatSender.Status(
                queueDepth: queue.depth, oldestUnsentAt: nil, counters: queue.counters, frames: .init(),
                locationKnown: true, collecting: gate.isCollecting(now: Date())
            )
        }
        let uploader = ReadUploader(queue: queue, client: client, gate: gate, configuration: Self.fastUploads, logger: Self.agentLogger)
        let uploading = Task { try await uploader.run() }
        defer { uploading.cancel() }

        // No officer: the heartbeat and `me` both keep the gate shut.
        await heartbeat.beat()
        #expect(!gate.isCollecting(now: Date()))
        await heartbeat.refreshCollectionStatus()
        #expect(!gate.isCollecting(now: Date()))

        let login = try await client.send(
            "POST", "api/v1/officer/login",
            json: JSONSerialization.data(withJSONObject: ["username": "officer", "password": TestServer.password, "reader_id": reader.id.uuidString])
        )
        #expect(login.status == 201)
        let officerToken = try #require((try JSONSerialization.jsonObject(with: login.body) as? [String: Any])?["token"] as? String)
        await heartbeat.refreshCollectionStatus()
        #expect(gate.isCollecting(now: Date()), "the officer's login opens the gate")

        let during = Self.read(1, capturedAt: Date())
        _ = try Self.enqueue(during, in: queue)
        #expect(await waitUntil { queue.counters.acknowledged == 1 })
        let capturedBeforeLogout = Self.read(2, capturedAt: Date())

        let officer = try ServerClient(baseURL: live.baseURL, credential: officerToken)
        #expect(try await officer.send("POST", "api/v1/logout").status == 200)
        await heartbeat.beat()
        #expect(!gate.isCollecting(now: Date()), "logging out takes the reader offline")

        // Captured while the officer was logged in, sent after: accepted (checked at capture time).
        _ = try Self.enqueue(capturedBeforeLogout, in: queue)
        // Captured after the logout: refused for good and moved to rejected/.
        try await Task.sleep(for: .milliseconds(20))
        let afterLogout = Self.read(3, capturedAt: Date())
        _ = try Self.enqueue(afterLogout, in: queue)
        #expect(await waitUntil { queue.depth == 0 })
        #expect(queue.counters.acknowledged == 2)
        #expect(queue.counters.rejected == 1)
        #expect(try await server.storage.reads.read(id: capturedBeforeLogout.id) != nil)
        #expect(try await server.storage.reads.read(id: afterLogout.id) == nil)
        #expect(try await server.storage.reads.count() == 2)
        let rejected = try FileManager.default.contentsOfDirectory(atPath: folder.url.appending(path: "queue/rejected").path)
        #expect(rejected.count == 1)
        try await live.stop()
    }

    static var fastUploads: ReadUploader.Configuration {
        var configuration = ReadUploader.Configuration()
        configuration.batchSize = 5
        configuration.idleInterval = 0.05
        configuration.backoff = ExponentialBackoff(initial: 0.05, maximum: 0.4)
        return configuration
    }

    static func enqueue(_ read: ReadUpload, in queue: DurableQueue) throws -> UUID {
        try queue.enqueue(read)
        return read.id
    }

    /// A read as the agent's assembler makes it; every third one carries a plate crop.
    static func read(_ index: Int, capturedAt: Date = Date()) -> ReadUpload {
        let plate = try! PlateNumber("E2E\(index)")
        return ReadUpload(
            plate: plate, state: "MN", confidence: 0.92,
            candidates: [PlateCandidate(text: plate.value, confidence: 0.92), PlateCandidate(text: "E2F\(index)", confidence: 0.05)],
            capturedAt: capturedAt, plateBox: PlateBox(x: 400, y: 300, width: 120, height: 40),
            plateJPEG: index % 3 == 0 ? Data(Fixtures.jpegBytes(seed: UInt64(index + 1), byteCount: 1500)) : nil
        )
    }
}

/// `buildApplication` on 127.0.0.1, run as a service group so it can be stopped like a process.
struct LiveServer {
    let port: Int
    let group: ServiceGroup
    let running: Task<Void, any Error>

    var baseURL: URL { URL(string: "http://127.0.0.1:\(port)")! }

    static func start(_ server: TestServer, storage: Storage, port: Int) async throws -> LiveServer {
        var configuration = server.configuration
        configuration.host = "127.0.0.1"
        configuration.port = port
        let boundPort = Mutex<Int?>(nil)
        let app = try await buildApplication(
            configuration: configuration, storage: storage, logger: TestServer.logger,
            onServerRunning: { channel in boundPort.withLock { $0 = channel.localAddress?.port } }
        )
        let group = ServiceGroup(configuration: .init(services: [app], logger: TestServer.logger))
        let running = Task { try await group.run() }
        let deadline = Date().addingTimeInterval(20)
        while boundPort.withLock({ $0 }) == nil, Date() < deadline { try await Task.sleep(for: .milliseconds(20)) }
        guard let bound = boundPort.withLock({ $0 }) else {
            running.cancel()
            throw ALPRError.conflict(reason: "test server did not start on port \(port)")
        }
        return LiveServer(port: bound, group: group, running: running)
    }

    func stop() async throws {
        await group.triggerGracefulShutdown()
        try await running.value
    }
}

/// Polls `condition` until it holds or `timeout` passes. The wait bounds a hang, not a
/// speed: suites run in parallel on the cooperative thread pool, and CPU-bound ones can hold
/// its threads for seconds on a 2-core machine (see `patience` in the agent tests).
private func waitUntil(timeout: TimeInterval = 120, _ condition: () -> Bool) async -> Bool {
    let deadline = Date().addingTimeInterval(timeout)
    while Date() < deadline {
        if condition() { return true }
        try? await Task.sleep(for: .milliseconds(50))
    }
    return condition()
}
