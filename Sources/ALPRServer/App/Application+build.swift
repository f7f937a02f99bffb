import ALPRCore
import ALPRStorage
import Foundation
import HTTPTypes
import Hummingbird
import Logging
import NIOCore
import ServiceLifecycle
import HummingbirdWebSocket

/// The application over a storage backend: routes, middleware and background services.
/// `alpr serve` passes SQLite storage; tests pass storage in a temporary directory.
public func buildApplication(
    configuration: ServerConfiguration, storage: Storage, logger: Logger = Logger(label: "alpr"),
    metrics: AppMetrics = AppMetrics(), throttle: LoginThrottle = LoginThrottle(),
    onServerRunning: @escaping @Sendable (any Channel) async -> Void = { _ in }
) async throws -> some ApplicationProtocol {
    let pages = try await WebPages.load()
    let hotLists = HotListCatalog(storage: storage, logger: logger)
    let alerts = AlertHub(logger: logger)
    // The matcher is built before the server takes its first read.
    try await hotLists.loadFromStorage()
    let services = ServerServices(
        storage: storage, configuration: configuration, throttle: throttle, pages: pages, metrics: metrics,
        hotLists: hotLists, alerts: alerts, logger: logger
    )
    let router = buildRouter(services)
    var hotListServices: [any Service] = [
        ManualEntryExpiryService(
            manualEntries: services.manualEntries, catalog: hotLists, checkInterval: configuration.manualEntryCheckInterval, logger: logger
        ),
    ]
    if configuration.hotListFolder != nil || configuration.hotListURL != nil {
        hotListServices.append(HotListImportService(
            importer: services.hotListImporter, catalog: hotLists,
            folder: configuration.hotListFolder.map { URL(fileURLWithPath: $0, isDirectory: true) }, url: configuration.hotListURL,
            interval: configuration.hotListPollInterval, logger: logger
        ))
    }
    return Application(
        router: router,
        server: .http1WebSocketUpgrade(webSocketRouter: AlertsController(services: services).webSocketRouter()),
        configuration: .init(address: .hostname(configuration.host, port: configuration.port), serverName: "alpr"),
        services: [
            alerts,
            RetentionService(
                storage: storage, retention: configuration.retention, interval: configuration.purgeInterval,
                metrics: metrics, logger: logger
            ),
            ReaderActivityMonitor(
                storage: storage, heartbeatGap: configuration.heartbeatGap, sessionLifetime: configuration.sessionLifetime,
                interval: configuration.activityCheckInterval, logger: logger
            ),
        ] + hotListServices,
        onServerRunning: onServerRunning,
        logger: logger
    )
}

public func buildRouter(
    storage: Storage, configuration: ServerConfiguration, pages: WebPages, metrics: AppMetrics = AppMetrics(),
    throttle: LoginThrottle = LoginThrottle()
) -> Router<AppRequestContext> {
    buildRouter(ServerServices(storage: storage, configuration: configuration, throttle: throttle, pages: pages, metrics: metrics))
}

func buildRouter(_ services: ServerServices) -> Router<AppRequestContext> {
    let router = Router(context: AppRequestContext.self)
    router.add(middleware: RequestSetupMiddleware(maxRequestBytes: services.configuration.maxRequestBytes))
    router.add(middleware: LogRequestsMiddleware(.info))
    router.add(middleware: MetricsMiddleware())
    router.add(middleware: ErrorMiddleware(pages: services.pages))
    for route in routeTable(services) {
        router.group()
            .add(middleware: AccessMiddleware(
                access: route.descriptor.access, route: route.descriptor,
                authenticator: services.authenticator, audit: services.audit
            ))
            .on(RouterPath(route.descriptor.path), method: route.descriptor.method, use: route.handler)
    }
    return router
}

/// Every route the server answers, each with the access it requires. The router is built from
/// this table and the access tests iterate over it.
func routeTable(_ services: ServerServices) -> [AppRoute] {
    SystemController(services: services).routes
        + AuthController(services: services).routes
        + ReadsController(services: services).routes
        + ReadersController(services: services).routes
        + UsersController(services: services).routes
        + SearchController(services: services).routes
        + CasesController(services: services).routes
        + AuditController(services: services).routes
        + HotListsController(services: services).routes
        + HitsController(services: services).routes
        + AlertsController(services: services).routes
}

/// Applies the configured body limit and returns the request id to the client, so a person
/// reporting a problem can quote it and an operator can find it in the log.
struct RequestSetupMiddleware: RouterMiddleware {
    typealias Context = AppRequestContext
    let maxRequestBytes: Int

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        var context = context
        context.maxUploadSize = maxRequestBytes
        var response = try await next(request, context)
        response.headers[HTTPField.Name("X-Request-ID")!] = context.requestID
        return response
    }
}
