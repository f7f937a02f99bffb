import Foundation
import Testing
@testable import ALPRCore

@Suite("Manual hot list entries (R5, §13.824 subd. 2(d))")
struct ManualEntryRulesTests {
    let rules = ManualEntryRules.standard
    let now = HotListFixtures.day
    let justification = "Victim's sister reports she was forced into this car at gunpoint ten minutes ago"

    func warrant(expiresIn seconds: TimeInterval = 7 * 86_400) -> ManualEntryAuthority {
        .warrant(TrackingWarrant(number: "SW-2025-0042", issuingCourt: "Hennepin County District Court", expiresAt: now.addingTimeInterval(seconds)))
    }

    func request(_ authority: ManualEntryAuthority, caseNumber: String = "25-000123", expiresAt: Date? = nil) -> ManualHotListEntryRequest {
        ManualHotListEntryRequest(plate: "abc 123", state: "MN", caseNumber: caseNumber, authority: authority, expiresAt: expiresAt)
    }

    @Test("a warrant entry runs to the warrant's expiry by default")
    func warrantEntry() throws {
        let entry = try rules.create(request(warrant()), by: "officer1", now: now)
        #expect(entry.plate.value == "ABC123")
        #expect(entry.expiresAt == now.addingTimeInterval(7 * 86_400))
        #expect(entry.hotListEntry.category == .manual)
        #expect(entry.hotListEntry.manualEntryID == entry.id)
    }

    @Test("refused without a case number")
    func needsCaseNumber() {
        #expect(throws: ALPRError.self) { try rules.create(request(warrant(), caseNumber: "  "), by: "o", now: now) }
    }

    @Test("refused when the warrant lacks a number or court, or has expired")
    func incompleteWarrant() {
        let future = now.addingTimeInterval(3600)
        for warrant in [
            TrackingWarrant(number: "", issuingCourt: "Court", expiresAt: future),
            TrackingWarrant(number: "SW1", issuingCourt: " ", expiresAt: future),
            TrackingWarrant(number: "SW1", issuingCourt: "Court", expiresAt: now),
        ] {
            #expect(throws: ALPRError.self) { try rules.create(request(.warrant(warrant)), by: "o", now: now) }
        }
    }

    @Test("refused when the exigency has no real written justification")
    func exigencyNeedsJustification() {
        for text in ["", "urgent", "kidnapping kidnapping kidnapping kidnapping"] {
            #expect(throws: ALPRError.self) { try rules.create(request(.exigency(.kidnapping, justification: text)), by: "o", now: now) }
        }
    }

