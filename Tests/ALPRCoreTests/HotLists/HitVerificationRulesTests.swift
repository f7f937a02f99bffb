import Foundation
import Testing
@testable import ALPRCore

@Suite("Hit verification (R6)")
struct HitVerificationRulesTests {
    func entry(_ category: HotListCategory, manual: Bool = false) -> HotListEntry {
        HotListEntry(plate: HotListFixtures.plate("ABC123"), state: HotListFixtures.state("MN"), category: category, manualEntryID: manual ? UUID() : nil)
    }

    func verification(
        read: Bool = true, state: Bool = true, current: CurrentStatusCheck? = .mdc, person: Bool? = nil,
        owner: Bool? = nil, legal: Bool? = nil
    ) -> HitVerification {
        HitVerification(
            readAccurate: read, stateMatches: state, confirmedCurrentVia: current, personBelievedInVehicle: person,
            driverMayNotBeOwnerAcknowledged: owner, legalJustificationConfirmed: legal, verifiedBy: "officer1",
            verifiedAt: HotListFixtures.day
        )
    }

    func confirm(_ verification: HitVerification, _ entry: HotListEntry) throws {
        try HitVerificationRules.validate(HitResolution(verification: verification, disposition: .confirmed, actionTaken: "traffic stop"), for: entry)
    }

    @Test("vehicle-based: read, state and NCIC check are each required")
    func vehicle() throws {
        let stolen = entry(.stolenVehicle)
        try confirm(verification(), stolen)
        #expect(throws: ALPRError.self) { try confirm(verification(read: false), stolen) }
        #expect(throws: ALPRError.self) { try confirm(verification(state: false), stolen) }
        #expect(throws: ALPRError.self) { try confirm(verification(current: nil), stolen) }
    }

    @Test("person-based: the person must be believed to be in the vehicle")
    func person() throws {
        for category in HotListCategory.allCases where category.basis == .person {
            #expect(throws: ALPRError.self) { try confirm(verification(), entry(category)) }
            #expect(throws: ALPRError.self) { try confirm(verification(person: false), entry(category)) }
            try confirm(verification(person: true), entry(category))
        }
    }

    @Test("owner-based: the driver-may-not-be-owner acknowledgement is required")
    func owner() throws {
        for category in HotListCategory.allCases where category.basis == .registeredOwner {
            #expect(throws: ALPRError.self) { try confirm(verification(), entry(category)) }
            try confirm(verification(owner: true), entry(category))
        }
    }

    @Test("manual entries: the legal justification must be confirmed current")
    func manual() throws {
        let manualEntry = entry(.manual, manual: true)
        #expect(throws: ALPRError.self) { try confirm(verification(), manualEntry) }
        try confirm(verification(legal: true), manualEntry)
    }

    @Test("a confirmed hit needs the action taken")
    func actionTaken() {
        #expect(throws: ALPRError.self) {
            try HitVerificationRules.validate(HitResolution(verification: verification(), disposition: .confirmed, actionTaken: " "), for: entry(.stolenVehicle))
        }
    }

    @Test("other dispositions may be saved with incomplete verification, but not contradict it")
    func otherDispositions() throws {
        let stolen = entry(.stolenVehicle)
        try HitVerificationRules.validate(HitResolution(verification: verification(read: false, current: nil), disposition: .misread), for: stolen)
        try HitVerificationRules.validate(HitResolution(verification: verification(state: false, current: nil), disposition: .wrongState), for: stolen)
        try HitVerificationRules.validate(HitResolution(verification: verification(current: .radio), disposition: .noLongerCurrent), for: stolen)
        try HitVerificationRules.validate(HitResolution(verification: verification(read: false, state: false, current: nil), disposition: .noAction), for: stolen)
        #expect(throws: ALPRError.self) { try HitVerificationRules.validate(HitResolution(verification: verification(), disposition: .misread), for: stolen) }
        #expect(throws: ALPRError.self) { try HitVerificationRules.validate(HitResolution(verification: verification(), disposition: .wrongState), for: stolen) }
        #expect(throws: ALPRError.self) { try HitVerificationRules.validate(HitResolution(verification: verification(current: nil), disposition: .noLongerCurrent), for: stolen) }
    }

    @Test("every hit says a hit alone is not probable cause; manual hits add the justification notice")
    func notices() {
        let plate = HotListFixtures.plate("ABC123")
        for category in HotListCategory.allCases {
            let hit = HotListHit(entry: entry(category), source: .bcaLicensePlateDataFile, listVersion: 1, matchKind: .exact, matchedText: plate, stateComparison: .matches)
            #expect(hit.notices.first == HitNotice.notProbableCause)
            #expect(hit.notices.contains(HitNotice.personBased) == (category.basis == .person))
            #expect(hit.notices.contains(HitNotice.ownerBased) == (category.basis == .registeredOwner))
            #expect(!hit.notices.contains(HitNotice.manualEntry))
        }
        let manualHit = HotListHit(entry: entry(.manual, manual: true), source: .manual, listVersion: nil, matchKind: .confusable, matchedText: plate, stateComparison: .differs)
        #expect(manualHit.notices.contains(HitNotice.manualEntry))
        #expect(manualHit.notices.contains(HitNotice.possibleMatch))
        #expect(manualHit.notices.contains(HitNotice.stateDiffers))
        #expect(HitNotice.notProbableCause == "A hit alone is not probable cause for arrest.")
    }
}
