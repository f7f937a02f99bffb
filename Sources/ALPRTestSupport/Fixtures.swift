import ALPRCore
import ALPRStorage
import Foundation

/// Builders for domain values used by tests and benchmarks.
public enum Fixtures {
    /// A fixed "now" for tests, on a whole millisecond (storage keeps times to the millisecond).
    public static let now = Date(timeIntervalSince1970: 1_780_000_000)

    /// `date` rounded to the millisecond, as storage returns it.
    public static func millisecond(_ date: Date) -> Date {
        Date(timeIntervalSince1970: (date.timeIntervalSince1970 * 1000).rounded() / 1000)
    }

    public static func audit(_ action: AuditAction = .enter, subject: String, actor: String = "test") -> AuditEntryDraft {
        AuditEntryDraft(at: now, actor: actor, action: action, subject: subject)
    }

    public static func reader(name: String = "fixed-\(UUID().uuidString.prefix(8))", kind: ReaderKind = .fixed) -> Reader {
        Reader(
            name: name, kind: kind,
            location: kind == .fixed ? try! GeoPoint(latitude: 45.0328, longitude: -93.3602) : nil,
            locationDescription: kind == .fixed ? "Bass Lake Rd at Douglas Dr" : nil,
            unit: kind == .mobile ? "Squad 12" : nil,
            installedAt: now.addingTimeInterval(-90 * 86_400), createdAt: now.addingTimeInterval(-90 * 86_400)
        )
    }

    /// Registers a reader (with a throwaway credential hash) and returns it.
    public static func registerReader(in storage: Storage, name: String = "fixed-\(UUID().uuidString.prefix(8))") async throws -> Reader {
        let reader = reader(name: name)
        try await storage.readers.create(reader, credentialHash: ReaderCredential.generate().hash, audit: audit(subject: "reader"))
        return reader
    }

    public static func user(username: String, roles: Set<Role>, trained: Bool = true, authorized: Bool = true) -> User {
        User(
            username: username, passwordHash: "$2b$04$notarealhashnotarealhashnotarealhashnotarealhashnotrea",
            roles: roles, trainingCompletedAt: trained ? now.addingTimeInterval(-30 * 86_400) : nil,
            authorization: authorized
                ? WrittenAuthorization(authorizedBy: "Chief", authorizedAt: now.addingTimeInterval(-30 * 86_400), purpose: "ALPR operations")
                : nil,
            createdAt: now.addingTimeInterval(-60 * 86_400)
        )
    }

    public static func read(
        readerID: UUID, plate: String, capturedAt: Date, plateImage: ImageRef? = nil, vehicleImage: ImageRef? = nil
    ) -> Read {
        Read(
            id: UUID(), readerID: readerID, plate: try! PlateNumber(plate), state: "MN", confidence: 0.91,
            candidates: [PlateCandidate(text: plate, confidence: 0.91), PlateCandidate(text: plate + "1", confidence: 0.05)],
            capturedAt: millisecond(capturedAt), receivedAt: millisecond(capturedAt.addingTimeInterval(1.5)),
            location: try! GeoPoint(latitude: 45.0328, longitude: -93.3602), headingDegrees: 90, speedKmh: 48.5,
            plateBox: PlateBox(x: 10, y: 20, width: 120, height: 40), plateImage: plateImage, vehicleImage: vehicleImage
        )
    }

    /// A random plate of 5 to 7 letters and digits.
    public static func randomPlate(using generator: inout some RandomNumberGenerator) -> String {
        let alphabet = Array("ABCDEFGHJKLMNPRSTUVWXYZ0123456789")
        let length = Int.random(in: 5...7, using: &generator)
        return String((0..<length).map { _ in alphabet.randomElement(using: &generator)! })
    }

    /// Bytes that pass the JPEG signature check, different for each seed.
    public static func jpegBytes(seed: UInt64, byteCount: Int = 2048) -> [UInt8] {
        var generator = SeededGenerator(seed: seed)
        var bytes: [UInt8] = [0xFF, 0xD8, 0xFF, 0xE0]
        bytes.reserveCapacity(byteCount)
        while bytes.count < byteCount - 2 { bytes.append(UInt8.random(in: 0...255, using: &generator)) }
        bytes += [0xFF, 0xD9]
        return bytes
    }
}

/// A directory under the system temporary folder, removed by `remove()`.
public struct TemporaryDirectory: Sendable {
    public let url: URL

    public init(prefix: String = "alpr-test") throws {
        url = FileManager.default.temporaryDirectory.appendingPathComponent("\(prefix)-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    }

    public func remove() { try? FileManager.default.removeItem(at: url) }
}
