import ALPRCore
import ALPRStorage
import Foundation
import Hummingbird

/// What a reader agent asks about itself: heartbeats and `me`. Both answer `collecting`,
/// whether the reader has an active period now, which the agent's collection gate follows (R7).
extension ReadersController {
    /// What the agent reports with each heartbeat: the state of its durable queue and frame
    /// source, never plate data. Every field is optional so that a bare heartbeat still counts.
    struct HeartbeatReport: Decodable {
        var queueDepth: Int?
        var oldestUnsentAt: Date?
        var readsEnqueued: Int?
        var readsAcknowledged: Int?
        var readsRejected: Int?
        var readsEvictedOverBudget: Int?
        var readsEvictedExpired: Int?
        var readsDiscardedCorrupt: Int?
        var framesProduced: Int?
        var framesDropped: Int?
        var sourceRestarts: Int?
        var locationKnown: Bool?
        var collecting: Bool?
    }

    struct CollectionStatus: Encodable {
        var collecting: Bool
        var activePeriod: PeriodView?
    }

    struct ReaderStatus: Encodable {
        var reader: ReaderView
        var collecting: Bool
        var activePeriod: PeriodView?
    }

    /// A fixed reader's heartbeats open and extend its heartbeat period (R14), unless it was
    /// started by command: that period lasts until it is stopped, so reads captured while the
    /// server was unreachable still fall inside it. A mobile reader's period follows the
    /// officer's login only (R7), so its heartbeat changes nothing and just reports.
    @Sendable func heartbeat(_ request: Request, context: AppRequestContext) async throws -> Response {
        let reader = try context.requireReader()
        let report = try await Self.heartbeatReport(request, context: context)
        let now = Date()
        var period = try await services.storage.readers.activePeriod(readerID: reader.id, at: now)
        let startedByCommand = period?.source == .startStop && period?.endedAt == nil
        if reader.kind == .fixed, !startedByCommand {
            period = try await services.storage.readers.recordHeartbeat(
                readerID: reader.id, at: now, maximumGap: services.configuration.heartbeatGap
            )
        }
        if let report {
            context.logger.info("reader heartbeat", metadata: [
                "reader": "\(reader.id)",
                "queue_depth": "\(report.queueDepth.map(String.init) ?? "-")",
                "oldest_unsent_at": "\(report.oldestUnsentAt.map(ISO8601.string) ?? "-")",
                "reads_rejected": "\(report.readsRejected.map(String.init) ?? "-")",
                "reads_evicted": "\((report.readsEvictedOverBudget ?? 0) + (report.readsEvictedExpired ?? 0))",
                "frames_dropped": "\(report.framesDropped.map(String.init) ?? "-")",
            ])
        }
        return try APIJSON.response(CollectionStatus(collecting: period != nil, activePeriod: period.map(PeriodView.init)))
    }

    /// The reader as the server knows it, and whether it may collect now.
    @Sendable func me(_ request: Request, context: AppRequestContext) async throws -> Response {
        let reader = try context.requireReader()
        let period = try await services.storage.readers.activePeriod(readerID: reader.id, at: Date())
        return try APIJSON.response(ReaderStatus(reader: ReaderView(reader), collecting: period != nil, activePeriod: period.map(PeriodView.init)))
    }

    /// The heartbeat body, or nil for a bare heartbeat (no body).
    static func heartbeatReport(_ request: Request, context: AppRequestContext) async throws -> HeartbeatReport? {
        guard request.headers[.contentType] != nil else { return nil }
        let body = try await APIJSON.body(of: request, context: context)
        guard !body.isEmpty else { return nil }
        return try APIJSON.decoder.decode(HeartbeatReport.self, from: body)
    }
}
