import Crypto
import Foundation

/// The formats a hot list file can come in (R4).
public enum HotListFileFormat: String, Sendable, Codable, CaseIterable {
    /// The MN NCIC extract from the BCA.
    case ncicExtract = "ncic"
    /// `plate,state,category,description`.
    case csv
}

/// One attempt to load a hot list file: parse it, check it against the load policy and, when
/// accepted, give it its next version. Pure: the server reads the file, calls `prepare`,
/// logs the outcome (R4: counts and rejects), stores the entries and swaps the index.
public struct HotListImport: Sendable {
    public var source: HotListSource
    public var parse: HotListParseResult
    public var checksum: String
    public var decision: HotListLoadPolicy.Decision
    /// The version the entries become when the decision is `.accept`.
    public var version: HotListVersion?

    public static func prepare(
        _ bytes: some Collection<UInt8>, format: HotListFileFormat, source rawSource: HotListSource,
        previous: HotListVersion?, policy: HotListLoadPolicy = .standard, allowShrinkage: Bool = false,
        now: Date = Date()
    ) throws(ALPRError) -> HotListImport {
        let source = try rawSource.validated()
        guard source != .manual else {
            throw .invalid(field: "source", reason: "manual entries are created one by one, not loaded from a file")
        }
        if let previous, previous.source != source {
            throw .invalid(field: "previous version", reason: "belongs to another source")
        }
        let parse = switch format {
        case .ncicExtract: NCICExtractParser().parse(bytes)
        case .csv: HotListCSVParser().parse(bytes)
        }
        let digest = bytes.withContiguousStorageIfAvailable { SHA256.hash(data: UnsafeRawBufferPointer($0)) }
            ?? SHA256.hash(data: Array(bytes))
        let checksum = digest.map { String(format: "%02x", $0) }.joined()
        let decision = policy.decide(parse, checksum: checksum, previous: previous, allowShrinkage: allowShrinkage)
        let version = decision.isAccepted
            ? HotListVersion(
                source: source, number: (previous?.number ?? 0) + 1, loadedAt: now, checksum: checksum,
                counts: HotListLoadCounts(parse)
            )
            : nil
        return HotListImport(source: source, parse: parse, checksum: checksum, decision: decision, version: version)
    }

    /// One line for the load log (R4), without plate text.
    public var summary: String {
        let outcome = switch decision {
        case .accept: "accepted as version \(version?.number ?? 0)"
        case .unchanged: "unchanged since the live version"
        case .refuse(let reason): "refused: \(reason)"
        }
        return "\(source): \(parse.recordLineCount) records, \(parse.acceptedCount) loaded, \(parse.rejectedCount) rejected; \(outcome)"
    }
}
