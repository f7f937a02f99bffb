import Foundation

/// What a request wants to do. Every route maps to exactly one permission.
public enum Permission: String, Sendable, Codable, CaseIterable {
    /// Log in to a mobile reader and receive live alerts (R7).
    case operateReader = "operate_reader"
    /// Search stored reads (R10) and view the results and their images.
    case searchReads = "search_reads"
    /// Open and close cases and place or release holds on reads (R12).
    case manageCases = "manage_cases"
    /// Share or disseminate data to another agency or under a court order (R13).
    case shareData = "share_data"
    /// Create, change and disable users; record training and authorization (R7, R8).
    case manageUsers = "manage_users"
    /// Register readers and change their details (R16).
    case manageReaders = "manage_readers"
    /// Load hot list files and see their versions (R3, R4).
    case manageHotLists = "manage_hot_lists"
    /// Create, extend and remove manual hot list entries, each tied to a case and a warrant
    /// or exigency (R5). Separate from loading lists: investigators make these entries.
    case manageManualEntries = "manage_manual_entries"
    /// Read and export the audit trail and audit evidence (R9, R15).
    case viewAudit = "view_audit"
    /// Run retention purges by hand (R11).
    case runPurge = "run_purge"
    /// Change one's own password and see one's own account.
    case ownAccount = "own_account"
}

/// R8 (§13.824 subd. 7) and R7 (Policy "Policy"): the one place that decides whether a user
/// may do something. Roles grant permissions; a recorded written authorization is needed for
/// any access to data; a recorded training completion is needed to operate a reader.
public enum AccessPolicy {
    public static let rolePermissions: [Role: Set<Permission>] = [
        .officer: [.operateReader, .ownAccount],
        .investigator: [.searchReads, .manageCases, .manageManualEntries, .ownAccount],
        .administrator: [.manageUsers, .manageReaders, .manageHotLists, .manageManualEntries, .runPurge, .ownAccount],
        .auditor: [.viewAudit, .ownAccount],
        .records: [.shareData, .manageCases, .ownAccount],
    ]

    /// Permissions that touch ALPR data and so need a written authorization on record (R8).
    public static let dataPermissions: Set<Permission> = [
        .operateReader, .searchReads, .manageCases, .shareData, .manageHotLists, .manageManualEntries, .viewAudit,
    ]

    public enum Decision: Equatable, Sendable {
        case allow
        case deny(rule: String, reason: String)

        public var isAllowed: Bool { self == .allow }
    }

    public static func decide(_ user: User, _ permission: Permission) -> Decision {
        guard user.isActive else {
            return .deny(rule: "R8 §13.824 subd. 7", reason: "the account is disabled")
        }
        let granted = user.roles.contains { rolePermissions[$0]?.contains(permission) ?? false }
        guard granted else {
            return .deny(rule: "R8 §13.824 subd. 7", reason: "your role does not allow \(permission.rawValue.replacingOccurrences(of: "_", with: " "))")
        }
        if dataPermissions.contains(permission), user.authorization == nil {
            return .deny(rule: "R8 §13.824 subd. 7", reason: "no written authorization is recorded for this account")
        }
        if permission == .operateReader, user.trainingCompletedAt == nil {
            return .deny(rule: "R7 Policy \"Policy\"", reason: "no ALPR training completion is recorded for this account")
        }
        return .allow
    }
}
