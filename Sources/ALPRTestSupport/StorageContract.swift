import ALPRCore
import ALPRStorage
import Foundation
import Testing

/// Behaviour every storage backend must have. Each check takes a fresh, empty `Storage`, so
/// the SQLite tests and a future PostgreSQL backend run the same suite:
///
/// ```swift
/// @Test func insertIsIdempotent() async throws {
///     try await withSQLiteStorage { try await StorageContract.readInsertIsIdempotent($0) }
/// }
/// ```
public enum StorageContract {
    /// Every check in the suite, by name, for backends that want to run them all in a loop.
    public static let all: [(name: String, check: @Sendable (Storage) async throws -> Void)] = [
        ("readInsertIsIdempotent", readInsertIsIdempotent),
        ("searchAgreesWithReferenceMatcher", searchAgreesWithReferenceMatcher),
        ("searchTakesLetterOAndDigitZeroAsOne", searchTakesLetterOAndDigitZeroAsOne),
        ("activePeriodsOpenCloseAndHeartbeat", activePeriodsOpenCloseAndHeartbeat),
        ("readersAreStoredWithCredentialHash", readersAreStoredWithCredentialHash),
        ("usersRoundTripAndUsernamesAreUnique", usersRoundTripAndUsernamesAreUnique),
        ("sessionsExpire", sessionsExpire),
        ("auditChainAppendsAndVerifies", auditChainAppendsAndVerifies),
        ("failedChangeLeavesNoAuditEntry", failedChangeLeavesNoAuditEntry),
        ("holdsClassifyReadsAndCloseReleasesThem", holdsClassifyReadsAndCloseReleasesThem),
        ("purgeDestroysExpiredUnheldReadsAndImages", purgeDestroysExpiredUnheldReadsAndImages),
        ("purgeKeepsImageSharedWithKeptRead", purgeKeepsImageSharedWithKeptRead),
        ("purgeDryRunChangesNothing", purgeDryRunChangesNothing),
    ]

    // MARK: Reads

    public static func readInsertIsIdempotent(_ storage: Storage) async throws {
        let reader = try await Fixtures.registerReader(in: storage)
        let reads = (0..<5).map { Fixtures.read(readerID: reader.id, plate: "ABC12\($0)", capturedAt: Fixtures.now.addingTimeInterval(Double(-$0 * 60))) }

        let first = try await storage.reads.insert(reads, audit: Fixtures.audit(subject: "read"))
        #expect(first == Array(repeating: .inserted, count: 5))

        // A retried upload carrying two old reads and one new one.
        let extra = Fixtures.read(readerID: reader.id, plate: "XYZ999", capturedAt: Fixtures.now)
        let retry = try await storage.reads.insert([reads[1], extra, reads[3]], audit: nil)
        #expect(retry == [.duplicate, .inserted, .duplicate])
        #expect(try await storage.reads.count() == 6)

        // A duplicate with different content does not overwrite the stored read.
        var altered = reads[0]
        altered.confidence = 0.2
        #expect(try await storage.reads.insert([altered], audit: nil) == [.duplicate])
        #expect(try await storage.reads.read(id: reads[0].id) == reads[0])
        for read in reads + [extra] {
            #expect(try await storage.reads.read(id: read.id) == read)
        }
        #expect(try await storage.reads.read(id: UUID()) == nil)
    }

