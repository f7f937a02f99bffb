import ALPRCore
import ALPRServer
import ALPRStorage
import ALPRStorageSQLite
import Foundation
import HummingbirdBcrypt
import Logging
import ServiceLifecycle
import Synchronization
import HummingbirdWSClient
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

// Ingest-to-alert latency under load: a server over SQLite in a temporary directory with a
// hot list loaded; background clients post batches of reads that match nothing while a probe
// posts one read on the list every few milliseconds; an officer's WebSocket receives the
// alerts. Latency is from just before the probe's POST to the alert's arrival (target: p99
// under 100 ms). Usage: swift run -c release AlertLatencyBenchmark [probes] [loadClients] [listRows]

let arguments = CommandLine.arguments.dropFirst().compactMap { Int($0) }
let probeCount = arguments.count > 0 ? arguments[0] : 500
let loadClients = arguments.count > 1 ? arguments[1] : 4
let listRows = arguments.count > 2 ? arguments[2] : 200_000
let batchSize = 20

var logger = Logger(label: "alert-latency")
logger.logLevel = .error

func plate(_ number: Int, prefix: String) -> String { prefix + String(number, radix: 36).uppercased() }

// 1. Storage, an officer, a collecting fixed reader, a hot list.
let directory = FileManager.default.temporaryDirectory.appendingPathComponent("alpr-alert-latency-\(UUID().uuidString)")
defer { try? FileManager.default.removeItem(at: directory) }
let storage = try SQLiteStorage.open(directory: directory)
let password = "benchmark password for the officer"
let now = Date()
try await storage.users.create(
    User(
        username: "officer", passwordHash: Bcrypt.hash(password, cost: 4), roles: [.officer], trainingCompletedAt: now,
        authorization: WrittenAuthorization(authorizedBy: "Chief", authorizedAt: now, purpose: "benchmark")
    ),
    audit: AuditEntryDraft(actor: "benchmark", action: .enter, subject: "user")
)
let reader = Reader(name: "fixed-benchmark", kind: .fixed, location: try GeoPoint(latitude: 45.03, longitude: -93.36), installedAt: now.addingTimeInterval(-86_400))
let credential = ReaderCredential.generate()
try await storage.readers.create(reader, credentialHash: credential.hash, audit: AuditEntryDraft(actor: "benchmark", action: .enter, subject: "reader"))
try await storage.readers.openActivePeriod(ActivePeriod(readerID: reader.id, source: .startStop, startedAt: now.addingTimeInterval(-3600)))
let bearer = credential.bearer(readerID: reader.id)
let list = (0..<listRows).map { "V\(String(format: "%09d", $0)),MN0270100,20250115,\(plate($0, prefix: "H")),MN,2025,PC,2015,TOYT,CAM,4D,BLK" }
    .joined(separator: "\n") + "\n"
let loaded = try await HotListImporter(storage: storage, catalog: nil, logger: logger).load(
    Array(list.utf8), format: .ncicExtract, source: .bcaLicensePlateDataFile, origin: "benchmark", actor: "benchmark"
)
print("hot list: \(loaded.entries) entries")

// 2. The server on a free port.
var configuration = ServerConfiguration(host: "127.0.0.1", port: 0, dataDirectory: directory.path)
configuration.passwordHashCost = 4
let boundPort = Mutex<Int?>(nil)
let app = try await buildApplication(
    configuration: configuration, storage: storage, logger: logger,
    onServerRunning: { channel in boundPort.withLock { $0 = channel.localAddress?.port } }
)
let group = ServiceGroup(configuration: .init(services: [app], logger: logger))
let running = Task { try await group.run() }
while boundPort.withLock({ $0 }) == nil { try await Task.sleep(for: .milliseconds(10)) }
let base = "127.0.0.1:\(boundPort.withLock { $0 }!)"

