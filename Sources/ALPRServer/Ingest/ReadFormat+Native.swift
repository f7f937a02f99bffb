import ALPRCore
import Foundation

/// Our own read format (`POST /api/v1/reads`): one JSON object or an array of them, or one read
/// as `multipart/form-data` with a `read` JSON part and `plate_image` / `vehicle_image` files.
/// R1 (§13.824 subd. 2(a)): any key that is not a read field is refused, naming it.
enum NativeReadFormat {
    static let allowedFields: Set<String> = [
        "id", "plate", "state", "confidence", "candidates", "captured_at", "latitude", "longitude",
        "heading", "speed", "plate_box", "plate_image", "vehicle_image",
    ]

    struct Payload: Decodable {
        struct Candidate: Decodable { var plate: String; var confidence: Double }
        struct Box: Decodable { var x: Double; var y: Double; var width: Double; var height: Double }
        var id: UUID
        var plate: String
        var state: String?
        var confidence: Double
        var candidates: [Candidate]?
        var capturedAt: Date
        var latitude: Double?
        var longitude: Double?
        var heading: Double?
        var speed: Double?
        var plateBox: Box?
        var plateImage: String?
        var vehicleImage: String?
    }

    /// Parses a JSON body. Field errors name the read's index when the body is an array.
    static func submissions(fromJSON data: Data) throws -> [ReadSubmission] {
        let object: Any
        do {
            object = try JSONSerialization.jsonObject(with: data)
        } catch {
            throw RequestError(.badRequest, "malformed JSON: the body is not valid JSON")
        }
        let items: [Any]
        let isBatch: Bool
        if let array = object as? [Any] {
            items = array; isBatch = true
        } else {
            items = [object]; isBatch = false
        }
        var submissions: [ReadSubmission] = []
        for (index, item) in items.enumerated() {
            let prefix = isBatch ? "reads[\(index)]." : ""
            guard let dictionary = item as? [String: Any] else {
                throw ALPRError.invalid(field: isBatch ? "reads[\(index)]" : "body", reason: "a read must be a JSON object")
            }
            try checkFields(dictionary.keys, prefix: prefix)
            let payload: Payload
            do {
                payload = try APIJSON.decoder.decode(Payload.self, from: JSONSerialization.data(withJSONObject: dictionary))
            } catch let error as DecodingError {
                throw ALPRError.invalid(field: prefix + fieldName(error), reason: ErrorMiddleware.describe(decoding: error))
            }
            do {
                submissions.append(try submission(from: payload, images: (nil, nil)))
            } catch let error as ALPRError {
                throw ReadIngestor.prefixed(error, prefix)
            }
        }
        return submissions
    }

    /// One read: the `read` part holds the JSON fields, `plate_image` / `vehicle_image` the files.
    static func submission(fromMultipart form: MultipartFormData) throws -> ReadSubmission {
        guard let readPart = form.part(named: "read") else {
            throw ALPRError.invalid(field: "read", reason: "the multipart body needs a 'read' part with the read's JSON")
        }
        let allowedParts: Set<String> = ["read", "plate_image", "vehicle_image"]
        if let extra = form.parts.first(where: { !allowedParts.contains($0.name) }) {
            throw ALPRError.invalid(field: extra.name, reason: "not a part of a read (\(CollectionLimits.rule))")
        }
        let submissions = try Self.submissions(fromJSON: Data(readPart.body))
        guard submissions.count == 1, var submission = submissions.first else {
            throw ALPRError.invalid(field: "read", reason: "a multipart request carries exactly one read")
        }
        if let part = form.part(named: "plate_image") {
            guard submission.plateImage == nil else { throw ALPRError.invalid(field: "plate_image", reason: "given twice") }
            submission.plateImage = part.body
        }
        if let part = form.part(named: "vehicle_image") {
            guard submission.vehicleImage == nil else { throw ALPRError.invalid(field: "vehicle_image", reason: "given twice") }
            submission.vehicleImage = part.body
        }
        return submission
    }

    static func checkFields(_ keys: some Sequence<String>, prefix: String) throws {
        let keys = keys.sorted()
        if let forbidden = CollectionLimits.forbiddenFields(in: keys).first {
            throw ALPRError.invalid(
                field: prefix + forbidden,
                reason: "\(CollectionLimits.rule) forbids collecting owner or vehicle descriptions; remove the field"
            )
        }
        if let unknown = keys.first(where: { !allowedFields.contains($0) }) {
            throw ALPRError.invalid(field: prefix + unknown, reason: "not a field of a read; a read holds only what \(CollectionLimits.rule) allows")
        }
    }

    static func submission(from payload: Payload, images: ([UInt8]?, [UInt8]?)) throws -> ReadSubmission {
        ReadSubmission(
            id: payload.id, plate: payload.plate, state: payload.state, confidence: payload.confidence,
            candidates: (payload.candidates ?? []).map { PlateCandidate(text: $0.plate, confidence: $0.confidence) },
            capturedAt: payload.capturedAt, latitude: payload.latitude, longitude: payload.longitude,
            headingDegrees: payload.heading, speedKmh: payload.speed,
            plateBox: payload.plateBox.map { PlateBox(x: $0.x, y: $0.y, width: $0.width, height: $0.height) },
            plateImage: try payload.plateImage.map { try decodeBase64($0, field: "plate_image") },
            vehicleImage: try payload.vehicleImage.map { try decodeBase64($0, field: "vehicle_image") }
        )
    }

    static func decodeBase64(_ text: String, field: String) throws(ALPRError) -> [UInt8] {
        // Accept data URLs and base64url, which some clients produce.
        var body = text
        if body.hasPrefix("data:"), let comma = body.firstIndex(of: ",") { body = String(body[body.index(after: comma)...]) }
        body = body.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
            .filter { !$0.isWhitespace }
        while body.count % 4 != 0 { body.append("=") }
        guard let data = Data(base64Encoded: body) else {
            throw .invalid(field: field, reason: "is not valid base64")
        }
        return Array(data)
    }

    static func fieldName(_ error: DecodingError) -> String {
        let path: [any CodingKey]
        switch error {
        case .keyNotFound(let key, let context): path = context.codingPath + [key]
        case .typeMismatch(_, let context), .valueNotFound(_, let context), .dataCorrupted(let context): path = context.codingPath
        @unknown default: path = []
        }
        return path.map { $0.intValue.map { "[\($0)]" } ?? snakeCase($0.stringValue) }.joined(separator: ".")
    }

    static func snakeCase(_ name: String) -> String {
        var result = ""
        for character in name {
            if character.isUppercase { result += "_" + character.lowercased() } else { result.append(character) }
        }
        return result
    }
}
