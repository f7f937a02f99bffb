import Synchronization

/// Holds the live `HotListIndex` for the server. Matching takes the current index (a
/// reference, under a lock held for nanoseconds) and works on it without the lock; a load
/// swaps in a fully built new index, so a read is matched against one whole version of the
/// lists, never half of one.
public final class HotListIndexStore: Sendable {
    private let live: Mutex<HotListIndex>

    public init(_ index: HotListIndex = .empty) {
        live = Mutex(index)
    }

    public var current: HotListIndex {
        live.withLock { $0 }
    }

    /// Makes `index` the live one and returns the one it replaced.
    @discardableResult
    public func replace(with index: HotListIndex) -> HotListIndex {
        live.withLock { current in
            let previous = current
            current = index
            return previous
        }
    }
}
