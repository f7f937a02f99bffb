import Crypto
import Foundation

/// R9 (§13.824 subd. 7): the audit trail is append-only and its integrity can be verified.
/// Each entry's hash is SHA-256 over the previous entry's hash and a canonical encoding of the
/// entry, so any edit, insertion or deletion changes every later hash.
public enum AuditChain {
    /// The `previousHash` of the first entry.
    public static let genesisHash = String(repeating: "0", count: 64)

    public static func hash(sequence: Int64, entry: AuditEntryDraft, previousHash: String) -> String {
        var digest = SHA256()
        digest.update(data: Data(canonicalText(sequence: sequence, entry: entry, previousHash: previousHash).utf8))
        return digest.finalize().map { String(format: "%02x", $0) }.joined()
    }

    public static func seal(sequence: Int64, entry: AuditEntryDraft, previousHash: String) -> AuditEvent {
        AuditEvent(
            sequence: sequence, entry: entry, previousHash: previousHash,
            hash: hash(sequence: sequence, entry: entry, previousHash: previousHash)
        )
    }

    public enum Verification: Equatable, Sendable {
        case intact(count: Int)
        /// The first entry that does not follow from the ones before it, and why.
        case broken(sequence: Int64, reason: String)
    }

    /// Verifies entries in sequence order. A gap in sequence numbers (a deleted row), a wrong
    /// `previousHash` or a hash that does not match the content are all reported.
    public static func verify<S: Sequence>(_ events: S) -> Verification where S.Element == AuditEvent {
        var verifier = Verifier()
        for event in events {
            if let broken = verifier.check(event) { return broken }
        }
        return verifier.result
    }

    /// Checks a chain one entry at a time, so a long trail can be verified page by page
    /// without holding it all in memory.
    public struct Verifier: Sendable {
        public private(set) var checkedCount = 0
        private var expectedPrevious = AuditChain.genesisHash
        private var expectedSequence: Int64 = 1

        public init() {}

        /// Checks the next entry; returns `.broken` at the first entry that does not follow.
        public mutating func check(_ event: AuditEvent) -> Verification? {
            if event.sequence != expectedSequence {
                return .broken(
                    sequence: event.sequence,
                    reason: "expected entry \(expectedSequence) but found \(event.sequence): entries are missing"
                )
            }
            if event.previousHash != expectedPrevious {
                return .broken(sequence: event.sequence, reason: "previous hash does not match entry \(expectedSequence - 1)")
            }
            let recomputed = hash(sequence: event.sequence, entry: event.entry, previousHash: event.previousHash)
            if recomputed != event.hash {
                return .broken(sequence: event.sequence, reason: "content does not match its hash: the entry was altered")
            }
            expectedPrevious = event.hash
            expectedSequence += 1
            checkedCount += 1
            return nil
        }

        public var result: Verification { .intact(count: checkedCount) }
    }

    /// Stable text for hashing: fields in fixed order, separated by a unit separator, dates as
    /// milliseconds since 1970 so that storage round trips do not change the hash.
    static func canonicalText(sequence: Int64, entry: AuditEntryDraft, previousHash: String) -> String {
        let fields: [String] = [
            String(sequence),
            previousHash,
            String(Int64((entry.at.timeIntervalSince1970 * 1000).rounded())),
            entry.actor,
            entry.action.rawValue,
            entry.subject,
            entry.criteria ?? "",
            entry.resultIDs.joined(separator: ","),
            entry.resultCount.map(String.init) ?? "",
            entry.caseNumber ?? "",
            entry.reason ?? "",
            entry.recipient ?? "",
        ]
        return fields.joined(separator: "\u{1F}")
    }
}
