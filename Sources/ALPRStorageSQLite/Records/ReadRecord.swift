import ALPRCore
import ALPRStorage
import Foundation
import GRDB

/// One row of `reads`. Encoded by hand rather than through `Codable`: ingest writes tens of
/// thousands of these a second.
struct ReadRecord {
    static let databaseTableName = "reads"
    static let columns = [
        "id", "reader_id", "active_period_id", "plate", "state", "confidence", "candidates",
        "captured_at", "received_at", "latitude", "longitude", "heading_degrees", "speed_kmh",
        "plate_box_x", "plate_box_y", "plate_box_width", "plate_box_height",
        "plate_image_sha256", "plate_image_content_type", "plate_image_byte_count",
        "vehicle_image_sha256", "vehicle_image_content_type", "vehicle_image_byte_count",
        "classification",
    ]
    static let selection = columns.joined(separator: ", ")
    /// Idempotent by id: a retried upload changes nothing.
    static let insertSQL = """
        INSERT INTO reads (\(selection)) VALUES (\(columns.map { _ in "?" }.joined(separator: ", ")))
        ON CONFLICT(id) DO NOTHING
        """

    /// Statement arguments for `insertSQL`, in column order.
    static func insertArguments(_ read: Read, candidatesEncoder: JSONEncoder) throws -> StatementArguments {
        let candidates = try candidatesJSON(read.candidates, fallback: candidatesEncoder)
        let values: [(any DatabaseValueConvertible)?] = [
            read.id, read.readerID, read.activePeriodID, read.plate.value, read.state,
            read.confidence, candidates, read.capturedAt.unixMilliseconds,
            read.receivedAt.unixMilliseconds, read.location?.latitude, read.location?.longitude,
            read.headingDegrees, read.speedKmh, read.plateBox?.x, read.plateBox?.y,
            read.plateBox?.width, read.plateBox?.height,
            read.plateImage?.sha256, read.plateImage?.contentType.rawValue, read.plateImage?.byteCount,
            read.vehicleImage?.sha256, read.vehicleImage?.contentType.rawValue, read.vehicleImage?.byteCount,
            // R2: a read is private when stored; holds make it active criminal investigative.
            DataClassification.private.rawValue,
        ]
        return StatementArguments(values)
    }

    /// The candidates as a JSON array, written directly: `JSONEncoder` costs more than the
    /// rest of an insert. Non-finite confidences (invalid JSON) go through `JSONEncoder`,
    /// which reports them as an error.
    static func candidatesJSON(_ candidates: [PlateCandidate], fallback: JSONEncoder) throws -> String {
        guard !candidates.isEmpty else { return "[]" }
        guard candidates.allSatisfy({ $0.confidence.isFinite }) else {
            return String(decoding: try fallback.encode(candidates), as: UTF8.self)
        }
        var json = "["
        for (index, candidate) in candidates.enumerated() {
            if index > 0 { json += "," }
            json += #"{"text":""#
            appendEscaped(candidate.text, to: &json)
            json += #"","confidence":"#
            json += "\(candidate.confidence)}"
        }
        return json + "]"
    }

    private static func appendEscaped(_ text: String, to json: inout String) {
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": json += "\\\""
            case "\\": json += "\\\\"
            case "\n": json += "\\n"
            case "\r": json += "\\r"
            case "\t": json += "\\t"
            case _ where scalar.value < 0x20:
                json += "\\u" + String(repeating: "0", count: 4 - String(scalar.value, radix: 16).count) + String(scalar.value, radix: 16)
            default: json.unicodeScalars.append(scalar)
            }
        }
    }

    static func read(from row: Row, candidatesDecoder: JSONDecoder) throws -> Read {
        do {
            let candidatesText: String = row["candidates"]
            let candidates = candidatesText == "[]"
                ? [] : try candidatesDecoder.decode([PlateCandidate].self, from: Data(candidatesText.utf8))
            var location: GeoPoint?
            if let latitude: Double = row["latitude"], let longitude: Double = row["longitude"] {
                location = try GeoPoint(latitude: latitude, longitude: longitude)
            }
            var plateBox: PlateBox?
            if let x: Double = row["plate_box_x"], let y: Double = row["plate_box_y"],
               let width: Double = row["plate_box_width"], let height: Double = row["plate_box_height"] {
                plateBox = PlateBox(x: x, y: y, width: width, height: height)
            }
            guard let classification = DataClassification(rawValue: row["classification"]) else {
                throw StorageError.corruptRow(table: databaseTableName, reason: "unknown classification")
            }
            return Read(
                id: row["id"], readerID: row["reader_id"], activePeriodID: row["active_period_id"],
                plate: try PlateNumber(row["plate"] as String), state: row["state"],
                confidence: row["confidence"], candidates: candidates,
                capturedAt: Date(unixMilliseconds: row["captured_at"]),
                receivedAt: Date(unixMilliseconds: row["received_at"]),
                location: location, headingDegrees: row["heading_degrees"], speedKmh: row["speed_kmh"],
                plateBox: plateBox,
                plateImage: try imageRef(row, prefix: "plate_image"),
                vehicleImage: try imageRef(row, prefix: "vehicle_image"),
                classification: classification
            )
        } catch let error as StorageError {
            throw error
        } catch {
            throw StorageError.corruptRow(table: databaseTableName, reason: String(describing: error))
        }
    }

    private static func imageRef(_ row: Row, prefix: String) throws -> ImageRef? {
        guard let sha256: String = row["\(prefix)_sha256"] else { return nil }
        guard let type = ImageContentType(rawValue: row["\(prefix)_content_type"] ?? "") else {
            throw StorageError.corruptRow(table: databaseTableName, reason: "unknown image content type")
        }
        return ImageRef(sha256: sha256, contentType: type, byteCount: row["\(prefix)_byte_count"] ?? 0)
    }
}