    /// Random reads and random queries; every result must equal what `PlateCriterion.matches`
    /// and plain filtering give, newest first.
    public static func searchAgreesWithReferenceMatcher(_ storage: Storage) async throws {
        var generator = SeededGenerator(seed: 0xA1F2)
        let readers = [
            try await Fixtures.registerReader(in: storage, name: "search-a"),
            try await Fixtures.registerReader(in: storage, name: "search-b"),
            try await Fixtures.registerReader(in: storage, name: "search-c"),
        ]
        // A small pool of plates so that plates repeat, as real traffic does; some with their
        // 0s written O as well, and some starting with a round glyph, so that searches meet
        // both spellings of a plate (PlateCriterion takes O and 0 as one character).
        var plates = (0..<60).map { _ in Fixtures.randomPlate(using: &generator) }
        plates += plates.filter { $0.contains("0") }.prefix(10).map { $0.replacingOccurrences(of: "0", with: "O") }
        plates += plates.prefix(4).flatMap { ["0" + $0.dropFirst(), "O" + $0.dropFirst()] }
        var reads: [Read] = []
        for index in 0..<800 {
            // Distinct capture times, so "newest first" has a single right answer.
            let capturedAt = Fixtures.now.addingTimeInterval(-Double(index) * 37.0 - Double.random(in: 0..<30, using: &generator))
            reads.append(Fixtures.read(readerID: readers.randomElement(using: &generator)!.id, plate: plates.randomElement(using: &generator)!, capturedAt: capturedAt))
        }
        reads.shuffle(using: &generator)
        _ = try await storage.reads.insert(reads, audit: Fixtures.audit(subject: "read"))

        let earliest = reads.map(\.capturedAt).min()!, latest = reads.map(\.capturedAt).max()!
        for round in 0..<150 {
            let plate = plates.randomElement(using: &generator)!
            let criterion: PlateCriterion? = switch round % 5 {
            case 0, 1: try PlateCriterion(plate)
            case 2, 3: try PlateCriterion(randomPattern(from: plate, using: &generator))
            default: nil
            }
            var from: Date? = nil, to: Date? = nil
            if criterion == nil || Bool.random(using: &generator) {
                let span = criterion == nil ? Double.random(in: 600...86_000, using: &generator) : Double.random(in: 600...40_000, using: &generator)
                let start = Date(timeIntervalSince1970: Double.random(in: earliest.timeIntervalSince1970...latest.timeIntervalSince1970, using: &generator))
                from = Fixtures.millisecond(start)
                to = Fixtures.millisecond(start.addingTimeInterval(span))
            }
            let readerIDs = Bool.random(using: &generator) ? [] : Array(readers.shuffled(using: &generator).prefix(Int.random(in: 1...2, using: &generator)).map(\.id))
            let limit = [5, 50, 1000].randomElement(using: &generator)!
            let query = try ReadQuery(plate: criterion, from: from, to: to, readerIDs: readerIDs, limit: limit)

            let expected = reads
                .filter { read in
                    (criterion?.matches(read.plate) ?? true)
                        && (from.map { read.capturedAt >= $0 } ?? true)
                        && (to.map { read.capturedAt <= $0 } ?? true)
                        && (readerIDs.isEmpty || readerIDs.contains(read.readerID))
                }
                .sorted { $0.capturedAt > $1.capturedAt }
                .prefix(limit)
            let found = try await storage.reads.search(query)
            #expect(found.map(\.id) == expected.map(\.id), "query \(query.auditDescription)")
        }
    }

    /// A search takes the letter O and the digit 0 as one character, in plates and patterns,
    /// at the start of a plate too; other look-alikes (D, Q) stay distinct.
    public static func searchTakesLetterOAndDigitZeroAsOne(_ storage: Storage) async throws {
        let reader = try await Fixtures.registerReader(in: storage)
        let plates = ["GR0WAPR", "GROWAPR", "GRDWAPR", "GRQWAPR", "0RZ466", "ORZ466", "DRZ466", "O0O1", "ABC123"]
        let reads = plates.enumerated().map { index, plate in
            Fixtures.read(readerID: reader.id, plate: plate, capturedAt: Fixtures.now.addingTimeInterval(Double(-index * 60)))
        }
        _ = try await storage.reads.insert(reads, audit: Fixtures.audit(subject: "read"))
        func found(_ raw: String) async throws -> [String] {
            try await storage.reads.search(ReadQuery(plate: PlateCriterion(raw))).map(\.plate.value).sorted()
        }
        #expect(try await found("GROWAPR") == ["GR0WAPR", "GROWAPR"])
        #expect(try await found("gr0wapr") == ["GR0WAPR", "GROWAPR"])
        #expect(try await found("0RZ466") == ["0RZ466", "ORZ466"])
        #expect(try await found("ORZ466") == ["0RZ466", "ORZ466"])
        #expect(try await found("GR?WAPR") == ["GR0WAPR", "GRDWAPR", "GROWAPR", "GRQWAPR"])
        #expect(try await found("GRO*") == ["GR0WAPR", "GROWAPR"])
        #expect(try await found("*RZ46?") == ["0RZ466", "DRZ466", "ORZ466"])
        #expect(try await found("OR*") == ["0RZ466", "ORZ466"])
        #expect(try await found("0001") == ["O0O1"])
        #expect(try await found("OOO1") == ["O0O1"])
        #expect(try await found("ABC123") == ["ABC123"])
        #expect(try await found("ABCI23").isEmpty)
    }

