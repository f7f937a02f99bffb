import ALPRCore
import Foundation

/// A read as the agent sends it to `POST /api/v1/reads` and keeps it in its queue. Holds only
/// what R1 (§13.824 subd. 2(a)) allows: plate, time, place, heading and speed, the plate and
/// vehicle pictures, and recognition metadata. The reader is identified by its credential.
public struct ReadUpload: Codable, Sendable, Equatable {
    public struct Box: Codable, Sendable, Equatable {
        public var x: Double, y: Double, width: Double, height: Double
    }

    /// A plate alternative as the server's read format spells it (`plate`, `confidence`).
    public struct Candidate: Codable, Sendable, Equatable {
        public var plate: String
        public var confidence: Double

        enum CodingKeys: String, CodingKey { case plate, text, confidence }

        public init(plate: String, confidence: Double) {
            self.plate = plate
            self.confidence = confidence
        }

        /// Reads queued by earlier agent versions spelled the text `text`.
        public init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            plate = try container.decodeIfPresent(String.self, forKey: .plate) ?? container.decode(String.self, forKey: .text)
            confidence = try container.decode(Double.self, forKey: .confidence)
        }

        public func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(plate, forKey: .plate)
            try container.encode(confidence, forKey: .confidence)
        }
    }

    /// Chosen by the agent; the server treats a repeated id as the same read (idempotency).
    public var id: UUID
    public var plate: String
    public var state: String?
    public var confidence: Double
    public var candidates: [Candidate]
    /// UTC, sent as ISO 8601 with milliseconds: the server checks it against the reader's
    /// active period (R7), which can begin within the same second as the read.
    public var capturedAt: Date
    public var latitude: Double?
    public var longitude: Double?
    /// Degrees clockwise from true north.
    public var heading: Double?
    /// Kilometres per hour.
    public var speed: Double?
    public var plateBox: Box?
    /// Base64 JPEG.
    public var plateImage: String?
    /// Base64 JPEG.
    public var vehicleImage: String?

    enum CodingKeys: String, CodingKey {
        case id, plate, state, confidence, candidates
        case capturedAt = "captured_at"
        case latitude, longitude, heading, speed
        case plateBox = "plate_box"
        case plateImage = "plate_image"
        case vehicleImage = "vehicle_image"
    }

    public init(
        id: UUID = UUID(), plate: PlateNumber, state: String? = nil, confidence: Double,
        candidates: [PlateCandidate] = [], capturedAt: Date, location: LocationFix? = nil,
        plateBox: PlateBox? = nil, plateJPEG: Data? = nil, vehicleJPEG: Data? = nil
    ) {
        self.id = id
        self.plate = plate.value
        self.state = state
        self.confidence = confidence
        self.candidates = candidates.map { Candidate(plate: $0.text, confidence: $0.confidence) }
        self.capturedAt = Self.wholeMilliseconds(capturedAt)
        self.latitude = location?.point.latitude
        self.longitude = location?.point.longitude
        self.heading = location?.headingDegrees
        self.speed = location?.speedKmh
        self.plateBox = plateBox.map { Box(x: $0.x, y: $0.y, width: $0.width, height: $0.height) }
        self.plateImage = plateJPEG?.base64EncodedString()
        self.vehicleImage = vehicleJPEG?.base64EncodedString()
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        id = try container.decode(UUID.self, forKey: .id)
        plate = try container.decode(String.self, forKey: .plate)
        state = try container.decodeIfPresent(String.self, forKey: .state)
        confidence = try container.decode(Double.self, forKey: .confidence)
        candidates = try container.decodeIfPresent([Candidate].self, forKey: .candidates) ?? []
        let stamp = try container.decode(String.self, forKey: .capturedAt)
        // Earlier agent versions queued whole seconds.
        guard let date = (try? Self.timestampStyle.parse(stamp)) ?? (try? Date(stamp, strategy: .iso8601)) else {
            throw DecodingError.dataCorruptedError(forKey: .capturedAt, in: container, debugDescription: "not ISO 8601")
        }
        capturedAt = Self.wholeMilliseconds(date)
        latitude = try container.decodeIfPresent(Double.self, forKey: .latitude)
        longitude = try container.decodeIfPresent(Double.self, forKey: .longitude)
        heading = try container.decodeIfPresent(Double.self, forKey: .heading)
        speed = try container.decodeIfPresent(Double.self, forKey: .speed)
        plateBox = try container.decodeIfPresent(Box.self, forKey: .plateBox)
        plateImage = try container.decodeIfPresent(String.self, forKey: .plateImage)
        vehicleImage = try container.decodeIfPresent(String.self, forKey: .vehicleImage)
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(id, forKey: .id)
        try container.encode(plate, forKey: .plate)
        try container.encodeIfPresent(state, forKey: .state)
        try container.encode(confidence, forKey: .confidence)
        try container.encode(candidates, forKey: .candidates)
        try container.encode(Self.timestampStyle.format(capturedAt), forKey: .capturedAt)
        try container.encodeIfPresent(latitude, forKey: .latitude)
        try container.encodeIfPresent(longitude, forKey: .longitude)
        try container.encodeIfPresent(heading, forKey: .heading)
        try container.encodeIfPresent(speed, forKey: .speed)
        try container.encodeIfPresent(plateBox, forKey: .plateBox)
        try container.encodeIfPresent(plateImage, forKey: .plateImage)
        try container.encodeIfPresent(vehicleImage, forKey: .vehicleImage)
    }

    static let timestampStyle = Date.ISO8601FormatStyle(includingFractionalSeconds: true)

    /// The time as the wire carries it, so a read decoded from the queue equals the one queued.
    static func wholeMilliseconds(_ date: Date) -> Date {
        Date(timeIntervalSince1970: (date.timeIntervalSince1970 * 1000).rounded(.down) / 1000)
    }
}
