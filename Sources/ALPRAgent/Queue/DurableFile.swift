import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// The POSIX calls that make a write durable, with errors that say which call failed where.
/// Foundation's `Data.write(options: .atomic)` does not fsync, so it cannot promise that a
/// renamed file holds its bytes after a power cut.
enum DurableFile {
    static func write(_ bytes: [UInt8], to url: URL) throws(AgentError) {
        let descriptor = open(url.path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o600)
        guard descriptor >= 0 else { throw .fileSystem(path: url.path, operation: "open", errno: errno) }
        defer { close(descriptor) }
        var written = 0
        while written < bytes.count {
            let result = bytes.withUnsafeBytes { buffer in
                Glibc.write(descriptor, buffer.baseAddress! + written, buffer.count - written)
            }
            if result < 0 {
                if errno == EINTR { continue }
                throw .fileSystem(path: url.path, operation: "write", errno: errno)
            }
            written += result
        }
        guard fsync(descriptor) == 0 else { throw .fileSystem(path: url.path, operation: "fsync", errno: errno) }
    }

    static func rename(_ source: URL, to destination: URL) throws(AgentError) {
        guard Glibc.rename(source.path, destination.path) == 0 else {
            throw .fileSystem(path: destination.path, operation: "rename", errno: errno)
        }
    }

    /// Makes a rename or creation in `folder` durable.
    static func syncDirectory(_ folder: URL) throws(AgentError) {
        let descriptor = open(folder.path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard descriptor >= 0 else { throw .fileSystem(path: folder.path, operation: "open folder", errno: errno) }
        defer { close(descriptor) }
        guard fsync(descriptor) == 0 else { throw .fileSystem(path: folder.path, operation: "fsync folder", errno: errno) }
    }

    static func readAll(_ url: URL) throws(AgentError) -> [UInt8] {
        guard let data = FileManager.default.contents(atPath: url.path) else {
            throw .fileSystem(path: url.path, operation: "read", errno: ENOENT)
        }
        return [UInt8](data)
    }
}
