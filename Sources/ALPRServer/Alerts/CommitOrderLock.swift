/// A first-in, first-out lock for async code. Ingest holds it from storing reads and their hits
/// until the hits are handed to the `AlertHub`, so alerts go out in the order their sequence
/// numbers were committed. Without it, two requests could commit hits 5 and 6 and publish 6
/// first; a client that dropped between the two and reconnected "after 6" would miss 5.
public actor CommitOrderLock {
    private var held = false
    private var waiters: [CheckedContinuation<Void, Never>] = []

    public init() {}

    public func withLock<T: Sendable>(_ body: @Sendable () async throws -> T) async throws -> T {
        await acquire()
        do {
            let value = try await body()
            release()
            return value
        } catch {
            release()
            throw error
        }
    }

    private func acquire() async {
        if !held {
            held = true
            return
        }
        await withCheckedContinuation { waiters.append($0) }
    }

    private func release() {
        if waiters.isEmpty {
            held = false
        } else {
            // Ownership passes straight to the longest waiter.
            waiters.removeFirst().resume()
        }
    }
}
