import ALPRCore
import ALPRStorage
import ALPRStorageSQLite
import ALPRTestSupport
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdBcrypt
import HummingbirdTesting
import Logging
import NIOCore
import Testing
@testable import ALPRServer

/// A server over real SQLite storage in a temporary directory.
struct TestServer {
    static let password = "correct horse battery staple"
    let directory: TemporaryDirectory
    let storage: Storage
    let configuration: ServerConfiguration

    init(retentionDays: Int = 60, maxImageBytes: Int = CollectionLimits.maximumImageBytes, maxRequestBytes: Int = 16 * 1024 * 1024) throws {
        directory = try TemporaryDirectory(prefix: "alpr-server-test")
        storage = try SQLiteStorage.open(directory: directory.url)
        var configuration = ServerConfiguration(
            dataDirectory: directory.url.path, retention: try Retention(days: retentionDays),
            maxImageBytes: maxImageBytes, maxRequestBytes: maxRequestBytes
        )
        configuration.passwordHashCost = 4
        self.configuration = configuration
    }

    static var logger: Logger {
        var logger = Logger(label: "alpr-test")
        logger.logLevel = .warning
        return logger
    }

    func app(storage: Storage? = nil, throttle: LoginThrottle = LoginThrottle()) async throws -> some ApplicationProtocol {
        try await buildApplication(configuration: configuration, storage: storage ?? self.storage, logger: Self.logger, throttle: throttle)
    }

    /// Opens the same directory again, as a restarted server would.
    func reopenedStorage() throws -> Storage { try SQLiteStorage.open(directory: directory.url) }

    @discardableResult
    func createUser(_ username: String, roles: Set<Role>, trained: Bool = true, authorized: Bool = true, disabled: Bool = false) async throws -> User {
        let user = User(
            username: username, passwordHash: Bcrypt.hash(Self.password, cost: 4), roles: roles,
            trainingCompletedAt: trained ? Date().addingTimeInterval(-86_400) : nil,
            authorization: authorized ? WrittenAuthorization(authorizedBy: "Chief Adams", authorizedAt: Date().addingTimeInterval(-86_400), purpose: "ALPR operations") : nil,
            disabledAt: disabled ? Date() : nil
        )
        try await storage.users.create(user, audit: AuditEntryDraft(actor: "test", action: .enter, subject: "user"))
        return user
    }

    /// Registers a reader the way the admin route does and returns its bearer value.
    func registerReader(kind: ReaderKind = .fixed, name: String? = nil) async throws -> (reader: Reader, bearer: String) {
        let reader = Reader(
            name: name ?? "\(kind.rawValue)-\(UUID().uuidString.prefix(8))", kind: kind,
            location: kind == .fixed ? try GeoPoint(latitude: 45.03, longitude: -93.36) : nil,
            installedAt: Date().addingTimeInterval(-86_400)
        )
        let credential = ReaderCredential.generate()
        try await storage.readers.create(reader, credentialHash: credential.hash, audit: AuditEntryDraft(actor: "test", action: .enter, subject: "reader"))
        return (reader, credential.bearer(readerID: reader.id))
    }

    /// A fixed reader collecting since `since` (start/stop period).
    func collectingReader(since: Date = Date().addingTimeInterval(-3600)) async throws -> (reader: Reader, bearer: String) {
        let registered = try await registerReader()
        try await storage.readers.openActivePeriod(ActivePeriod(readerID: registered.reader.id, source: .startStop, startedAt: since))
        return registered
    }

    /// All audit entries, in order.
    func auditEntries() async throws -> [AuditEntryDraft] {
        try await storage.audit.events(from: 1, limit: 100_000).map(\.entry)
    }

    func remove() { directory.remove() }
}

// MARK: Requests

extension HTTPFields {
    static func json(bearer: String? = nil) -> HTTPFields {
        var fields: HTTPFields = [.contentType: "application/json"]
        if let bearer { fields[.authorization] = "Bearer \(bearer)" }
        return fields
    }

    static func bearer(_ token: String) -> HTTPFields { [.authorization: "Bearer \(token)"] }
}

extension ByteBuffer {
    static func json(_ object: Any) throws -> ByteBuffer {
        ByteBuffer(bytes: try JSONSerialization.data(withJSONObject: object))
    }
}

extension TestResponse {
    var json: [String: Any] {
        (try? JSONSerialization.jsonObject(with: Data(buffer: body))) as? [String: Any] ?? [:]
    }

    var text: String { String(buffer: body) }

    var errorReason: String { ((json["error"] as? [String: Any])?["reason"] as? String) ?? "" }
    var errorField: String? { (json["error"] as? [String: Any])?["field"] as? String }
}

extension TestClientProtocol {
    /// Logs in through the API and returns the session token.
    func login(_ username: String, password: String = TestServer.password) async throws -> String {
        let response = try await execute(
            uri: "/api/v1/login", method: .post, headers: .json(),
            body: .json(["username": username, "password": password])
        )
        try #require(response.status == .created, "login failed: \(response.text)")
        return try #require(response.json["token"] as? String)
    }
}

/// A read in our own JSON format, valid unless changed.
func nativeRead(
    id: UUID = UUID(), plate: String = "ABC123", capturedAt: Date = Date().addingTimeInterval(-60),
    extra: [String: Any] = [:]
) -> [String: Any] {
    var read: [String: Any] = [
        "id": id.uuidString, "plate": plate, "state": "MN", "confidence": 0.93,
        "candidates": [["plate": plate, "confidence": 0.93], ["plate": "A8C123", "confidence": 0.04]],
        "captured_at": iso8601Milliseconds(capturedAt),
        "latitude": 45.0331, "longitude": -93.3599, "heading": 182.5, "speed": 54.0,
        "plate_box": ["x": 410, "y": 300, "width": 120, "height": 40],
    ]
    for (key, value) in extra { read[key] = value }
    return read
}

/// ISO 8601 with milliseconds, so a read captured "now" is not rounded to before a period began.
func iso8601Milliseconds(_ date: Date) -> String {
    let formatter = ISO8601DateFormatter()
    formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
    return formatter.string(from: date)
}

/// A small but genuine JPEG header followed by filler, as the signature check sees it.
func jpegBytes(count: Int = 4096, seed: UInt64 = 1) -> [UInt8] { Fixtures.jpegBytes(seed: seed, byteCount: count) }
