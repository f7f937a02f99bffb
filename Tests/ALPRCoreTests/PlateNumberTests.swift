@testable import ALPRCore
import Testing

@Suite struct PlateNumberTests {
    @Test(arguments: [("abc 123", "ABC123"), ("ABC-123", "ABC123"), (" 7ab.c_12 ", "7ABC12"), ("x\t1", "X1"), ("ZZZZZZZZZZ", "ZZZZZZZZZZ")])
    func normalisesWhatCamerasAndPeopleType(_ raw: String, _ expected: String) throws {
        #expect(try PlateNumber(raw).value == expected)
    }

    @Test(arguments: ["", " - ", "ABCDEFGHIJK", "AB#123", "ÄBC123", "AB/12", "AB*12"])
    func refusesWhatIsNoPlate(_ raw: String) {
        #expect(throws: ALPRError.self) { try PlateNumber(raw) }
    }

    @Test func decodingValidatesToo() throws {
        let decoded = try JSONDecoder().decode([PlateNumber].self, from: Data(#"["ab-12"]"#.utf8))
        #expect(decoded.map(\.value) == ["AB12"])
        #expect(throws: (any Error).self) { try JSONDecoder().decode([PlateNumber].self, from: Data(#"["a$"]"#.utf8)) }
    }
}

import Foundation
