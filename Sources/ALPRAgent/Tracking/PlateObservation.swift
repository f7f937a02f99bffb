import Foundation

/// A detection together with when and where it was seen. Only the best observation of a
/// track keeps its frame, so a long track holds one image, not hundreds.
public struct PlateObservation: Sendable {
    public var detection: PlateDetection
    public var seenAt: Date
    public var frame: RGBFrame?
    public var location: LocationFix?

    public init(detection: PlateDetection, seenAt: Date, frame: RGBFrame? = nil, location: LocationFix? = nil) {
        self.detection = detection
        self.seenAt = seenAt
        self.frame = frame
        self.location = location
    }
}
