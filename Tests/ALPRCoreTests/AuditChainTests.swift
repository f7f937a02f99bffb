import ALPRCore
import Foundation
import Testing

/// R9 (§13.824 subd. 7): an append-only trail whose integrity can be verified.
@Suite struct AuditChainTests {
    static func chain(_ count: Int) -> [AuditEvent] {
        var events: [AuditEvent] = []
        var previous = AuditChain.genesisHash
        for index in 1...count {
            let entry = AuditEntryDraft(
                at: Date(timeIntervalSince1970: 1_780_000_000 + Double(index)), actor: "user:\(index % 3)",
                action: AuditAction.allCases[index % AuditAction.allCases.count], subject: "read",
                criteria: "plate=ABC\(index)", resultIDs: ["id\(index)"], resultCount: index,
                caseNumber: "24-\(index)", reason: "reason \(index)", recipient: nil
            )
            let event = AuditChain.seal(sequence: Int64(index), entry: entry, previousHash: previous)
            events.append(event)
            previous = event.hash
        }
        return events
    }

    @Test func intactChainVerifies() {
        let events = Self.chain(20)
        #expect(AuditChain.verify(events) == .intact(count: 20))
        #expect(AuditChain.verify([AuditEvent]()) == .intact(count: 0))
        #expect(Set(events.map(\.hash)).count == 20)
    }

    /// Each field, altered in turn, at a random entry: verification names that entry.
    @Test(arguments: 0..<9)
    func alteringAnyFieldIsDetected(_ field: Int) {
        var events = Self.chain(12)
        let target = 3 + field
        var entry = events[target].entry
        switch field {
        case 0: entry.actor = "user:mallory"
        case 1: entry.action = entry.action == .destroy ? .query : .destroy
        case 2: entry.subject = "user"
        case 3: entry.criteria = nil
        case 4: entry.resultIDs.append("extra")
        case 5: entry.resultCount = 0
        case 6: entry.caseNumber = "99-1"
        case 7: entry.at = entry.at.addingTimeInterval(0.002)
        default: entry.recipient = "Someone"
        }
        events[target].entry = entry
        #expect(AuditChain.verify(events) == .broken(sequence: Int64(target + 1), reason: "content does not match its hash: the entry was altered"))
    }

    @Test func deletionIsReportedAsAGap() {
        var events = Self.chain(10)
        events.remove(at: 4)
        #expect(AuditChain.verify(events) == .broken(sequence: 6, reason: "expected entry 5 but found 6: entries are missing"))
    }

    @Test func deletingTheFirstEntryIsDetected() {
        #expect(AuditChain.verify(Self.chain(5).dropFirst()) == .broken(sequence: 2, reason: "expected entry 1 but found 2: entries are missing"))
    }

    @Test func rehashedEditBreaksTheLink() {
        var events = Self.chain(6)
        var forged = events[2].entry
        forged.actor = "user:mallory"
        events[2] = AuditChain.seal(sequence: 3, entry: forged, previousHash: events[2].previousHash)
        #expect(AuditChain.verify(events) == .broken(sequence: 4, reason: "previous hash does not match entry 3"))
    }

    @Test func hashIgnoresSubMillisecondTime() {
        let entry = AuditEntryDraft(at: Date(timeIntervalSince1970: 1_780_000_000.1234), actor: "a", action: .login, subject: "session")
        var stored = entry
        stored.at = Date(timeIntervalSince1970: 1_780_000_000.123)
        #expect(AuditChain.hash(sequence: 1, entry: entry, previousHash: AuditChain.genesisHash)
            == AuditChain.hash(sequence: 1, entry: stored, previousHash: AuditChain.genesisHash))
    }

    @Test func incrementalVerifierAgreesWithWholeChain() {
        var events = Self.chain(8)
        events[5].hash = String(repeating: "f", count: 64)
        var verifier = AuditChain.Verifier()
        var found: AuditChain.Verification?
        for event in events where found == nil { found = verifier.check(event) }
        #expect(found == AuditChain.verify(events))
        #expect(verifier.checkedCount == 5)
    }
}
