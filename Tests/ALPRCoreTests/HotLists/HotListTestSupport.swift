import Foundation
@testable import ALPRCore

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
