import Foundation

/// Why a line of a hot list file was not loaded. Reasons never repeat plate text (plates are
/// logged only at debug level); short codes and dates are echoed, cut to a few characters.
public enum HotListRejectReason: Hashable, Sendable, Codable, CustomStringConvertible {
    case invalidUTF8
    case controlCharacter
    case unterminatedQuote
    case textAfterQuotedField
    case wrongFieldCount(found: Int, expected: String)
    case unknownListCode(String)
    case missingRecordReference
    case invalidDate(String)
    case invalidPlate
    case invalidState
    case unknownCategory(String)
    case fieldTooLong(field: String, limit: Int)

    public var description: String {
        switch self {
        case .invalidUTF8: "the line is not valid UTF-8 text"
        case .controlCharacter: "the line contains a control character"
        case .unterminatedQuote: "a quoted field is not closed on its line"
        case .textAfterQuotedField: "text follows a closing quote before the next comma"
        case .wrongFieldCount(let found, let expected): "expected \(expected) fields, found \(found)"
        case .unknownListCode(let code): "unknown list code '\(code)'"
        case .missingRecordReference: "the record has no NCIC number (NIC)"
        case .invalidDate(let text): "entry date '\(text)' is not a yyyymmdd calendar date"
        case .invalidPlate: "the plate is not 1 to 10 letters and digits"
        case .invalidState: "the state is not a two-letter code"
        case .unknownCategory(let name): "unknown category '\(name)'"
        case .fieldTooLong(let field, let limit): "\(field) is longer than \(limit) characters"
        }
    }

    /// Printable ASCII, at most 12 characters, for echoing a short field in a reason.
    static func echo(_ text: String) -> String {
        String(text.unicodeScalars.filter { $0.isASCII && $0.value >= 0x20 && $0.value < 0x7F }.prefix(12).map(Character.init))
    }
}

/// A line of a hot list file that was not loaded (R4: every load is logged with its rejects).
public struct RejectedLine: Hashable, Sendable, Codable, CustomStringConvertible {
    /// 1-based line number in the file as given (a leading byte order mark does not count).
    public var lineNumber: Int
    public var reason: HotListRejectReason

    public init(lineNumber: Int, reason: HotListRejectReason) {
        self.lineNumber = lineNumber; self.reason = reason
    }

    public var description: String { "line \(lineNumber): \(reason)" }
}

/// What parsing a hot list file produced. Parsing never throws: every bad line becomes a
/// `RejectedLine` and the rest of the file is read; `HotListLoadPolicy` decides whether the
/// result may replace the live list.
public struct HotListParseResult: Sendable {
    public var entries: [HotListEntry] = []
    /// The first rejects, in line order (at most the parser's `maximumRejectsKept`).
    public var rejects: [RejectedLine] = []
    /// Every rejected line, including those beyond `rejects`.
    public var rejectedCount = 0
    /// Non-blank lines other than a header: accepted plus rejected.
    public var recordLineCount = 0
    public var headerSkipped = false
    /// The last line had no line break and was rejected: the file was probably cut short.
    public var finalLineUnterminatedAndRejected = false
    /// Accepted entries per category, counted by position in `HotListCategory.allCases`.
    private var categoryCounts = [Int](repeating: 0, count: HotListCategory.allCases.count)

    public init() {}

    public var countsByCategory: [HotListCategory: Int] {
        var counts: [HotListCategory: Int] = [:]
        for (category, count) in zip(HotListCategory.allCases, categoryCounts) where count > 0 { counts[category] = count }
        return counts
    }

    public var acceptedCount: Int { entries.count }

    /// Rejected lines as a fraction of record lines (0 for a file with none).
    public var rejectRatio: Double {
        recordLineCount == 0 ? 0 : Double(rejectedCount) / Double(recordLineCount)
    }

    mutating func accept(_ entry: HotListEntry) {
        entries.append(entry)
        categoryCounts[entry.category.allCasesIndex] += 1
    }

    mutating func reject(line: Int, _ reason: HotListRejectReason, keepingAtMost limit: Int) {
        rejectedCount += 1
        if rejects.count < limit { rejects.append(RejectedLine(lineNumber: line, reason: reason)) }
    }
}

/// Why one record line was refused, as the parsers pass it around.
struct LineRejection: Error {
    var reason: HotListRejectReason
}