    /// A pattern that matches `plate`: some characters become `?`, a run becomes `*`.
    static func randomPattern(from plate: String, using generator: inout SeededGenerator) -> String {
        var characters = Array(plate).map(String.init)
        for index in characters.indices where Int.random(in: 0..<4, using: &generator) == 0 { characters[index] = "?" }
        if Bool.random(using: &generator) {
            let start = Int.random(in: 0..<characters.count, using: &generator)
            let end = Int.random(in: start...characters.count, using: &generator)
            characters.replaceSubrange(start..<end, with: ["*"])
        }
        let pattern = characters.joined()
        // PlateCriterion wants at least two known characters; fall back to a prefix pattern.
        return pattern.filter { $0 != "?" && $0 != "*" }.count >= 2 ? pattern : String(plate.prefix(2)) + "*"
    }

    // MARK: Readers and active periods

    public static func readersAreStoredWithCredentialHash(_ storage: Storage) async throws {
        let reader = Fixtures.reader(name: "pole-7")
        let credential = ReaderCredential.generate()
        try await storage.readers.create(reader, credentialHash: credential.hash, audit: Fixtures.audit(subject: "reader"))
        #expect(try await storage.readers.reader(id: reader.id) == reader)
        #expect(try await storage.readers.reader(named: "pole-7") == reader)
        #expect(try await storage.readers.credentialHash(readerID: reader.id) == credential.hash)

        await #expect(throws: ALPRError.self) {
            try await storage.readers.create(Fixtures.reader(name: "pole-7"), credentialHash: "x", audit: Fixtures.audit(subject: "reader"))
        }

        let rotated = ReaderCredential.generate()
        try await storage.readers.setCredentialHash(readerID: reader.id, credentialHash: rotated.hash, audit: Fixtures.audit(.update, subject: "reader"))
        #expect(try await storage.readers.credentialHash(readerID: reader.id) == rotated.hash)

