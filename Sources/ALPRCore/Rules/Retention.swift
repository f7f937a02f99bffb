import Foundation

/// R11 (Minn. Stat. §13.824 subd. 3; Policy "Data Retention"): reads not pertinent to an
/// active criminal investigation are destroyed no later than 60 days after collection. An
/// agency may choose a shorter period, never a longer one.
public struct Retention: Hashable, Sendable {
    public static let statutoryMaximumDays = 60
    public let days: Int

    public init(days: Int = Retention.statutoryMaximumDays) throws(ALPRError) {
        guard days >= 1 else {
            throw .invalid(field: "retention days", reason: "must be at least 1")
        }
        guard days <= Self.statutoryMaximumDays else {
            throw .forbidden(
                rule: "R11 §13.824 subd. 3",
                reason: "retention may not exceed \(Self.statutoryMaximumDays) days (configured \(days))"
            )
        }
        self.days = days
    }

    public static let statutory = try! Retention(days: statutoryMaximumDays)

    /// Reads captured before this instant are due for destruction unless held.
    public func cutoff(now: Date) -> Date {
        now.addingTimeInterval(-Double(days) * 86_400)
    }

    public func isExpired(capturedAt: Date, now: Date) -> Bool {
        capturedAt < cutoff(now: now)
    }
}
