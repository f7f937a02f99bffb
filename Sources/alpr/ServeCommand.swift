import ALPRCore
import ALPRServer
import ALPRStorage
import ALPRStorageSQLite
import ArgumentParser
import Foundation
import Logging

/// `alpr serve`: opens (and migrates) the SQLite data directory, prepares a first
/// administrator on a fresh install, and runs the web server with its background services.
struct ServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Run the ALPR server.",
        discussion: """
            Options override the environment (ALPR_HOST, ALPR_PORT, ALPR_DATA_DIRECTORY, ALPR_RETENTION_DAYS, \
            ALPR_SESSION_LIFETIME_MINUTES, ALPR_HEARTBEAT_GAP_SECONDS, ALPR_PURGE_INTERVAL_MINUTES, \
            ALPR_MAX_IMAGE_BYTES, ALPR_MAX_REQUEST_BYTES), which override the JSON file given with --config \
            (keys host, port, dataDirectory, retentionDays, ...). Retention may not exceed 60 days (Minn. Stat. §13.824 subd. 3).
            """
    )

    @Option(help: "Address to listen on (default 127.0.0.1).") var host: String?
    @Option(help: "Port to listen on (default 8080).") var port: Int?
    @Option(name: .customLong("data-dir"), help: "Directory for the database and images.") var dataDirectory: String?
    @Option(help: "Days to keep reads not held for a case (1-60, default 60).") var retentionDays: Int?
    @Option(help: "Minutes a login session lasts (default 720).") var sessionLifetimeMinutes: Int?
    @Option(help: "Seconds without heartbeats after which a fixed reader counts as stopped (default 300).") var heartbeatGapSeconds: Int?
    @Option(help: "Minutes between retention purges (default 60).") var purgeIntervalMinutes: Int?
    @Option(help: "Largest image accepted, in bytes (default and maximum 2 MiB).") var maxImageBytes: Int?
    @Option(help: "JSON configuration file.") var config: String?
    @Option(help: "Log level: trace, debug, info, notice, warning, error, critical. Plates appear only at debug and below.")
    var logLevel: String = "info"
    @Flag(help: "Also register a demo fixed reader and post a few demo reads.") var demo = false

    func run() async throws {
        var commandLine: [ServerConfiguration.Key: String] = [:]
        commandLine[.host] = host
        commandLine[.port] = port.map(String.init)
        commandLine[.dataDirectory] = dataDirectory
        commandLine[.retentionDays] = retentionDays.map(String.init)
        commandLine[.sessionLifetimeMinutes] = sessionLifetimeMinutes.map(String.init)
        commandLine[.heartbeatGapSeconds] = heartbeatGapSeconds.map(String.init)
        commandLine[.purgeIntervalMinutes] = purgeIntervalMinutes.map(String.init)
        commandLine[.maxImageBytes] = maxImageBytes.map(String.init)

        let configuration: ServerConfiguration
        do {
            configuration = try await ServerConfiguration.load(commandLine: commandLine, configFile: config)
        } catch {
            throw ValidationError(error.description)
        }
        guard let level = Logger.Level(rawValue: logLevel) else {
            throw ValidationError("unknown log level '\(logLevel)'")
        }
        var logger = Logger(label: "alpr")
        logger.logLevel = level

        // Opening migrates the schema, so the server never starts on an old one.
        let storage = try SQLiteStorage.open(directory: URL(fileURLWithPath: configuration.dataDirectory))
        let report = try await FirstRunSetup.run(storage: storage, configuration: configuration, demo: demo, logger: logger)
        let url = "http://\(configuration.host == "0.0.0.0" ? "localhost" : configuration.host):\(configuration.port)"
        Self.say(Self.describe(report, url: url))

        let metrics = AppMetrics()
        metrics.bootstrapProcessMetrics()
        let app = try await buildApplication(
            configuration: configuration, storage: storage, logger: logger, metrics: metrics,
            onServerRunning: { _ in
                Self.say("alpr is serving \(url) (data in \(configuration.dataDirectory))")
            }
        )
        try await app.runService()
    }

    /// Unbuffered, so the first-run credentials appear at once even when output goes to a file.
    static func say(_ text: String) {
        guard !text.isEmpty else { return }
        FileHandle.standardOutput.write(Data((text + "\n").utf8))
    }

    static func describe(_ report: FirstRunSetup.Report, url: String) -> String {
        var lines: [String] = []
        if let admin = report.administrator {
            lines += [
                "Created the first administrator. This password is shown only now:",
                "  username: \(admin.username)",
                "  password: \(admin.password)",
                "  log in at \(url)/login (or POST \(url)/api/v1/login)",
                "Record a written authorization (R8) and training (R7) for each user before they use data.",
            ]
        }
        if let reader = report.demoReader {
            lines += [
                "Created demo fixed reader '\(reader.name)' (\(reader.id.uuidString)), collecting since an hour ago.",
                "  its credential (shown only now): Authorization: Bearer \(reader.credential)",
            ]
        }
        if let investigator = report.demoInvestigator {
            lines += [
                "Created demo investigator (demo authorization only; shown only now):",
                "  username: \(investigator.username)",
                "  password: \(investigator.password)",
            ]
        }
        if let officer = report.demoOfficer {
            lines += [
                "Created demo officer (demo training and authorization only; shown only now):",
                "  username: \(officer.username)",
                "  password: \(officer.password)",
                "  the demo hits are at \(url)/hits",
            ]
        }
        if report.demoReadsAccepted > 0 || report.demoReader != nil {
            lines.append("Posted \(report.demoReadsAccepted) demo reads through the ingest path; search them at \(url)/search with a case number and a reason.")
        }
        lines += report.notes
        return lines.joined(separator: "\n")
    }
}
