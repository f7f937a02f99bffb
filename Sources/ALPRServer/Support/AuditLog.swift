import ALPRCore
import ALPRStorage
import Foundation

/// R9 (§13.824 subd. 7): every query and response, and every entry, update, access and
/// destruction goes through here, so the trail has one shape. Changes that a repository makes
/// together with their audit entry take a `draft`; everything else is `record`ed directly.
public struct AuditLog: Sendable {
    /// At most this many ids are listed in one entry; `resultCount` always holds the total.
    public static let maximumListedIDs = 1000
    let repository: any AuditRepository

    public init(repository: any AuditRepository) {
        self.repository = repository
    }

    public func draft(
        _ action: AuditAction, actor: String, subject: String, criteria: String? = nil,
        resultIDs: [String] = [], resultCount: Int? = nil, caseNumber: String? = nil,
        reason: String? = nil, recipient: String? = nil, at: Date = Date()
    ) -> AuditEntryDraft {
        AuditEntryDraft(
            at: at, actor: actor, action: action, subject: subject, criteria: criteria,
            resultIDs: Array(resultIDs.prefix(Self.maximumListedIDs)),
            resultCount: resultCount ?? (resultIDs.isEmpty ? nil : resultIDs.count),
            caseNumber: caseNumber, reason: reason, recipient: recipient
        )
    }

    @discardableResult
    public func record(
        _ action: AuditAction, actor: String, subject: String, criteria: String? = nil,
        resultIDs: [String] = [], resultCount: Int? = nil, caseNumber: String? = nil,
        reason: String? = nil, recipient: String? = nil
    ) async throws -> AuditEvent {
        try await repository.append(draft(
            action, actor: actor, subject: subject, criteria: criteria, resultIDs: resultIDs,
            resultCount: resultCount, caseNumber: caseNumber, reason: reason, recipient: recipient
        ))
    }
}
