import Foundation
import Synchronization

/// Slows password guessing: after `freeAttempts` failures for one username or one address
/// within `window`, further attempts are refused for a delay that doubles with each failure
/// (capped at `maximumDelay`). A success clears the username's count. Kept in memory: a
/// restart forgives, which is acceptable because the delays are minutes, not days.
public final class LoginThrottle: Sendable {
    public struct Settings: Sendable {
        public var freeAttempts: Int
        public var window: TimeInterval
        public var baseDelay: TimeInterval
        public var maximumDelay: TimeInterval
        public init(freeAttempts: Int = 5, window: TimeInterval = 15 * 60, baseDelay: TimeInterval = 30, maximumDelay: TimeInterval = 15 * 60) {
            self.freeAttempts = freeAttempts; self.window = window
            self.baseDelay = baseDelay; self.maximumDelay = maximumDelay
        }
    }

    struct Record {
        var failures: [Date] = []
        var blockedUntil: Date?
    }

    let settings: Settings
    private let records = Mutex<[String: Record]>([:])

    public init(settings: Settings = Settings()) {
        self.settings = settings
    }

    static func keys(username: String, address: String?) -> [String] {
        ["user:" + username.lowercased()] + (address.map { ["ip:" + $0] } ?? [])
    }

    /// How long the caller must wait before trying again; nil when an attempt is allowed.
    public func retryAfter(username: String, address: String?, now: Date = Date()) -> TimeInterval? {
        records.withLock { records in
            Self.keys(username: username, address: address)
                .compactMap { records[$0]?.blockedUntil }
                .filter { $0 > now }
                .map { $0.timeIntervalSince(now) }
                .max()
        }
    }

    public func recordFailure(username: String, address: String?, now: Date = Date()) {
        records.withLock { records in
            for key in Self.keys(username: username, address: address) {
                var record = records[key] ?? Record()
                record.failures = record.failures.filter { now.timeIntervalSince($0) < settings.window } + [now]
                let excess = record.failures.count - settings.freeAttempts
                if excess >= 0 {
                    let delay = min(settings.maximumDelay, settings.baseDelay * pow(2, Double(min(excess, 30))))
                    record.blockedUntil = now.addingTimeInterval(delay)
                }
                records[key] = record
            }
        }
    }

    public func recordSuccess(username: String) {
        _ = records.withLock { $0.removeValue(forKey: "user:" + username.lowercased()) }
    }
}
