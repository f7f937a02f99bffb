import ALPRCore
import Foundation

/// The Plate Recognizer (Stream / Snapshot) webhook: `data.results[]` with `plate`, `score`,
/// `box`, `candidates`; `data.camera_id`, `data.timestamp`. Sent as JSON, or as multipart with
/// a `json` part and the frame as `upload`. Vehicle type, make, model, colour and orientation
/// are not decoded (R1), so they are never stored.
enum PlateRecognizerFormat {
    struct Body: Decodable {
        struct DataBlock: Decodable {
            var cameraId: String?
            var filename: String?
            var timestamp: String
            var results: [Result]
        }
        struct Result: Decodable {
            struct Box: Decodable { var xmin: Double; var ymin: Double; var xmax: Double; var ymax: Double }
            struct Region: Decodable { var code: String? }
            struct Candidate: Decodable { var plate: String; var score: Double }
            var plate: String
            var score: Double
            var box: Box?
            var region: Region?
            var candidates: [Candidate]?
        }
        var data: DataBlock
    }

    static func submissions(from data: Data, frame: [UInt8]?) throws -> [ReadSubmission] {
        let body: Body
        do {
            body = try APIJSON.decoder.decode(Body.self, from: data)
        } catch let error as DecodingError {
            if case .dataCorrupted(let context) = error, context.codingPath.isEmpty {
                throw RequestError(.badRequest, "malformed JSON: the body is not valid JSON")
            }
            throw ALPRError.invalid(field: NativeReadFormat.fieldName(error), reason: ErrorMiddleware.describe(decoding: error))
        }
        guard let capturedAt = ISO8601.parse(body.data.timestamp) else {
            throw ALPRError.invalid(field: "data.timestamp", reason: "not an ISO 8601 time")
        }
        let camera = body.data.cameraId ?? ""
        return body.data.results.enumerated().map { index, result in
            ReadSubmission(
                // Same camera, time and position in the frame: the same read, if re-sent.
                id: ReadSubmission.derivedID("platerecognizer", camera, body.data.timestamp, body.data.filename ?? "", String(index)),
                plate: result.plate, state: OpenALPRFormat.state(fromRegion: result.region?.code),
                confidence: result.score,
                candidates: (result.candidates ?? []).prefix(ReadIngestor.maximumCandidates).map {
                    PlateCandidate(text: $0.plate, confidence: $0.score)
                },
                capturedAt: capturedAt,
                plateBox: result.box.flatMap { box in
                    box.xmax > box.xmin && box.ymax > box.ymin
                        ? PlateBox(x: max(0, box.xmin), y: max(0, box.ymin), width: box.xmax - box.xmin, height: box.ymax - box.ymin)
                        : nil
                },
                vehicleImage: frame
            )
        }
    }
}
