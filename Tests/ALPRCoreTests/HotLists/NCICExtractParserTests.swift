import Testing
@testable import ALPRCore

@Suite("MN NCIC extract parser (R4)")
struct NCICExtractParserTests {
    let parser = NCICExtractParser()

    @Test("a good row keeps plate, state, category, NIC, ORI and date, and drops the vehicle columns")
    func goodRow() throws {
        let result = parser.parse(HotListFixtures.bytes(HotListFixtures.ncicRow(plate: "abc-12 3") + "\n"))
        #expect(result.rejects.isEmpty)
        let entry = try #require(result.entries.first)
        #expect(entry.plate.value == "ABC123")
        #expect(entry.state?.code == "MN")
        #expect(entry.category == .stolenVehicle)
        #expect(entry.recordReference == "V123456789")
        #expect(entry.originatingAgency == "MN0270100")
        #expect(entry.enteredOn?.description == "2024-01-15")
        #expect(entry.description == nil)
        #expect(result.countsByCategory == [.stolenVehicle: 1])
        #expect(result.recordLineCount == 1)
    }

    @Test("0H in the state field means Ohio")
    func ohio() throws {
        let result = parser.parse(HotListFixtures.bytes(HotListFixtures.ncicRow(state: "0H")))
        #expect(try #require(result.entries.first).state?.code == "OH")
    }

    @Test("malformed lines are rejected with their line numbers and the rest is read")
    func malformedLines() {
        let lines = [
            HotListFixtures.ncicRow(plate: "GOOD1"),                          // 1
            HotListFixtures.ncicRow(date: "20241332"),                        // 2 bad date
            "VV123,MN0270100,20240115,ABC123,MN",                             // 3 short row
            HotListFixtures.ncicRow() + ",EXTRA",                             // 4 long row
            HotListFixtures.ncicRow(code: "Z"),                               // 5 unknown code
            HotListFixtures.ncicRow(plate: "AB$12"),                          // 6 invalid plate
            HotListFixtures.ncicRow(plate: "ABCDEFGHIJK"),                    // 7 plate too long
            HotListFixtures.ncicRow(state: "M1"),                             // 8 invalid state
            HotListFixtures.ncicRow(nic: ""),                                 // 9 no NIC
            "",                                                               // 10 blank
            HotListFixtures.ncicRow(plate: "GOOD2"),                          // 11
        ]
        let result = parser.parse(HotListFixtures.bytes(lines.joined(separator: "\n")))
        #expect(result.entries.map(\.plate.value) == ["GOOD1", "GOOD2"])
        #expect(result.rejects.map(\.lineNumber) == [2, 3, 4, 5, 6, 7, 8, 9])
        #expect(result.rejects.map(\.reason) == [
            .invalidDate("20241332"), .wrongFieldCount(found: 5, expected: "12"),
            .wrongFieldCount(found: 13, expected: "12"), .unknownListCode("Z"), .invalidPlate, .invalidPlate,
            .invalidState, .missingRecordReference,
        ])
        #expect(result.rejectedCount == 8)
        #expect(result.recordLineCount == 10)
        #expect(!result.finalLineUnterminatedAndRejected)
    }

    @Test("a line with bytes that are not UTF-8 is rejected by number; the lines after it load")
    func invalidUTF8() {
        var bytes = HotListFixtures.bytes(HotListFixtures.ncicRow(plate: "ONE1") + "\n")
        bytes += HotListFixtures.bytes("VV1,MN0270100,20240115,") + [0xC3, 0x28] + HotListFixtures.bytes(",MN,2025,PC,2015,TOYT,CAM,4D,BLK\n")
        bytes += [0xFF, 0xFE] + HotListFixtures.bytes("\n")
        bytes += HotListFixtures.bytes(HotListFixtures.ncicRow(plate: "TWO2") + "\n")
        let result = parser.parse(bytes)
        #expect(result.entries.map(\.plate.value) == ["ONE1", "TWO2"])
        #expect(result.rejects == [RejectedLine(lineNumber: 2, reason: .invalidUTF8), RejectedLine(lineNumber: 3, reason: .invalidUTF8)])
    }

    @Test("CRLF line ends, a UTF-8 byte order mark and quoted fields are read")
    func crlfBOMQuotes() throws {
        var bytes: [UInt8] = [0xEF, 0xBB, 0xBF]
        bytes += HotListFixtures.bytes(HotListFixtures.ncicRow(plate: "CR1") + "\r\n")
        bytes += HotListFixtures.bytes("\"PP000000001\",\"MN0270100\",\"20230102\",\"XY 789\",\"WI\",2025,PC,2015,\"FORD, INC\",\"F-150 \"\"XL\"\"\",PK,RED\r\n")
        let result = parser.parse(bytes)
        #expect(result.rejects.isEmpty)
        #expect(result.entries.map(\.plate.value) == ["CR1", "XY789"])
        let second = try #require(result.entries.last)
        #expect(second.category == .stolenPlate)
        #expect(second.recordReference == "P000000001")
        #expect(second.state?.code == "WI")
    }

    @Test("an unclosed quote or text after a closing quote rejects only that line")
    func badQuotes() {
        let text = [
            "\"VV1,MN0270100,20240115,ABC123,MN,2025,PC,2015,TOYT,CAM,4D,BLK",
            "\"VV1\"x,MN0270100,20240115,ABC123,MN,2025,PC,2015,TOYT,CAM,4D,BLK",
            HotListFixtures.ncicRow(),
        ].joined(separator: "\n")
        let result = parser.parse(HotListFixtures.bytes(text))
        #expect(result.rejects.map(\.reason) == [.unterminatedQuote, .textAfterQuotedField])
        #expect(result.entries.count == 1)
    }

    @Test("control characters (e.g. a UTF-16 file's NULs) reject the line")
    func controlCharacters() {
        let result = parser.parse(HotListFixtures.bytes(HotListFixtures.ncicRow()) + [0, 0x0A])
        #expect(result.rejects.map(\.reason) == [.controlCharacter])
    }

    @Test("a last line cut off mid-row is flagged as a probable truncation")
    func truncatedLastLine() {
        let text = HotListFixtures.ncicRow() + "\n" + "VV123,MN02701"
        let result = parser.parse(HotListFixtures.bytes(text))
        #expect(result.finalLineUnterminatedAndRejected)
        #expect(result.rejects.map(\.lineNumber) == [2])
    }

    @Test("reject reasons never repeat the plate text")
    func reasonsOmitPlates() {
        let result = parser.parse(HotListFixtures.bytes(HotListFixtures.ncicRow(plate: "SECRET$99")))
        #expect(result.rejects.count == 1)
        #expect(!result.rejects.description.contains("SECRET"))
    }

    @Test("only the first rejects are listed, every reject is counted")
    func rejectCap() {
        let text = Array(repeating: "garbage", count: 30).joined(separator: "\n")
        let result = NCICExtractParser(maximumRejectsKept: 5).parse(HotListFixtures.bytes(text))
        #expect(result.rejects.count == 5)
        #expect(result.rejectedCount == 30)
        #expect(result.rejectRatio == 1)
    }
}
