import Foundation
@testable import ALPRCore

/// A small deterministic generator (SplitMix64) so random tests repeat exactly.
struct HotListRandom: RandomNumberGenerator {
    private var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

enum HotListFixtures {
    static func bytes(_ text: String) -> [UInt8] { Array(text.utf8) }

    static func ncicRow(
        code: String = "V", nic: String = "V123456789", ori: String = "MN0270100", date: String = "20240115",
        plate: String = "ABC123", state: String = "MN"
    ) -> String {
        "\(code)\(nic),\(ori),\(date),\(plate),\(state),2025,PC,2015,TOYT,CAM,4D,BLK"
    }

    static let day = Date(timeIntervalSince1970: 1_750_000_000)

    static func version(_ source: HotListSource = .bcaLicensePlateDataFile, number: Int = 1, entries: Int, checksum: String = "previous") -> HotListVersion {
        HotListVersion(
            source: source, number: number, loadedAt: day, checksum: checksum,
            counts: HotListLoadCounts(recordLines: entries, entries: entries, rejected: 0, byCategory: [:])
        )
    }

    static func plate(_ text: String) -> PlateNumber { try! PlateNumber(text) }
    static func state(_ text: String) -> IssuingState { try! IssuingState(text) }
}
