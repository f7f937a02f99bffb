import Foundation

/// Every failure the reader agent reports. Cases say what went wrong and where; none carries
/// plate text (plates are logged only at debug level).
public enum AgentError: Error, Sendable, Equatable, CustomStringConvertible {
    /// A command-line option or configuration value is unusable.
    case invalidConfiguration(String)
    /// A file or folder could not be read, written, synced or renamed.
    case fileSystem(path: String, operation: String, errno: Int32)
    /// A queued record failed its length or CRC check.
    case corruptRecord(path: String, reason: String)
    /// A frame source could not be started or delivered malformed data.
    case frameSource(String)
    /// An image could not be encoded or decoded.
    case image(String)
    /// A location sentence or message was malformed.
    case location(String)
    /// The server could not be reached or answered unexpectedly.
    case upload(String)

    public var description: String {
        switch self {
        case .invalidConfiguration(let reason): "invalid configuration: \(reason)"
        case .fileSystem(let path, let operation, let code):
            "\(operation) failed for \(path): \(String(cString: strerror(code)))"
        case .corruptRecord(let path, let reason): "corrupt queue record \(path): \(reason)"
        case .frameSource(let reason): "frame source: \(reason)"
        case .image(let reason): "image: \(reason)"
        case .location(let reason): "location: \(reason)"
        case .upload(let reason): "upload: \(reason)"
        }
    }
}
