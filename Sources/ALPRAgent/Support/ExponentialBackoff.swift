import Foundation

/// Delays between retries: `initial * multiplier^attempt`, capped at `maximum`, with up to
/// `jitter` of the delay removed at random so that many readers coming back after an outage
/// do not all retry in the same instant.
public struct ExponentialBackoff: Sendable {
    public var initial: TimeInterval
    public var maximum: TimeInterval
    public var multiplier: Double
    /// Fraction (0...1) of the delay that may be removed at random.
    public var jitter: Double

    public init(initial: TimeInterval = 0.5, maximum: TimeInterval = 60, multiplier: Double = 2, jitter: Double = 0.2) {
        self.initial = initial
        self.maximum = maximum
        self.multiplier = multiplier
        self.jitter = min(max(jitter, 0), 1)
    }

    /// The delay before retry number `attempt` (0 for the first retry).
    public func delay(attempt: Int, using generator: inout some RandomNumberGenerator) -> TimeInterval {
        let exponent = Double(min(max(attempt, 0), 62))
        let base = min(initial * pow(multiplier, exponent), maximum)
        return base * (1 - jitter * Double.random(in: 0...1, using: &generator))
    }

    public func delay(attempt: Int) -> TimeInterval {
        var generator = SystemRandomNumberGenerator()
        return delay(attempt: attempt, using: &generator)
    }
}
