import ALPRCore
import Foundation

/// Where frames come from, as written on the command line.
public enum SourceSpecification: Sendable, Equatable {
    case videoFile(String)
    case stream(String)
    case folder(String)
    case image(String)

    /// Accepts `rtsp://…`, `http(s)://…` (streams), `file:PATH`, `dir:PATH`, `image:PATH`,
    /// or a bare path: a folder, a `.jpg/.jpeg/.png` image, or otherwise a video file.
    public static func parse(_ text: String) throws(AgentError) -> SourceSpecification {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        let lower = trimmed.lowercased()
        for scheme in ["rtsp://", "rtsps://", "http://", "https://"] where lower.hasPrefix(scheme) {
            guard URL(string: trimmed)?.host != nil else { throw .invalidConfiguration("source URL \(trimmed) has no host") }
            return .stream(trimmed)
        }
        let prefixes: [(String, @Sendable (String) -> SourceSpecification)] = [
            ("file:", SourceSpecification.videoFile), ("dir:", SourceSpecification.folder), ("image:", SourceSpecification.image),
        ]
        for (prefix, make) in prefixes where lower.hasPrefix(prefix) {
            let path = String(trimmed.dropFirst(prefix.count))
            guard !path.isEmpty else { throw .invalidConfiguration("source \(trimmed) names no path") }
            return make(path)
        }
        guard !trimmed.isEmpty else { throw .invalidConfiguration("source is empty") }
        var isDirectory: ObjCBool = false
        if FileManager.default.fileExists(atPath: trimmed, isDirectory: &isDirectory), isDirectory.boolValue {
            return .folder(trimmed)
        }
        if ["jpg", "jpeg", "png"].contains(URL(fileURLWithPath: trimmed).pathExtension.lowercased()) {
            return .image(trimmed)
        }
        return .videoFile(trimmed)
    }
}
