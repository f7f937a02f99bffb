import Foundation
import Synchronization

/// Tells a blocking worker thread to stop, and lets it sleep in a way the stop interrupts.
final class StopSignal: Sendable {
    private let stopped = Mutex(false)
    private let condition = NSCondition()

    var isStopped: Bool { stopped.withLock { $0 } }

    func stop() {
        stopped.withLock { $0 = true }
        condition.lock()
        condition.broadcast()
        condition.unlock()
    }

    /// Sleeps up to `interval`; returns false if woken by `stop()`.
    @discardableResult
    func sleep(_ interval: TimeInterval) -> Bool {
        let deadline = Date().addingTimeInterval(interval)
        condition.lock()
        defer { condition.unlock() }
        while !isStopped {
            if !condition.wait(until: deadline) { return true }
        }
        return false
    }
}

/// Runs `body` on its own thread and waits for it without occupying a thread of Swift's
/// cooperative pool (blocking reads from pipes, sockets and serial ports would starve it).
/// Cancelling the awaiting task stops the signal and calls `onCancel` to unblock the body.
func runOnDedicatedThread(
    name: String, stop: StopSignal, onCancel: @escaping @Sendable () -> Void = {},
    _ body: @escaping @Sendable () -> Void
) async {
    await withTaskCancellationHandler {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let thread = Thread {
                body()
                continuation.resume()
            }
            thread.name = name
            thread.start()
        }
    } onCancel: {
        stop.stop()
        onCancel()
    }
}
