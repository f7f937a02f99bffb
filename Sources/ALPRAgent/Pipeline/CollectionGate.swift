import Foundation
import Synchronization

/// R7 (Policy "Policy", "Procedures"): only a trained officer logged in to a mobile reader may
/// operate it, and logging out takes the reader offline. The server knows whether the
/// reader's operator is logged in (an active period); the agent collects only while it says
/// so. Frames seen while the gate is shut are never recognised, so no data are created.
///
/// A mobile reader starts shut and opens on the server's word. While the server cannot be
/// reached the last answer stands for `offlineGrace` (squad cars lose coverage), after which
/// the gate shuts until the server confirms again. Fixed readers collect always; their
/// active periods are derived from heartbeats on the server (R14).
public final class CollectionGate: Sendable {
    public enum Mode: Sendable, Equatable {
        case alwaysCollect
        case requireActivePeriod(offlineGrace: TimeInterval)
    }

    public static let rule = "R7 Policy \"Procedures\""

    struct State {
        var active = false
        var confirmedAt: Date?
    }

    public let mode: Mode
    private let state = Mutex(State())

    public init(mode: Mode) { self.mode = mode }

    public func isCollecting(now: Date) -> Bool {
        switch mode {
        case .alwaysCollect: return true
        case .requireActivePeriod(let grace):
            return state.withLock { state in
                guard state.active, let confirmedAt = state.confirmedAt else { return false }
                return now.timeIntervalSince(confirmedAt) <= grace
            }
        }
    }

    /// The server answered whether the reader has an active period.
    public func recordServerStatus(active: Bool, at now: Date) {
        state.withLock { $0 = State(active: active, confirmedAt: now) }
    }

    /// The server says the reader has no active period: stop at once.
    public func recordNoActivePeriod(at now: Date) {
        recordServerStatus(active: false, at: now)
    }

    /// The server refused a read captured at `capturedAt` for want of an active period. That
    /// stops collection unless the server has confirmed a period since the read was captured
    /// (an old queued read says nothing about now).
    public func recordReadOutsideActivePeriod(capturedAt: Date, at now: Date) {
        state.withLock { state in
            if let confirmedAt = state.confirmedAt, state.active, confirmedAt > capturedAt { return }
            state = State(active: false, confirmedAt: now)
        }
    }
}
