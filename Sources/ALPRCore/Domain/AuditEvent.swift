import Foundation

/// R9 (§13.824 subd. 7): the kinds of action the audit trail records.
public enum AuditAction: String, Sendable, Codable, CaseIterable {
    case query          // a search of stored data, with its criteria and response summary
    case access         // viewing a record or image
    case enter          // data entered (a read ingested, a user or reader created, a hold placed)
    case update         // data changed
    case share          // data given to another agency (R13)
    case disseminate    // data released otherwise (court order, public request)
    case destroy        // data deleted (purge, Safe at Home request)
    case login
    case logout
    case loginFailed = "login_failed"
    case denied         // a request refused by the access policy
}

/// What the caller supplies; the repository assigns the sequence and hashes.
public struct AuditEntryDraft: Hashable, Sendable, Codable {
    public var at: Date
    public var actor: String
    public var action: AuditAction
    /// What kind of data: "read", "reader", "user", "case", "image", "purge", "session"...
    public var subject: String
    /// Query criteria or details, as a compact JSON or text string.
    public var criteria: String?
    /// Ids returned or touched (capped by the caller; `resultCount` always holds the total).
    public var resultIDs: [String]
    public var resultCount: Int?
    public var caseNumber: String?
    public var reason: String?
    public var recipient: String?

    public init(
        at: Date = Date(), actor: String, action: AuditAction, subject: String, criteria: String? = nil,
        resultIDs: [String] = [], resultCount: Int? = nil, caseNumber: String? = nil,
        reason: String? = nil, recipient: String? = nil
    ) {
        self.at = at; self.actor = actor; self.action = action; self.subject = subject
        self.criteria = criteria; self.resultIDs = resultIDs; self.resultCount = resultCount
        self.caseNumber = caseNumber; self.reason = reason; self.recipient = recipient
    }
}

/// An appended audit entry. `hash` covers every field and `previousHash`, so editing or
/// deleting any row breaks the chain (see `AuditChain`).
public struct AuditEvent: Hashable, Sendable, Codable {
    public var sequence: Int64
    public var entry: AuditEntryDraft
    public var previousHash: String
    public var hash: String

    public init(sequence: Int64, entry: AuditEntryDraft, previousHash: String, hash: String) {
        self.sequence = sequence; self.entry = entry; self.previousHash = previousHash; self.hash = hash
    }
}
