import Foundation

/// R3, R4: every loaded hot list records its source, version and load time, with the counts
/// the load log shows.
public struct HotListVersion: Hashable, Sendable, Codable {
    public var source: HotListSource
    /// 1 for a source's first load, then one more for each accepted load.
    public var number: Int
    public var loadedAt: Date
    /// SHA-256 of the file's bytes, lower-case hex.
    public var checksum: String
    public var counts: HotListLoadCounts

    public init(source: HotListSource, number: Int, loadedAt: Date, checksum: String, counts: HotListLoadCounts) {
        self.source = source; self.number = number; self.loadedAt = loadedAt
        self.checksum = checksum; self.counts = counts
    }
}

/// What a load found in the file.
public struct HotListLoadCounts: Hashable, Sendable, Codable {
    public var recordLines: Int
    public var entries: Int
    public var rejected: Int
    public var byCategory: [HotListCategory: Int]

    public init(recordLines: Int, entries: Int, rejected: Int, byCategory: [HotListCategory: Int]) {
        self.recordLines = recordLines; self.entries = entries; self.rejected = rejected; self.byCategory = byCategory
    }

    public init(_ parsed: HotListParseResult) {
        self.init(
            recordLines: parsed.recordLineCount, entries: parsed.acceptedCount,
            rejected: parsed.rejectedCount, byCategory: parsed.countsByCategory
        )
    }
}
