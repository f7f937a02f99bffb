import ALPRCore
import Foundation
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// The agent's store-and-forward queue: a read is on disk before anything else happens to it,
/// and leaves the disk only when the server has acknowledged it, or when the disk budget or
/// the retention period (R11, §13.824 subd. 3) forces its destruction, which is counted.
///
/// Layout: one file per read, written to a temporary name, fsynced, renamed into place and
/// the folder fsynced. One file per read was chosen over append-only segments because reads
/// carry images (tens to hundreds of KiB each) and arrive at most a few per second, so a file
/// per read costs little, while it makes acknowledgement a single unlink, needs no compaction
/// or cursor file, and a rename can never expose half a record. Each file still carries a
/// length and CRC-32 header, so a record damaged by media that acknowledged a write it did not
/// make is detected and discarded on recovery instead of being sent.
///
/// File names are `<sequence>-<captured ms>.read`: the sequence keeps sending in order, the
/// capture time lets retention and recovery work from the folder listing.
public final class DurableQueue: Sendable {
    public struct Configuration: Sendable {
        /// Bytes the queue (pending and rejected reads) may occupy on disk.
        public var diskBudgetBytes: Int64
        public var retention: Retention

        public init(diskBudgetBytes: Int64, retention: Retention = .statutory) {
            self.diskBudgetBytes = diskBudgetBytes
            self.retention = retention
        }
    }

    /// What has happened to reads since the queue was opened.
    public struct Counters: Sendable, Equatable {
        public var enqueued = 0
        public var acknowledged = 0
        /// Refused by the server as invalid; moved to `rejected/`.
        public var rejected = 0
        /// Destroyed unsent because the queue was over its disk budget.
        public var evictedOverBudget = 0
        /// Destroyed unsent because they were older than the retention period (R11).
        public var evictedExpired = 0
        /// Found damaged on disk (torn or corrupt) and discarded.
        public var discardedCorrupt = 0
        /// Temporary files of writes a crash interrupted, discarded on recovery.
        public var discardedIncomplete = 0
    }

    /// A read waiting to be sent, with the sequence number that acknowledges it.
    public struct Item: Sendable, Equatable {
        public var sequence: UInt64
        public var read: ReadUpload
    }

    struct Entry {
        var sequence: UInt64
        var capturedAtMilliseconds: Int64
        var byteCount: Int64
        var url: URL
    }

    struct State {
        var pending: [Entry] = []
        var rejected: [Entry] = []
        var nextSequence: UInt64 = 1
        var counters = Counters()
        var totalBytes: Int64 { (pending + rejected).reduce(0) { $0 + $1.byteCount } }
    }

    static let magic: [UInt8] = Array("ALPRQ001".utf8)
    static let headerSize = 16
    static let recordExtension = "read"
    static let temporaryPrefix = ".tmp-"

    public let directory: URL
    public let configuration: Configuration
    let pendingDirectory: URL
    let rejectedDirectory: URL
    private let state: Mutex<State>

    /// Opens (creating if needed) the queue in `directory` and recovers what a previous run
    /// left: unfinished temporary files and damaged records are discarded and counted.
    public init(directory: URL, configuration: Configuration) throws(AgentError) {
        guard configuration.diskBudgetBytes > 0 else {
            throw .invalidConfiguration("queue disk budget must be positive")
        }
        self.directory = directory
        self.configuration = configuration
        pendingDirectory = directory.appending(path: "pending", directoryHint: .isDirectory)
        rejectedDirectory = directory.appending(path: "rejected", directoryHint: .isDirectory)
        for folder in [directory, pendingDirectory, rejectedDirectory] {
            do {
                try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
            } catch {
                throw .fileSystem(path: folder.path, operation: "create folder", errno: EACCES)
            }
        }
        state = Mutex(try Self.recover(pending: pendingDirectory, rejected: rejectedDirectory))
    }

    public var counters: Counters { state.withLock { $0.counters } }
    /// Reads waiting to be sent.
    public var depth: Int { state.withLock { $0.pending.count } }
    public var diskUsageBytes: Int64 { state.withLock { $0.totalBytes } }
    /// Capture time of the oldest unsent read.
    public var oldestPendingCapturedAt: Date? {
        state.withLock { $0.pending.first.map { Date(timeIntervalSince1970: Double($0.capturedAtMilliseconds) / 1000) } }
    }

