import ALPRCore
import ALPRStorage
import Foundation
import HummingbirdBcrypt
import Logging

/// What `alpr serve` does before the server starts on a fresh data directory: an
/// administrator account when there are no users, and with `--demo` a demo fixed reader with
/// a few reads, entered through the same `ReadIngestor` as reads from cameras.
public enum FirstRunSetup {
    public struct Report: Sendable {
        public var administrator: (username: String, password: String)?
        public var demoReader: (name: String, id: UUID, credential: String)?
        public var demoInvestigator: (username: String, password: String)?
        public var demoOfficer: (username: String, password: String)?
        public var demoReadsAccepted = 0
        public var notes: [String] = []
    }

    public static let administratorUsername = "admin"
    public static let demoReaderName = "demo-fixed-1"
    public static let demoInvestigatorUsername = "demo-investigator"
    public static let demoOfficerUsername = "demo-officer"

    public static func run(storage: Storage, configuration: ServerConfiguration, demo: Bool, logger: Logger) async throws -> Report {
        var report = Report()
        let audit = AuditLog(repository: storage.audit)
        if try await storage.users.count() == 0 {
            let password = SessionManager.randomPassword()
            // The administrator manages users and readers. Access to data still needs a
            // recorded written authorization (R8), which it must record for itself or others.
            let user = User(
                username: administratorUsername, passwordHash: Bcrypt.hash(password, cost: configuration.passwordHashCost),
                roles: [.administrator]
            )
            try await storage.users.create(user, audit: audit.draft(
                .enter, actor: "system:first-run", subject: "user", criteria: "username=\(user.username) roles=administrator",
                resultIDs: [user.id.uuidString]
            ))
            report.administrator = (user.username, password)
        }
        guard demo else { return report }

        let now = Date()
        let reader: Reader
        let credentialPath = demoCredentialPath(dataDirectory: configuration.dataDirectory)
        if let existing = try await storage.readers.reader(named: demoReaderName) {
            reader = existing
            if FileManager.default.fileExists(atPath: credentialPath) {
                report.notes.append("demo reader '\(demoReaderName)' already exists; its credential is in \(credentialPath)")
            } else {
                let credential = try await reissueDemoCredential(for: existing, storage: storage, audit: audit)
                _ = try writeDemoCredential(credential, dataDirectory: configuration.dataDirectory)
                report.demoReader = (existing.name, existing.id, credential)
                report.notes.append("demo reader '\(demoReaderName)' had no credential file; issued a new credential into \(credentialPath)")
            }
        } else {
            let created = Reader(
                name: demoReaderName, kind: .fixed, location: try GeoPoint(latitude: 45.0327, longitude: -93.3602),
                locationDescription: "Demo: Bass Lake Rd at Douglas Dr, Crystal MN", installedAt: now.addingTimeInterval(-7200)
            )
            let registered = try await ReadersController.register(created, storage: storage, audit: audit, actor: "system:first-run")
            reader = created
            report.demoReader = (created.name, created.id, registered.credential)
            _ = try writeDemoCredential(registered.credential, dataDirectory: configuration.dataDirectory)
            report.notes.append("demo reader credential written to \(credentialPath) (owner-only) for `alpr agent --credential-file`")
        }
        // So a newcomer can search the demo reads and open the demo hits at once. The training
        // and authorization are marked as a demonstration: real ones are recorded by an
        // administrator from the training record and the chief's writing (R7, R8).
        if let created = try await createDemoUser(demoInvestigatorUsername, role: .investigator, storage: storage, configuration: configuration, audit: audit, now: now) {
            report.demoInvestigator = created
        }
        if let created = try await createDemoUser(demoOfficerUsername, role: .officer, storage: storage, configuration: configuration, audit: audit, now: now) {
            report.demoOfficer = created
        }
        let periodStart = now.addingTimeInterval(-3600)
        if try await storage.readers.activePeriod(readerID: reader.id, at: periodStart) == nil {
            try await storage.readers.openActivePeriod(ActivePeriod(readerID: reader.id, source: .startStop, startedAt: periodStart))
        }
        let plates = ["ABC123", "XYZ789", "MN4521", "GHK220", "ZPL9001"]
        let submissions = plates.enumerated().map { index, plate in
            ReadSubmission(
                id: ReadSubmission.derivedID("demo", reader.id.uuidString, plate), plate: plate, state: "MN",
                confidence: 0.9 - Double(index) * 0.03,
                capturedAt: now.addingTimeInterval(-3000 + Double(index) * 600), headingDegrees: 90
            )
        }
        let ingestor = ReadIngestor(storage: storage, retention: configuration.retention, maxImageBytes: configuration.maxImageBytes)
        let result = try await ingestor.ingest(submissions, from: reader, format: "demo", logger: logger)
        report.demoReadsAccepted = result.accepted
        return report
    }

    /// A demo account with demo training and authorization, unless `username` exists already;
    /// returns its password, shown only once.
    static func createDemoUser(
        _ username: String, role: Role, storage: Storage, configuration: ServerConfiguration, audit: AuditLog, now: Date
    ) async throws -> (username: String, password: String)? {
        guard try await storage.users.user(username: username) == nil else { return nil }
        let password = SessionManager.randomPassword()
        let user = User(
            username: username, passwordHash: Bcrypt.hash(password, cost: configuration.passwordHashCost),
            roles: [role], trainingCompletedAt: now,
            authorization: WrittenAuthorization(
                authorizedBy: "demo setup (not a real authorization)", authorizedAt: now,
                purpose: "Demonstration on demo data only"
            )
        )
        try await storage.users.create(user, audit: audit.draft(
            .enter, actor: "system:first-run", subject: "user",
            criteria: "username=\(user.username) roles=\(role.rawValue) demo", resultIDs: [user.id.uuidString]
        ))
        return (user.username, password)
    }
}
