import Foundation

/// R10 (Policy "Data Retention & Data Sharing"; §13.824 subd. 7): stored reads may be searched
/// only with the case number and a statement of reasonable suspicion that the data are
/// pertinent to an ongoing criminal investigation. Vague reasons are refused.
public struct SearchJustification: Hashable, Sendable, Codable {
    public static let rule = "R10 Policy Data Retention & Data Sharing"
    public static let minimumReasonLength = 25
    public static let minimumSubstantiveWords = 4

    /// Words that, on their own, say nothing about why these data are pertinent.
    static let genericWords: Set<String> = [
        "investigation", "investigations", "investigate", "investigating", "investigative",
        "case", "criminal", "crime", "police", "law", "enforcement", "purpose", "purposes",
        "official", "business", "work", "duty", "duties", "research", "check", "checking",
        "lookup", "look", "up", "search", "searching", "query", "general", "routine", "test",
        "testing", "for", "the", "a", "an", "of", "on", "in", "to", "and", "or", "ongoing",
        "active", "open", "per", "request", "requested", "info", "information", "data", "alpr",
        "plate", "vehicle", "see", "file", "report", "n/a", "na", "none", "reason", "suspicion",
        "reasonable", "pertinent", "related", "relevant", "needed", "need",
    ]

    public let caseNumber: String
    public let reason: String

    public init(caseNumber rawCase: String, reason rawReason: String) throws(ALPRError) {
        let caseNumber = rawCase.trimmingCharacters(in: .whitespacesAndNewlines).uppercased()
        let reason = rawReason.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !caseNumber.isEmpty else {
            throw .forbidden(rule: Self.rule, reason: "a case number is required to search stored reads")
        }
        guard caseNumber.count <= 40,
              caseNumber.unicodeScalars.allSatisfy({ CharacterSet.alphanumerics.contains($0) || "-_/.".unicodeScalars.contains($0) }),
              caseNumber.unicodeScalars.contains(where: { CharacterSet.decimalDigits.contains($0) })
        else {
            throw .invalid(field: "case number", reason: "must be up to 40 letters, digits, '-', '/', '.' or '_' and contain a digit")
        }
        guard reason.count >= Self.minimumReasonLength else {
            throw .forbidden(
                rule: Self.rule,
                reason: "state the reasonable suspicion that the data are pertinent to the investigation (at least \(Self.minimumReasonLength) characters)"
            )
        }
        let words = reason.lowercased()
            .split(whereSeparator: { !$0.isLetter && !$0.isNumber && $0 != "/" })
            .map(String.init)
        let substantive = Set(words.filter { !Self.genericWords.contains($0) && $0.count > 1 })
        guard substantive.count >= Self.minimumSubstantiveWords else {
            throw .forbidden(
                rule: Self.rule,
                reason: "the reason is too generic; say what happened and why these reads are pertinent"
            )
        }
        self.caseNumber = caseNumber
        self.reason = reason
    }
}
