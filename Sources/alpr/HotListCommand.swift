import ALPRCore
import ALPRServer
import ALPRStorage
import ArgumentParser
import Foundation
import Logging

/// `alpr hotlist ...`: load a hot list file by hand (R3, R4) through the same code path as the
/// server's upload route and scheduled retrieval.
struct HotListCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "hotlist",
        abstract: "Load hot list files and show the loaded versions.",
        discussion: """
            A file is parsed, checked against the load policy (a file with too many bad lines, \
            or much smaller than the live version, is refused and the live list stays), logged \
            with its counts and rejected lines, and audited. A running server picks up the new \
            version at its next hot list poll, or at restart.

            Examples:
              alpr hotlist import /srv/bca/mn_hotlist.txt --format ncic
              alpr hotlist import stakeout.csv --format csv --case 2025-000123 --name "Burglary series"
              alpr hotlist list
            """,
        subcommands: [Import.self, List.self]
    )

    struct Import: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Load a hot list file.")

        @OptionGroup var data: DataDirectoryOptions
        @Argument(help: ArgumentHelp("The hot list file.", valueName: "file")) var file: String
        @Option(help: "ncic (the BCA's MN NCIC extract) or csv (plate,state,category,description).") var format: String
        @Option(name: .customLong("case"), help: "Case number of the active criminal investigation (required for any list other than the BCA file, R3).")
        var caseNumber: String?
        @Option(help: "Name of an investigative list.") var name: String?
        @Flag(help: "Accept a list much smaller than the live version (a confirmed, expected shrinkage; audited).")
        var allowShrinkage = false

        func run() async throws {
            guard let format = HotListFileFormat(rawValue: format.lowercased()) else {
                throw ValidationError("--format must be ncic or csv")
            }
            let source: HotListSource = (caseNumber == nil && name == nil)
                ? .bcaLicensePlateDataFile
                : .investigative(name: name ?? "", caseNumber: caseNumber ?? "")
            if source == .bcaLicensePlateDataFile, format != .ncicExtract {
                throw ValidationError("a CSV list is an investigative list: give --case and --name (R3)")
            }
            let bytes: [UInt8]
            do {
                bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: file)))
            } catch {
                throw ValidationError("cannot read \(file): \(error.localizedDescription)")
            }
            var logger = Logger(label: "alpr.hotlist")
            logger.logLevel = .warning
            let importer = HotListImporter(storage: try data.openStorage(), catalog: nil, logger: logger)
            let report: HotListImporter.Report
            do {
                report = try await importer.load(
                    bytes, format: format, source: source, origin: "cli:\(URL(fileURLWithPath: file).lastPathComponent)",
                    actor: CommandLineInput.systemActor, allowShrinkage: allowShrinkage
                )
            } catch let error as ALPRError {
                throw ValidationError(error.description)
            }
            print(Self.describe(report))
            if report.outcome == .refused { throw ExitCode(1) }
        }

        static func describe(_ report: HotListImporter.Report) -> String {
            var lines = [report.summary]
            for (category, count) in report.byCategory.sorted(by: { $0.key < $1.key }) {
                lines.append("  \(category): \(count)")
            }
            if !report.rejects.isEmpty {
                lines.append("Rejected lines\(report.rejected > report.rejects.count ? " (first \(report.rejects.count) of \(report.rejected))" : ""):")
                lines += report.rejects.map { "  \($0)" }
            }
            return lines.joined(separator: "\n")
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Show the loaded hot list versions, newest first.")
        @OptionGroup var data: DataDirectoryOptions

        func run() async throws {
            let storage = try data.openStorage()
            let versions = try await storage.hotLists.versions(limit: 100)
            _ = try await storage.audit.append(AuditEntryDraft(
                actor: CommandLineInput.systemActor, action: .query, subject: "hot_list", criteria: "versions", resultCount: versions.count
            ))
            if versions.isEmpty { print("No hot list loaded."); return }
            let formatter = ISO8601DateFormatter()
            for stored in versions {
                let version = stored.version
                print("\(stored.isLive ? "*" : " ") \(version.source) v\(version.number)  loaded \(formatter.string(from: version.loadedAt)) by \(stored.loadedBy)  \(version.counts.entries) entries, \(version.counts.rejected) rejected")
            }
        }
    }
}
