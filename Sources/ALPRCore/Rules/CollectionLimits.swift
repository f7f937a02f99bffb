import Foundation

/// R1 (Minn. Stat. §13.824 subd. 2(a)): a read holds only the plate number, date, time and
/// location (with the reader's heading and speed), pictures of the plate, vehicle and
/// surroundings, the reader, and recognition metadata. Owner identity and vehicle
/// fingerprints (make, model, colour, body type) and faces are not collected.
public enum CollectionLimits {
    public static let rule = "R1 §13.824 subd. 2(a)"

    /// Field names (lower-cased, separators removed) that describe the owner, occupants or
    /// vehicle beyond its plate. Incoming payloads carrying them are accepted only with those
    /// fields dropped; our own read format refuses them outright.
    public static let forbiddenFieldNames: Set<String> = [
        "owner", "ownername", "registeredowner", "driver", "drivername", "name", "firstname",
        "lastname", "address", "dob", "dateofbirth", "phone", "email", "face", "faces", "person",
        "occupant", "occupants", "make", "model", "makemodel", "vehiclemake", "vehiclemodel",
        "color", "colour", "vehiclecolor", "vehiclecolour", "bodytype", "vehiclebodytype",
        "vehicletype", "year", "vehicleyear", "vin", "orientation", "vehiclesignature",
        "fingerprint", "vehicle_make", "vehicle_model", "vehicle_color",
    ]

    public static func isForbidden(fieldName: String) -> Bool {
        let key = fieldName.lowercased().filter { $0.isLetter || $0.isNumber }
        return forbiddenFieldNames.contains(key)
    }

    /// The forbidden keys found in a decoded JSON object (top level only).
    public static func forbiddenFields(in keys: some Sequence<String>) -> [String] {
        keys.filter(isForbidden(fieldName:)).sorted()
    }

    /// Images: only JPEG and PNG, at most this many bytes each.
    public static let maximumImageBytes = 2 * 1024 * 1024

    /// Reads may not claim to be from the future (beyond clock skew) or implausibly old.
    public static let allowedClockSkew: TimeInterval = 5 * 60

    public static func validateCaptureTime(_ capturedAt: Date, now: Date, retention: Retention) throws(ALPRError) {
        if capturedAt > now.addingTimeInterval(allowedClockSkew) {
            throw .invalid(field: "captured_at", reason: "is in the future")
        }
        if retention.isExpired(capturedAt: capturedAt, now: now) {
            throw .invalid(field: "captured_at", reason: "is older than the retention period; it may not be stored")
        }
    }

    public static func validateConfidence(_ confidence: Double) throws(ALPRError) {
        guard confidence.isFinite, (0...1).contains(confidence) else {
            throw .invalid(field: "confidence", reason: "must be between 0 and 1")
        }
    }

    /// Detects the image type from its first bytes; refuses anything but JPEG and PNG.
    public static func imageContentType(of bytes: some Collection<UInt8>, field: String) throws(ALPRError) -> ImageContentType {
        guard !bytes.isEmpty else { throw .invalid(field: field, reason: "image is empty") }
        guard bytes.count <= maximumImageBytes else {
            throw .invalid(field: field, reason: "image is larger than \(maximumImageBytes / 1024) KiB")
        }
        let head = Array(bytes.prefix(8))
        if head.starts(with: [0xFF, 0xD8, 0xFF]) { return .jpeg }
        if head.starts(with: [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]) { return .png }
        throw .invalid(field: field, reason: "only JPEG and PNG images are accepted")
    }
}
