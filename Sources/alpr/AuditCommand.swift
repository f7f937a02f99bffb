import ALPRCore
import ALPRStorage
import ArgumentParser
import Foundation

/// `alpr audit ...`: R9 (§13.824 subd. 7) integrity check and public export.
struct AuditCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "audit",
        abstract: "Verify and export the audit trail.",
        discussion: """
            The trail records every query, access, entry, change, share and destruction of data \
            and is hash-chained: editing or deleting an entry is detected by 'verify'. It is \
            public data, so 'export' writes CSV with chosen columns redacted.

            Examples:
              alpr audit verify
              alpr audit export --redact criteria,result_ids,reason > audit.csv
            """,
        subcommands: [Verify.self, Export.self]
    )

    struct Verify: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Check the hash chain; exit status 0 when intact, 1 when broken."
        )
        @OptionGroup var data: DataDirectoryOptions

        func run() async throws {
            let storage = try data.openStorage()
            let result = try await storage.audit.verify()
            switch result {
            case .intact(let count):
                _ = try await storage.audit.append(AuditEntryDraft(actor: CommandLineInput.systemActor, action: .access, subject: "audit", criteria: "verify: intact", resultCount: count))
                print("Audit trail intact: \(count) entries.")
            case .broken(let sequence, let reason):
                // Recorded too: the finding itself is evidence for the biennial audit (R15).
                _ = try await storage.audit.append(AuditEntryDraft(actor: CommandLineInput.systemActor, action: .access, subject: "audit", criteria: "verify: broken at entry \(sequence)", reason: reason))
                FileHandle.standardError.write(Data("Audit trail BROKEN at entry \(sequence): \(reason)\n".utf8))
                throw ExitCode(1)
            }
        }
    }

    struct Export: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Write the trail as CSV to standard output.")
        static let columns = [
            "sequence", "at", "actor", "action", "subject", "criteria", "result_ids", "result_count",
            "case_number", "reason", "recipient", "previous_hash", "hash",
        ]
        static let pageSize = 5000

        @OptionGroup var data: DataDirectoryOptions
        @Option(
            help: ArgumentHelp("Comma-separated columns to redact: \(columns.joined(separator: ", ")).", valueName: "columns"),
            transform: { $0.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) } }
        )
        var redact: [String] = []
        @Option(help: "First entry to export.") var from: Int64 = 1

        func validate() throws {
            let unknown = redact.filter { !Self.columns.contains($0) }
            guard unknown.isEmpty else {
                throw ValidationError("unknown column(s) \(unknown.joined(separator: ", ")); columns are \(Self.columns.joined(separator: ", "))")
            }
        }

        func run() async throws {
            let storage = try data.openStorage()
            let redacted = Set(redact)
            print(Self.columns.joined(separator: ","))
            var next = max(1, from), exported = 0
            while true {
                let page = try await storage.audit.events(from: next, limit: Self.pageSize)
                for event in page {
                    let cells = Self.cells(event)
                    print(zip(Self.columns, cells).map { redacted.contains($0) ? "[redacted]" : Self.csvField($1) }.joined(separator: ","))
                    next = event.sequence + 1
                }
                exported += page.count
                if page.count < Self.pageSize { break }
            }
            _ = try await storage.audit.append(AuditEntryDraft(
                actor: CommandLineInput.systemActor, action: .disseminate, subject: "audit",
                criteria: "export from \(from), redacted: \(redact.isEmpty ? "none" : redact.joined(separator: ","))", resultCount: exported
            ))
        }

        static func cells(_ event: AuditEvent) -> [String] {
            let entry = event.entry
            return [
                String(event.sequence), CommandLineInput.isoString(entry.at), entry.actor, entry.action.rawValue, entry.subject,
                entry.criteria ?? "", entry.resultIDs.joined(separator: " "), entry.resultCount.map(String.init) ?? "",
                entry.caseNumber ?? "", entry.reason ?? "", entry.recipient ?? "", event.previousHash, event.hash,
            ]
        }

        /// RFC 4180: quote fields with commas, quotes or line breaks; double inner quotes.
        static func csvField(_ value: String) -> String {
            guard value.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" }) else { return value }
            return "\"" + value.replacingOccurrences(of: "\"", with: "\"\"") + "\""
        }
    }
}
