import ALPRCore
import ALPRStorage
@testable import ALPRStorageSQLite
import ALPRTestSupport
import Foundation
import GRDB
import Testing

/// R9 (§13.824 subd. 7): someone with the database file edits or deletes audit rows by hand;
/// `verify()` names the first entry that no longer follows.
@Suite struct AuditTamperingTests {
    private func appendEntries(_ count: Int, to storage: Storage) async throws {
        for index in 1...count {
            _ = try await storage.audit.append(AuditEntryDraft(
                at: Fixtures.now.addingTimeInterval(Double(index)), actor: "user:asmith", action: .query,
                subject: "read", criteria: "plate=ABC\(index)", resultIDs: ["r\(index)"], resultCount: 1,
                caseNumber: "24-000123", reason: "burglary suspect vehicle seen leaving the scene"
            ))
        }
    }

    /// A raw connection to the file, as an attacker with file access would have, with the
    /// append-only triggers dropped first.
    private func tamper(_ directory: URL, _ sql: String) throws {
        let queue = try DatabaseQueue(path: directory.appendingPathComponent(SQLiteStorage.databaseFileName).path)
        try queue.write { db in
            try db.execute(sql: "DROP TRIGGER audit_events_no_update; DROP TRIGGER audit_events_no_delete")
            try db.execute(sql: sql)
        }
    }

    @Test func editedFieldIsReportedAtItsSequence() async throws {
        let fixture = try SQLiteTestStorage()
        defer { fixture.remove() }
        let storage = fixture.storage
        let directory = fixture.directory.url
        try await appendEntries(6, to: storage)
        #expect(try await storage.audit.verify() == .intact(count: 6))
        try tamper(directory, "UPDATE audit_events SET criteria = 'plate=ZZZ999' WHERE sequence = 4")
        let result = try await storage.audit.verify()
        guard case .broken(let sequence, let reason) = result else {
            Issue.record("tampering not detected: \(result)"); return
        }
        #expect(sequence == 4)
        #expect(reason.contains("altered"))
    }

    @Test(arguments: ["actor = 'user:someone'", "at = at + 1", "result_count = 99", "reason = NULL", "action = 'access'"])
    func everyFieldIsCoveredByTheHash(_ assignment: String) async throws {
        let fixture = try SQLiteTestStorage()
        defer { fixture.remove() }
        let storage = fixture.storage
        let directory = fixture.directory.url
        try await appendEntries(3, to: storage)
        try tamper(directory, "UPDATE audit_events SET \(assignment) WHERE sequence = 2")
        #expect(try await storage.audit.verify() == .broken(sequence: 2, reason: "content does not match its hash: the entry was altered"))
    }

    @Test func deletedMiddleRowIsReportedAsAGap() async throws {
        let fixture = try SQLiteTestStorage()
        defer { fixture.remove() }
        let storage = fixture.storage
        let directory = fixture.directory.url
        try await appendEntries(6, to: storage)
        try tamper(directory, "DELETE FROM audit_events WHERE sequence = 3")
        let result = try await storage.audit.verify()
        guard case .broken(let sequence, let reason) = result else {
            Issue.record("deletion not detected: \(result)"); return
        }
        #expect(sequence == 4)
        #expect(reason.contains("expected entry 3"))
    }

    @Test func rehashedRowIsCaughtByTheNextEntry() async throws {
        let fixture = try SQLiteTestStorage()
        defer { fixture.remove() }
        let storage = fixture.storage
        let directory = fixture.directory.url
        try await appendEntries(5, to: storage)
        // The attacker edits entry 2 and recomputes its hash; entry 3 still names the old one.
        let events = try await storage.audit.events(from: 2, limit: 1)
        var forged = events[0].entry
        forged.actor = "user:someone-else"
        let hash = AuditChain.hash(sequence: 2, entry: forged, previousHash: events[0].previousHash)
        try tamper(directory, "UPDATE audit_events SET actor = 'user:someone-else', hash = '\(hash)' WHERE sequence = 2")
        #expect(try await storage.audit.verify() == .broken(sequence: 3, reason: "previous hash does not match entry 2"))
    }

    @Test func triggersRefuseUpdateAndDelete() async throws {
        let fixture = try SQLiteTestStorage()
        defer { fixture.remove() }
        let storage = fixture.storage
        let directory = fixture.directory.url
        try await appendEntries(2, to: storage)
        let queue = try DatabaseQueue(path: directory.appendingPathComponent(SQLiteStorage.databaseFileName).path)
        #expect(throws: DatabaseError.self) {
            try queue.write { try $0.execute(sql: "UPDATE audit_events SET actor = 'x' WHERE sequence = 1") }
        }
        #expect(throws: DatabaseError.self) {
            try queue.write { try $0.execute(sql: "DELETE FROM audit_events WHERE sequence = 2") }
        }
        #expect(try await storage.audit.verify() == .intact(count: 2))
    }

    @Test func verificationWalksPastOnePage() async throws {
        let fixture = try SQLiteTestStorage()
        defer { fixture.remove() }
        let storage = fixture.storage
        let database = try #require(storage.audit as? SQLiteAuditRepository).database
        let smallPages = SQLiteAuditRepository(database: database, verificationPageSize: 4)
        try await appendEntries(10, to: storage)
        #expect(try await smallPages.verify() == .intact(count: 10))
        try tamper(fixture.directory.url, "UPDATE audit_events SET result_count = 0 WHERE sequence = 9")
        #expect(try await smallPages.verify() == .broken(sequence: 9, reason: "content does not match its hash: the entry was altered"))
    }
}
