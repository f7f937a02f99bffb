import ALPRCore
import Foundation
import Logging
import ServiceLifecycle

/// Fans hits out to the officers' live alert connections within the process. Each connection
/// has a bounded buffer: a client that falls that far behind is disconnected (its stream
/// ends) rather than holding memory, and catches up from storage when it reconnects with the
/// last sequence it saw. As a `Service` it ends every stream at graceful shutdown.
public actor AlertHub: Service {
    public static let defaultBufferSize = 256

    struct Subscriber {
        var scope: AlertScope
        var continuation: AsyncStream<AlertMessage>.Continuation
    }

    private var subscribers: [UUID: Subscriber] = [:]
    private var shutDown = false
    let bufferSize: Int
    let logger: Logger
    /// Held by ingest from committing hits to publishing them (see `CommitOrderLock`).
    public nonisolated let commitOrder = CommitOrderLock()

    public init(bufferSize: Int = AlertHub.defaultBufferSize, logger: Logger = Logger(label: "alpr.alerts")) {
        self.bufferSize = max(1, bufferSize); self.logger = logger
    }

    public var subscriberCount: Int { subscribers.count }

    /// A stream of the alerts `scope` admits, from now on. It ends when the client lags by more
    /// than the buffer, at `unsubscribe`, or at shutdown.
    public func subscribe(_ scope: AlertScope) -> (id: UUID, alerts: AsyncStream<AlertMessage>) {
        let (stream, continuation) = AsyncStream.makeStream(of: AlertMessage.self, bufferingPolicy: .bufferingOldest(bufferSize))
        let id = UUID()
        if shutDown {
            continuation.finish()
        } else {
            subscribers[id] = Subscriber(scope: scope, continuation: continuation)
        }
        return (id, stream)
    }

    public func unsubscribe(_ id: UUID) {
        subscribers.removeValue(forKey: id)?.continuation.finish()
    }

    public func publish(_ alerts: [AlertMessage]) {
        guard !alerts.isEmpty else { return }
        for (id, subscriber) in subscribers {
            for alert in alerts where subscriber.scope.admits(readerID: alert.readerId, readerKind: alert.readerKind) {
                if case .dropped = subscriber.continuation.yield(alert) {
                    logger.warning("alert client too far behind; disconnecting it so it catches up on reconnect", metadata: ["subscriber": "\(id)"])
                    subscribers.removeValue(forKey: id)?.continuation.finish()
                    break
                }
            }
        }
    }

    public func run() async throws {
        try? await gracefulShutdown()
        shutDown = true
        for subscriber in subscribers.values { subscriber.continuation.finish() }
        subscribers.removeAll()
    }
}
