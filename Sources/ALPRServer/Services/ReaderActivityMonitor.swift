import ALPRCore
import ALPRStorage
import Foundation
import Logging
import ServiceLifecycle

/// Ends active periods that nobody ended, so the public log of use (R14) shows when each reader
/// stopped collecting and reads are no longer accepted for that time (R7):
/// - a fixed reader's heartbeat period, when heartbeats stopped for longer than the gap allowed;
/// - a mobile reader's officer period, when the officer's login session has run out without a
///   logout (the session lasts `sessionLifetime` from the login that opened the period).
public struct ReaderActivityMonitor: Service {
    let storage: Storage
    let heartbeatGap: TimeInterval
    let sessionLifetime: TimeInterval
    let interval: TimeInterval
    let logger: Logger

    public init(storage: Storage, heartbeatGap: TimeInterval, sessionLifetime: TimeInterval, interval: TimeInterval, logger: Logger) {
        self.storage = storage; self.heartbeatGap = heartbeatGap; self.sessionLifetime = sessionLifetime
        self.interval = interval; self.logger = logger
    }

    public func run() async throws {
        await runPeriodically(every: interval, logger: logger) {
            _ = try await closeSilentPeriods()
        }
    }

    /// Returns the periods it closed. Each ends at the last moment the reader is known to have
    /// been collecting: its last heartbeat, or the end of the officer's session.
    @discardableResult
    public func closeSilentPeriods(now: Date = Date()) async throws -> [ActivePeriod] {
        var closed: [ActivePeriod] = []
        for reader in try await storage.readers.all() {
            guard let open = try await storage.readers.activePeriod(readerID: reader.id, at: now), open.endedAt == nil else { continue }
            let end: Date
            switch open.source {
            case .heartbeat:
                end = open.lastHeartbeatAt ?? open.startedAt
                guard now.timeIntervalSince(end) > heartbeatGap else { continue }
            case .officerLogin:
                end = open.startedAt.addingTimeInterval(sessionLifetime)
                guard now > end else { continue }
            case .startStop:
                continue
            }
            if let period = try await storage.readers.closeActivePeriod(readerID: reader.id, at: end) {
                closed.append(period)
                logger.info("reader no longer active; active period closed", metadata: [
                    "reader": "\(reader.id)", "source": "\(open.source.rawValue)", "ended_at": "\(ISO8601.string(end))",
                ])
            }
        }
        return closed
    }
}
