import ALPRCore
import Crypto
import Foundation

/// Plate and vehicle images on disk, outside the database, addressed by the SHA-256 of their
/// bytes (`ab/cd/abcdef....jpg`). Writes go to a temporary file and are renamed into place, so
/// a crash never leaves a half-written image under its final name.
public struct ImageStore: Sendable {
    public let root: URL

    public init(root: URL) throws {
        self.root = root
        try FileManager.default.createDirectory(at: root, withIntermediateDirectories: true)
    }

    public static func sha256Hex(_ bytes: some DataProtocol) -> String {
        SHA256.hash(data: bytes).map { String(format: "%02x", $0) }.joined()
    }

    public func url(for sha256: String, contentType: ImageContentType) -> URL {
        let ext = contentType == .jpeg ? "jpg" : "png"
        let a = sha256.prefix(2), b = sha256.dropFirst(2).prefix(2)
        return root.appendingPathComponent(String(a)).appendingPathComponent(String(b))
            .appendingPathComponent("\(sha256).\(ext)")
    }

    /// Validates (R1: JPEG/PNG only, size limit) and stores the bytes; returns their reference.
    public func put(_ bytes: [UInt8], field: String) throws -> ImageRef {
        let type = try CollectionLimits.imageContentType(of: bytes, field: field)
        let hash = Self.sha256Hex(bytes)
        let destination = url(for: hash, contentType: type)
        let fm = FileManager.default
        if !fm.fileExists(atPath: destination.path) {
            try fm.createDirectory(at: destination.deletingLastPathComponent(), withIntermediateDirectories: true)
            let temporary = destination.deletingLastPathComponent().appendingPathComponent(".\(hash).\(UUID().uuidString).tmp")
            try Data(bytes).write(to: temporary)
            if rename(temporary.path, destination.path) != 0 {
                try? fm.removeItem(at: temporary)
                if !fm.fileExists(atPath: destination.path) {
                    throw CocoaError(.fileWriteUnknown)
                }
            }
        }
        return ImageRef(sha256: hash, contentType: type, byteCount: bytes.count)
    }

    public func data(for ref: ImageRef) throws -> Data {
        try Data(contentsOf: url(for: ref.sha256, contentType: ref.contentType))
    }

    /// Removes the file; a file already gone is not an error (purges may be re-run).
    @discardableResult
    public func remove(sha256: String, contentType: ImageContentType) -> Bool {
        (try? FileManager.default.removeItem(at: url(for: sha256, contentType: contentType))) != nil
    }

    public func exists(sha256: String, contentType: ImageContentType) -> Bool {
        FileManager.default.fileExists(atPath: url(for: sha256, contentType: contentType).path)
    }
}
