import ALPRCore
import ALPRStorage
import Hummingbird
import HummingbirdWebSocket
import NIOCore

/// The request context every route sees: who is calling (a user through a session, or a
/// reader through its credential) and from where.
public struct AppRequestContext: RequestContext {
    public var coreContext: CoreRequestContextStorage
    /// Set by `AccessMiddleware` on user routes.
    public var user: User?
    public var session: StoredSession?
    /// Set by `AccessMiddleware` on reader routes.
    public var reader: Reader?
    /// The peer's IP address; nil when the request did not come over a socket (router tests).
    public let remoteAddress: String?
    /// Raised from Hummingbird's 2 MiB default by `RequestSetupMiddleware` from the configuration.
    public var maxUploadSize: Int = 2 * 1024 * 1024
    /// The live-alert WebSocket upgrade's handler (`AlertsController`).
    public let webSocket = WebSocketHandlerReference<AppRequestContext>()

    public init(source: ApplicationRequestContextSource) {
        self.coreContext = .init(source: source)
        self.remoteAddress = source.channel.remoteAddress?.ipAddress
    }

    /// How the audit trail names whoever made this request.
    public var actor: String {
        if let user { return user.username }
        if let reader { return "reader:\(reader.name)" }
        return "anonymous@\(remoteAddress ?? "local")"
    }

    public var requestID: String { logger[metadataKey: "hb.request.id"]?.description ?? "-" }
}
