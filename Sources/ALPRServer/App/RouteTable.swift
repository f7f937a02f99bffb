import ALPRCore
import HTTPTypes
import Hummingbird

/// Who may call a route. Every route declares one; `AccessMiddleware` enforces it.
public enum RouteAccess: Hashable, Sendable, CustomStringConvertible {
    /// No credentials (health, metrics, the login page).
    case `public`
    /// A reader's own credential (`Authorization: Bearer <reader id>.<token>`), R7.
    case reader
    /// A logged-in user whose roles grant the permission under `AccessPolicy` (R8).
    case user(Permission)

    public var description: String {
        switch self {
        case .public: "public"
        case .reader: "reader"
        case .user(let permission): "user(\(permission.rawValue))"
        }
    }
}

public struct RouteDescriptor: Hashable, Sendable, CustomStringConvertible {
    public let method: HTTPRequest.Method
    /// Hummingbird path syntax, `:name` for parameters.
    public let path: String
    public let access: RouteAccess

    public var description: String { "\(method) \(path) [\(access)]" }
}

/// A route and its handler. The list of these is the one table the router is built from and
/// the access tests iterate over.
public struct AppRoute: Sendable {
    public let descriptor: RouteDescriptor
    let handler: @Sendable (Request, AppRequestContext) async throws -> Response

    init(
        _ method: HTTPRequest.Method, _ path: String, _ access: RouteAccess,
        _ handler: @escaping @Sendable (Request, AppRequestContext) async throws -> Response
    ) {
        self.descriptor = RouteDescriptor(method: method, path: path, access: access)
        self.handler = handler
    }
}