        var moved = reader
        moved.locationDescription = "County Rd 81 at 36th Ave"
        moved.bcaReportedAt = Fixtures.now
        try await storage.readers.update(moved, audit: Fixtures.audit(.update, subject: "reader"))
        #expect(try await storage.readers.reader(id: reader.id) == moved)
        #expect(try await storage.readers.all().map(\.id) == [reader.id])
    }

    public static func activePeriodsOpenCloseAndHeartbeat(_ storage: Storage) async throws {
        let reader = try await Fixtures.registerReader(in: storage)
        let t0 = Fixtures.now
        let first = ActivePeriod(readerID: reader.id, source: .startStop, startedAt: t0)
        try await storage.readers.openActivePeriod(first)
        #expect(try await storage.readers.activePeriod(readerID: reader.id, at: t0.addingTimeInterval(60))?.id == first.id)

        // Opening a new period closes the open one at the new start.
        let second = ActivePeriod(readerID: reader.id, source: .startStop, startedAt: t0.addingTimeInterval(3600))
        try await storage.readers.openActivePeriod(second)
        let closed = try await storage.readers.activePeriod(readerID: reader.id, at: t0.addingTimeInterval(1800))
        #expect(closed?.id == first.id)
        #expect(closed?.endedAt == t0.addingTimeInterval(3600))

        let ended = try await storage.readers.closeActivePeriod(readerID: reader.id, at: t0.addingTimeInterval(7200))
        #expect(ended?.id == second.id)
        #expect(ended?.endedAt == t0.addingTimeInterval(7200))
        #expect(try await storage.readers.closeActivePeriod(readerID: reader.id, at: t0.addingTimeInterval(7300)) == nil)
        #expect(try await storage.readers.activePeriod(readerID: reader.id, at: t0.addingTimeInterval(8000)) == nil)

        // Heartbeats within the gap extend one period; a longer silence starts another,
        // and the first ends at its last heartbeat.
        let h0 = t0.addingTimeInterval(10_000)
        let beat1 = try await storage.readers.recordHeartbeat(readerID: reader.id, at: h0, maximumGap: 120)
        let beat2 = try await storage.readers.recordHeartbeat(readerID: reader.id, at: h0.addingTimeInterval(60), maximumGap: 120)
        let beat3 = try await storage.readers.recordHeartbeat(readerID: reader.id, at: h0.addingTimeInterval(110), maximumGap: 120)
        #expect(beat1.id == beat2.id && beat2.id == beat3.id)
        #expect(beat3.lastHeartbeatAt == h0.addingTimeInterval(110))
        let beat4 = try await storage.readers.recordHeartbeat(readerID: reader.id, at: h0.addingTimeInterval(1000), maximumGap: 120)
        #expect(beat4.id != beat1.id)

        let all = try await storage.readers.activePeriods(readerID: reader.id, from: nil, to: nil)
        #expect(all.map(\.id) == [first.id, second.id, beat1.id, beat4.id])
        #expect(all[2].endedAt == h0.addingTimeInterval(110))
        let window = try await storage.readers.activePeriods(readerID: reader.id, from: t0.addingTimeInterval(8000), to: h0.addingTimeInterval(500))
        #expect(window.map(\.id) == [beat1.id])
        #expect(try await storage.readers.activePeriods(readerID: UUID(), from: nil, to: nil).isEmpty)
    }

    // MARK: Users and sessions

    public static func usersRoundTripAndUsernamesAreUnique(_ storage: Storage) async throws {
        let officer = Fixtures.user(username: "jdoe", roles: [.officer])
        let investigator = Fixtures.user(username: "asmith", roles: [.investigator, .records], trained: false)
        try await storage.users.create(officer, audit: Fixtures.audit(subject: "user"))
        try await storage.users.create(investigator, audit: Fixtures.audit(subject: "user"))
        #expect(try await storage.users.user(id: officer.id) == officer)
        #expect(try await storage.users.user(username: "asmith") == investigator)
        #expect(try await storage.users.user(username: "nobody") == nil)
        #expect(try await storage.users.count() == 2)
        #expect(try await storage.users.all().map(\.username) == ["asmith", "jdoe"])

        await #expect(throws: ALPRError.self) {
            try await storage.users.create(Fixtures.user(username: "jdoe", roles: [.auditor]), audit: Fixtures.audit(subject: "user"))
        }

        var changed = officer
        changed.roles = [.officer, .investigator]
        changed.disabledAt = Fixtures.now
        changed.authorization = nil
        try await storage.users.update(changed, audit: Fixtures.audit(.update, subject: "user"))
        #expect(try await storage.users.user(id: officer.id) == changed)

        var renamed = investigator
        renamed.username = "jdoe"
        await #expect(throws: ALPRError.self) {
            try await storage.users.update(renamed, audit: Fixtures.audit(.update, subject: "user"))
        }
    }

    public static func sessionsExpire(_ storage: Storage) async throws {
        let user = Fixtures.user(username: "session-user", roles: [.officer])
        try await storage.users.create(user, audit: Fixtures.audit(subject: "user"))
        let live = StoredSession(tokenHash: "live", userID: user.id, createdAt: Fixtures.now, expiresAt: Fixtures.now.addingTimeInterval(3600))
        let stale = StoredSession(tokenHash: "stale", userID: user.id, createdAt: Fixtures.now.addingTimeInterval(-7200), expiresAt: Fixtures.now.addingTimeInterval(-1))
        let loggedOut = StoredSession(tokenHash: "bye", userID: user.id, createdAt: Fixtures.now, expiresAt: Fixtures.now.addingTimeInterval(3600))
        for session in [live, stale, loggedOut] { try await storage.sessions.create(session) }
        #expect(try await storage.sessions.session(tokenHash: "live") == live)

        try await storage.sessions.delete(tokenHash: "bye")
        #expect(try await storage.sessions.session(tokenHash: "bye") == nil)

        #expect(try await storage.sessions.deleteExpired(now: Fixtures.now) == 1)
        #expect(try await storage.sessions.session(tokenHash: "stale") == nil)
        #expect(try await storage.sessions.session(tokenHash: "live") == live)
    }

    // MARK: Audit

    public static func auditChainAppendsAndVerifies(_ storage: Storage) async throws {
        var appended: [AuditEvent] = []
        for index in 0..<25 {
            let draft = AuditEntryDraft(
                at: Fixtures.now.addingTimeInterval(Double(index)), actor: "user:\(index % 3)", action: .query,
                subject: "read", criteria: "plate=ABC\(index)", resultIDs: ["a,b", "c"], resultCount: index,
                caseNumber: "24-00\(index)", reason: "a reason", recipient: index == 7 ? "Hennepin County SO" : nil
            )
            appended.append(try await storage.audit.append(draft))
        }
        #expect(appended.map(\.sequence) == Array(1...25))
        #expect(appended.first?.previousHash == AuditChain.genesisHash)
        #expect(zip(appended.dropFirst(), appended).allSatisfy { $0.previousHash == $1.hash })

        let stored = try await storage.audit.events(from: 1, limit: 100)
        #expect(stored == appended)
        #expect(try await storage.audit.events(from: 20, limit: 3).map(\.sequence) == [20, 21, 22])
        #expect(try await storage.audit.verify() == .intact(count: 25))
    }

    /// A change that fails must leave no audit entry behind (they share one transaction).
    public static func failedChangeLeavesNoAuditEntry(_ storage: Storage) async throws {
        let user = Fixtures.user(username: "dup", roles: [.auditor])
        try await storage.users.create(user, audit: Fixtures.audit(subject: "user"))
        let before = try await storage.audit.events(from: 1, limit: 1000).count
        await #expect(throws: (any Error).self) {
            try await storage.users.create(Fixtures.user(username: "dup", roles: [.auditor]), audit: Fixtures.audit(subject: "user"))
        }
        await #expect(throws: (any Error).self) {
            try await storage.cases.hold(readIDs: [UUID()], caseNumber: "NO-SUCH-1", basis: .investigation, at: Fixtures.now, by: "x", audit: Fixtures.audit(subject: "hold"))
        }
        #expect(try await storage.audit.events(from: 1, limit: 1000).count == before)
        #expect(try await storage.audit.verify() == .intact(count: before))
    }

    // MARK: Cases, holds and retention

    public static func holdsClassifyReadsAndCloseReleasesThem(_ storage: Storage) async throws {
        let reader = try await Fixtures.registerReader(in: storage)
        let reads = (0..<3).map { Fixtures.read(readerID: reader.id, plate: "HOLD\($0)", capturedAt: Fixtures.now.addingTimeInterval(-Double($0) * 60)) }
        _ = try await storage.reads.insert(reads, audit: nil)
        let caseA = InvestigationCase(number: "24-000123", description: "Burglary", openedAt: Fixtures.now, openedBy: "asmith")
        let caseB = InvestigationCase(number: "24-000456", description: "Robbery", openedAt: Fixtures.now, openedBy: "asmith")
        try await storage.cases.open(caseA, audit: Fixtures.audit(subject: "case"))
        try await storage.cases.open(caseB, audit: Fixtures.audit(subject: "case"))
        #expect(try await storage.cases.investigationCase(number: caseA.number) == caseA)

        try await storage.cases.hold(readIDs: [reads[0].id, reads[1].id], caseNumber: caseA.number, basis: .investigation, at: Fixtures.now, by: "asmith", audit: Fixtures.audit(subject: "hold"))
        try await storage.cases.hold(readIDs: [reads[1].id], caseNumber: caseB.number, basis: .exculpatoryRequest, at: Fixtures.now, by: "asmith", audit: Fixtures.audit(subject: "hold"))
        #expect(try await storage.reads.read(id: reads[0].id)?.classification == .activeCriminalInvestigative)
        #expect(try await storage.reads.read(id: reads[1].id)?.classification == .activeCriminalInvestigative)
        #expect(try await storage.reads.read(id: reads[2].id)?.classification == .private)
        #expect(try await storage.cases.holds(caseNumber: caseA.number).map(\.readID) == [reads[0].id, reads[1].id])

        // Releasing one hold: read 0 becomes private.
        try await storage.cases.release(readIDs: [reads[0].id], caseNumber: caseA.number, at: Fixtures.now, audit: Fixtures.audit(.update, subject: "hold"))
        #expect(try await storage.reads.read(id: reads[0].id)?.classification == .private)

        // Closing case A releases its holds; read 1 stays held by case B.
        try await storage.cases.close(number: caseA.number, at: Fixtures.now.addingTimeInterval(60), audit: Fixtures.audit(.update, subject: "case"))
        #expect(try await storage.cases.investigationCase(number: caseA.number)?.isOpen == false)
        #expect(try await storage.cases.holds(caseNumber: caseA.number).allSatisfy { $0.releasedAt != nil })
        #expect(try await storage.reads.read(id: reads[1].id)?.classification == .activeCriminalInvestigative)

        try await storage.cases.close(number: caseB.number, at: Fixtures.now.addingTimeInterval(60), audit: Fixtures.audit(.update, subject: "case"))
        #expect(try await storage.reads.read(id: reads[1].id)?.classification == .private)

        // A closed case can hold nothing; closing twice is refused.
        await #expect(throws: ALPRError.self) {
            try await storage.cases.hold(readIDs: [reads[2].id], caseNumber: caseA.number, basis: .investigation, at: Fixtures.now, by: "asmith", audit: Fixtures.audit(subject: "hold"))
        }
        await #expect(throws: ALPRError.self) {
            try await storage.cases.close(number: caseA.number, at: Fixtures.now, audit: Fixtures.audit(.update, subject: "case"))
        }
    }

    public static func purgeDestroysExpiredUnheldReadsAndImages(_ storage: Storage) async throws {
        let reader = try await Fixtures.registerReader(in: storage)
        let cutoff = Retention.statutory.cutoff(now: Fixtures.now)
        var expired: [Read] = [], fresh: [Read] = []
        for index in 0..<6 {
            let plateImage = try storage.images.put(Fixtures.jpegBytes(seed: UInt64(100 + index)), field: "plate_image")
            let vehicleImage = try storage.images.put(Fixtures.jpegBytes(seed: UInt64(200 + index)), field: "vehicle_image")
            expired.append(Fixtures.read(readerID: reader.id, plate: "OLD\(index)", capturedAt: cutoff.addingTimeInterval(-Double(index + 1) * 3600), plateImage: plateImage, vehicleImage: vehicleImage))
            let freshImage = try storage.images.put(Fixtures.jpegBytes(seed: UInt64(300 + index)), field: "plate_image")
            fresh.append(Fixtures.read(readerID: reader.id, plate: "NEW\(index)", capturedAt: cutoff.addingTimeInterval(Double(index + 1) * 3600), plateImage: freshImage))
        }
        _ = try await storage.reads.insert(expired + fresh, audit: nil)
        let held = expired[0]
        let investigation = InvestigationCase(number: "24-000789", description: "Homicide", openedAt: Fixtures.now, openedBy: "asmith")
        try await storage.cases.open(investigation, audit: Fixtures.audit(subject: "case"))
        try await storage.cases.hold(readIDs: [held.id], caseNumber: investigation.number, basis: .investigation, at: Fixtures.now, by: "asmith", audit: Fixtures.audit(subject: "hold"))

        let report = try await storage.retention.purge(cutoff: cutoff, dryRun: false, images: storage.images, actor: "system:retention")
        #expect(report.readsDeleted == 5)
        #expect(report.imagesDeleted == 10)
        #expect(report.readsKeptForHolds == 1)
        #expect(try await storage.reads.count() == 7)
        for read in expired.dropFirst() {
            #expect(try await storage.reads.read(id: read.id) == nil)
            #expect(!storage.images.exists(sha256: read.plateImage!.sha256, contentType: .jpeg))
            #expect(!storage.images.exists(sha256: read.vehicleImage!.sha256, contentType: .jpeg))
        }
        #expect(try await storage.reads.read(id: held.id) != nil)
        #expect(storage.images.exists(sha256: held.plateImage!.sha256, contentType: .jpeg))
        for read in fresh {
            #expect(storage.images.exists(sha256: read.plateImage!.sha256, contentType: .jpeg))
        }

        // The purge is in the audit trail, with its counts, and the chain still verifies.
        let events = try await storage.audit.events(from: 1, limit: 1000)
        let destroy = try #require(events.last { $0.entry.action == .destroy && $0.entry.subject == "read" })
        #expect(destroy.entry.resultCount == 5)
        #expect(destroy.entry.actor == "system:retention")
        #expect(destroy.entry.reason?.contains("10 images") == true)
        #expect(try await storage.audit.verify() == .intact(count: events.count))

        // Closing the case releases the hold: the read goes on the next purge.
        try await storage.cases.close(number: investigation.number, at: Fixtures.now, audit: Fixtures.audit(.update, subject: "case"))
        let second = try await storage.retention.purge(cutoff: cutoff, dryRun: false, images: storage.images, actor: "system:retention")
        #expect(second.readsDeleted == 1)
        #expect(second.imagesDeleted == 2)
        #expect(second.readsKeptForHolds == 0)
        #expect(try await storage.reads.read(id: held.id) == nil)
        #expect(!storage.images.exists(sha256: held.plateImage!.sha256, contentType: .jpeg))
        #expect(try await storage.reads.count() == 6)
    }

    public static func purgeKeepsImageSharedWithKeptRead(_ storage: Storage) async throws {
        let reader = try await Fixtures.registerReader(in: storage)
        let cutoff = Retention.statutory.cutoff(now: Fixtures.now)
        // One vehicle image used by an expired read and by a recent one (identical bytes).
        let shared = try storage.images.put(Fixtures.jpegBytes(seed: 7), field: "vehicle_image")
        let own = try storage.images.put(Fixtures.jpegBytes(seed: 8), field: "plate_image")
        let old = Fixtures.read(readerID: reader.id, plate: "SHR001", capturedAt: cutoff.addingTimeInterval(-60), plateImage: own, vehicleImage: shared)
        // The kept read uses the shared image in the other column, which must count too.
        let recent = Fixtures.read(readerID: reader.id, plate: "SHR002", capturedAt: cutoff.addingTimeInterval(60), plateImage: shared)
        _ = try await storage.reads.insert([old, recent], audit: nil)

        let dryRun = try await storage.retention.purge(cutoff: cutoff, dryRun: true, images: storage.images, actor: "test")
        #expect(dryRun.readsDeleted == 1 && dryRun.imagesDeleted == 1)

        let report = try await storage.retention.purge(cutoff: cutoff, dryRun: false, images: storage.images, actor: "test")
        #expect(report.readsDeleted == 1)
        #expect(report.imagesDeleted == 1)
        #expect(storage.images.exists(sha256: shared.sha256, contentType: .jpeg))
        #expect(!storage.images.exists(sha256: own.sha256, contentType: .jpeg))
        #expect(try storage.images.data(for: shared).count == shared.byteCount)
    }

    public static func purgeDryRunChangesNothing(_ storage: Storage) async throws {
        let reader = try await Fixtures.registerReader(in: storage)
        let cutoff = Retention.statutory.cutoff(now: Fixtures.now)
        var reads: [Read] = []
        for index in 0..<4 {
            let image = try storage.images.put(Fixtures.jpegBytes(seed: UInt64(900 + index)), field: "plate_image")
            reads.append(Fixtures.read(readerID: reader.id, plate: "DRY\(index)", capturedAt: cutoff.addingTimeInterval(index < 3 ? -3600 : 3600), plateImage: image))
        }
        _ = try await storage.reads.insert(reads, audit: nil)
        let auditBefore = try await storage.audit.events(from: 1, limit: 1000)

        let report = try await storage.retention.purge(cutoff: cutoff, dryRun: true, images: storage.images, actor: "test")
        #expect(report.dryRun)
        #expect(report.readsDeleted == 3)
        #expect(report.imagesDeleted == 3)
        #expect(report.readsKeptForHolds == 0)
        #expect(try await storage.reads.count() == 4)
        for read in reads {
            #expect(try await storage.reads.read(id: read.id) == read)
            #expect(storage.images.exists(sha256: read.plateImage!.sha256, contentType: .jpeg))
        }
        #expect(try await storage.audit.events(from: 1, limit: 1000) == auditBefore)
    }
}
