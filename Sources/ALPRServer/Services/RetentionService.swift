import ALPRCore
import ALPRStorage
import Foundation
import Logging
import ServiceLifecycle

/// R11 (§13.824 subd. 3): destroys reads older than the retention period that no hold keeps,
/// with their images, on an interval; logs the counts (the repository audits them). Also
/// removes expired sessions.
public struct RetentionService: Service {
    let storage: Storage
    let retention: Retention
    let interval: TimeInterval
    let metrics: AppMetrics?
    let logger: Logger

    public init(storage: Storage, retention: Retention, interval: TimeInterval, metrics: AppMetrics? = nil, logger: Logger) {
        self.storage = storage; self.retention = retention; self.interval = interval
        self.metrics = metrics; self.logger = logger
    }

    public func run() async throws {
        await runPeriodically(every: interval, logger: logger) {
            _ = try await Self.purge(storage: storage, retention: retention, dryRun: false, actor: "system:retention", metrics: metrics, logger: logger)
            let sessions = try await storage.sessions.deleteExpired(now: Date())
            if sessions > 0 { logger.info("expired sessions removed", metadata: ["count": "\(sessions)"]) }
        }
    }

    @discardableResult
    public static func purge(
        storage: Storage, retention: Retention, dryRun: Bool, actor: String, metrics: AppMetrics?, logger: Logger, now: Date = Date()
    ) async throws -> PurgeReport {
        let report = try await storage.retention.purge(
            cutoff: retention.cutoff(now: now), dryRun: dryRun, images: storage.images, actor: actor
        )
        logger.info("retention purge", metadata: [
            "cutoff": "\(ISO8601.string(report.cutoff))", "reads_deleted": "\(report.readsDeleted)",
            "images_deleted": "\(report.imagesDeleted)", "reads_kept_for_holds": "\(report.readsKeptForHolds)",
            "dry_run": "\(report.dryRun)", "retention_days": "\(retention.days)",
        ])
        if !dryRun { metrics?.purgedReads.increment(by: Int64(report.readsDeleted)) }
        return report
    }
}

/// Runs `work` now and then every `interval` until graceful shutdown or cancellation. A failed
/// round is logged and retried at the next interval rather than stopping the service.
func runPeriodically(every interval: TimeInterval, logger: Logger, _ work: @escaping @Sendable () async throws -> Void) async {
    await cancelWhenGracefulShutdown {
        while !Task.isCancelled {
            do {
                try await work()
            } catch is CancellationError {
                return
            } catch {
                logger.error("periodic task failed", metadata: ["error": "\(String(reflecting: error))"])
            }
            do {
                try await Task.sleep(for: .milliseconds(Int64(interval * 1000)))
            } catch {
                return
            }
        }
    }
}
