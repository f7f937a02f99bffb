import Testing
@testable import ALPRCore

@Suite("Hot list categories (R3, R4, R14)")
struct HotListCategoryTests {
    @Test("every NCIC list code named in R4 maps to its category and back")
    func listCodes() {
        let expected: [Character: HotListCategory] = [
            "V": .stolenVehicle, "P": .stolenPlate, "W": .wantedPerson, "R": .canadianPoliceInformationCentre,
            "H": .protectionOrder, "M": .missingPerson, "L": .violentPerson, "T": .gangOrTerroristMember,
            "C": .supervisedRelease, "X": .sexOffenderRegistry, "N": .immigrationViolator, "A": .amberAlert,
            "F": .felonyVehicle, "K": .protectiveInterest,
        ]
        for (code, category) in expected {
            #expect(HotListCategory(ncicListCode: code) == category)
            #expect(category.ncicListCode == code)
        }
        #expect(HotListCategory(ncicListCode: "Z") == nil)
        #expect(HotListCategory.allCases.filter { $0.ncicListCode != nil }.count == expected.count)
    }

    @Test("AMBER, stolen and felony vehicles outrank the owner's license status")
    func priorities() {
        let licence: [HotListCategory] = [.ownerLicenseRevoked, .ownerLicenseSuspended, .ownerLicenseCancelled]
        for urgent in [HotListCategory.amberAlert, .stolenVehicle, .felonyVehicle] {
            for status in licence { #expect(urgent.alertPriority > status.alertPriority) }
        }
        #expect(Set(HotListCategory.allCases.map(\.alertPriority)).count == HotListCategory.allCases.count)
    }

    @Test("basis follows Policy Procedures: owner status, known persons, vehicles")
    func basis() {
        #expect(HotListCategory.stolenVehicle.basis == .vehicle)
        #expect(HotListCategory.kops.basis == .person)
        #expect(HotListCategory.wantedPerson.basis == .person)
        #expect(HotListCategory.minnesotaWarrant.basis == .registeredOwner)
        #expect(HotListCategory.ownerLicenseSuspended.basis == .registeredOwner)
    }

    @Test("R14 buckets: stolen vehicles, owners with warrants, suspended/revoked owners, other")
    func publicLogBuckets() {
        #expect(HotListCategory.stolenVehicle.publicLogBucket == .stolenVehicles)
        #expect(HotListCategory.minnesotaWarrant.publicLogBucket == .ownersWithWarrants)
        #expect(HotListCategory.ownerLicenseRevoked.publicLogBucket == .ownersWithSuspendedOrRevokedLicenses)
        #expect(HotListCategory.ownerLicenseSuspended.publicLogBucket == .ownersWithSuspendedOrRevokedLicenses)
        #expect(HotListCategory.amberAlert.publicLogBucket == .other)
        #expect(HotListCategory.manual.publicLogBucket == .other)
    }

    @Test("CSV category names parse by name, display name, alias or list code")
    func names() {
        #expect(HotListCategory(name: "stolen_vehicle") == .stolenVehicle)
        #expect(HotListCategory(name: "Stolen Vehicle") == .stolenVehicle)
        #expect(HotListCategory(name: "stolen-plate") == .stolenPlate)
        #expect(HotListCategory(name: "v") == .stolenVehicle)
        #expect(HotListCategory(name: "suspended") == .ownerLicenseSuspended)
        #expect(HotListCategory(name: "parking") == nil)
        for category in HotListCategory.allCases { #expect(HotListCategory(name: category.rawValue) == category) }
    }

    @Test("state codes: 0H means OH, lower case is accepted, digits and lengths are refused")
    func states() throws {
        #expect(try IssuingState("0H").code == "OH")
        #expect(try IssuingState("mn").code == "MN")
        #expect(throws: ALPRError.self) { try IssuingState("M") }
        #expect(throws: ALPRError.self) { try IssuingState("MNN") }
        #expect(throws: ALPRError.self) { try IssuingState("M1") }
    }

    @Test("calendar days refuse impossible dates and know leap years")
    func calendarDays() {
        #expect(CalendarDay(yyyymmdd: Array("20240229".utf8))?.description == "2024-02-29")
        #expect(CalendarDay(yyyymmdd: Array("20230229".utf8)) == nil)
        #expect(CalendarDay(yyyymmdd: Array("19000229".utf8)) == nil)
        #expect(CalendarDay(yyyymmdd: Array("20000229".utf8)) != nil)
        #expect(CalendarDay(yyyymmdd: Array("20241301".utf8)) == nil)
        #expect(CalendarDay(yyyymmdd: Array("20240431".utf8)) == nil)
        #expect(CalendarDay(yyyymmdd: Array("2024-1-1".utf8)) == nil)
        #expect(CalendarDay(yyyymmdd: Array("2024011".utf8)) == nil)
    }
}
