import Foundation

/// R4 (Policy "Policy"): a bad hot list file never replaces a good one. Decides whether a
/// parsed file may become the live list, with the reason when it may not.
public struct HotListLoadPolicy: Hashable, Sendable, Codable {
    public static let rule = "R4 Policy \"Policy\" (hot list updates)"

    /// Refuse a file in which more than this fraction of record lines were rejected.
    public var maximumRejectRatio: Double
    /// Refuse a file with fewer entries than this fraction of the live version's entries: a
    /// download cut short must not silently shrink the list.
    public var minimumFractionOfPreviousEntries: Double

    public init(maximumRejectRatio: Double = 0.10, minimumFractionOfPreviousEntries: Double = 0.75) throws(ALPRError) {
        guard maximumRejectRatio.isFinite, (0...1).contains(maximumRejectRatio) else {
            throw .invalid(field: "maximum reject ratio", reason: "must be between 0 and 1")
        }
        guard minimumFractionOfPreviousEntries.isFinite, (0...1).contains(minimumFractionOfPreviousEntries) else {
            throw .invalid(field: "minimum fraction of previous entries", reason: "must be between 0 and 1")
        }
        self.maximumRejectRatio = maximumRejectRatio
        self.minimumFractionOfPreviousEntries = minimumFractionOfPreviousEntries
    }

    public static let standard = try! HotListLoadPolicy()

    public enum Decision: Hashable, Sendable, Codable {
        case accept
        /// The file is byte-for-byte the live version: nothing to replace.
        case unchanged
        case refuse(reason: String)

        public var isAccepted: Bool { self == .accept }
    }

    /// - Parameters:
    ///   - previous: the live version of the same source, if any.
    ///   - allowShrinkage: an administrator's explicit confirmation that a much smaller list is
    ///     expected (the server audits it). It never overrides the other checks.
    public func decide(
        _ parsed: HotListParseResult, checksum: String, previous: HotListVersion?, allowShrinkage: Bool = false
    ) -> Decision {
        if let previous, previous.checksum == checksum {
            return .unchanged
        }
        guard parsed.acceptedCount > 0 else {
            return .refuse(reason: parsed.recordLineCount == 0
                ? "the file holds no records"
                : "none of the file's \(parsed.recordLineCount) records could be read")
        }
        if parsed.rejectRatio > maximumRejectRatio {
            let percent = (parsed.rejectRatio * 1000).rounded() / 10
            let limit = (maximumRejectRatio * 1000).rounded() / 10
            return .refuse(reason: "\(parsed.rejectedCount) of \(parsed.recordLineCount) records were rejected (\(percent)%, more than the \(limit)% allowed)")
        }
        if parsed.finalLineUnterminatedAndRejected {
            return .refuse(reason: "the last line is incomplete: the file appears to be cut short")
        }
        if let previous, !allowShrinkage {
            let minimum = Double(previous.counts.entries) * minimumFractionOfPreviousEntries
            if Double(parsed.acceptedCount) < minimum {
                return .refuse(reason: "the file has \(parsed.acceptedCount) entries, fewer than \(Int(minimum.rounded(.up))) (\(Int((minimumFractionOfPreviousEntries * 100).rounded()))% of the \(previous.counts.entries) in version \(previous.number)): it may be truncated")
            }
        }
        return .accept
    }
}