    /// Writes `read` durably; when this returns the read survives a crash or power loss.
    /// Then applies the disk budget and retention period, which may destroy the oldest reads.
    @discardableResult
    public func enqueue(_ read: ReadUpload, now: Date = Date()) throws(AgentError) -> UInt64 {
        let payload: Data
        do { payload = try JSONEncoder().encode(read) } catch {
            throw .invalidConfiguration("read could not be encoded: \(error)")
        }
        let record = Self.frame(payload)
        let capturedMilliseconds = Int64((read.capturedAt.timeIntervalSince1970 * 1000).rounded(.down))
        return try state.withLock { (state: inout State) throws(AgentError) -> UInt64 in
            let sequence = state.nextSequence
            let url = pendingDirectory.appending(path: Self.fileName(sequence: sequence, capturedAtMilliseconds: capturedMilliseconds))
            let temporary = pendingDirectory.appending(path: "\(Self.temporaryPrefix)\(sequence)")
            try DurableFile.write(record, to: temporary)
            try DurableFile.rename(temporary, to: url)
            try DurableFile.syncDirectory(pendingDirectory)
            state.nextSequence += 1
            state.pending.append(Entry(sequence: sequence, capturedAtMilliseconds: capturedMilliseconds, byteCount: Int64(record.count), url: url))
            state.counters.enqueued += 1
            enforceLimits(&state, now: now)
            return sequence
        }
    }

    /// The oldest unsent reads, in order. Records found damaged are discarded and counted.
    public func peek(limit: Int) -> [Item] {
        state.withLock { state in
            var items: [Item] = []
            var index = 0
            while items.count < limit, index < state.pending.count {
                let entry = state.pending[index]
                if let read = try? Self.load(entry.url) {
                    items.append(Item(sequence: entry.sequence, read: read))
                    index += 1
                } else {
                    unlink(entry.url.path)
                    state.pending.remove(at: index)
                    state.counters.discardedCorrupt += 1
                }
            }
            return items
        }
    }

    /// The server has the reads: remove them. The folder is not fsynced here: if a removal is
    /// lost to a power cut the read is sent again and the server answers "duplicate".
    public func acknowledge(_ sequences: some Sequence<UInt64>) {
        let acknowledged = Set(sequences)
        state.withLock { state in
            state.pending.removeAll { entry in
                guard acknowledged.contains(entry.sequence) else { return false }
                unlink(entry.url.path)
                state.counters.acknowledged += 1
                return true
            }
        }
    }

    /// The server refused the read as invalid; retrying would never succeed. It is kept in
    /// `rejected/` for inspection (still subject to retention) and counted.
    public func reject(_ sequence: UInt64) {
        state.withLock { state in
            guard let index = state.pending.firstIndex(where: { $0.sequence == sequence }) else { return }
            var entry = state.pending.remove(at: index)
            let destination = rejectedDirectory.appending(path: entry.url.lastPathComponent)
            if rename(entry.url.path, destination.path) == 0 {
                entry.url = destination
                state.rejected.append(entry)
            } else {
                unlink(entry.url.path)
            }
            state.counters.rejected += 1
        }
    }

    /// Applies the retention period and disk budget now (the uploader calls this periodically
    /// so reads expire even when nothing new arrives).
    public func enforceLimits(now: Date = Date()) {
        state.withLock { enforceLimits(&$0, now: now) }
    }

    private func enforceLimits(_ state: inout State, now: Date) {
        // R11 (§13.824 subd. 3): nothing is kept past the retention period, sent or not.
        let cutoff = Int64((configuration.retention.cutoff(now: now).timeIntervalSince1970 * 1000).rounded(.down))
        state.pending.removeAll { entry in
            guard entry.capturedAtMilliseconds < cutoff else { return false }
            unlink(entry.url.path)
            state.counters.evictedExpired += 1
            return true
        }
        state.rejected.removeAll { entry in
            guard entry.capturedAtMilliseconds < cutoff else { return false }
            unlink(entry.url.path)
            return true
        }
        // Over budget: rejected reads go first, then the oldest unsent ones. The newest read
        // is kept even if it alone exceeds the budget, so the queue never silently eats
        // everything it is given.
        var total = state.totalBytes
        while total > configuration.diskBudgetBytes, !state.rejected.isEmpty {
            let entry = state.rejected.removeFirst()
            unlink(entry.url.path)
            total -= entry.byteCount
        }
        while total > configuration.diskBudgetBytes, state.pending.count > 1 {
            let entry = state.pending.removeFirst()
            unlink(entry.url.path)
            total -= entry.byteCount
            state.counters.evictedOverBudget += 1
        }
    }

