import ALPRCore
import ALPRStorage
import Foundation
import Logging

/// Creates, extends and removes manual hot list entries (R5), always through
/// `ManualEntryRules`, storing each change with its audit entry (R9) and updating the live
/// matcher. Used by the routes and by `ManualEntryExpiryService`.
public struct ManualEntryManager: Sendable {
    let storage: Storage
    let catalog: HotListCatalog
    let rules: ManualEntryRules
    let logger: Logger

    public init(storage: Storage, catalog: HotListCatalog, rules: ManualEntryRules = .standard, logger: Logger) {
        self.storage = storage; self.catalog = catalog; self.rules = rules; self.logger = logger
    }

    public func create(_ request: ManualHotListEntryRequest, by user: String, now: Date = Date()) async throws -> ManualHotListEntry {
        let entry = try rules.create(request, by: user, now: now)
        try await storage.hotLists.createManualEntry(entry, audit: AuditEntryDraft(
            at: now, actor: user, action: .enter, subject: "manual_hot_list_entry",
            criteria: "authority=\(Self.describe(entry.authority)); expires_at=\(ISO8601.string(entry.expiresAt))",
            resultIDs: [entry.id.uuidString], caseNumber: entry.caseNumber, reason: Self.justification(entry.authority)
        ))
        try await catalog.apply(entry, now: now)
        logger.info("manual hot list entry created", metadata: ["entry": "\(entry.id)", "case": "\(entry.caseNumber)"])
        return entry
    }

    public func extend(id: UUID, until: Date, authority: ManualEntryAuthority?, by user: String, now: Date = Date()) async throws -> ManualHotListEntry {
        let current = try await existing(id)
        let extended = try rules.extend(current, until: until, authority: authority, by: user, now: now)
        try await storage.hotLists.updateManualEntry(extended, audit: AuditEntryDraft(
            at: now, actor: user, action: .update, subject: "manual_hot_list_entry",
            criteria: "extended from \(ISO8601.string(current.expiresAt)) to \(ISO8601.string(extended.expiresAt)); authority=\(Self.describe(extended.authority))",
            resultIDs: [id.uuidString], caseNumber: extended.caseNumber, reason: Self.justification(extended.authority)
        ))
        try await catalog.apply(extended, now: now)
        return extended
    }

    public func remove(id: UUID, reason: ManualEntryRemovalReason, by user: String, now: Date = Date()) async throws -> ManualHotListEntry {
        let current = try await existing(id)
        let removed = try rules.remove(current, reason: reason, by: user, at: now)
        try await storage.hotLists.updateManualEntry(removed, audit: Self.removalAudit(removed, reason: reason, by: user, at: now))
        try await catalog.apply(removed, now: now)
        logger.info("manual hot list entry removed", metadata: ["entry": "\(id)", "reason": "\(Self.describe(reason))"])
        return removed
    }

    /// Removes every entry whose expiry has passed, as the system (R5). Cheap when none is due:
    /// the check is made on the catalog in memory.
    @discardableResult
    public func removeExpired(now: Date = Date()) async throws -> [ManualHotListEntry] {
        let due = await catalog.manualEntriesDue(at: now)
        var removed: [ManualHotListEntry] = []
        for entry in due {
            do {
                removed.append(try await remove(id: entry.id, reason: .expired, by: ManualEntryExpiryService.actor, now: now))
            } catch ALPRError.conflict {
                // Removed meanwhile by someone else; make sure the matcher agrees with storage.
                if let stored = try await storage.hotLists.manualEntry(id: entry.id) { try await catalog.apply(stored, now: now) }
            }
        }
        return removed
    }

    func existing(_ id: UUID) async throws -> ManualHotListEntry {
        guard let entry = try await storage.hotLists.manualEntry(id: id) else { throw ALPRError.notFound(what: "manual hot list entry") }
        return entry
    }

    static func removalAudit(_ entry: ManualHotListEntry, reason: ManualEntryRemovalReason, by user: String, at now: Date) -> AuditEntryDraft {
        AuditEntryDraft(
            at: now, actor: user, action: .destroy, subject: "manual_hot_list_entry", criteria: "removed: \(describe(reason))",
            resultIDs: [entry.id.uuidString], caseNumber: entry.caseNumber, reason: ManualEntryRules.rule
        )
    }

    static func describe(_ authority: ManualEntryAuthority) -> String {
        switch authority {
        case .warrant(let warrant): "tracking warrant \(warrant.number) (\(warrant.issuingCourt)), expires \(ISO8601.string(warrant.expiresAt))"
        case .exigency(let circumstance, _): "exigency: \(circumstance.rawValue)"
        }
    }

    static func justification(_ authority: ManualEntryAuthority) -> String? {
        if case .exigency(_, let justification) = authority { return justification }
        return nil
    }

    static func describe(_ reason: ManualEntryRemovalReason) -> String {
        switch reason {
        case .expired: "expired"
        case .enteredInCriminalJusticeDatabase(let database): "entered in \(database.rawValue)"
        case .justificationEnded: "justification ended"
        }
    }
}
