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
    /// How often a mobile reader whose gate is shut asks `GET /api/v1/readers/me`, so that it
    /// starts collecting soon after the officer logs in rather than at the next heartbeat.
    let closedGatePollInterval: TimeInterval
    let status: @Sendable () -> Status
    let logger: Logger

    public init(
        client: ServerClient, gate: CollectionGate, interval: TimeInterval, closedGatePollInterval: TimeInterval = 5,
        logger: Logger, status: @escaping @Sendable () -> Status
    ) {
        self.client = client
        self.gate = gate
        self.interval = interval
        self.closedGatePollInterval = min(closedGatePollInterval, interval)
        self.status = status
        self.logger = logger
    }

    public func run() async throws {
        try? await cancelWhenGracefulShutdown {
            var nextBeat = Date()
            while !Task.isCancelled {
                if Date() >= nextBeat {
                    await beat()
                    nextBeat = Date().addingTimeInterval(interval)
                } else if gate.mode != .alwaysCollect, !gate.isCollecting(now: Date()) {
                    await refreshCollectionStatus()
                }
                let untilBeat = max(nextBeat.timeIntervalSinceNow, 0.01)
                let pause = gate.mode == .alwaysCollect ? untilBeat : min(untilBeat, closedGatePollInterval)
                try await Task.sleep(for: .seconds(pause))
            }
        }
    }

    /// Sends one heartbeat (queue depth and counters, no plate data) and updates the gate
    /// from the answer's `collecting`.
    public func beat() async {
        do {
            let response = try await client.send("POST", "api/v1/readers/heartbeat", json: Self.encode(status()))
            guard (200..<300).contains(response.status) else {
                logger.warning("heartbeat refused", metadata: ["status": "\(response.status)"])
                return
            }
            if let active = ActivePeriodStatus.isActive(inResponse: response.body) {
                gate.recordServerStatus(active: active, at: Date())
            } else {
                await refreshCollectionStatus()
            }
        } catch {
            logger.info("heartbeat not delivered", metadata: ["error": "\(error)"])
        }
    }

    /// Asks `GET /api/v1/readers/me` whether the reader has an active period now.
    public func refreshCollectionStatus() async {
        do {
            let me = try await client.send("GET", "api/v1/readers/me")
            guard (200..<300).contains(me.status), let active = ActivePeriodStatus.isActive(inResponse: me.body) else {
                logger.warning("reader status unavailable", metadata: ["status": "\(me.status)"])
                return
            }
            gate.recordServerStatus(active: active, at: Date())
        } catch {
            logger.info("reader status not delivered", metadata: ["error": "\(error)"])
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
