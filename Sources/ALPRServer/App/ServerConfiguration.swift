import ALPRCore
import Configuration
import Foundation

/// Everything the server reads from its configuration. Sources, highest precedence first:
/// command line, environment (`ALPR_` prefix), a JSON config file, then these defaults.
public struct ServerConfiguration: Sendable {
    public var host: String
    public var port: Int
    public var dataDirectory: String
    /// R11 (§13.824 subd. 3): at most 60 days; `Retention` refuses more.
    public var retention: Retention
    public var sessionLifetime: TimeInterval
    /// A fixed reader whose heartbeats stop for longer than this is no longer collecting (R14).
    public var heartbeatGap: TimeInterval
    public var purgeInterval: TimeInterval
    /// How often the activity monitor looks for readers whose heartbeats stopped.
    public var activityCheckInterval: TimeInterval
    public var maxImageBytes: Int
    public var maxRequestBytes: Int
    /// bcrypt work factor for new password hashes; lowered only by tests.
    public var passwordHashCost: UInt8 = 12
    /// R4: a folder the BCA's Minnesota license plate data file is delivered to (the newest
    /// file in it is loaded when it changes), and/or an HTTP(S) address to retrieve it from.
    public var hotListFolder: String?
    public var hotListURL: URL?
    /// How often the folder and address are checked.
    public var hotListPollInterval: TimeInterval = 15 * 60
    /// Send every reader's hits to every officer's alert connection (a dispatch desk), rather
    /// than fixed readers' hits plus the officer's own mobile reader's (see `AlertScope`).
    public var alertsFromAllReaders = false
    /// The longest the manual-entry expiry check sleeps (an in-memory check; it also wakes at
    /// the next known expiry), so an entry is removed within this of its expiry (R5).
    public var manualEntryCheckInterval: TimeInterval = 1

    public init(
        host: String = "127.0.0.1", port: Int = 8080, dataDirectory: String,
        retention: Retention = .statutory, sessionLifetime: TimeInterval = 12 * 3600,
        heartbeatGap: TimeInterval = 5 * 60, purgeInterval: TimeInterval = 3600,
        activityCheckInterval: TimeInterval = 60,
        maxImageBytes: Int = CollectionLimits.maximumImageBytes, maxRequestBytes: Int = 16 * 1024 * 1024
    ) {
        self.host = host; self.port = port; self.dataDirectory = dataDirectory; self.retention = retention
        self.sessionLifetime = sessionLifetime; self.heartbeatGap = heartbeatGap
        self.purgeInterval = purgeInterval; self.activityCheckInterval = activityCheckInterval
        self.maxImageBytes = maxImageBytes; self.maxRequestBytes = maxRequestBytes
    }

    /// The configuration keys, as written in a JSON config file. The environment variable is
    /// `ALPR_` plus the key in upper snake case (`retentionDays` → `ALPR_RETENTION_DAYS`).
    public enum Key: String, CaseIterable, Sendable {
        case host, port, dataDirectory, retentionDays, sessionLifetimeMinutes, heartbeatGapSeconds
        case purgeIntervalMinutes, maxImageBytes, maxRequestBytes
        case hotListFolder, hotListURL, hotListPollMinutes, alertsFromAllReaders
    }

