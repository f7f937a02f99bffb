import Foundation

/// What an answer from `POST /api/v1/reads` means for the queued reads. One place decides
/// which refusals are final, because a wrong call either loses reads or retries forever.
///
/// The server answers 201 when it stored something new and 200 when every read was already
/// there, each with `{"accepted", "duplicates", "results": [{"id", "status"}]}` where the
/// status is `inserted` or `duplicate`. A request with any bad read stores nothing: 422 (or
/// 400) names the field, and 409 says the reader was not actively collecting when a read was
/// captured (R7, checked at `captured_at`, so sending the read again can never succeed).
public enum UploadResponsePolicy {
    public enum Outcome: Sendable, Equatable {
        /// The server has the reads (`inserted`, or `duplicate` for a repeated id).
        /// `rejectedIDs` are items a batch answer marked as refused.
        case accepted(rejectedIDs: Set<UUID>)
        /// Try again later: network, server trouble, throttling, or a credential problem that
        /// an administrator must fix (the reads themselves are fine and must not be lost).
        case retry(reason: String)
        /// R7: the reader had no active period when a read in the request was captured. Final
        /// for that read; a mobile reader also stops collecting until the server says otherwise.
        case outsideActivePeriod(reason: String)
        /// The server will never accept this content (validation error).
        case rejected(reason: String)
    }

    public static func classify(status: Int, body: Data) -> Outcome {
        if (200..<300).contains(status) { return .accepted(rejectedIDs: rejectedIDs(in: body)) }
        switch status {
        case 409: return .outsideActivePeriod(reason: errorReason(in: body) ?? "no active period at capture time")
        case 408, 429: return .retry(reason: "server asked to retry (\(status))")
        case 401, 403: return .retry(reason: "credential refused (\(status)); check the reader credential")
        case 404: return .retry(reason: "ingest endpoint not found (404); check the server URL")
        case 400..<500: return .rejected(reason: "refused with \(status): \(errorReason(in: body) ?? "no reason given")")
        default: return .retry(reason: "server error (\(status))")
        }
    }

    /// Item statuses in a batch answer that settle the read: stored now or stored before.
    static let settledStatuses: Set<String> = ["inserted", "duplicate"]

    /// Items of `{"results": [{"id", "status"}]}` whose status is neither settled state. An
    /// answer without `results` (or an item without a status) settles every read it covers.
    static func rejectedIDs(in body: Data) -> Set<UUID> {
        guard let json = try? JSONSerialization.jsonObject(with: body) as? [String: Any],
              let items = json["results"] as? [[String: Any]] else { return [] }
        return Set(items.compactMap { item in
            guard let status = item["status"] as? String, !settledStatuses.contains(status.lowercased()),
                  let id = (item["id"] as? String).flatMap(UUID.init(uuidString:)) else { return nil }
            return id
        })
    }

    /// The server's `{"error": {"reason": ...}}`; it never carries plate text.
    static func errorReason(in body: Data) -> String? {
        guard let json = try? JSONSerialization.jsonObject(with: body) as? [String: Any] else { return nil }
        return (json["error"] as? [String: Any])?["reason"] as? String
    }
}