    // MARK: Records

    static func fileName(sequence: UInt64, capturedAtMilliseconds: Int64) -> String {
        let sequenceText = String(sequence)
        return String(repeating: "0", count: max(0, 20 - sequenceText.count)) + sequenceText
            + "-\(capturedAtMilliseconds).\(recordExtension)"
    }

    static func parseFileName(_ name: String) -> (sequence: UInt64, capturedAtMilliseconds: Int64)? {
        guard name.hasSuffix(".\(recordExtension)") else { return nil }
        let parts = name.dropLast(recordExtension.count + 1).split(separator: "-", maxSplits: 1)
        guard parts.count == 2, let sequence = UInt64(parts[0]), let captured = Int64(parts[1]) else { return nil }
        return (sequence, captured)
    }

    /// `magic(8) | payload length (UInt32 LE) | CRC-32 of payload (UInt32 LE) | payload`.
    static func frame(_ payload: Data) -> [UInt8] {
        var record = magic
        record.reserveCapacity(headerSize + payload.count)
        withUnsafeBytes(of: UInt32(payload.count).littleEndian) { record.append(contentsOf: $0) }
        withUnsafeBytes(of: CRC32.checksum(payload).littleEndian) { record.append(contentsOf: $0) }
        record.append(contentsOf: payload)
        return record
    }

    static func unframe(_ record: [UInt8], path: String) throws(AgentError) -> Data {
        guard record.count >= headerSize, Array(record[0..<8]) == magic else {
            throw .corruptRecord(path: path, reason: "header missing or truncated")
        }
        let length = record[8..<12].reversed().reduce(UInt32(0)) { $0 << 8 | UInt32($1) }
        let crc = record[12..<16].reversed().reduce(UInt32(0)) { $0 << 8 | UInt32($1) }
        guard record.count == headerSize + Int(length) else {
            throw .corruptRecord(path: path, reason: "length \(record.count - headerSize), header says \(length)")
        }
        let payload = record[headerSize...]
        guard CRC32.checksum(payload) == crc else { throw .corruptRecord(path: path, reason: "CRC mismatch") }
        return Data(payload)
    }

    static func load(_ url: URL) throws(AgentError) -> ReadUpload {
        let payload = try unframe(try DurableFile.readAll(url), path: url.path)
        do { return try JSONDecoder().decode(ReadUpload.self, from: payload) } catch {
            throw .corruptRecord(path: url.path, reason: "payload is not a read")
        }
    }

    static func recover(pending: URL, rejected: URL) throws(AgentError) -> State {
        var state = State()
        var highestSequence: UInt64 = 0
        for (folder, isPending) in [(pending, true), (rejected, false)] {
            let names: [String]
            do { names = try FileManager.default.contentsOfDirectory(atPath: folder.path) } catch {
                throw .fileSystem(path: folder.path, operation: "list folder", errno: EIO)
            }
            for name in names {
                let url = folder.appending(path: name)
                if name.hasPrefix(temporaryPrefix) {
                    // A write the crash interrupted: its enqueue never returned, so nobody was
                    // told it was stored.
                    unlink(url.path)
                    state.counters.discardedIncomplete += 1
                    continue
                }
                guard let parsed = parseFileName(name) else { continue }
                highestSequence = max(highestSequence, parsed.sequence)
                guard isPending else {
                    let size = (try? DurableFile.readAll(url).count).map(Int64.init) ?? 0
                    state.rejected.append(Entry(sequence: parsed.sequence, capturedAtMilliseconds: parsed.capturedAtMilliseconds, byteCount: size, url: url))
                    continue
                }
                do {
                    let record = try DurableFile.readAll(url)
                    _ = try unframe(record, path: url.path)
                    state.pending.append(Entry(sequence: parsed.sequence, capturedAtMilliseconds: parsed.capturedAtMilliseconds, byteCount: Int64(record.count), url: url))
                } catch {
                    unlink(url.path)
                    state.counters.discardedCorrupt += 1
                }
            }
        }
        state.pending.sort { $0.sequence < $1.sequence }
        state.rejected.sort { $0.sequence < $1.sequence }
        state.nextSequence = highestSequence + 1
        try DurableFile.syncDirectory(pending)
        return state
    }
}
