import Testing
@testable import ALPRCore

@Suite("Plain CSV hot list parser (R3)")
struct HotListCSVParserTests {
    let parser = HotListCSVParser()

    @Test("with a header, categories by name, blank state and quoted description")
    func withHeader() throws {
        let text = """
        plate,state,category,description
        ABC 123,MN,stolen_vehicle,"Silver sedan, seen near 42nd Ave"
        XYZ-9,,Wanted Person,
        Q1,wi,suspended
        """
        let result = parser.parse(HotListFixtures.bytes(text))
        #expect(result.headerSkipped)
        #expect(result.rejects.isEmpty)
        #expect(result.entries.map(\.plate.value) == ["ABC123", "XYZ9", "Q1"])
        #expect(result.entries.map(\.category) == [.stolenVehicle, .wantedPerson, .ownerLicenseSuspended])
        #expect(result.entries[0].description == "Silver sedan, seen near 42nd Ave")
        #expect(result.entries[1].state == nil)
        #expect(result.entries[1].description == nil)
        #expect(result.entries[2].state?.code == "WI")
        #expect(result.recordLineCount == 3)
    }

    @Test("without a header the first line is a record")
    func withoutHeader() {
        let result = parser.parse(HotListFixtures.bytes("ABC123,MN,V,stolen\r\n"))
        #expect(!result.headerSkipped)
        #expect(result.entries.count == 1)
    }

    @Test("bad rows are rejected with line numbers")
    func rejects() {
        let long = String(repeating: "x", count: HotListCSVParser.maximumDescriptionLength + 1)
        let text = [
            "plate,state,category,description",  // 1
            "ABC123,MN,parking,x",               // 2 unknown category
            "ABC123,MN",                         // 3 short
            "ABC123,MN,V,a,b",                   // 4 long
            "A#C,MN,V,x",                        // 5 bad plate
            "ABC123,MNX,V,x",                    // 6 bad state
            "ABC123,MN,manual,x",                // 7 manual entries are not loaded from files
            "ABC123,MN,V,\(long)",               // 8 description too long
            "OK1,MN,V,x",                        // 9
        ].joined(separator: "\n")
        let result = parser.parse(HotListFixtures.bytes(text))
        #expect(result.rejects.map(\.lineNumber) == [2, 3, 4, 5, 6, 7, 8])
        #expect(result.rejects.map(\.reason) == [
            .unknownCategory("parking"), .wrongFieldCount(found: 2, expected: "3 or 4"),
            .wrongFieldCount(found: 5, expected: "3 or 4"), .invalidPlate, .invalidState,
            .unknownCategory("manual"), .fieldTooLong(field: "description", limit: HotListCSVParser.maximumDescriptionLength),
        ])
        #expect(result.entries.map(\.plate.value) == ["OK1"])
    }

    @Test("a non-UTF-8 line is rejected and reading goes on")
    func invalidUTF8() {
        let bytes = HotListFixtures.bytes("AAA1,MN,V,ok\n") + [0x41, 0x80, 0x2C] + HotListFixtures.bytes("MN,V,x\nBBB2,MN,V,ok")
        let result = parser.parse(bytes)
        #expect(result.rejects == [RejectedLine(lineNumber: 2, reason: .invalidUTF8)])
        #expect(result.entries.map(\.plate.value) == ["AAA1", "BBB2"])
    }
}
