import Crypto
import Foundation

/// A reader's own secret (R7: every reader authenticates with its own credential). The token
/// is 32 random bytes in hex; `ReaderRepository` stores only `hash`, the SHA-256 of the token.
/// A fast hash suffices because the token carries 256 random bits; a slow password hash would
/// only add latency to every upload.
///
/// On the wire a reader sends `Authorization: Bearer <reader UUID>.<token>`, so the server
/// knows whose stored hash to compare with (`bearer(readerID:)`, `parse(bearer:)`).
public struct ReaderCredential: Hashable, Sendable {
    public let token: String

    public init(token: String) {
        self.token = token
    }

    public static func generate() -> ReaderCredential {
        var generator = SystemRandomNumberGenerator()
        let bytes = (0..<32).map { _ in UInt8.random(in: .min ... .max, using: &generator) }
        return ReaderCredential(token: bytes.map { String(format: "%02x", $0) }.joined())
    }

    public static func hash(token: String) -> String {
        SHA256.hash(data: Data(token.utf8)).map { String(format: "%02x", $0) }.joined()
    }

    public var hash: String { Self.hash(token: token) }

    /// Compares a presented token with a stored hash in time independent of where they differ.
    public static func matches(token: String, storedHash: String) -> Bool {
        let presented = Array(hash(token: token).utf8)
        let stored = Array(storedHash.utf8)
        guard presented.count == stored.count else { return false }
        var difference: UInt8 = 0
        for (a, b) in zip(presented, stored) { difference |= a ^ b }
        return difference == 0
    }

    /// What the reader puts after `Bearer `.
    public func bearer(readerID: UUID) -> String { "\(readerID.uuidString).\(token)" }

    /// Splits a bearer value into the reader id and the token; nil when it is not shaped so.
    public static func parse(bearer: String) -> (readerID: UUID, token: String)? {
        guard let dot = bearer.firstIndex(of: "."), let readerID = UUID(uuidString: String(bearer[..<dot])) else { return nil }
        let token = String(bearer[bearer.index(after: dot)...])
        guard !token.isEmpty else { return nil }
        return (readerID, token)
    }
}
