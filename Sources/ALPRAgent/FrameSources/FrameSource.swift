import Foundation
import Synchronization

/// Where frames come from: a camera stream, a video file, a watched folder, one image.
public protocol FrameSource: Sendable {
    /// The frames, in capture order. The stream finishes when the source is exhausted (a file
    /// or image); live sources run until the consuming task is cancelled.
    func frames() -> AsyncStream<RGBFrame>
    var statistics: FrameSourceStatistics { get }
}

/// Counters a source keeps for heartbeats and logs.
public struct FrameSourceStatistics: Sendable, Equatable {
    /// Frames produced by the source.
    public var produced = 0
    /// Frames replaced by a newer one before recognition took them.
    public var dropped = 0
    /// Times the decoder process was started again after it died or the stream ended.
    public var restarts = 0

    public init(produced: Int = 0, dropped: Int = 0, restarts: Int = 0) {
        self.produced = produced
        self.dropped = dropped
        self.restarts = restarts
    }
}

/// A one-frame mailbox between a live source and recognition: a new frame replaces the one
/// still waiting, and the replacement is counted. When recognition is slower than the
/// camera, reads come from the newest frames instead of an ever-growing backlog.
final class LatestFrameMailbox: Sendable {
    let stream: AsyncStream<RGBFrame>
    private let continuation: AsyncStream<RGBFrame>.Continuation
    private let counters = Mutex(FrameSourceStatistics())

    init() {
        (stream, continuation) = AsyncStream.makeStream(of: RGBFrame.self, bufferingPolicy: .bufferingNewest(1))
    }

    var statistics: FrameSourceStatistics { counters.withLock { $0 } }

    /// Returns false once the consumer has gone away.
    @discardableResult
    func offer(_ frame: RGBFrame) -> Bool {
        let result = continuation.yield(frame)
        return counters.withLock { counters in
            counters.produced += 1
            switch result {
            case .dropped: counters.dropped += 1; return true
            case .enqueued: return true
            case .terminated: return false
            @unknown default: return true
            }
        }
    }

    func countRestart() { counters.withLock { $0.restarts += 1 } }

    func finish() { continuation.finish() }

    func onTermination(_ handler: @escaping @Sendable () -> Void) {
        continuation.onTermination = { _ in handler() }
    }
}
