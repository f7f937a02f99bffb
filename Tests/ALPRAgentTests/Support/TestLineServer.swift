import Foundation
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// A TCP server on 127.0.0.1 that plays gpsd: it reads the client's first line, hands it to
/// `onLine`, then sends the `greeting` lines and holds the connection open until stopped.
final class TestLineServer: Sendable {
    private let onLine: @Sendable (String) -> Void
    private let greeting: [String]
    private let listener = Mutex<Int32>(-1)
    private let connections = Mutex<[Int32]>([])
    private let portNumber = Mutex<UInt16>(0)

    init(onLine: @escaping @Sendable (String) -> Void, greeting: [String]) {
        self.onLine = onLine
        self.greeting = greeting
    }

    var port: UInt16 { portNumber.withLock { $0 } }

    func start() throws {
        let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = 0
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(descriptor, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard descriptor >= 0, bound == 0, listen(descriptor, 4) == 0 else { throw POSIXError(.EIO) }
        var actual = sockaddr_in()
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &actual) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(descriptor, $0, &length) }
        }
        portNumber.withLock { $0 = UInt16(bigEndian: actual.sin_port) }
        listener.withLock { $0 = descriptor }
        let thread = Thread { [self] in
            while true {
                let connection = accept(descriptor, nil, nil)
                guard connection >= 0 else { return }
                connections.withLock { $0.append(connection) }
                var reader = LineReaderForTests(descriptor: connection)
                if let line = reader.nextLine() { onLine(line) }
                for line in greeting {
                    _ = (line + "\n").withCString { send(connection, $0, strlen($0), Int32(MSG_NOSIGNAL)) }
                }
            }
        }
        thread.start()
    }

    func stop() {
        listener.withLock { descriptor in
            shutdown(descriptor, Int32(SHUT_RDWR))
            close(descriptor)
        }
        connections.withLock { list in
            for connection in list { shutdown(connection, Int32(SHUT_RDWR)); close(connection) }
            list.removeAll()
        }
    }
}

struct LineReaderForTests {
    let descriptor: Int32
    var buffer: [UInt8] = []

    mutating func nextLine() -> String? {
        while true {
            if let newline = buffer.firstIndex(of: 10) {
                defer { buffer.removeSubrange(...newline) }
                return String(decoding: buffer[..<newline], as: UTF8.self)
            }
            var byte: UInt8 = 0
            guard read(descriptor, &byte, 1) == 1 else { return nil }
            buffer.append(byte)
        }
    }
}
