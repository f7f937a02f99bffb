import ALPRCore
import ALPRStorage
import ALPRStorageSQLite
import Foundation

/// Synthetic reads: plates drawn uniformly from a pool of distinct vehicles (so a plate
/// repeats about `readCount / plateCount` times, as regular traffic past fixed readers does),
/// capture times spread evenly over the last 59 days.
enum ReadGenerator {
    static let alphabet = Array("ABCDEFGHJKLMNPRSTUVWXYZ0123456789")

    static func plates(count: Int, seed: UInt64) -> [String] {
        var generator = SeededGenerator(seed: seed)
        var seen = Set<String>()
        seen.reserveCapacity(count)
        while seen.count < count {
            seen.insert(String((0..<7).map { _ in alphabet[Int(generator.next() % UInt64(alphabet.count))] }))
        }
        return seen.sorted().shuffled(using: &generator)
    }

    static func batch(count: Int, readerID: UUID, plates: [String], capturedFrom start: Date = Date().addingTimeInterval(-3600), step: TimeInterval = 0.01) -> [Read] {
        var generator = SystemRandomNumberGenerator()
        let now = Date()
        return (0..<count).map { index in
            let plate = plates[Int.random(in: 0..<plates.count, using: &generator)]
            return read(plate: plate, readerID: readerID, capturedAt: start.addingTimeInterval(Double(index) * step), receivedAt: now)
        }
    }

    static func read(plate: String, readerID: UUID, capturedAt: Date, receivedAt: Date) -> Read {
        Read(
            id: UUID(), readerID: readerID, plate: try! PlateNumber(plate), state: "MN", confidence: 0.92,
            candidates: [PlateCandidate(text: plate, confidence: 0.92)], capturedAt: capturedAt, receivedAt: receivedAt,
            location: try! GeoPoint(latitude: 45.0328, longitude: -93.3602), headingDegrees: 90, speedKmh: 50,
            plateBox: PlateBox(x: 412, y: 300, width: 120, height: 40)
        )
    }

    static func audit(count: Int) -> AuditEntryDraft {
        AuditEntryDraft(actor: "reader:benchmark", action: .enter, subject: "read", resultCount: count)
    }

    /// Random bytes behind a JPEG signature: unique per call, so every image is a new file.
    static func jpegLikeBytes(byteCount: Int) -> [UInt8] {
        var generator = SystemRandomNumberGenerator()
        var bytes = [UInt8](repeating: 0, count: byteCount)
        bytes.withUnsafeMutableBytes { buffer in
            for offset in stride(from: 0, to: byteCount - 7, by: 8) {
                buffer.storeBytes(of: generator.next() as UInt64, toByteOffset: offset, as: UInt64.self)
            }
        }
        bytes[0] = 0xFF; bytes[1] = 0xD8; bytes[2] = 0xFF; bytes[3] = 0xE0
        return bytes
    }

    static func registerReader(_ storage: Storage, name: String) async throws -> UUID {
        if let existing = try await storage.readers.reader(named: name) { return existing.id }
        let reader = Reader(name: name, kind: .fixed, location: try GeoPoint(latitude: 45.0328, longitude: -93.3602), installedAt: Date())
        try await storage.readers.create(reader, credentialHash: ReaderCredential.generate().hash, audit: AuditEntryDraft(actor: "benchmark", action: .enter, subject: "reader"))
        return reader.id
    }
}

/// A fresh database for the ingest benchmarks.
struct IngestContext: Sendable {
    let storage: Storage
    let readerID: UUID
    let plates: [String]

    static func make() async throws -> IngestContext {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("alpr-ingest-benchmark-\(UUID().uuidString)")
        let storage = try SQLiteStorage.open(directory: directory)
        let readerID = try await ReadGenerator.registerReader(storage, name: "ingest")
        return IngestContext(storage: storage, readerID: readerID, plates: ReadGenerator.plates(count: 100_000, seed: 1))
    }
}

/// The 10M-read database, built on first use and reused by later runs.
struct SearchContext: Sendable {
    static let readCount = 10_000_000
    static let plateCount = 1_000_000
    static let batchSize = 20_000

    let storage: Storage
    let plates: [String]

    func randomPlate() -> String { plates[Int.random(in: 0..<plates.count)] }

    static func make() async throws -> SearchContext {
        let root = ProcessInfo.processInfo.environment["ALPR_BENCHMARK_DATA"] ?? "/tmp/alpr-benchmark-data"
        let directory = URL(fileURLWithPath: root).appendingPathComponent("reads-10m")
        let plates = ReadGenerator.plates(count: plateCount, seed: 42)
        let storage = try SQLiteStorage.open(directory: directory, options: .init(cacheSizeKiB: 1024 * 1024))
        try await populate(storage, plates: plates)
        return SearchContext(storage: storage, plates: plates)
    }

    /// Inserts the missing reads in batches through the normal ingest path.
    static func populate(_ storage: Storage, plates: [String]) async throws {
        let present = try await storage.reads.count()
        guard present < readCount else { return }
        let readerIDs = [
            try await ReadGenerator.registerReader(storage, name: "bench-a"),
            try await ReadGenerator.registerReader(storage, name: "bench-b"),
            try await ReadGenerator.registerReader(storage, name: "bench-c"),
        ]
        let end = Date()
        let step = 59 * 86_400 / Double(readCount)
        var generator = SeededGenerator(seed: 7 &+ UInt64(present))
        let started = Date()
        var inserted = present
        FileHandle.standardError.write(Data("Building the \(readCount)-read database (\(present) present)...\n".utf8))
        while inserted < readCount {
            let count = min(batchSize, readCount - inserted)
            let batch = (0..<count).map { offset in
                let index = inserted + offset
                return ReadGenerator.read(
                    plate: plates[Int(generator.next() % UInt64(plates.count))],
                    readerID: readerIDs[index % readerIDs.count],
                    capturedAt: end.addingTimeInterval(-Double(readCount - index) * step), receivedAt: end
                )
            }
            _ = try await storage.reads.insert(batch, audit: ReadGenerator.audit(count: count))
            inserted += count
            if inserted % 1_000_000 == 0 {
                let rate = Double(inserted - present) / Date().timeIntervalSince(started)
                FileHandle.standardError.write(Data("  \(inserted) reads, \(Int(rate)) reads/s\n".utf8))
            }
        }
    }
}

/// Each benchmark process builds what it needs once, in the benchmark's setup hook.
actor Contexts {
    static let shared = Contexts()
    private var ingest: IngestContext?
    private var search: SearchContext?

    func ingestContext() async throws -> IngestContext {
        if let ingest { return ingest }
        let made = try await IngestContext.make()
        ingest = made
        return made
    }

    func searchContext() async throws -> SearchContext {
        if let search { return search }
        let made = try await SearchContext.make()
        search = made
        return made
    }
}
