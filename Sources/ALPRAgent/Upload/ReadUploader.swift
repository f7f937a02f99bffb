import Foundation
import Logging
import ServiceLifecycle

/// Sends queued reads to the server, oldest first, a few per request, and removes them only
/// once the server has acknowledged them. While the server is unreachable it retries with
/// exponential backoff and jitter; reads wait on disk meanwhile.
public struct ReadUploader: Service {
    public struct Configuration: Sendable {
        public var batchSize = 8
        /// How often an empty queue is looked at again.
        public var idleInterval: TimeInterval = 0.5
        public var backoff = ExponentialBackoff(initial: 1, maximum: 60)
        public init() {}
    }

    let queue: DurableQueue
    let client: ServerClient
    let gate: CollectionGate
    let configuration: Configuration
    let logger: Logger

    public init(queue: DurableQueue, client: ServerClient, gate: CollectionGate, configuration: Configuration = .init(), logger: Logger) {
        self.queue = queue
        self.client = client
        self.gate = gate
        self.configuration = configuration
        self.logger = logger
    }

    /// Runs until cancelled. On graceful shutdown (e.g. a file source has ended) it sends what
    /// is queued while the server takes it, then returns; whatever is left waits on disk.
    public func run() async throws {
        var failures = 0
        var backlog: (startedAt: Date, settledBefore: Int)?
        while !Task.isCancelled {
            queue.enforceLimits()
            let batch = queue.peek(limit: configuration.batchSize)
            let pause: TimeInterval
            if batch.isEmpty {
                if let started = backlog {
                    reportDrained(since: started)
                    backlog = nil
                }
                if Task.isShuttingDownGracefully { return }
                pause = configuration.idleInterval
            } else if await deliver(batch) {
                failures = 0
                if backlog == nil { backlog = (Date(), settledCount - batch.count) }
                continue
            } else {
                if Task.isShuttingDownGracefully { return }
                pause = configuration.backoff.delay(attempt: failures)
                failures += 1
            }
            // A shutdown cuts the pause short; the loop then drains or returns.
            try? await cancelWhenGracefulShutdown { try await Task.sleep(for: .seconds(pause)) }
        }
    }

    private var settledCount: Int { queue.counters.acknowledged + queue.counters.rejected }

    /// After a backlog (an outage, or a burst of traffic) is sent, says how fast it went.
    private func reportDrained(since backlog: (startedAt: Date, settledBefore: Int)) {
        let reads = settledCount - backlog.settledBefore
        let seconds = Date().timeIntervalSince(backlog.startedAt)
        guard reads > configuration.batchSize, seconds > 0 else { return }
        logger.info("queue drained", metadata: [
            "reads": "\(reads)", "seconds": "\(String(format: "%.2f", seconds))",
            "reads_per_second": "\(String(format: "%.1f", Double(reads) / seconds))",
        ])
    }

    /// Sends `batch`; true when every read in it was settled (acknowledged or rejected).
    func deliver(_ batch: [DurableQueue.Item]) async -> Bool {
        let body: Data
        do {
            body = batch.count == 1 ? try JSONEncoder().encode(batch[0].read) : try JSONEncoder().encode(batch.map(\.read))
        } catch {
            logger.error("queued read could not be encoded", metadata: ["error": "\(error)"])
            return false
        }
        let response: ServerClient.Response
        do { response = try await client.send("POST", "api/v1/reads", json: body) } catch {
            logger.warning("server unreachable; reads stay queued", metadata: ["error": "\(error)", "queued": "\(queue.depth)"])
            return false
        }
        switch UploadResponsePolicy.classify(status: response.status, body: response.body) {
        case .accepted(let rejectedIDs):
            for item in batch where rejectedIDs.contains(item.read.id) { queue.reject(item.sequence) }
            queue.acknowledge(batch.filter { !rejectedIDs.contains($0.read.id) }.map(\.sequence))
            return true
        case .retry(let reason):
            logger.warning("upload deferred", metadata: ["reason": "\(reason)"])
            return false
        case .outsideActivePeriod(let reason):
            if batch.count == 1 {
                // A mobile reader whose officer logged out stops at once rather than at the
                // next heartbeat; the gate opens again when the server reports an active period.
                gate.recordReadOutsideActivePeriod(capturedAt: batch[0].read.capturedAt, at: Date())
            }
            return await settleOneByOne(batch, reason: reason, what: "read captured outside an active period (\(CollectionGate.rule)); moved to rejected/")
        case .rejected(let reason):
            return await settleOneByOne(batch, reason: reason, what: "read refused by the server; moved to rejected/")
        }
    }

    /// A refusal is final for a single read; a refused batch stores nothing, so its reads are
    /// sent one by one to find the offending ones without losing the others.
    private func settleOneByOne(_ batch: [DurableQueue.Item], reason: String, what: String) async -> Bool {
        guard batch.count > 1 else {
            logger.warning("\(what)", metadata: ["reason": "\(reason)", "read": "\(batch[0].read.id)"])
            queue.reject(batch[0].sequence)
            return true
        }
        for item in batch where !(await deliver([item])) { return false }
        return true
    }
}
