import ALPRCore
import Crypto
import Foundation

/// A read as it arrives, before validation, whatever format it came in. Every ingest format
/// is turned into these, so validation (R1) and storage happen in one place: `ReadIngestor`.
/// There is deliberately nowhere to put owner, make, model or colour.
public struct ReadSubmission: Sendable {
    public var id: UUID
    public var plate: String
    public var state: String?
    public var confidence: Double
    public var candidates: [PlateCandidate]
    public var capturedAt: Date
    public var latitude: Double?
    public var longitude: Double?
    public var headingDegrees: Double?
    public var speedKmh: Double?
    public var plateBox: PlateBox?
    public var plateImage: [UInt8]?
    public var vehicleImage: [UInt8]?

    public init(
        id: UUID, plate: String, state: String? = nil, confidence: Double, candidates: [PlateCandidate] = [],
        capturedAt: Date, latitude: Double? = nil, longitude: Double? = nil, headingDegrees: Double? = nil,
        speedKmh: Double? = nil, plateBox: PlateBox? = nil, plateImage: [UInt8]? = nil, vehicleImage: [UInt8]? = nil
    ) {
        self.id = id; self.plate = plate; self.state = state; self.confidence = confidence
        self.candidates = candidates; self.capturedAt = capturedAt; self.latitude = latitude
        self.longitude = longitude; self.headingDegrees = headingDegrees; self.speedKmh = speedKmh
        self.plateBox = plateBox; self.plateImage = plateImage; self.vehicleImage = vehicleImage
    }

    /// A stable read id for formats whose ids are not UUIDs (vendor uuids, frame + index), so
    /// a camera's retry of the same event is recognised as a duplicate.
    public static func derivedID(_ parts: String...) -> UUID {
        var bytes = Array(SHA256.hash(data: Array(parts.joined(separator: "\u{1F}").utf8)).prefix(16))
        bytes[6] = (bytes[6] & 0x0F) | 0x50 // version 5 style: name-based
        bytes[8] = (bytes[8] & 0x3F) | 0x80 // RFC 4122 variant
        return UUID(uuid: (bytes[0], bytes[1], bytes[2], bytes[3], bytes[4], bytes[5], bytes[6], bytes[7],
                           bytes[8], bytes[9], bytes[10], bytes[11], bytes[12], bytes[13], bytes[14], bytes[15]))
    }
}
