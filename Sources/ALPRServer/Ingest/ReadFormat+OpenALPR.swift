import ALPRCore
import Foundation

/// The OpenALPR / Rekor Scout webhook: `alpr_group` (one vehicle, best plate) and
/// `alpr_results` (one frame, each plate). Fields R1 does not allow (the `vehicle` block with
/// make, model, colour and body type) are not decoded at all, so they are never stored.
enum OpenALPRFormat {
    struct Candidate: Decodable { var plate: String; var confidence: Double }
    struct Point: Decodable { var x: Double; var y: Double }

    struct Envelope: Decodable { var dataType: String? }

    struct Group: Decodable {
        struct BestPlate: Decodable {
            var coordinates: [Point]?
            var plateCropJpeg: String?
        }
        var bestUuid: String?
        var bestPlateNumber: String
        var bestConfidence: Double
        var bestRegion: String?
        var candidates: [Candidate]?
        var epochStart: Double
        var epochEnd: Double?
        var gpsLatitude: Double?
        var gpsLongitude: Double?
        var travelDirection: Double?
        var cameraId: Int64?
        var agentUid: String?
        var vehicleCropJpeg: String?
        var bestPlate: BestPlate?
    }

    struct Results: Decodable {
        struct Result: Decodable {
            var plate: String
            var confidence: Double
            var region: String?
            var coordinates: [Point]?
            var candidates: [Candidate]?
        }
        var uuid: String
        var epochTime: Double
        var results: [Result]
    }

    enum Parsed {
        case reads([ReadSubmission])
        /// A message type that carries no reads (agent heartbeats, video clips).
        case ignored(String)
    }

    static func parse(_ data: Data) throws -> Parsed {
        let envelope: Envelope
        do { envelope = try APIJSON.decoder.decode(Envelope.self, from: data) } catch {
            throw RequestError(.badRequest, "malformed JSON: the body is not a JSON object")
        }
        do {
            switch envelope.dataType {
            case "alpr_group":
                return .reads([try submission(from: APIJSON.decoder.decode(Group.self, from: data))])
            case "alpr_results":
                let frame = try APIJSON.decoder.decode(Results.self, from: data)
                return .reads(try frame.results.enumerated().map { index, result in
                    try submission(from: result, index: index, frame: frame)
                })
            case let other?:
                return .ignored(other)
            case nil:
                throw ALPRError.invalid(field: "data_type", reason: "missing; expected alpr_group or alpr_results")
            }
        } catch let error as DecodingError {
            throw ALPRError.invalid(field: NativeReadFormat.fieldName(error), reason: ErrorMiddleware.describe(decoding: error))
        }
    }

    static func submission(from group: Group) throws -> ReadSubmission {
        guard let uuid = group.bestUuid, !uuid.isEmpty else {
            throw ALPRError.invalid(field: "best_uuid", reason: "missing; it identifies the read so retries are not stored twice")
        }
        return ReadSubmission(
            id: ReadSubmission.derivedID("openalpr", uuid),
            plate: group.bestPlateNumber, state: state(fromRegion: group.bestRegion),
            confidence: percent(group.bestConfidence),
            candidates: (group.candidates ?? []).prefix(ReadIngestor.maximumCandidates).map {
                PlateCandidate(text: $0.plate, confidence: percent($0.confidence))
            },
            capturedAt: Date(timeIntervalSince1970: group.epochStart / 1000),
            latitude: group.gpsLatitude, longitude: group.gpsLongitude,
            headingDegrees: group.travelDirection.map { $0.truncatingRemainder(dividingBy: 360) },
            plateBox: box(group.bestPlate?.coordinates),
            plateImage: try group.bestPlate?.plateCropJpeg.map { try NativeReadFormat.decodeBase64($0, field: "best_plate.plate_crop_jpeg") },
            vehicleImage: try group.vehicleCropJpeg.map { try NativeReadFormat.decodeBase64($0, field: "vehicle_crop_jpeg") }
        )
    }

    static func submission(from result: Results.Result, index: Int, frame: Results) throws -> ReadSubmission {
        ReadSubmission(
            id: ReadSubmission.derivedID("openalpr", frame.uuid, String(index)),
            plate: result.plate, state: state(fromRegion: result.region), confidence: percent(result.confidence),
            candidates: (result.candidates ?? []).prefix(ReadIngestor.maximumCandidates).map {
                PlateCandidate(text: $0.plate, confidence: percent($0.confidence))
            },
            capturedAt: Date(timeIntervalSince1970: frame.epochTime / 1000),
            plateBox: box(result.coordinates)
        )
    }

    /// OpenALPR reports confidence in percent.
    static func percent(_ value: Double) -> Double { value / 100 }

    /// `us-mn` → `MN`.
    static func state(fromRegion region: String?) -> String? {
        guard let region, let code = region.split(separator: "-").last, code.count == 2 else { return nil }
        return code.uppercased()
    }

    static func box(_ points: [Point]?) -> PlateBox? {
        guard let points, !points.isEmpty else { return nil }
        let xs = points.map(\.x), ys = points.map(\.y)
        let minX = max(0, xs.min()!), minY = max(0, ys.min()!)
        let width = xs.max()! - minX, height = ys.max()! - minY
        guard width > 0, height > 0 else { return nil }
        return PlateBox(x: minX, y: minY, width: width, height: height)
    }
}
