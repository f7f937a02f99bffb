import ALPRCore
import ALPRStorage
import Foundation
import Logging

/// The one path by which a hot list file is loaded (R3, R4), whether uploaded by an
/// administrator, retrieved on the schedule, or imported with `alpr hotlist import`: parse,
/// check against the load policy, log counts and rejected lines, audit the load (R9), and when
/// accepted store the version with its entries and make it live. A refused file changes
/// nothing: the previous version stays live.
public struct HotListImporter: Sendable {
    /// Rejected lines listed in the audit entry; the log lists every one the parser kept.
    public static let rejectsInAudit = 20

    let storage: Storage
    /// The running server's lists; nil for the command line, whose loads the server picks up
    /// on its next poll (`HotListCatalog.refreshIfStorageChanged`).
    let catalog: HotListCatalog?
    let policy: HotListLoadPolicy
    let logger: Logger

    public init(storage: Storage, catalog: HotListCatalog?, policy: HotListLoadPolicy = .standard, logger: Logger) {
        self.storage = storage; self.catalog = catalog; self.policy = policy; self.logger = logger
    }

    /// What a load did, as the API, the CLI and the log report it. No plate text.
    public struct Report: Sendable, Encodable {
        public var source: String
        public var caseNumber: String?
        public var format: String
        public var origin: String
        public var outcome: Outcome
        public var reason: String?
        public var version: Int?
        public var checksum: String
        public var recordLines: Int
        public var entries: Int
        public var rejected: Int
        public var byCategory: [String: Int]
        /// The first rejected lines with their line numbers and reasons.
        public var rejects: [Reject]
        public var summary: String

        public struct Reject: Sendable, Encodable, CustomStringConvertible {
            public var line: Int
            public var reason: String
            public var description: String { "line \(line): \(reason)" }
        }

        public enum Outcome: String, Sendable, Encodable {
            case accepted, unchanged, refused
        }
    }

    /// Loads one file. Throws only for a bad request (an investigative source without a case
    /// number, R3) or a storage failure; a bad file is a `refused` report.
    public func load(
        _ bytes: [UInt8], format: HotListFileFormat, source rawSource: HotListSource, origin: String, actor: String,
        allowShrinkage: Bool = false, now: Date = Date()
    ) async throws -> Report {
        let source = try rawSource.validated()
        let previous: HotListVersion?
        if let catalog {
            previous = await catalog.liveVersion(of: source)
        } else {
            previous = try await storage.hotLists.liveVersions().first { $0.source == source }
        }
        let prepared = try HotListImport.prepare(
            bytes, format: format, source: source, previous: previous, policy: policy, allowShrinkage: allowShrinkage, now: now
        )
        let report = Self.report(prepared, format: format, origin: origin)
        log(report)

        let audit = AuditEntryDraft(
            at: now, actor: actor, action: .enter, subject: "hot_list",
            criteria: "format=\(format.rawValue); origin=\(origin); checksum=\(prepared.checksum)"
                + (allowShrinkage ? "; shrinkage allowed by the administrator" : "")
                + (prepared.parse.rejects.isEmpty ? "" : "; rejects: " + prepared.parse.rejects.prefix(Self.rejectsInAudit).map(\.description).joined(separator: "; ")),
            resultIDs: report.version.map { ["\(source) v\($0)"] } ?? [],
            resultCount: report.outcome == .accepted ? report.entries : 0,
            caseNumber: source.caseNumber, reason: "R4 hot list load: " + prepared.summary
        )
        guard let version = prepared.version, prepared.decision.isAccepted else {
            _ = try await storage.audit.append(audit)
            return report
        }
        try await storage.hotLists.store(version, entries: prepared.parse.entries, loadedBy: actor, audit: audit)
        try await catalog?.install(LoadedHotList(version: version, entries: prepared.parse.entries), now: now)
        return report
    }

    static func report(_ prepared: HotListImport, format: HotListFileFormat, origin: String) -> Report {
        let outcome: Report.Outcome
        var reason: String?
        switch prepared.decision {
        case .accept: outcome = .accepted
        case .unchanged: outcome = .unchanged
        case .refuse(let why): outcome = .refused; reason = why
        }
        var byCategory: [String: Int] = [:]
        for (category, count) in prepared.parse.countsByCategory { byCategory[category.rawValue] = count }
        return Report(
            source: prepared.source.description, caseNumber: prepared.source.caseNumber, format: format.rawValue, origin: origin,
            outcome: outcome, reason: reason, version: prepared.version?.number, checksum: prepared.checksum,
            recordLines: prepared.parse.recordLineCount, entries: prepared.parse.acceptedCount,
            rejected: prepared.parse.rejectedCount, byCategory: byCategory,
            rejects: prepared.parse.rejects.map { Report.Reject(line: $0.lineNumber, reason: $0.reason.description) },
            summary: prepared.summary
        )
    }

    /// R4: every load is logged with its counts and its rejected lines (line numbers and
    /// reasons, never plate text).
    func log(_ report: Report) {
        let metadata: Logger.Metadata = [
            "source": "\(report.source)", "origin": "\(report.origin)", "outcome": "\(report.outcome.rawValue)",
            "records": "\(report.recordLines)", "entries": "\(report.entries)", "rejected": "\(report.rejected)",
        ]
        if report.outcome == .refused {
            logger.warning("hot list load refused; the live list is unchanged: \(report.reason ?? "")", metadata: metadata)
        } else {
            logger.info("hot list load \(report.outcome.rawValue)", metadata: metadata)
        }
        for reject in report.rejects {
            logger.info("hot list line rejected", metadata: ["origin": "\(report.origin)", "line": "\(reject.line)", "reason": "\(reject.reason)"])
        }
    }
}
