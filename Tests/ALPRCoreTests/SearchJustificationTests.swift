import ALPRCore
import Testing

/// R10 (Policy "Data Retention & Data Sharing").
@Suite struct SearchJustificationTests {
    static let goodReason = "Silver sedan seen leaving the burglary at 4200 Douglas Dr around 02:15 on 3 May"

    @Test(arguments: ["", "   "])
    func missingCaseNumberIsRefused(_ caseNumber: String) {
        #expect(throws: ALPRError.forbidden(rule: SearchJustification.rule, reason: "a case number is required to search stored reads")) {
            try SearchJustification(caseNumber: caseNumber, reason: Self.goodReason)
        }
    }

    @Test(arguments: ["ABC", "24 0001", "24-0001; DROP", String(repeating: "1", count: 41)])
    func malformedCaseNumberIsRefused(_ caseNumber: String) {
        #expect(throws: ALPRError.self) { try SearchJustification(caseNumber: caseNumber, reason: Self.goodReason) }
    }

    @Test(arguments: [
        "investigation",
        "criminal investigation",
        "ongoing criminal investigation for the case",
        "police business per request of investigation",
        "investigation of suspect",
        "routine check of plate data for the ongoing case",
    ])
    func shortOrGenericReasonsAreRefused(_ reason: String) {
        #expect(throws: ALPRError.self) { try SearchJustification(caseNumber: "24-000123", reason: reason) }
    }

    @Test(arguments: [
        goodReason,
        "Victim reports ex-partner followed her car from work on Bass Lake Road, vehicle matches plate",
        "Hit-and-run at 36th Ave N, witness gave partial plate ABC and a red pickup fleeing north",
    ])
    func specificReasonIsAccepted(_ reason: String) throws {
        let justification = try SearchJustification(caseNumber: " 24-000123 ", reason: "  " + reason)
        #expect(justification.caseNumber == "24-000123")
        #expect(justification.reason == reason)
    }
}
