import Foundation

/// Where a hot list comes from (R3, §13.824 subd. 2(c)). Reads may be matched only with the
/// Minnesota license plate data file, or with other data that relate to an active criminal
/// investigation, so every other source carries its case number.
public enum HotListSource: Hashable, Sendable, Codable, CustomStringConvertible {
    public static let rule = "R3 §13.824 subd. 2(c)"

    /// The Minnesota license plate data file supplied by the BCA (the MN NCIC extract).
    case bcaLicensePlateDataFile
    /// A list tied to an active criminal investigation (checked by `validated()`).
    case investigative(name: String, caseNumber: String)
    /// Officer-created entries (R5); each entry carries its own case number and legal basis.
    case manual

    /// R3: an additional source needs a name and the case number of the active criminal
    /// investigation it relates to. Returns the source with both normalised.
    public func validated() throws(ALPRError) -> HotListSource {
        guard case .investigative(let rawName, let rawCase) = self else { return self }
        let name = rawName.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !name.isEmpty, name.count <= 80 else {
            throw .invalid(field: "list name", reason: "give the list a name of up to 80 characters")
        }
        let caseNumber = try CaseNumberFormat.validate(
            rawCase, rule: Self.rule, purpose: "match reads against a list other than the BCA file"
        )
        return .investigative(name: name, caseNumber: caseNumber)
    }

    /// The case number the source is tied to, if any.
    public var caseNumber: String? {
        if case .investigative(_, let caseNumber) = self { return caseNumber }
        return nil
    }

    /// Shown on the public log's list of databases compared (R14) and in load logs.
    public var description: String {
        switch self {
        case .bcaLicensePlateDataFile: "Minnesota license plate data file (BCA)"
        case .investigative(let name, _): "Investigative list: \(name)"
        case .manual: "Manual hot list"
        }
    }
}

/// The case number format used where hot list rules require one (R3, R5); the same shape as
/// the case numbers R10 searches accept.
enum CaseNumberFormat {
    static func validate(_ raw: String, rule: String, purpose: String) throws(ALPRError) -> String {
        let caseNumber = raw.trimmingCharacters(in: .whitespacesAndNewlines).uppercased()
        guard !caseNumber.isEmpty else {
            throw .forbidden(rule: rule, reason: "a case number is required to \(purpose)")
        }
        guard caseNumber.count <= 40,
              caseNumber.unicodeScalars.allSatisfy({ ("A"..."Z").contains($0) || ("0"..."9").contains($0) || "-_/.".unicodeScalars.contains($0) }),
              caseNumber.unicodeScalars.contains(where: { ("0"..."9").contains($0) })
        else {
            throw .invalid(field: "case number", reason: "must be up to 40 letters, digits, '-', '/', '.' or '_' and contain a digit")
        }
        return caseNumber
    }
}
