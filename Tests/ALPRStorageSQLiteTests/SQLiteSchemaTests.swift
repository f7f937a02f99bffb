import ALPRCore
import ALPRStorage
@testable import ALPRStorageSQLite
import ALPRTestSupport
import Foundation
import GRDB
import Testing

@Suite struct SQLiteSchemaTests {
    private func pool(_ storage: Storage) throws -> DatabasePool {
        try #require(storage.reads as? SQLiteReadRepository).database.pool
    }

    @Test func databaseUsesWALAndForeignKeysAndNamedMigrations() async throws {
        let fixture = try SQLiteTestStorage()
        defer { fixture.remove() }
        let storage = fixture.storage
        let pool = try pool(storage)
        let (journalMode, foreignKeys, migrations) = try await pool.read { db in
            (
                try String.fetchOne(db, sql: "PRAGMA journal_mode"),
                try Bool.fetchOne(db, sql: "PRAGMA foreign_keys"),
                try SQLiteSchema.migrator.appliedMigrations(db)
            )
        }
        #expect(journalMode == "wal")
        #expect(foreignKeys == true)
        // Every registered migration ran, in order, starting with the storage schema.
        #expect(migrations == SQLiteSchema.migrator.migrations)
        #expect(Array(migrations.prefix(2)) == ["v1_initial_schema", "v2_plate_dictionary"])
    }

    @Test func readOfAnUnknownReaderIsRefused() async throws {
        let fixture = try SQLiteTestStorage()
        defer { fixture.remove() }
        let storage = fixture.storage
        let read = Fixtures.read(readerID: UUID(), plate: "ABC123", capturedAt: Fixtures.now)
        await #expect(throws: DatabaseError.self) { _ = try await storage.reads.insert([read], audit: nil) }
        #expect(try await storage.reads.count() == 0)
    }

    /// Exact plates and patterns with a literal prefix must be index range scans, not scans
    /// of the whole table: this is what keeps searches fast on millions of reads. So must
    /// plates with an O or a 0, which match either (a leading one as two ranges).
    @Test(arguments: ["ABC123", "AB?12*", "ABC*", "GR0WAPR", "0RZ466", "O?Z4*"])
    func plateSearchUsesThePlateIndex(_ plate: String) async throws {
        let fixture = try SQLiteTestStorage()
        defer { fixture.remove() }
        let storage = fixture.storage
        let (sql, arguments) = SQLiteReadRepository.searchSQL(try ReadQuery(plate: PlateCriterion(plate)))
        let plan = try await pool(storage).read { db in
            try Row.fetchAll(db, sql: "EXPLAIN QUERY PLAN " + sql, arguments: arguments).map { $0["detail"] as String }
        }
        #expect(plan.contains { $0.contains("USING INDEX reads_on_plate_captured (plate") }, "plan: \(plan)")
        if plate.contains("*") || plate.contains(where: PlateCriterion.isRoundGlyph) {
            // The pattern's literal prefix is a key range of the distinct plates, not a scan:
            // one range per spelling of a leading O or 0.
            let ranges = plan.filter { $0.contains("SEARCH plates USING PRIMARY KEY (plate>? AND plate<?)") }.count
            #expect(ranges == (PlateCriterion.isRoundGlyph(plate.first!) ? 2 : 1), "plan: \(plan)")
            #expect(!plan.contains { $0.contains("SCAN plates") }, "plan: \(plan)")
        }
    }

    /// R11: once the last read of a plate is destroyed, the plate leaves the dictionary too.
    @Test func purgeRemovesPlatesWithNoReadLeft() async throws {
        let fixture = try SQLiteTestStorage()
        defer { fixture.remove() }
        let storage = fixture.storage
        let reader = try await Fixtures.registerReader(in: storage)
        let cutoff = Retention.statutory.cutoff(now: Fixtures.now)
        _ = try await storage.reads.insert([
            Fixtures.read(readerID: reader.id, plate: "GONE1", capturedAt: cutoff.addingTimeInterval(-60)),
            Fixtures.read(readerID: reader.id, plate: "STAY1", capturedAt: cutoff.addingTimeInterval(-60)),
            Fixtures.read(readerID: reader.id, plate: "STAY1", capturedAt: cutoff.addingTimeInterval(60)),
        ], audit: nil)
        let pool = try pool(storage)
        #expect(try await pool.read { try String.fetchAll($0, sql: "SELECT plate FROM plates ORDER BY plate") } == ["GONE1", "STAY1"])
        _ = try await storage.retention.purge(cutoff: cutoff, dryRun: false, images: storage.images, actor: "test")
        #expect(try await pool.read { try String.fetchAll($0, sql: "SELECT plate FROM plates ORDER BY plate") } == ["STAY1"])
        #expect(try await storage.reads.search(ReadQuery(plate: PlateCriterion("*ONE1"))).isEmpty)
    }
}
