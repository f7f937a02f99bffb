import Foundation
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// A minimal HTTP/1.1 server on 127.0.0.1 for uploader tests: one request per connection,
/// handled on a background thread. It can be stopped (connections are then refused) and
/// started again on the same port, to play a server that goes down and comes back.
final class TestHTTPServer: Sendable {
    struct Request: Sendable {
        var method: String
        var path: String
        var headers: [String: String]
        var body: Data
    }

    enum Reply: Sendable {
        case respond(status: Int, body: Data)
        /// Close the connection without answering (the request may have been processed).
        case hangUp
    }

    typealias Handler = @Sendable (Request) -> Reply

    private let handler: Handler
    private let listener = Mutex<Int32>(-1)
    private let portNumber = Mutex<UInt16>(0)

    init(handler: @escaping Handler) {
        self.handler = handler
    }

    var port: UInt16 { portNumber.withLock { $0 } }
    var baseURL: URL { URL(string: "http://127.0.0.1:\(port)/")! }

    /// Listens on `port` (0 picks a free one the first time).
    func start(port requested: UInt16? = nil) throws {
        let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard descriptor >= 0 else { throw POSIXError(.EIO) }
        var yes: Int32 = 1
        setsockopt(descriptor, SOL_SOCKET, SO_REUSEADDR, &yes, socklen_t(MemoryLayout<Int32>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = (requested ?? port).bigEndian
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(descriptor, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard bound == 0, listen(descriptor, 16) == 0 else {
            close(descriptor)
            throw POSIXError(.EADDRINUSE)
        }
        var actual = sockaddr_in()
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &actual) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(descriptor, $0, &length) }
        }
        portNumber.withLock { $0 = UInt16(bigEndian: actual.sin_port) }
        listener.withLock { $0 = descriptor }
        let thread = Thread { [self] in acceptLoop(descriptor) }
        thread.start()
    }

    /// Stops listening; new connections are refused until `start()` is called again.
    func stop() {
        listener.withLock { descriptor in
            if descriptor >= 0 {
                shutdown(descriptor, Int32(SHUT_RDWR))
                close(descriptor)
            }
            descriptor = -1
        }
    }

    private func acceptLoop(_ descriptor: Int32) {
        while true {
            let connection = accept(descriptor, nil, nil)
            if connection < 0 {
                if errno == EINTR { continue }
                return
            }
            let thread = Thread { [self] in serve(connection) }
            thread.start()
        }
    }

    private func serve(_ connection: Int32) {
        defer { close(connection) }
        var timeout = timeval(tv_sec: 5, tv_usec: 0)
        setsockopt(connection, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        var buffer = [UInt8]()
        var chunk = [UInt8](repeating: 0, count: 65536)
        var headerEnd: Int?
        while headerEnd == nil {
            let count = chunk.withUnsafeMutableBytes { read(connection, $0.baseAddress, $0.count) }
            guard count > 0 else { return }
            buffer.append(contentsOf: chunk[..<count])
            headerEnd = Self.find([13, 10, 13, 10], in: buffer)
        }
        let head = String(decoding: buffer[..<headerEnd!], as: UTF8.self)
        var lines = head.components(separatedBy: "\r\n")
        let requestLine = lines.removeFirst().split(separator: " ")
        guard requestLine.count >= 2 else { return }
        var headers: [String: String] = [:]
        for line in lines {
            guard let colon = line.firstIndex(of: ":") else { continue }
            headers[line[..<colon].lowercased()] = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
        }
        let length = Int(headers["content-length"] ?? "0") ?? 0
        var body = Array(buffer[(headerEnd! + 4)...])
        while body.count < length {
            let count = chunk.withUnsafeMutableBytes { read(connection, $0.baseAddress, $0.count) }
            guard count > 0 else { return }
            body.append(contentsOf: chunk[..<count])
        }
        let request = Request(method: String(requestLine[0]), path: String(requestLine[1]), headers: headers, body: Data(body))
        switch handler(request) {
        case .hangUp:
            return
        case .respond(let status, let responseBody):
            var response = Data("HTTP/1.1 \(status) Status\r\nContent-Type: application/json\r\nContent-Length: \(responseBody.count)\r\nConnection: close\r\n\r\n".utf8)
            response.append(responseBody)
            response.withUnsafeBytes { raw in
                var sent = 0
                while sent < raw.count {
                    let count = send(connection, raw.baseAddress! + sent, raw.count - sent, Int32(MSG_NOSIGNAL))
                    if count <= 0 { return }
                    sent += count
                }
            }
        }
    }

    static func find(_ needle: [UInt8], in haystack: [UInt8]) -> Int? {
        guard haystack.count >= needle.count else { return nil }
        for index in 0...(haystack.count - needle.count) where Array(haystack[index..<index + needle.count]) == needle {
            return index
        }
        return nil
    }
}
