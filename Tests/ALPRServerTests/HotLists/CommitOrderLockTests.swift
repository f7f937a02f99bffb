@testable import ALPRServer
import Synchronization
import Testing

/// Alerts leave in commit order only if no two ingests are ever inside the lock together.
@Suite struct CommitOrderLockTests {
    final class Probe: Sendable {
        let state = Mutex((inside: 0, mostInside: 0, finished: 0))
        func enter() { state.withLock { $0.inside += 1; $0.mostInside = max($0.mostInside, $0.inside) } }
        func leave() { state.withLock { $0.inside -= 1; $0.finished += 1 } }
    }

    struct Failure: Error {}

    @Test func neverLetsTwoBodiesRunAtOnce() async throws {
        let lock = CommitOrderLock()
        let probe = Probe()
        try await withThrowingTaskGroup(of: Void.self) { group in
            for _ in 0..<64 {
                group.addTask {
                    try await lock.withLock {
                        probe.enter()
                        // Suspend inside the lock, as a database write does.
                        for _ in 0..<3 { await Task.yield() }
                        try await Task.sleep(for: .microseconds(200))
                        probe.leave()
                    }
                }
            }
            try await group.waitForAll()
        }
        let state = probe.state.withLock { $0 }
        #expect(state.finished == 64)
        #expect(state.mostInside == 1)
    }

    @Test func aFailingBodyReleasesTheLock() async throws {
        let lock = CommitOrderLock()
        await #expect(throws: Failure.self) {
            try await lock.withLock { () async throws -> Int in throw Failure() }
        }
        let value = try await lock.withLock { 42 }
        #expect(value == 42)
    }
}
