import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// A blocking TCP connection with a receive timeout, so the reading thread can notice a stop.
func connectTCP(host: String, port: UInt16, receiveTimeout: TimeInterval) -> Int32? {
    var hints = addrinfo()
    hints.ai_family = AF_UNSPEC
    hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
    var results: UnsafeMutablePointer<addrinfo>?
    guard getaddrinfo(host, String(port), &hints, &results) == 0, let first = results else { return nil }
    defer { freeaddrinfo(results) }
    var candidate: UnsafeMutablePointer<addrinfo>? = first
    while let info = candidate {
        let descriptor = socket(info.pointee.ai_family, info.pointee.ai_socktype, info.pointee.ai_protocol)
        if descriptor >= 0 {
            if connect(descriptor, info.pointee.ai_addr, info.pointee.ai_addrlen) == 0 {
                var timeout = timeval(tv_sec: Int(receiveTimeout), tv_usec: Int((receiveTimeout.truncatingRemainder(dividingBy: 1)) * 1_000_000))
                setsockopt(descriptor, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
                return descriptor
            }
            close(descriptor)
        }
        candidate = info.pointee.ai_next
    }
    return nil
}
