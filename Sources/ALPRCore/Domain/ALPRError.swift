import Foundation

/// Errors raised by the domain rules. Each carries enough context for a clear 4xx message
/// or CLI error; none carries plate text (plates are logged only at debug level).
public enum ALPRError: Error, Sendable, Equatable, CustomStringConvertible {
    /// Input failed validation: which field, and why.
    case invalid(field: String, reason: String)
    /// A statute or policy rule forbids the action; `rule` names it (e.g. "R10 §13.824 subd. 7").
    case forbidden(rule: String, reason: String)
    case notFound(what: String)
    case conflict(reason: String)
    case unauthenticated(reason: String)

    public var description: String {
        switch self {
        case .invalid(let field, let reason): "invalid \(field): \(reason)"
        case .forbidden(let rule, let reason): "not allowed (\(rule)): \(reason)"
        case .notFound(let what): "\(what) not found"
        case .conflict(let reason): "conflict: \(reason)"
        case .unauthenticated(let reason): "not authenticated: \(reason)"
        }
    }
}
