import ALPRCore
import ALPRStorage
@testable import ALPRStorageSQLite
import ALPRTestSupport
import Foundation
import GRDB
import Testing

/// R11 crash safety: rows and the list of files to remove commit together; files go after.
@Suite struct PurgeCrashSafetyTests {
    private func expiredReadsWithImages(_ storage: Storage, count: Int) async throws -> [Read] {
        let reader = try await Fixtures.registerReader(in: storage)
        let cutoff = Retention.statutory.cutoff(now: Fixtures.now)
        var reads: [Read] = []
        for index in 0..<count {
            let image = try storage.images.put(Fixtures.jpegBytes(seed: UInt64(5000 + index)), field: "plate_image")
            reads.append(Fixtures.read(readerID: reader.id, plate: "CRSH\(index)", capturedAt: cutoff.addingTimeInterval(-3600), plateImage: image))
        }
        _ = try await storage.reads.insert(reads, audit: nil)
        return reads
    }

    private func pendingCount(_ storage: Storage) async throws -> Int {
        let pool = try #require(storage.retention as? SQLiteRetentionRepository).database.pool
        return try await pool.read { try Int.fetchOne($0, sql: "SELECT count(*) FROM pending_image_deletions") ?? 0 }
    }

    @Test func purgeInterruptedAfterCommitIsFinishedByTheNextPurge() async throws {
        let fixture = try SQLiteTestStorage()
        defer { fixture.remove() }
        let storage = fixture.storage
        let reads = try await expiredReadsWithImages(storage, count: 4)
        let retention = try #require(storage.retention as? SQLiteRetentionRepository)
        let cutoff = Retention.statutory.cutoff(now: Fixtures.now)

        // The transaction commits, then the process "dies" before removing any file.
        let committed = try await retention.database.pool.write { db in
            try SQLiteRetentionRepository.commitPurge(cutoff: cutoff, actor: "system:retention", in: db)
        }
        #expect(committed == .init(readsDeleted: 4, imagesQueued: 4, readsKeptForHolds: 0))
        #expect(try await storage.reads.count() == 0)
        #expect(try await pendingCount(storage) == 4)
        #expect(reads.allSatisfy { storage.images.exists(sha256: $0.plateImage!.sha256, contentType: .jpeg) })

        let next = try await storage.retention.purge(cutoff: cutoff, dryRun: false, images: storage.images, actor: "system:retention")
        #expect(next.readsDeleted == 0)
        #expect(next.imagesDeleted == 4)
        #expect(try await pendingCount(storage) == 0)
        #expect(reads.allSatisfy { !storage.images.exists(sha256: $0.plateImage!.sha256, contentType: .jpeg) })
        #expect(Self.imageFiles(under: storage.images.root).isEmpty)
    }

    @Test func pendingDeletionsAreFinishedWhenTheDatabaseIsOpened() async throws {
        let directory = try TemporaryDirectory(prefix: "alpr-sqlite-reopen")
        defer { directory.remove() }
        let storage = try SQLiteStorage.open(directory: directory.url)
        let reads = try await expiredReadsWithImages(storage, count: 3)
        let retention = try #require(storage.retention as? SQLiteRetentionRepository)
        _ = try await retention.database.pool.write { db in
            try SQLiteRetentionRepository.commitPurge(cutoff: Retention.statutory.cutoff(now: Fixtures.now), actor: "system:retention", in: db)
        }
        #expect(reads.allSatisfy { storage.images.exists(sha256: $0.plateImage!.sha256, contentType: .jpeg) })

        let reopened = try SQLiteStorage.open(directory: directory.url)
        #expect(try await pendingCount(reopened) == 0)
        #expect(reads.allSatisfy { !reopened.images.exists(sha256: $0.plateImage!.sha256, contentType: .jpeg) })
    }

