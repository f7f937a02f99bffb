import ALPRCore
import ALPRStorage
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdWebSocket
import Logging
import NIOCore

extension AppRequestContext: WebSocketRequestContext {}

/// Live alerts (R6, R7): `GET /api/v1/alerts/ws` upgraded to a WebSocket, for a logged-in user
/// whose account may operate a reader (`AccessPolicy`, `.operateReader`: trained and
/// authorized). Each text message is one `AlertMessage` as JSON. The hits sent are those the
/// session's `AlertScope` covers. A client that reconnects passes `?after=<last sequence seen>`
/// and first receives, oldest first, every hit it missed (up to `maximumCatchUp`); then a
/// `{"type":"ready","last_sequence":N}` message; then live hits as they are stored.
struct AlertsController {
    static let path = "/api/v1/alerts/ws"
    static let maximumCatchUp = 1000
    let services: ServerServices

    /// In the route table (so access is declared and tested like every route): reached without
    /// a WebSocket upgrade, it explains itself.
    var routes: [AppRoute] {
        [AppRoute(.get, Self.path, .user(.operateReader), notUpgraded)]
    }

    @Sendable func notUpgraded(_ request: Request, context: AppRequestContext) async throws -> Response {
        // A refused upgrade lands here too: say why when it was the origin.
        try Self.checkOrigin(request)
        throw RequestError(.upgradeRequired, "connect to \(Self.path) with a WebSocket upgrade", headers: [.upgrade: "websocket"])
    }

    /// The router the server consults for WebSocket upgrades. A refused upgrade (no session,
    /// no permission, foreign origin) falls through to the ordinary router, whose access check
    /// answers 401/403 and audits the denial.
    func webSocketRouter() -> Router<AppRequestContext> {
        let router = Router(context: AppRequestContext.self)
        router.group()
            .add(middleware: WebSocketAccessMiddleware(authenticator: services.authenticator))
            .ws(RouterPath(Self.path), shouldUpgrade: { request, _ in
                try Self.checkOrigin(request)
                return .upgrade([:])
            }, onUpgrade: { inbound, outbound, context in
                try await stream(inbound: inbound, outbound: outbound, context: context)
            })
        return router
    }

    /// Browsers send their session cookie with any WebSocket request, even from another site;
    /// a page elsewhere must not open an officer's alert stream (cross-site WebSocket hijacking).
    static func checkOrigin(_ request: Request) throws {
        guard let origin = request.headers[.origin] else { return }
        // Host names are compared, not ports: non-browser clients send an origin without one.
        let host = request.head.authority.map { authority in
            authority.hasPrefix("[") ? String(authority.prefix { $0 != "]" }.dropFirst()) : String(authority.prefix { $0 != ":" })
        }
        guard let host, let originHost = URL(string: origin)?.host?.trimmingCharacters(in: CharacterSet(charactersIn: "[]")),
              originHost.lowercased() == host.lowercased()
        else {
            throw ALPRError.forbidden(rule: "R8 §13.824 subd. 7", reason: "alerts are served only to this server's own pages")
        }
    }

    func scope(_ session: StoredSession?) -> AlertScope {
        AlertScope(allReaders: services.configuration.alertsFromAllReaders, ownReaderIDs: session?.readerID.map { [$0] } ?? [])
    }

    func stream(inbound: WebSocketInboundStream, outbound: WebSocketOutboundWriter, context: WebSocketRouterContext<AppRequestContext>) async throws {
        guard let user = context.requestContext.user else { return }
        let scope = scope(context.requestContext.session)
        let after = context.request.uri.queryParameters["after"].flatMap { Int64(String($0)) }
        // Subscribe before reading the missed hits, so none falls between the two.
        let (subscription, alerts) = await services.alerts.subscribe(scope)
        do {
            var last = after ?? 0
            var missed: [StoredHit] = []
            if let after {
                missed = try await services.storage.hits.hits(HitQuery(scope: scope.query, afterSequence: after, limit: Self.maximumCatchUp))
                var kinds: [UUID: ReaderKind] = [:]
                for hit in missed {
                    if kinds[hit.readerID] == nil { kinds[hit.readerID] = try await services.storage.readers.reader(id: hit.readerID)?.kind ?? .fixed }
                    let read = try await services.storage.reads.read(id: hit.readID)
                    try await outbound.write(.text(try Self.json(AlertMessage(hit, read: read, readerKind: kinds[hit.readerID]!))))
                    last = hit.sequence
                }
            }
            try await services.audit.record(
                .access, actor: user.username, subject: "alert_connection",
                criteria: "after=\(after.map(String.init) ?? "-"); own_readers=\(scope.ownReaderIDs.map(\.uuidString).sorted().joined(separator: ","))",
                resultIDs: missed.map(\.id.uuidString), resultCount: missed.count
            )
            try await outbound.write(.text(try Self.json(Ready(lastSequence: last))))
            let resumeAfter = last
            let audit = services.audit
            try await withThrowingTaskGroup(of: Void.self) { group in
                // The client closing its side ends the connection.
                group.addTask {
                    for try await _ in inbound.messages(maxSize: 16 * 1024) {}
                }
                group.addTask {
                    for await alert in alerts where alert.sequence > resumeAfter {
                        try await outbound.write(.text(try Self.json(alert)))
                        // R9: an alert shows a hit to an officer: an access of its data.
                        try await audit.record(.access, actor: user.username, subject: "hit", criteria: "live alert", resultIDs: [alert.hitId.uuidString, alert.readId.uuidString])
                    }
                    // The hub ended the stream: the client fell behind, or the server is stopping.
                    try await outbound.close(.goingAway, reason: "reconnect with after=<last sequence>")
                }
                try await group.next()
                group.cancelAll()
            }
        } catch {
            context.logger.debug("alert connection ended", metadata: ["error": "\(error)"])
        }
        await services.alerts.unsubscribe(subscription)
    }

    struct Ready: Encodable {
        var type = "ready"
        var lastSequence: Int64
    }

    static func json(_ value: some Encodable) throws -> String {
        String(decoding: try APIJSON.encoder.encode(value), as: UTF8.self)
    }
}

/// Authenticates a WebSocket upgrade like `AccessMiddleware` does for `.user(.operateReader)`,
/// without auditing: a refusal falls through to the ordinary router, which audits it.
struct WebSocketAccessMiddleware: RouterMiddleware {
    typealias Context = AppRequestContext
    let authenticator: Authenticator

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        var context = context
        let (user, session) = try await authenticator.user(for: request)
        guard AccessPolicy.decide(user, .operateReader).isAllowed else {
            throw ALPRError.forbidden(rule: "R7 Policy \"Policy\"", reason: "this account may not receive alerts")
        }
        context.user = user
        context.session = session
        return try await next(request, context)
    }
}
