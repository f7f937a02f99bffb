import ALPRCore
import ALPRStorage
import Foundation
import Hummingbird

/// Health, metrics, the landing redirect and the manual retention purge.
struct SystemController {
    let services: ServerServices

    var routes: [AppRoute] {
        [
            AppRoute(.get, "/health", .public, health),
            AppRoute(.get, "/metrics", .public, metrics),
            AppRoute(.get, "/", .public, { _, _ in Response(status: .seeOther, headers: [.location: "/search"]) }),
            AppRoute(.post, "/api/v1/retention/purge", .user(.runPurge), purge),
        ]
    }

    @Sendable func health(_ request: Request, context: AppRequestContext) async throws -> Response {
        // Touching the database proves more than answering from memory.
        _ = try await services.storage.users.count()
        return try APIJSON.response(["status": "ok"])
    }

    @Sendable func metrics(_ request: Request, context: AppRequestContext) async throws -> Response {
        Response(
            status: .ok, headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
            body: .init(byteBuffer: ByteBuffer(bytes: services.metrics.registry.emitToBuffer()))
        )
    }

    /// R11 by hand; `?dry_run=true` reports what would go.
    @Sendable func purge(_ request: Request, context: AppRequestContext) async throws -> Response {
        let user = try context.requireUser()
        let dryRun = request.uri.queryParameters["dry_run"].map { $0 == "true" || $0 == "1" } ?? false
        let report = try await RetentionService.purge(
            storage: services.storage, retention: services.configuration.retention, dryRun: dryRun,
            actor: user.username, metrics: services.metrics, logger: context.logger
        )
        return try APIJSON.response(report)
    }
}
