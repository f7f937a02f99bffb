import ALPRCore
import ALPRStorage
import ArgumentParser
import Foundation
import HummingbirdBcrypt

/// `alpr search`: a search of stored reads from the console, under the same rules as the web
/// search: the user's role and authorization (R8), a case number and a specific reason (R10),
/// and an audit entry with the criteria and what was returned (R9).
struct SearchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "search",
        abstract: "Search stored reads for a case (needs the investigator role).",
        discussion: """
            WARNING: willful unauthorized acquisition or use of ALPR data is a misdemeanor \
            (Minn. Stat. §13.09) and grounds for discipline up to termination (§626.8472).

            A plate may contain ? (one character) and * (any run), with at least two known \
            characters. The letter O and the digit 0 are searched as one character (the \
            engine writes the round glyph 0 where no serial format decides). Without a plate, \
            give --from and --to at most 24 hours apart. The password is read from \
            ALPR_PASSWORD or a prompt.

            Examples:
              alpr search --user asmith --case 24-000123 \\
                --reason "Silver sedan seen leaving the 4200 Douglas Dr burglary" \\
                --plate 'AB?12*' --from 2025-05-01 --to 2025-05-04
              alpr search --user asmith --case 24-000123 \\
                --reason "..." --plate ABC123 --json
            """
    )

    @OptionGroup var data: DataDirectoryOptions
    @Option(help: "Your username.") var user: String
    @Option(name: .customLong("case"), help: "The case number the search is for.") var caseNumber: String
    @Option(help: "Why these reads are pertinent to the investigation (reasonable suspicion).") var reason: String
    @Option(help: "Plate or pattern, e.g. ABC123 or 'AB?12*'.") var plate: String?
    @Option(help: "Earliest capture time, e.g. 2025-05-01 or 2025-05-01T14:00:00Z.") var from: String?
    @Option(help: "Latest capture time.") var to: String?
    @Option(name: .customLong("reader"), help: "Only reads from this reader (name); repeat for several.") var readers: [String] = []
    @Option(help: "At most this many reads, newest first (1 to \(ReadQuery.maximumLimit)).") var limit = 200
    @Flag(help: "Print JSON instead of a table.") var json = false

    static let misuseWarning = "WARNING: unauthorized acquisition or use of ALPR data is a misdemeanor (Minn. Stat. §13.09) and grounds for discipline.\n"

    func run() async throws {
        FileHandle.standardError.write(Data(Self.misuseWarning.utf8))
        let storage = try data.openStorage()
        let account = try await authenticate(in: storage)
        let actor = CommandLineInput.actor(username: account.username)

        if case .deny(let rule, let why) = AccessPolicy.decide(account, .searchReads) {
            _ = try await storage.audit.append(AuditEntryDraft(actor: actor, action: .denied, subject: "read", criteria: "search", caseNumber: caseNumber, reason: "\(rule): \(why)"))
            throw ALPRError.forbidden(rule: rule, reason: why)
        }
        let justification: SearchJustification
        do {
            justification = try SearchJustification(caseNumber: caseNumber, reason: reason)
        } catch {
            _ = try await storage.audit.append(AuditEntryDraft(actor: actor, action: .denied, subject: "read", criteria: "search", caseNumber: caseNumber, reason: "refused: \(error.description); stated: \(reason)"))
            throw error
        }

        var readerIDs: [UUID] = []
        var readerNames: [UUID: String] = [:]
        for reader in try await storage.readers.all() { readerNames[reader.id] = reader.name }
        for name in readers {
            guard let id = readerNames.first(where: { $0.value == name })?.key else { throw ALPRError.notFound(what: "reader '\(name)'") }
            readerIDs.append(id)
        }
        let query = try ReadQuery(
            plate: try plate.map { try PlateCriterion($0) },
            from: try from.map { try CommandLineInput.date($0, option: "--from") },
            to: try to.map { try CommandLineInput.date($0, option: "--to") },
            readerIDs: readerIDs, limit: limit
        )
        let results = try await storage.reads.search(query)
        _ = try await storage.audit.append(AuditEntryDraft(
            actor: actor, action: .query, subject: "read", criteria: query.auditDescription,
            resultIDs: results.map(\.id.uuidString), resultCount: results.count,
            caseNumber: justification.caseNumber, reason: justification.reason
        ))

        if json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
            encoder.dateEncodingStrategy = .iso8601
            let rows = results.map { SearchResult($0, readerName: readerNames[$0.readerID]) }
            print(String(decoding: try encoder.encode(rows), as: UTF8.self))
        } else {
            let rows = results.map { read in
                [
                    CommandLineInput.isoString(read.capturedAt), read.plate.value, read.state ?? "-",
                    String(format: "%.2f", read.confidence), readerNames[read.readerID] ?? read.readerID.uuidString,
                    read.location.map { String(format: "%.5f,%.5f", $0.latitude, $0.longitude) } ?? "-",
                    read.classification.rawValue, read.id.uuidString,
                ]
            }
            print(CommandLineInput.table(["CAPTURED", "PLATE", "STATE", "CONF", "READER", "LOCATION", "CLASSIFICATION", "ID"], rows))
            print("\(results.count) read(s).")
        }
    }

    /// Checks the password; a failure is audited as a failed login.
    private func authenticate(in storage: Storage) async throws -> User {
        let password = try CommandLineInput.password(prompt: "Password for \(user): ")
        guard let account = try await storage.users.user(username: user), Bcrypt.verify(password, hash: account.passwordHash) else {
            _ = try await storage.audit.append(AuditEntryDraft(actor: CommandLineInput.actor(username: user), action: .loginFailed, subject: "session", criteria: "cli search"))
            throw ALPRError.unauthenticated(reason: "unknown user or wrong password")
        }
        return account
    }

    struct SearchResult: Encodable {
        var id: UUID
        var plate: String
        var state: String?
        var confidence: Double
        var capturedAt: Date
        var reader: String
        var latitude: Double?
        var longitude: Double?
        var classification: String

        init(_ read: Read, readerName: String?) {
            id = read.id; plate = read.plate.value; state = read.state; confidence = read.confidence
            capturedAt = read.capturedAt; reader = readerName ?? read.readerID.uuidString
            latitude = read.location?.latitude; longitude = read.location?.longitude
            classification = read.classification.rawValue
        }
    }
}
