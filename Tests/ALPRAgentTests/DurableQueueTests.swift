@testable import ALPRAgent
import ALPRCore
import Foundation
import Testing

@Suite struct DurableQueueTests {
    let budget: Int64 = 100 * 1024 * 1024

    @Test func readsComeOutInOrderAndLeaveOnlyWhenAcknowledged() throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let queue = try DurableQueue(directory: folder.url, configuration: .init(diskBudgetBytes: budget))
        let reads = try (0..<5).map { try makeRead(plate: "ORD\($0)") }
        for read in reads { try queue.enqueue(read) }
        #expect(queue.peek(limit: 10).map(\.read) == reads)
        let firstTwo = queue.peek(limit: 2)
        queue.acknowledge(firstTwo.map(\.sequence))
        #expect(queue.peek(limit: 10).map(\.read) == Array(reads[2...]))
        #expect(queue.counters.enqueued == 5)
        #expect(queue.counters.acknowledged == 2)
        #expect(queue.depth == 3)
    }

    @Test func unacknowledgedReadsSurviveReopening() throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let reads = try (0..<4).map { try makeRead(plate: "RE\($0)") }
        do {
            let queue = try DurableQueue(directory: folder.url, configuration: .init(diskBudgetBytes: budget))
            for read in reads { try queue.enqueue(read) }
            queue.acknowledge([queue.peek(limit: 1)[0].sequence])
        }
        let reopened = try DurableQueue(directory: folder.url, configuration: .init(diskBudgetBytes: budget))
        #expect(reopened.peek(limit: 10).map(\.read) == Array(reads[1...]))
        // New reads go after the recovered ones.
        let later = try makeRead(plate: "LATER1")
        try reopened.enqueue(later)
        #expect(reopened.peek(limit: 10).last?.read == later)
    }

    @Test func tornAndCorruptRecordsAreDiscardedOnRecovery() throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let reads = try (0..<4).map { try makeRead(plate: "TORN\($0)") }
        do {
            let queue = try DurableQueue(directory: folder.url, configuration: .init(diskBudgetBytes: budget))
            for read in reads { try queue.enqueue(read) }
        }
        let pending = folder.url.appending(path: "pending")
        let files = try FileManager.default.contentsOfDirectory(atPath: pending.path).sorted()
        #expect(files.count == 4)
        // The last record torn in half (media that lost the tail), the third with a flipped byte,
        // and a temporary file of a write the crash interrupted.
        let last = pending.appending(path: files[3])
        let lastBytes = try Data(contentsOf: last)
        try lastBytes.prefix(lastBytes.count / 2).write(to: last)
        let third = pending.appending(path: files[2])
        var thirdBytes = try Data(contentsOf: third)
        thirdBytes[thirdBytes.count - 5] ^= 0x01
        try thirdBytes.write(to: third)
        try Data([1, 2, 3]).write(to: pending.appending(path: ".tmp-99"))

        let recovered = try DurableQueue(directory: folder.url, configuration: .init(diskBudgetBytes: budget))
        #expect(recovered.peek(limit: 10).map(\.read) == Array(reads[0..<2]))
        #expect(recovered.counters.discardedCorrupt == 2)
        #expect(recovered.counters.discardedIncomplete == 1)
        #expect(try FileManager.default.contentsOfDirectory(atPath: pending.path).count == 2)
    }

    @Test func overBudgetDestroysTheOldestAndCountsThem() throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let sample = DurableQueue.frame(try JSONEncoder().encode(try makeRead(plate: "SIZE1", imageBytes: 10_000))).count
        // Room for three reads of this size, not four.
        let queue = try DurableQueue(directory: folder.url, configuration: .init(diskBudgetBytes: Int64(sample * 3 + sample / 2)))
        let reads = try (0..<6).map { try makeRead(plate: "BUD\($0)", imageBytes: 10_000) }
        for read in reads { try queue.enqueue(read) }
        #expect(queue.counters.evictedOverBudget == 3)
        #expect(queue.peek(limit: 10).map(\.read) == Array(reads[3...]))
        #expect(queue.diskUsageBytes <= queue.configuration.diskBudgetBytes)
    }

    /// R11 (§13.824 subd. 3): an unsent read is destroyed once older than the retention period.
    @Test func readsOlderThanTheRetentionPeriodAreDestroyed() throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let now = Date(timeIntervalSince1970: 1_750_000_000)
        let queue = try DurableQueue(directory: folder.url, configuration: .init(diskBudgetBytes: budget, retention: .statutory))
        let old = try makeRead(plate: "OLD1", capturedAt: now.addingTimeInterval(-61 * 86_400))
        let recent = try makeRead(plate: "NEW1", capturedAt: now.addingTimeInterval(-59 * 86_400))
        try queue.enqueue(recent, now: now)
        try queue.enqueue(old, now: now)
        #expect(queue.counters.evictedExpired == 1)
        #expect(queue.peek(limit: 10).map(\.read) == [recent])
        queue.enforceLimits(now: now.addingTimeInterval(2 * 86_400))
        #expect(queue.depth == 0)
        #expect(queue.counters.evictedExpired == 2)
    }

    @Test func rejectedReadsMoveAsideAndAreCounted() throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let queue = try DurableQueue(directory: folder.url, configuration: .init(diskBudgetBytes: budget))
        try queue.enqueue(try makeRead(plate: "BAD1"))
        try queue.enqueue(try makeRead(plate: "GOOD1"))
        queue.reject(queue.peek(limit: 1)[0].sequence)
        #expect(queue.peek(limit: 10).map(\.read.plate) == ["GOOD1"])
        #expect(queue.counters.rejected == 1)
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder.url.appending(path: "rejected").path).count == 1)
        // A reopened queue does not send rejected reads again and does not reuse their numbers.
        let reopened = try DurableQueue(directory: folder.url, configuration: .init(diskBudgetBytes: budget))
        #expect(reopened.peek(limit: 10).map(\.read.plate) == ["GOOD1"])
        let sequence = try reopened.enqueue(try makeRead(plate: "NEXT1"))
        #expect(sequence == 3)
    }

    @Test func refusesANonPositiveBudget() throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        #expect(throws: AgentError.self) { try DurableQueue(directory: folder.url, configuration: .init(diskBudgetBytes: 0)) }
    }

    /// A child process enqueues reads and is killed with SIGKILL mid-stream. Every read whose
    /// enqueue returned (the child printed its id) must be recovered, none twice.
    @Test func survivesAKilledWriter() async throws {
        let helper = buildProductsFolder.appending(path: "ALPRAgentCrashHelper")
        try #require(FileManager.default.isExecutableFile(atPath: helper.path), "helper not built at \(helper.path)")
        for round in 0..<3 {
            let folder = try TemporaryFolder()
            defer { folder.remove() }
            let process = Process()
            process.executableURL = helper
            process.arguments = [folder.url.path, "100000", "200000"]
            let output = Pipe()
            process.standardOutput = output
            try process.run()
            var acknowledged: [UUID] = []
            var buffer = Data()
            let wanted = 20 + round * 15
            while acknowledged.count < wanted {
                let chunk = output.fileHandleForReading.availableData
                if chunk.isEmpty { break }
                buffer.append(chunk)
                while let newline = buffer.firstIndex(of: 0x0A) {
                    if let id = UUID(uuidString: String(decoding: buffer[..<newline], as: UTF8.self)) { acknowledged.append(id) }
                    buffer.removeSubrange(...newline)
                }
            }
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
            #expect(process.terminationReason == .uncaughtSignal)
            #expect(acknowledged.count >= wanted)

            let recovered = try DurableQueue(directory: folder.url, configuration: .init(diskBudgetBytes: 1 << 40))
            let ids = recovered.peek(limit: Int.max).map(\.read.id)
            #expect(Set(ids).count == ids.count, "no read recovered twice")
            #expect(Set(acknowledged).isSubset(of: Set(ids)), "every acknowledged read recovered")
            // Reads written after the last id was read from the pipe may be there too, in order after it.
            #expect(Array(ids.prefix(acknowledged.count)) == acknowledged)
        }
    }
}

@Suite struct CRC32Tests {
    /// Bit-at-a-time definition of CRC-32 (IEEE), no table.
    func reference(_ bytes: [UInt8]) -> UInt32 {
        var crc: UInt32 = 0xFFFF_FFFF
        for byte in bytes {
            crc ^= UInt32(byte)
            for _ in 0..<8 { crc = crc & 1 == 1 ? (crc >> 1) ^ 0xEDB8_8320 : crc >> 1 }
        }
        return ~crc
    }

    @Test func matchesTheBitwiseDefinitionOnRandomInputs() {
        var generator = SeededGenerator(seed: 3)
        for length in [0, 1, 2, 7, 64, 1000] {
            let bytes = (0..<length).map { _ in UInt8.random(in: 0...255, using: &generator) }
            #expect(CRC32.checksum(bytes) == reference(bytes))
        }
    }

    @Test func matchesThePublishedCheckValue() {
        // The CRC-32 catalogue's check value for the ASCII string "123456789".
        #expect(CRC32.checksum(Array("123456789".utf8)) == 0xCBF4_3926)
    }
}
