import Foundation

/// A date without a time of day or time zone, as hot list files give entry dates (yyyymmdd).
public struct CalendarDay: Hashable, Sendable, Codable, Comparable, CustomStringConvertible {
    public let year: Int
    public let month: Int
    public let day: Int

    public init(year: Int, month: Int, day: Int) throws(ALPRError) {
        guard (1900...9999).contains(year), (1...12).contains(month),
              (1...Self.daysIn(month: month, year: year)).contains(day)
        else {
            throw .invalid(field: "date", reason: "not a calendar date")
        }
        self.year = year; self.month = month; self.day = day
    }

    /// Parses `yyyymmdd` (eight digits); nil for anything else or an impossible date.
    public init?(yyyymmdd text: some Collection<UInt8>) {
        guard text.count == 8 else { return nil }
        var value = 0
        for byte in text {
            guard byte >= UInt8(ascii: "0"), byte <= UInt8(ascii: "9") else { return nil }
            value = value * 10 + Int(byte - UInt8(ascii: "0"))
        }
        guard let parsed = try? CalendarDay(year: value / 10_000, month: value / 100 % 100, day: value % 100) else {
            return nil
        }
        self = parsed
    }

    static func daysIn(month: Int, year: Int) -> Int {
        switch month {
        case 2: (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 ? 29 : 28
        case 4, 6, 9, 11: 30
        default: 31
        }
    }

    /// `yyyymmdd` as one integer, the compact form the index stores.
    var packed: Int32 { Int32(year * 10_000 + month * 100 + day) }

    init(packed: Int32) {
        let value = Int(packed)
        year = value / 10_000; month = value / 100 % 100; day = value % 100
    }

    /// ISO 8601 (`2024-05-31`).
    public var description: String {
        let monthText = month < 10 ? "0\(month)" : "\(month)"
        let dayText = day < 10 ? "0\(day)" : "\(day)"
        return "\(year)-\(monthText)-\(dayText)"
    }

    public init(from decoder: any Decoder) throws {
        let text = try decoder.singleValueContainer().decode(String.self)
        let digits = text.utf8.filter { $0 != UInt8(ascii: "-") }
        guard let day = CalendarDay(yyyymmdd: digits) else {
            throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription: "expected yyyy-mm-dd"))
        }
        self = day
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(description)
    }

    public static func < (lhs: CalendarDay, rhs: CalendarDay) -> Bool { lhs.packed < rhs.packed }
}
