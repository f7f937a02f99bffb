import Foundation

/// Failures of a storage backend that are not a rule of the domain (those are `ALPRError`).
/// Messages name the table or file but never carry plate text.
public enum StorageError: Error, Sendable, Equatable, CustomStringConvertible {
    /// A stored row could not be turned back into a domain value.
    case corruptRow(table: String, reason: String)
    /// The database could not be opened or migrated.
    case unavailable(path: String, reason: String)

    public var description: String {
        switch self {
        case .corruptRow(let table, let reason): "a row in \(table) is unreadable: \(reason)"
        case .unavailable(let path, let reason): "the database at \(path) cannot be used: \(reason)"
        }
    }
}
