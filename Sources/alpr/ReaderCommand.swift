import ALPRCore
import ALPRStorage
import ArgumentParser
import Foundation

/// `alpr reader ...`: register readers (R16) and issue their upload credentials.
struct ReaderCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "reader",
        abstract: "Register readers and manage their credentials.",
        discussion: """
            A fixed reader has a location, published in the public log unless withheld as \
            security information (R14); a mobile reader is mounted on a squad. The credential a \
            reader uses to upload is printed once and only its hash is stored.

            Examples:
              alpr reader add pole-bass-lake --fixed --latitude 45.0328 --longitude -93.3602 \\
                  --location-description "Bass Lake Rd at Douglas Dr"
              alpr reader add squad-12 --mobile --unit "Squad 12"
              alpr reader list
              alpr reader rotate-credential pole-bass-lake
            """,
        subcommands: [Add.self, List.self, RotateCredential.self]
    )

    /// Prints the whole `Authorization: Bearer` value (`<reader id>.<token>`), which is what
    /// `alpr agent --credential-file` expects; the token alone would not authenticate.
    static func printCredential(_ credential: ReaderCredential, for reader: Reader) {
        print("""
            Reader \(reader.name) id \(reader.id.uuidString)
            Credential (shown once; configure it on the reader now): \(credential.bearer(readerID: reader.id))
            """)
    }

    struct Add: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Register a reader and print its credential.")
        @OptionGroup var data: DataDirectoryOptions
        @Argument(help: "A unique name, e.g. pole-bass-lake or squad-12.") var name: String
        @Flag(help: "A pole or building mounted reader (needs --latitude and --longitude).") var fixed = false
        @Flag(help: "A reader mounted on a squad car (needs --unit).") var mobile = false
        @Option(parsing: .unconditional, help: "Fixed readers: latitude in degrees.") var latitude: Double?
        @Option(parsing: .unconditional, help: "Fixed readers: longitude in degrees (west is negative).") var longitude: Double?
        @Option(help: "Fixed readers: where it is, in words.") var locationDescription: String?
        @Flag(help: "Withhold the location from the public log as security information (R14).") var withholdLocation = false
        @Option(help: "Mobile readers: the squad or unit.") var unit: String?
        @Option(help: "Installation date (default: today).") var installed: String?

        func validate() throws {
            guard fixed != mobile else { throw ValidationError("give exactly one of --fixed or --mobile") }
            guard !name.trimmingCharacters(in: .whitespaces).isEmpty, name.count <= 64 else {
                throw ValidationError("the name must be 1 to 64 characters")
            }
            if fixed, latitude == nil || longitude == nil { throw ValidationError("a fixed reader needs --latitude and --longitude") }
            if mobile, unit?.isEmpty ?? true { throw ValidationError("a mobile reader needs --unit") }
            if mobile, latitude != nil || longitude != nil { throw ValidationError("a mobile reader has no fixed location") }
        }

        func run() async throws {
            let installedAt = try installed.map { try CommandLineInput.date($0, option: "--installed") } ?? Date()
            let location = try fixed ? GeoPoint(latitude: latitude!, longitude: longitude!) : nil
            let reader = Reader(
                name: name, kind: fixed ? .fixed : .mobile, location: location,
                locationDescription: locationDescription, locationWithheld: withholdLocation,
                unit: unit, installedAt: installedAt
            )
            let storage = try data.openStorage()
            let credential = ReaderCredential.generate()
            try await storage.readers.create(reader, credentialHash: credential.hash, audit: AuditEntryDraft(
                actor: CommandLineInput.systemActor, action: .enter, subject: "reader",
                criteria: "registered \(reader.kind.rawValue) reader \(name)", resultIDs: [reader.id.uuidString], resultCount: 1
            ))
            ReaderCommand.printCredential(credential, for: reader)
            print("Report the installation to the BCA within 10 days (§13.824 subd. 8).")
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List readers.")
        @OptionGroup var data: DataDirectoryOptions

        func run() async throws {
            let storage = try data.openStorage()
            let readers = try await storage.readers.all()
            _ = try await storage.audit.append(AuditEntryDraft(actor: CommandLineInput.systemActor, action: .access, subject: "reader", criteria: "list", resultCount: readers.count))
            let rows = readers.map { reader -> [String] in
                let place = reader.location.map { String(format: "%.5f,%.5f", $0.latitude, $0.longitude) } ?? reader.unit ?? "-"
                return [
                    reader.name, reader.kind.rawValue, place + (reader.locationWithheld ? " (withheld)" : ""),
                    CommandLineInput.isoString(reader.installedAt), CommandLineInput.isoString(reader.bcaReportedAt),
                    reader.retiredAt == nil ? "in service" : "retired", reader.id.uuidString,
                ]
            }
            print(CommandLineInput.table(["NAME", "KIND", "LOCATION/UNIT", "INSTALLED", "BCA REPORTED", "STATUS", "ID"], rows))
        }
    }

    struct RotateCredential: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "rotate-credential",
            abstract: "Issue a new credential for a reader; the old one stops working at once."
        )
        @OptionGroup var data: DataDirectoryOptions
        @Argument(help: "The reader's name.") var name: String

        func run() async throws {
            let storage = try data.openStorage()
            guard let reader = try await storage.readers.reader(named: name) else { throw ALPRError.notFound(what: "reader '\(name)'") }
            let credential = ReaderCredential.generate()
            try await storage.readers.setCredentialHash(readerID: reader.id, credentialHash: credential.hash, audit: AuditEntryDraft(
                actor: CommandLineInput.systemActor, action: .update, subject: "reader",
                criteria: "credential rotated", resultIDs: [reader.id.uuidString], resultCount: 1
            ))
            ReaderCommand.printCredential(credential, for: reader)
        }
    }
}
