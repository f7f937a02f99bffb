import ALPRCore
import Foundation
import Synchronization

/// Where the reader was, from configuration or a satellite receiver.
public struct LocationFix: Sendable, Equatable {
    public var point: GeoPoint
    /// Direction of travel, degrees clockwise from true north, when the receiver gives one.
    public var headingDegrees: Double?
    public var speedKmh: Double?
    /// When the agent received the fix (its own clock, so ages are measured consistently).
    public var receivedAt: Date

    public init(point: GeoPoint, headingDegrees: Double? = nil, speedKmh: Double? = nil, receivedAt: Date) {
        self.point = point
        self.headingDegrees = headingDegrees
        self.speedKmh = speedKmh
        self.receivedAt = receivedAt
    }
}
