import ALPRCore
import Foundation

/// How the reader learns where it is.
public enum LocationSpecification: Sendable, Equatable {
    case fixed(GeoPoint)
    case gpsd(host: String, port: UInt16)
    case nmea(path: String)
    case none

    /// Fixed readers take their place from configuration; mobile ones need a receiver.
    public var isMobile: Bool {
        switch self {
        case .gpsd, .nmea: true
        case .fixed, .none: false
        }
    }

    /// `lat,lon` in decimal degrees.
    public static func parseFixed(_ text: String) throws(AgentError) -> LocationSpecification {
        let parts = text.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
        guard parts.count == 2, let latitude = Double(parts[0]), let longitude = Double(parts[1]) else {
            throw .invalidConfiguration("fixed location must be 'latitude,longitude' in decimal degrees")
        }
        do { return .fixed(try GeoPoint(latitude: latitude, longitude: longitude)) } catch {
            throw .invalidConfiguration("fixed location: \(error)")
        }
    }

    /// `host:port`, `host` (port 2947) or `[v6]:port`.
    public static func parseGPSD(_ text: String) throws(AgentError) -> LocationSpecification {
        var host = text, port: UInt16 = 2947
        if text.hasPrefix("["), let close = text.firstIndex(of: "]") {
            host = String(text[text.index(after: text.startIndex)..<close])
            let rest = text[text.index(after: close)...]
            if rest.hasPrefix(":") {
                guard let parsed = UInt16(rest.dropFirst()) else { throw .invalidConfiguration("gpsd port in \(text) is not a number") }
                port = parsed
            }
        } else if let colon = text.lastIndex(of: ":") {
            host = String(text[..<colon])
            guard let parsed = UInt16(text[text.index(after: colon)...]) else {
                throw .invalidConfiguration("gpsd port in \(text) is not a number")
            }
            port = parsed
        }
        guard !host.isEmpty else { throw .invalidConfiguration("gpsd host is empty") }
        return .gpsd(host: host, port: port)
    }
}
