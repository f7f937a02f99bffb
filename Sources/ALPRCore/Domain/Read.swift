import Foundation

public struct GeoPoint: Hashable, Sendable, Codable {
    public var latitude: Double
    public var longitude: Double

    public init(latitude: Double, longitude: Double) throws(ALPRError) {
        guard latitude.isFinite, (-90...90).contains(latitude) else {
            throw .invalid(field: "latitude", reason: "must be between -90 and 90")
        }
        guard longitude.isFinite, (-180...180).contains(longitude) else {
            throw .invalid(field: "longitude", reason: "must be between -180 and 180")
        }
        self.latitude = latitude
        self.longitude = longitude
    }
}

/// One alternative reading of a plate from the recognition engine.
public struct PlateCandidate: Hashable, Sendable, Codable {
    public var text: String
    public var confidence: Double
    public init(text: String, confidence: Double) {
        self.text = text
        self.confidence = confidence
    }
}

/// Where the plate was in the vehicle image, in pixels.
public struct PlateBox: Hashable, Sendable, Codable {
    public var x: Double
    public var y: Double
    public var width: Double
    public var height: Double
    public init(x: Double, y: Double, width: Double, height: Double) {
        self.x = x; self.y = y; self.width = width; self.height = height
    }
}

/// A stored image, addressed by the SHA-256 of its bytes.
public struct ImageRef: Hashable, Sendable, Codable {
    public var sha256: String
    public var contentType: ImageContentType
    public var byteCount: Int
    public init(sha256: String, contentType: ImageContentType, byteCount: Int) {
        self.sha256 = sha256; self.contentType = contentType; self.byteCount = byteCount
    }
}

public enum ImageContentType: String, Sendable, Codable, CaseIterable {
    case jpeg = "image/jpeg"
    case png = "image/png"
}

/// R2 (§13.824 subd. 2(b), §13.82): reads are private unless linked to an open case.
public enum DataClassification: String, Sendable, Codable, CaseIterable {
    case `private` = "private"
    case activeCriminalInvestigative = "active_criminal_investigative"
}

/// A licence plate read as stored. Holds only what R1 (§13.824 subd. 2(a)) allows.
public struct Read: Hashable, Sendable, Codable, Identifiable {
    public var id: UUID
    public var readerID: UUID
    public var activePeriodID: UUID?
    public var plate: PlateNumber
    /// Issuing state as read (USPS code), if the engine or camera gave one.
    public var state: String?
    public var confidence: Double
    public var candidates: [PlateCandidate]
    public var capturedAt: Date
    public var receivedAt: Date
    public var location: GeoPoint?
    public var headingDegrees: Double?
    public var speedKmh: Double?
    public var plateBox: PlateBox?
    public var plateImage: ImageRef?
    public var vehicleImage: ImageRef?
    public var classification: DataClassification

    public init(
        id: UUID, readerID: UUID, activePeriodID: UUID? = nil, plate: PlateNumber, state: String? = nil,
        confidence: Double, candidates: [PlateCandidate] = [], capturedAt: Date, receivedAt: Date,
        location: GeoPoint? = nil, headingDegrees: Double? = nil, speedKmh: Double? = nil,
        plateBox: PlateBox? = nil, plateImage: ImageRef? = nil, vehicleImage: ImageRef? = nil,
        classification: DataClassification = .private
    ) {
        self.id = id; self.readerID = readerID; self.activePeriodID = activePeriodID
        self.plate = plate; self.state = state; self.confidence = confidence
        self.candidates = candidates; self.capturedAt = capturedAt; self.receivedAt = receivedAt
        self.location = location; self.headingDegrees = headingDegrees; self.speedKmh = speedKmh
        self.plateBox = plateBox; self.plateImage = plateImage; self.vehicleImage = vehicleImage
        self.classification = classification
    }
}