func post(_ path: String, json: Any, authorization: String?) async throws -> Data {
    var request = URLRequest(url: URL(string: "http://\(base)\(path)")!)
    request.httpMethod = "POST"
    request.setValue("application/json", forHTTPHeaderField: "Content-Type")
    if let authorization { request.setValue("Bearer \(authorization)", forHTTPHeaderField: "Authorization") }
    request.httpBody = try JSONSerialization.data(withJSONObject: json)
    let (data, response) = try await URLSession.shared.data(for: request)
    guard let status = (response as? HTTPURLResponse)?.statusCode, (200..<300).contains(status) else {
        throw ALPRError.conflict(reason: "POST \(path) failed: \(String(decoding: data, as: UTF8.self))")
    }
    return data
}

func read(_ text: String) -> [String: Any] {
    let formatter = ISO8601DateFormatter()
    formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
    return [
        "id": UUID().uuidString, "plate": text, "state": "MN", "confidence": 0.9,
        "candidates": [["plate": text, "confidence": 0.9]], "captured_at": formatter.string(from: Date()),
    ]
}

let login = try JSONSerialization.jsonObject(with: try await post("/api/v1/login", json: ["username": "officer", "password": password], authorization: nil)) as! [String: Any]
let token = login["token"] as! String

// 3. Background load, probes, and the officer's alert connection.
let sentAt = Mutex<[String: ContinuousClock.Instant]>([:])
let latencies = Mutex<[Duration]>([])
let backgroundReads = Atomic<Int>(0)
let stop = Atomic<Bool>(false)
let clock = ContinuousClock()

var wsConfiguration = WebSocketClientConfiguration()
wsConfiguration.additionalHeaders = [.authorization: "Bearer \(token)"]
let started = clock.now
try await WebSocketClient.connect(url: "ws://\(base)/api/v1/alerts/ws", configuration: wsConfiguration, logger: logger) { inbound, outbound, _ in
    try await withThrowingTaskGroup(of: Void.self) { tasks in
        for client in 0..<loadClients {
            tasks.addTask {
                var number = client * 10_000_000
                while !stop.load(ordering: .relaxed) {
                    let batch = (0..<batchSize).map { _ in number += 1; return read(plate(number, prefix: "N")) }
                    _ = try await post("/api/v1/reads", json: batch, authorization: bearer)
                    backgroundReads.add(batchSize, ordering: .relaxed)
                }
            }
        }
        tasks.addTask {
            var random = SeededGenerator(seed: 7)
            for _ in 0..<probeCount {
                let text = plate(Int(random.next() % UInt64(listRows)), prefix: "H")
                let probe = read(text)
                sentAt.withLock { $0[probe["id"] as! String] = clock.now }
                _ = try await post("/api/v1/reads", json: probe, authorization: bearer)
                try await Task.sleep(for: .milliseconds(5))
            }
        }
        var received = 0
        for try await message in inbound.messages(maxSize: 1 << 20) {
            guard case .text(let text) = message,
                  let alert = try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any],
                  alert["type"] as? String == "hit", let readID = (alert["read_id"] as? String)?.uppercased(),
                  let sent = sentAt.withLock({ $0[readID] })
            else { continue }
            latencies.withLock { $0.append(clock.now - sent) }
            received += 1
            if received == probeCount { break }
        }
        stop.store(true, ordering: .relaxed)
        try await tasks.waitForAll()
        try await outbound.close(.normalClosure, reason: nil)
    }
}
let elapsed = clock.now - started

func milliseconds(_ duration: Duration) -> Double {
    Double(duration.components.seconds) * 1000 + Double(duration.components.attoseconds) / 1e15
}
let sorted = latencies.withLock { $0 }.map(milliseconds).sorted()
func percentile(_ p: Double) -> Double { sorted[min(sorted.count - 1, Int((Double(sorted.count) * p).rounded(.up)) - 1)] }
let seconds = milliseconds(elapsed) / 1000
print("load: \(loadClients) clients posting batches of \(batchSize); \(backgroundReads.load(ordering: .relaxed)) background reads in \(String(format: "%.1f", seconds)) s (\(Int(Double(backgroundReads.load(ordering: .relaxed)) / seconds)) reads/s)")
print(String(format: "ingest-to-alert latency over %d hits: p50 %.1f ms, p90 %.1f ms, p99 %.1f ms, max %.1f ms",
             sorted.count, percentile(0.5), percentile(0.9), percentile(0.99), sorted.last ?? 0))
await group.triggerGracefulShutdown()
try await running.value