    @Test("an exigency entry lasts at most the configured maximum (24 h by default)")
    func exigencyExpiry() throws {
        let entry = try rules.create(request(.exigency(.kidnapping, justification: justification)), by: "o", now: now)
        #expect(entry.expiresAt == now.addingTimeInterval(24 * 3600))
        #expect(throws: ALPRError.self) {
            try rules.create(request(.exigency(.kidnapping, justification: justification), expiresAt: now.addingTimeInterval(24 * 3600 + 1)), by: "o", now: now)
        }
        let shorter = try ManualEntryRules(maximumExigencyDuration: 3600)
        #expect(throws: ALPRError.self) {
            try shorter.create(request(.exigency(.kidnapping, justification: justification), expiresAt: now.addingTimeInterval(7200)), by: "o", now: now)
        }
    }

    @Test("a warrant entry may not outlast its warrant; expiries must be in the future")
    func warrantExpiryLimits() {
        #expect(throws: ALPRError.self) { try rules.create(request(warrant(expiresIn: 3600), expiresAt: now.addingTimeInterval(7200)), by: "o", now: now) }
        #expect(throws: ALPRError.self) { try rules.create(request(warrant(), expiresAt: now), by: "o", now: now) }
    }

    @Test("an entry is active until its expiry, then due for automatic removal")
    func expiry() throws {
        let entry = try rules.create(request(.exigency(.freshStolenMotorVehicle, justification: justification)), by: "o", now: now)
        #expect(rules.isActive(entry, at: now.addingTimeInterval(24 * 3600 - 1)))
        #expect(!rules.isActive(entry, at: now.addingTimeInterval(24 * 3600)))
        #expect(rules.dueForRemoval([entry], at: now.addingTimeInterval(3600)).isEmpty)
        #expect(rules.dueForRemoval([entry], at: now.addingTimeInterval(24 * 3600)).map(\.id) == [entry.id])
        let removed = try rules.remove(entry, reason: .expired, by: "system", at: now.addingTimeInterval(24 * 3600))
        #expect(rules.dueForRemoval([removed], at: now.addingTimeInterval(48 * 3600)).isEmpty)
    }

    @Test("entering the vehicle in NCIC removes the entry, once")
    func enteredInNCIC() throws {
        let entry = try rules.create(request(warrant()), by: "o", now: now)
        let removed = try rules.remove(entry, reason: .enteredInCriminalJusticeDatabase(.ncic), by: "officer1", at: now.addingTimeInterval(60))
        #expect(removed.removal?.reason == .enteredInCriminalJusticeDatabase(.ncic))
        #expect(!rules.isActive(removed, at: now.addingTimeInterval(61)))
        #expect(throws: ALPRError.self) { try rules.remove(removed, reason: .justificationEnded, by: "o", at: now.addingTimeInterval(62)) }
    }

    @Test("a warrant entry extends only up to the warrant's expiry, or a renewed warrant's")
    func extendWarrant() throws {
        let entry = try rules.create(request(warrant(), expiresAt: now.addingTimeInterval(86_400)), by: "o", now: now)
        let extended = try rules.extend(entry, until: now.addingTimeInterval(7 * 86_400), authority: nil, by: "o", now: now.addingTimeInterval(60))
        #expect(extended.expiresAt == now.addingTimeInterval(7 * 86_400))
        #expect(extended.extensions.count == 1)
        #expect(throws: ALPRError.self) {
            try rules.extend(entry, until: now.addingTimeInterval(8 * 86_400), authority: nil, by: "o", now: now.addingTimeInterval(60))
        }
        let renewed = try rules.extend(entry, until: now.addingTimeInterval(8 * 86_400), authority: warrant(expiresIn: 30 * 86_400), by: "o", now: now.addingTimeInterval(60))
        #expect(renewed.expiresAt == now.addingTimeInterval(8 * 86_400))
    }

    @Test("an exigency entry extends only with a fresh justification, again at most the maximum")
    func extendExigency() throws {
        let entry = try rules.create(request(.exigency(.suspectFlight, justification: justification), expiresAt: now.addingTimeInterval(3600)), by: "o", now: now)
        let later = now.addingTimeInterval(1800)
        #expect(throws: ALPRError.self) { try rules.extend(entry, until: later.addingTimeInterval(7200), authority: nil, by: "o", now: later) }
        #expect(throws: ALPRError.self) {
            try rules.extend(entry, until: later.addingTimeInterval(7200), authority: .exigency(.suspectFlight, justification: justification), by: "o", now: later)
        }
        let fresh = "Suspect seen again twenty minutes ago heading north on Highway 81 in the same car"
        let extended = try rules.extend(entry, until: later.addingTimeInterval(7200), authority: .exigency(.suspectFlight, justification: fresh), by: "o", now: later)
        #expect(extended.expiresAt == later.addingTimeInterval(7200))
        #expect(throws: ALPRError.self) {
            try rules.extend(entry, until: later.addingTimeInterval(25 * 3600), authority: .exigency(.suspectFlight, justification: fresh), by: "o", now: later)
        }
    }

    @Test("every exigent circumstance of the policy is offered")
    func circumstances() {
        #expect(ExigentCircumstance.allCases.count == 7)
        #expect(Set(ExigentCircumstance.allCases.map(\.displayName)).count == 7)
    }
}
