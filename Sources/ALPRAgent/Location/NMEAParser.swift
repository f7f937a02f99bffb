import ALPRCore
import Foundation

/// Parses the NMEA 0183 sentences that carry a position: RMC (position, speed, course) and
/// GGA (position and fix quality), from any talker (`$GP`, `$GN`, `$GL`...).
/// Sentences whose checksum is missing or wrong are refused: a flipped bit on a serial line
/// must not move the reader somewhere else.
public enum NMEAParser {
    public enum Sentence: Sendable, Equatable {
        /// A position; heading and speed only from RMC.
        case fix(GeoPoint, headingDegrees: Double?, speedKmh: Double?)
        /// The receiver says it has no valid position (RMC status V, GGA quality 0).
        case noFix
    }

    static let kilometresPerHourPerKnot = 1.852

    /// Parses one line; nil for sentence types that carry no position.
    public static func parse(_ line: String) throws(AgentError) -> Sentence? {
        let body = try validatedBody(line.trimmingCharacters(in: .whitespacesAndNewlines))
        let fields = body.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
        guard let type = fields.first, type.count == 5 else { throw .location("NMEA sentence has no type") }
        switch type.suffix(3) {
        case "RMC": return try parseRMC(fields)
        case "GGA": return try parseGGA(fields)
        default: return nil
        }
    }

    /// Checks `$...*hh` framing and the XOR checksum; returns the text between `$` and `*`.
    static func validatedBody(_ line: String) throws(AgentError) -> Substring {
        guard line.hasPrefix("$") else { throw .location("NMEA sentence does not start with $") }
        guard let star = line.lastIndex(of: "*") else { throw .location("NMEA sentence has no checksum") }
        let body = line[line.index(after: line.startIndex)..<star]
        let given = line[line.index(after: star)...]
        guard given.count == 2, let expected = UInt8(given, radix: 16) else {
            throw .location("NMEA checksum is not two hex digits")
        }
        let actual = body.utf8.reduce(UInt8(0), ^)
        guard actual == expected else { throw .location("NMEA checksum mismatch") }
        return body
    }

    // $GPRMC,hhmmss.ss,A,llll.ll,a,yyyyy.yy,a,x.x,x.x,ddmmyy,x.x,a*hh
    static func parseRMC(_ fields: [String]) throws(AgentError) -> Sentence {
        guard fields.count >= 10 else { throw .location("RMC sentence has \(fields.count) fields") }
        guard fields[2] == "A" else { return .noFix }
        let point = try coordinate(latitude: fields[3], north: fields[4], longitude: fields[5], east: fields[6])
        let speed = Double(fields[7]).map { $0 * kilometresPerHourPerKnot }
        let course = Double(fields[8]).flatMap { (0..<360).contains($0) ? $0 : nil }
        return .fix(point, headingDegrees: course, speedKmh: speed)
    }

    // $GPGGA,hhmmss.ss,llll.ll,a,yyyyy.yy,a,q,nn,h.h,alt,M,geo,M,,*hh
    static func parseGGA(_ fields: [String]) throws(AgentError) -> Sentence {
        guard fields.count >= 7 else { throw .location("GGA sentence has \(fields.count) fields") }
        guard let quality = Int(fields[6]), quality > 0 else { return .noFix }
        let point = try coordinate(latitude: fields[2], north: fields[3], longitude: fields[4], east: fields[5])
        return .fix(point, headingDegrees: nil, speedKmh: nil)
    }

    /// NMEA writes angles as degrees and minutes run together: `4807.038` is 48° 07.038'.
    static func coordinate(latitude: String, north: String, longitude: String, east: String) throws(AgentError) -> GeoPoint {
        guard let lat = degrees(latitude, degreeDigits: 2), let lon = degrees(longitude, degreeDigits: 3) else {
            throw .location("NMEA coordinates are malformed")
        }
        guard north == "N" || north == "S", east == "E" || east == "W" else {
            throw .location("NMEA hemisphere is malformed")
        }
        do {
            return try GeoPoint(latitude: north == "S" ? -lat : lat, longitude: east == "W" ? -lon : lon)
        } catch {
            throw .location("NMEA coordinates out of range")
        }
    }

    static func degrees(_ field: String, degreeDigits: Int) -> Double? {
        guard field.count > degreeDigits + 1, let whole = Double(field.prefix(degreeDigits)),
              let minutes = Double(field.dropFirst(degreeDigits)), (0..<60).contains(minutes) else { return nil }
        return whole + minutes / 60
    }
}