    /// Reads and validates every key, collecting all problems so startup reports them at once.
    public init(reader: ConfigReader) throws(ServerConfigurationError) {
        var problems: [String] = []
        func integer(_ key: Key, default fallback: Int?, range: ClosedRange<Int>) -> Int? {
            let value: Int?
            if let number = reader.int(forKey: ConfigKey(key.rawValue)) {
                value = number
            } else if let text = reader.string(forKey: ConfigKey(key.rawValue)) {
                guard let number = Int(text.trimmingCharacters(in: .whitespaces)) else {
                    problems.append("\(key.rawValue): '\(text)' is not a whole number")
                    return nil
                }
                value = number
            } else {
                value = fallback
            }
            guard let value else {
                problems.append("\(key.rawValue): missing")
                return nil
            }
            guard range.contains(value) else {
                problems.append("\(key.rawValue): \(value) is outside \(range.lowerBound)...\(range.upperBound)")
                return nil
            }
            return value
        }

        let host = reader.string(forKey: ConfigKey(Key.host.rawValue), default: "127.0.0.1")
        if host.isEmpty { problems.append("host: empty") }
        let port = integer(.port, default: 8080, range: 0...65_535)
        let dataDirectory = reader.string(forKey: ConfigKey(Key.dataDirectory.rawValue))
        if dataDirectory?.isEmpty ?? true {
            problems.append("dataDirectory: missing (--data-dir, ALPR_DATA_DIRECTORY or \"dataDirectory\" in the config file)")
        }
        var retention: Retention?
        if let days = integer(.retentionDays, default: Retention.statutoryMaximumDays, range: Int.min...Int.max) {
            do throws(ALPRError) {
                retention = try Retention(days: days)
            } catch {
                problems.append("retentionDays: \(error.description)")
            }
        }
        let sessionMinutes = integer(.sessionLifetimeMinutes, default: 12 * 60, range: 1...(7 * 24 * 60))
        let heartbeatSeconds = integer(.heartbeatGapSeconds, default: 300, range: 10...86_400)
        let purgeMinutes = integer(.purgeIntervalMinutes, default: 60, range: 1...(24 * 60))
        let imageBytes = integer(.maxImageBytes, default: CollectionLimits.maximumImageBytes, range: 1024...CollectionLimits.maximumImageBytes)
        let requestBytes = integer(.maxRequestBytes, default: 16 * 1024 * 1024, range: 64 * 1024...(256 * 1024 * 1024))

        let hotListFolder = reader.string(forKey: ConfigKey(Key.hotListFolder.rawValue)).flatMap { $0.isEmpty ? nil : $0 }
        var hotListURL: URL?
        if let text = reader.string(forKey: ConfigKey(Key.hotListURL.rawValue)), !text.isEmpty {
            if let url = URL(string: text), ["http", "https"].contains(url.scheme?.lowercased() ?? "") {
                hotListURL = url
            } else {
                problems.append("hotListURL: '\(text)' is not an http or https address")
            }
        }
        let hotListMinutes = integer(.hotListPollMinutes, default: 15, range: 1...(24 * 60))
        var alertsFromAllReaders = false
        if let text = reader.string(forKey: ConfigKey(Key.alertsFromAllReaders.rawValue)) {
            switch text.lowercased() {
            case "true", "1", "yes": alertsFromAllReaders = true
            case "false", "0", "no": alertsFromAllReaders = false
            default: problems.append("alertsFromAllReaders: '\(text)' is not true or false")
            }
        } else if let flag = reader.bool(forKey: ConfigKey(Key.alertsFromAllReaders.rawValue)) {
            alertsFromAllReaders = flag
        }

        guard problems.isEmpty, let port, let dataDirectory, let retention, let sessionMinutes,
              let heartbeatSeconds, let purgeMinutes, let imageBytes, let requestBytes, let hotListMinutes
        else {
            throw ServerConfigurationError(problems: problems)
        }
        self.init(
            host: host, port: port, dataDirectory: dataDirectory, retention: retention,
            sessionLifetime: TimeInterval(sessionMinutes * 60), heartbeatGap: TimeInterval(heartbeatSeconds),
            purgeInterval: TimeInterval(purgeMinutes * 60), maxImageBytes: imageBytes, maxRequestBytes: requestBytes
        )
        self.hotListFolder = hotListFolder
        self.hotListURL = hotListURL
        self.hotListPollInterval = TimeInterval(hotListMinutes * 60)
        self.alertsFromAllReaders = alertsFromAllReaders
    }

    /// Builds the reader in precedence order. `commandLine` holds the options given on the
    /// command line, by `Key`; a missing config file is an error only when one was named.
    public static func reader(
        commandLine: [Key: String], environment: [String: String] = ProcessInfo.processInfo.environment,
        configFile: String?
    ) async throws(ServerConfigurationError) -> ConfigReader {
        var values: [AbsoluteConfigKey: ConfigValue] = [:]
        for (key, value) in commandLine {
            values[AbsoluteConfigKey(ConfigKey(key.rawValue))] = ConfigValue(.string(value), isSecret: false)
        }
        var providers: [any ConfigProvider] = [
            InMemoryProvider(name: "command line", values: values),
            EnvironmentVariablesProvider(environmentVariables: environment).prefixKeys(with: "alpr"),
        ]
        if let configFile {
            do {
                providers.append(try await FileProvider<JSONSnapshot>(filePath: .init(configFile)))
            } catch {
                throw ServerConfigurationError(problems: ["config file \(configFile): \(error)"])
            }
        }
        return ConfigReader(providers: providers)
    }
}

/// Startup refuses to run with a configuration problem and lists every one of them.
public struct ServerConfigurationError: Error, CustomStringConvertible, Sendable {
    public var problems: [String]
    public init(problems: [String]) { self.problems = problems }
    public var description: String {
        "invalid configuration:\n" + problems.map { "  - \($0)" }.joined(separator: "\n")
    }
}

extension ServerConfiguration {
    /// Reads the configuration from the command line values, the environment and the optional
    /// config file, and validates it; throws every problem found at once.
    public static func load(
        commandLine: [Key: String], environment: [String: String] = ProcessInfo.processInfo.environment,
        configFile: String?
    ) async throws(ServerConfigurationError) -> ServerConfiguration {
        try ServerConfiguration(reader: try await reader(commandLine: commandLine, environment: environment, configFile: configFile))
    }
}
