import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// Splits bytes read from a file descriptor into lines (for NMEA and gpsd, which are
/// line-oriented). Lines longer than `maximumLineLength` are discarded: a receiver spewing
/// garbage must not grow memory without bound.
struct LineReader {
    let descriptor: Int32
    var maximumLineLength = 4096
    private var buffer: [UInt8] = []
    private var discarding = false

    init(descriptor: Int32) { self.descriptor = descriptor }

    enum Outcome { case line(String), endOfFile, timedOut, failed(Int32) }

    /// Reads until a full line is available.
    mutating func nextLine() -> Outcome {
        while true {
            if let newline = buffer.firstIndex(of: UInt8(ascii: "\n")) {
                let lineBytes = buffer[..<newline]
                buffer.removeSubrange(...newline)
                if discarding { discarding = false; continue }
                return .line(String(decoding: lineBytes, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines))
            }
            if buffer.count > maximumLineLength { buffer.removeAll(); discarding = true }
            var chunk = [UInt8](repeating: 0, count: 1024)
            let count = chunk.withUnsafeMutableBytes { read(descriptor, $0.baseAddress, $0.count) }
            if count == 0 { return .endOfFile }
            if count < 0 {
                if errno == EINTR { continue }
                if errno == EAGAIN || errno == EWOULDBLOCK { return .timedOut }
                return .failed(errno)
            }
            buffer.append(contentsOf: chunk[..<count])
        }
    }
}
