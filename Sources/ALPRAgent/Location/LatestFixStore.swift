import Foundation
import Synchronization

/// The last fix from a receiver, answered only while it is younger than `maximumAge`.
/// Receivers (gpsd, NMEA readers) write into it; the frame pipeline reads from it.
public final class LatestFixStore: LocationProvider {
    public let maximumAge: TimeInterval
    private let latest = Mutex<LocationFix?>(nil)

    public init(maximumAge: TimeInterval) {
        self.maximumAge = maximumAge
    }

    public func record(_ fix: LocationFix) {
        latest.withLock { $0 = fix }
    }

    /// The receiver reported it has no fix (e.g. gpsd mode 1, NMEA status V).
    public func recordLossOfFix() {
        latest.withLock { $0 = nil }
    }

    public func currentFix(now: Date) -> LocationFix? {
        latest.withLock { fix in
            guard let fix, now.timeIntervalSince(fix.receivedAt) <= maximumAge,
                  now.timeIntervalSince(fix.receivedAt) >= -1 else { return nil }
            return fix
        }
    }

    /// Age of the last fix, for heartbeats and logs; nil without one.
    public func ageOfLastFix(now: Date) -> TimeInterval? {
        latest.withLock { $0.map { now.timeIntervalSince($0.receivedAt) } }
    }
}

extension LatestFixStore {
    /// How long course and speed from one sentence may be carried onto a position-only one.
    static let courseCarryOver: TimeInterval = 2

    /// Applies one parsed sentence or report received at `now`.
    public func apply(_ sentence: NMEAParser.Sentence?, receivedAt now: Date) {
        switch sentence {
        case .fix(let point, var heading, var speed)?:
            // Receivers send GGA (position only) beside RMC (with course and speed) each
            // second; a GGA keeps the course and speed of an RMC received just before it.
            if heading == nil, speed == nil, let previous = currentFix(now: now),
               now.timeIntervalSince(previous.receivedAt) <= Self.courseCarryOver {
                heading = previous.headingDegrees
                speed = previous.speedKmh
            }
            record(LocationFix(point: point, headingDegrees: heading, speedKmh: speed, receivedAt: now))
        case .noFix?: recordLossOfFix()
        case nil: break
        }
    }
}
