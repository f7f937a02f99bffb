import ALPRCore
import Foundation

/// A read as the API shows it (search results, `GET /api/v1/reads/:id`).
struct ReadView: Codable, Sendable {
    struct Image: Codable, Sendable {
        var sha256: String
        var contentType: String
        var url: String
    }
    var id: UUID
    var readerId: UUID
    var activePeriodId: UUID?
    var plate: String
    var state: String?
    var confidence: Double
    var candidates: [PlateCandidate]
    var capturedAt: Date
    var receivedAt: Date
    var latitude: Double?
    var longitude: Double?
    var heading: Double?
    var speed: Double?
    var plateBox: PlateBox?
    var plateImage: Image?
    var vehicleImage: Image?
    /// R2: private, or active criminal investigative data when held for a case.
    var classification: String

    init(_ read: Read) {
        id = read.id; readerId = read.readerID; activePeriodId = read.activePeriodID
        plate = read.plate.value; state = read.state; confidence = read.confidence
        candidates = read.candidates; capturedAt = read.capturedAt; receivedAt = read.receivedAt
        latitude = read.location?.latitude; longitude = read.location?.longitude
        heading = read.headingDegrees; speed = read.speedKmh; plateBox = read.plateBox
        plateImage = read.plateImage.map(Self.image); vehicleImage = read.vehicleImage.map(Self.image)
        classification = read.classification.rawValue
    }

    static func image(_ ref: ImageRef) -> Image {
        Image(sha256: ref.sha256, contentType: ref.contentType.rawValue, url: "/api/v1/images/\(ref.sha256)")
    }
}