    /// A pending row for an image that a read uses again (identical bytes ingested since) must
    /// not remove the file.
    @Test func pendingRowForAnImageInUseKeepsTheFile() async throws {
        let fixture = try SQLiteTestStorage()
        defer { fixture.remove() }
        let storage = fixture.storage
        let reader = try await Fixtures.registerReader(in: storage)
        let image = try storage.images.put(Fixtures.jpegBytes(seed: 42), field: "plate_image")
        let orphaned = try storage.images.put(Fixtures.jpegBytes(seed: 43), field: "plate_image")
        _ = try await storage.reads.insert([Fixtures.read(readerID: reader.id, plate: "KEEP1", capturedAt: Fixtures.now, plateImage: image)], audit: nil)
        let pool = try #require(storage.retention as? SQLiteRetentionRepository).database.pool
        try await pool.write { db in
            for sha in [image.sha256, orphaned.sha256] {
                try db.execute(sql: "INSERT INTO pending_image_deletions (sha256, content_type, recorded_at) VALUES (?, 'image/jpeg', 0)", arguments: [sha])
            }
        }
        let report = try await storage.retention.purge(cutoff: Retention.statutory.cutoff(now: Fixtures.now), dryRun: false, images: storage.images, actor: "test")
        #expect(report.imagesDeleted == 1)
        #expect(storage.images.exists(sha256: image.sha256, contentType: .jpeg))
        #expect(!storage.images.exists(sha256: orphaned.sha256, contentType: .jpeg))
        #expect(try await pendingCount(storage) == 0)
    }

    @Test func orphanImagesOlderThanTheGracePeriodAreSwept() async throws {
        let fixture = try SQLiteTestStorage()
        defer { fixture.remove() }
        let storage = fixture.storage
        let reader = try await Fixtures.registerReader(in: storage)
        let referenced = try storage.images.put(Fixtures.jpegBytes(seed: 1), field: "plate_image")
        let oldOrphan = try storage.images.put(Fixtures.jpegBytes(seed: 2), field: "plate_image")
        let newOrphan = try storage.images.put(Fixtures.jpegBytes(seed: 3), field: "plate_image")
        _ = try await storage.reads.insert([Fixtures.read(readerID: reader.id, plate: "REF1", capturedAt: Fixtures.now, plateImage: referenced)], audit: nil)
        let staleTemporary = storage.images.root.appendingPathComponent("ab/cd/.abcd.tmp")
        try FileManager.default.createDirectory(at: staleTemporary.deletingLastPathComponent(), withIntermediateDirectories: true)
        try Data([1, 2, 3]).write(to: staleTemporary)

        let twoHoursAgo = Date().addingTimeInterval(-7200)
        for url in [storage.images.url(for: referenced.sha256, contentType: .jpeg), storage.images.url(for: oldOrphan.sha256, contentType: .jpeg), staleTemporary] {
            try FileManager.default.setAttributes([.modificationDate: twoHoursAgo], ofItemAtPath: url.path)
        }

        let report = try await storage.retention.purge(cutoff: Retention.statutory.cutoff(now: Fixtures.now), dryRun: false, images: storage.images, actor: "system:retention")
        #expect(report.orphanImagesDeleted == 2)
        #expect(storage.images.exists(sha256: referenced.sha256, contentType: .jpeg))
        #expect(!storage.images.exists(sha256: oldOrphan.sha256, contentType: .jpeg))
        #expect(storage.images.exists(sha256: newOrphan.sha256, contentType: .jpeg))
        #expect(!FileManager.default.fileExists(atPath: staleTemporary.path))
        let events = try await storage.audit.events(from: 1, limit: 100)
        #expect(events.contains { $0.entry.action == .destroy && $0.entry.subject == "image" && $0.entry.resultCount == 2 })
    }

    static func imageFiles(under root: URL) -> [URL] {
        let enumerator = FileManager.default.enumerator(at: root, includingPropertiesForKeys: [.isRegularFileKey])
        return (enumerator?.allObjects as? [URL] ?? []).filter { (try? $0.resourceValues(forKeys: [.isRegularFileKey]).isRegularFile) == true }
    }
}
