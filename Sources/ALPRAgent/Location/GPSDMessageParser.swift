import ALPRCore
import Foundation

/// Parses gpsd's JSON reports (one object per line). Only TPV (time-position-velocity)
/// reports matter; gpsd sends VERSION, DEVICES, WATCH, SKY and others that are ignored.
public enum GPSDMessageParser {
    /// Sent once after connecting so gpsd streams JSON reports.
    public static let watchCommand = #"?WATCH={"enable":true,"json":true};"# + "\n"

    struct TPV: Decodable {
        var `class`: String
        var mode: Int?
        var lat: Double?
        var lon: Double?
        var track: Double?
        /// Metres per second.
        var speed: Double?
    }

    struct Envelope: Decodable { var `class`: String }

    /// nil for reports that are not TPV; `.noFix` for TPV with mode below 2 (no 2D fix).
    public static func parse(_ line: String) throws(AgentError) -> NMEAParser.Sentence? {
        let data = Data(line.utf8)
        let envelope: Envelope
        do { envelope = try JSONDecoder().decode(Envelope.self, from: data) } catch {
            throw .location("gpsd report is not a JSON object with a class")
        }
        guard envelope.class == "TPV" else { return nil }
        let tpv: TPV
        do { tpv = try JSONDecoder().decode(TPV.self, from: data) } catch {
            throw .location("gpsd TPV report is malformed")
        }
        guard let mode = tpv.mode, mode >= 2, let lat = tpv.lat, let lon = tpv.lon else { return .noFix }
        let point: GeoPoint
        do { point = try GeoPoint(latitude: lat, longitude: lon) } catch {
            throw .location("gpsd coordinates out of range")
        }
        return .fix(
            point, headingDegrees: tpv.track.flatMap { (0..<360).contains($0) ? $0 : nil },
            speedKmh: tpv.speed.map { $0 * 3.6 }
        )
    }
}
