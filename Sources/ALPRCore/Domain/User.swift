import Foundation

/// R8 (§13.824 subd. 7): access to ALPR data is limited by role.
public enum Role: String, Sendable, Codable, CaseIterable, Comparable {
    case officer
    case investigator
    case administrator
    case auditor
    case records

    public static func < (lhs: Role, rhs: Role) -> Bool { lhs.rawValue < rhs.rawValue }
}

/// R8: the written authorization by the chief or a designee, for a specified purpose.
public struct WrittenAuthorization: Hashable, Sendable, Codable {
    public var authorizedBy: String
    public var authorizedAt: Date
    public var purpose: String
    public init(authorizedBy: String, authorizedAt: Date, purpose: String) {
        self.authorizedBy = authorizedBy; self.authorizedAt = authorizedAt; self.purpose = purpose
    }
}

/// An individual account (R7: no shared accounts).
public struct User: Hashable, Sendable, Codable, Identifiable {
    public var id: UUID
    public var username: String
    public var passwordHash: String
    public var roles: Set<Role>
    /// R7: recorded ALPR training completion.
    public var trainingCompletedAt: Date?
    /// R8: recorded written authorization.
    public var authorization: WrittenAuthorization?
    public var disabledAt: Date?
    public var createdAt: Date

    public init(
        id: UUID = UUID(), username: String, passwordHash: String, roles: Set<Role>,
        trainingCompletedAt: Date? = nil, authorization: WrittenAuthorization? = nil,
        disabledAt: Date? = nil, createdAt: Date = Date()
    ) {
        self.id = id; self.username = username; self.passwordHash = passwordHash; self.roles = roles
        self.trainingCompletedAt = trainingCompletedAt; self.authorization = authorization
        self.disabledAt = disabledAt; self.createdAt = createdAt
    }

    public var isActive: Bool { disabledAt == nil }
}
