import ALPRCore
import Foundation

/// Supplies the location stamped on each frame. Answers nil when the location is unknown:
/// a read without a location is better than a read with an invented one.
public protocol LocationProvider: Sendable {
    func currentFix(now: Date) -> LocationFix?
}

/// A fixed reader's configured position; never ages.
public struct FixedLocationProvider: LocationProvider {
    public let point: GeoPoint
    public init(point: GeoPoint) { self.point = point }
    public func currentFix(now: Date) -> LocationFix? { LocationFix(point: point, receivedAt: now) }
}

/// No location at all (a mobile reader with no receiver configured).
public struct UnknownLocationProvider: LocationProvider {
    public init() {}
    public func currentFix(now: Date) -> LocationFix? { nil }
}
