import ALPRCore
import ALPRStorage
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Logging
import NIOCore
import Testing
@testable import ALPRServer

/// Configuration, health, metrics, error mapping, retention and first run.
@Suite struct SystemTests {
    @Test func configurationPrecedenceIsCommandLineThenEnvironmentThenFile() async throws {
        let directory = try TemporaryDirectoryForConfig()
        defer { directory.remove() }
        let file = directory.url.appendingPathComponent("alpr.json")
        try Data(#"{"port": 9001, "retentionDays": 30, "dataDirectory": "/from/file", "host": "0.0.0.0"}"#.utf8).write(to: file)
        let configuration = try await ServerConfiguration.load(
            commandLine: [.port: "9003"], environment: ["ALPR_PORT": "9002", "ALPR_RETENTION_DAYS": "45"], configFile: file.path
        )
        #expect(configuration.port == 9003 && configuration.retention.days == 45)
        #expect(configuration.dataDirectory == "/from/file" && configuration.host == "0.0.0.0")
        let defaults = try await ServerConfiguration.load(commandLine: [.dataDirectory: "/d"], environment: [:], configFile: nil)
        #expect(defaults.port == 8080 && defaults.retention.days == 60 && defaults.sessionLifetime == 12 * 3600)
    }

    /// The configuration's error, through an untyped `throws` (plain `catch` of the typed one).
    static func loadError(commandLine: [ServerConfiguration.Key: String], environment: [String: String], configFile: String?) async -> ServerConfigurationError? {
        let load: () async throws -> ServerConfiguration = {
            try await ServerConfiguration.load(commandLine: commandLine, environment: environment, configFile: configFile)
        }
        do {
            _ = try await load()
            return nil
        } catch {
            return error as? ServerConfigurationError
        }
    }

    @Test func startupListsEveryProblem() async throws {
        let error = try #require(await Self.loadError(
            commandLine: [.retentionDays: "90", .port: "eighty"], environment: ["ALPR_MAX_IMAGE_BYTES": "999999999"], configFile: nil
        ))
        let text = error.description
        #expect(error.problems.count == 4, "\(error.problems)")
        #expect(text.contains("retentionDays") && text.contains("60 days") && text.contains("R11"))
        #expect(text.contains("port") && text.contains("dataDirectory") && text.contains("maxImageBytes"))
        let missingFile = await Self.loadError(commandLine: [.dataDirectory: "/d"], environment: [:], configFile: "/nonexistent/alpr.json")
        #expect(missingFile?.problems.first?.contains("/nonexistent/alpr.json") == true)
    }

    @Test func healthMetricsAndJSONErrors() async throws {
        let server = try TestServer()
        defer { server.remove() }
        let (_, bearer) = try await server.collectingReader()
        try await server.app().test(.router) { client in
            let health = try await client.execute(uri: "/health", method: .get)
            #expect(health.status == .ok && health.json["status"] as? String == "ok")
            #expect(health.headers[HTTPField.Name("X-Request-ID")!] != nil)
            _ = try await client.execute(uri: "/api/v1/reads", method: .post, headers: .json(bearer: bearer), body: .json(nativeRead()))
            let metrics = try await client.execute(uri: "/metrics", method: .get)
            #expect(metrics.status == .ok && metrics.text.contains("alpr_reads_accepted_total 1"))
            let missing = try await client.execute(uri: "/api/v1/nothing-here", method: .get)
            #expect(missing.status == .notFound && !missing.errorReason.isEmpty)
            #expect((missing.json["error"] as? [String: Any])?["request_id"] != nil)
            let page = try await client.execute(uri: "/nothing-here", method: .get)
            #expect(page.status == .notFound && page.headers[.contentType]?.hasPrefix("text/html") == true)
        }
    }

    @Test func unexpectedErrorsNeverLeakTheirDetails() {
        struct SecretFailure: Error { var detail = "/var/lib/alpr/alpr.sqlite: disk I/O error near SELECT plate" }
        let failure = ErrorMiddleware.describe(SecretFailure())
        #expect(failure.status == .internalServerError && failure.reason == "internal error")
        let response = ErrorMiddleware.jsonResponse(failure, requestID: "r-1")
        #expect(response.status == .internalServerError)
    }

    @Test func retentionPurgesExpiredReadsAndKeepsHeldOnes() async throws {
        let server = try TestServer(retentionDays: 30)
        defer { server.remove() }
        let (reader, _) = try await server.registerReader()
        let old = Read(id: UUID(), readerID: reader.id, plate: try PlateNumber("OLD111"), confidence: 0.9,
                       capturedAt: Date().addingTimeInterval(-31 * 86_400), receivedAt: Date().addingTimeInterval(-31 * 86_400))
        let held = Read(id: UUID(), readerID: reader.id, plate: try PlateNumber("HELD22"), confidence: 0.9,
                        capturedAt: Date().addingTimeInterval(-40 * 86_400), receivedAt: Date().addingTimeInterval(-40 * 86_400))
        let fresh = Read(id: UUID(), readerID: reader.id, plate: try PlateNumber("NEW333"), confidence: 0.9,
                         capturedAt: Date().addingTimeInterval(-29 * 86_400), receivedAt: Date().addingTimeInterval(-29 * 86_400))
        _ = try await server.storage.reads.insert([old, held, fresh], audit: nil)
        let audit = AuditLog(repository: server.storage.audit)
        try await server.storage.cases.open(InvestigationCase(number: "2025-9", description: "x", openedAt: Date(), openedBy: "inv"), audit: audit.draft(.enter, actor: "inv", subject: "case"))
        try await server.storage.cases.hold(readIDs: [held.id], caseNumber: "2025-9", basis: .investigation, at: Date(), by: "inv", audit: audit.draft(.update, actor: "inv", subject: "hold"))

        let service = RetentionService(storage: server.storage, retention: server.configuration.retention, interval: 3600, logger: TestServer.logger)
        // The service's first round runs at start; give it a moment, then stop it.
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await service.run() }
            for _ in 0..<100 where try await server.storage.reads.read(id: old.id) != nil {
                try await Task.sleep(for: .milliseconds(50))
            }
            group.cancelAll()
        }
        #expect(try await server.storage.reads.read(id: old.id) == nil)
        #expect(try await server.storage.reads.read(id: held.id) != nil)
        #expect(try await server.storage.reads.read(id: fresh.id) != nil)
        #expect(try await server.auditEntries().contains { $0.action == .destroy })
    }

    @Test func firstRunCreatesOneAdministratorAndTheDemo() async throws {
        let server = try TestServer()
        defer { server.remove() }
        let report = try await FirstRunSetup.run(storage: server.storage, configuration: server.configuration, demo: true, logger: TestServer.logger)
        let admin = try #require(report.administrator)
        #expect(admin.username == "admin" && admin.password.count >= 16)
        #expect(report.demoReadsAccepted == 5)
        let reader = try #require(report.demoReader)
        let again = try await FirstRunSetup.run(storage: server.storage, configuration: server.configuration, demo: true, logger: TestServer.logger)
        #expect(again.administrator == nil && again.demoReader == nil && again.demoInvestigator == nil && again.demoOfficer == nil && again.demoReadsAccepted == 0)
        #expect(try await server.storage.users.count() == 3)
        let investigator = try #require(report.demoInvestigator)
        let officer = try #require(report.demoOfficer)
        let storedOfficer = try #require(try await server.storage.users.user(username: officer.username))
        #expect(storedOfficer.roles == [.officer] && storedOfficer.trainingCompletedAt != nil)
        #expect(storedOfficer.authorization?.authorizedBy.contains("demo") == true)
        #expect(try await server.storage.reads.count() == 5)

        try await server.app().test(.router) { client in
            // The printed password logs in; the demo reader's credential uploads.
            let token = try await client.login(admin.username, password: admin.password)
            #expect(try await client.execute(uri: "/api/v1/readers", method: .get, headers: .bearer(token)).status == .ok)
            let read = try await client.execute(uri: "/api/v1/reads", method: .post, headers: .json(bearer: reader.credential), body: .json(nativeRead(plate: "TEST999")))
            #expect(read.status == .created)
            // The demo investigator finds the demo reads.
            let investigatorToken = try await client.login(investigator.username, password: investigator.password)
            let search = try await client.execute(
                uri: "/api/v1/search", method: .post, headers: .json(bearer: investigatorToken),
                body: .json(["case_number": "DEMO-1", "reason": "Demonstration search for the plate seen on the demo reader at Bass Lake Rd", "plate": "ABC123"])
            )
            #expect(search.status == .ok && search.json["count"] as? Int == 1, "\(search.text)")
            // The demo officer opens the hits page.
            let officerToken = try await client.login(officer.username, password: officer.password)
            let hits = try await client.execute(uri: "/hits", method: .get, headers: [.cookie: "\(SessionToken.cookieName)=\(officerToken)"])
            #expect(hits.status == .ok && hits.text.contains(HitNotice.notProbableCause), "\(hits.text)")
        }
    }
}

/// A scratch directory for config files.
struct TemporaryDirectoryForConfig {
    let url: URL
    init() throws {
        url = FileManager.default.temporaryDirectory.appendingPathComponent("alpr-config-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    }
    func remove() { try? FileManager.default.removeItem(at: url) }
}
