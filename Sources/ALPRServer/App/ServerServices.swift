import ALPRCore
import ALPRStorage
import Foundation
import Logging

/// What the controllers share: storage, configuration and the helpers built on them.
struct ServerServices: Sendable {
    let storage: Storage
    let configuration: ServerConfiguration
    let audit: AuditLog
    let authenticator: Authenticator
    let sessions: SessionManager
    let ingestor: ReadIngestor
    let pages: WebPages
    let metrics: AppMetrics
    let hotLists: HotListCatalog
    let hotListImporter: HotListImporter
    let manualEntries: ManualEntryManager
    let alerts: AlertHub

    init(
        storage: Storage, configuration: ServerConfiguration, throttle: LoginThrottle, pages: WebPages, metrics: AppMetrics,
        hotLists: HotListCatalog? = nil, alerts: AlertHub? = nil, logger: Logger = Logger(label: "alpr")
    ) {
        let hotLists = hotLists ?? HotListCatalog(storage: storage, logger: logger)
        let alerts = alerts ?? AlertHub(logger: logger)
        self.hotLists = hotLists
        self.hotListImporter = HotListImporter(storage: storage, catalog: hotLists, logger: logger)
        self.manualEntries = ManualEntryManager(storage: storage, catalog: hotLists, logger: logger)
        self.alerts = alerts
        self.storage = storage
        self.configuration = configuration
        self.audit = AuditLog(repository: storage.audit)
        self.authenticator = Authenticator(storage: storage)
        self.sessions = SessionManager(
            storage: storage, audit: audit, throttle: throttle, lifetime: configuration.sessionLifetime,
            passwordHashCost: configuration.passwordHashCost
        )
        self.ingestor = ReadIngestor(
            storage: storage, retention: configuration.retention, maxImageBytes: configuration.maxImageBytes, metrics: metrics,
            hotLists: hotLists.index, alerts: alerts
        )
        self.pages = pages
        self.metrics = metrics
    }
}

extension AppRequestContext {
    /// The authenticated reader; `AccessMiddleware` guarantees it on reader routes.
    func requireReader() throws -> Reader {
        guard let reader else { throw ALPRError.unauthenticated(reason: "a reader credential is required") }
        return reader
    }

    func requireUser() throws -> User {
        guard let user else { throw ALPRError.unauthenticated(reason: "log in first") }
        return user
    }
}
