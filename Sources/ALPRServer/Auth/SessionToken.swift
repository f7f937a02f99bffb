import Crypto
import Foundation

/// A session's bearer secret. The browser keeps it in a cookie, API clients send it as
/// `Authorization: Bearer`; the database keeps only `hash`.
struct SessionToken: Hashable, Sendable {
    static let prefix = "ses_"
    static let cookieName = "alpr_session"
    let value: String

    static func generate() -> SessionToken {
        var generator = SystemRandomNumberGenerator()
        let secret = Data((0..<32).map { _ in UInt8.random(in: .min ... .max, using: &generator) })
        let encoded = secret.base64EncodedString()
            .replacingOccurrences(of: "+", with: "-")
            .replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
        return SessionToken(value: prefix + encoded)
    }

    init?(presented: String) {
        guard presented.hasPrefix(Self.prefix), presented.count > 20 else { return nil }
        value = presented
    }

    private init(value: String) { self.value = value }

    var hash: String { SHA256.hash(data: Data(value.utf8)).map { String(format: "%02x", $0) }.joined() }
}
