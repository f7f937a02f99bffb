import Foundation
import Logging
import ServiceLifecycle

/// Tells the server the agent is alive and how its queue stands, and learns from the answer
/// (or from `GET /api/v1/readers/me`) whether the reader has an active period (R7).
public struct HeartbeatSender: Service {
    public struct Status: Sendable {
        public var queueDepth: Int
        public var oldestUnsentAt: Date?
        public var counters: DurableQueue.Counters
        public var frames: FrameSourceStatistics
        public var locationKnown: Bool
        public var collecting: Bool

        public init(
            queueDepth: Int, oldestUnsentAt: Date?, counters: DurableQueue.Counters, frames: FrameSourceStatistics,
            locationKnown: Bool, collecting: Bool
        ) {
            self.queueDepth = queueDepth
            self.oldestUnsentAt = oldestUnsentAt
            self.counters = counters
            self.frames = frames
            self.locationKnown = locationKnown
            self.collecting = collecting
        }
    }

    let client: ServerClient
    let gate: CollectionGate
    let interval: TimeInterval
    let status: @Sendable () -> Status
    let logger: Logger

    public init(client: ServerClient, gate: CollectionGate, interval: TimeInterval, logger: Logger, status: @escaping @Sendable () -> Status) {
        self.client = client
        self.gate = gate
        self.interval = interval
        self.status = status
        self.logger = logger
    }

    public func run() async throws {
        try? await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                await beat()
                try await Task.sleep(for: .seconds(interval))
            }
        }
    }

    func beat() async {
        do {
            let response = try await client.send("POST", "api/v1/readers/heartbeat", json: Self.encode(status()))
            guard (200..<300).contains(response.status) else {
                logger.warning("heartbeat refused", metadata: ["status": "\(response.status)"])
                return
            }
            var active = ActivePeriodStatus.isActive(inResponse: response.body)
            if active == nil, gate.mode != .alwaysCollect {
                let me = try await client.send("GET", "api/v1/readers/me")
                if (200..<300).contains(me.status) { active = ActivePeriodStatus.isActive(inResponse: me.body) }
            }
            if let active { gate.recordServerStatus(active: active, at: Date()) }
        } catch {
            logger.info("heartbeat not delivered", metadata: ["error": "\(error)"])
        }
    }

    static func encode(_ status: Status) -> Data {
        var object: [String: Any] = [
            "queue_depth": status.queueDepth,
            "reads_enqueued": status.counters.enqueued,
            "reads_acknowledged": status.counters.acknowledged,
            "reads_rejected": status.counters.rejected,
            "reads_evicted_over_budget": status.counters.evictedOverBudget,
            "reads_evicted_expired": status.counters.evictedExpired,
            "reads_discarded_corrupt": status.counters.discardedCorrupt,
            "frames_produced": status.frames.produced,
            "frames_dropped": status.frames.dropped,
            "source_restarts": status.frames.restarts,
            "location_known": status.locationKnown,
            "collecting": status.collecting,
        ]
        if let oldest = status.oldestUnsentAt { object["oldest_unsent_at"] = oldest.formatted(.iso8601) }
        return (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])) ?? Data("{}".utf8)
    }
}
