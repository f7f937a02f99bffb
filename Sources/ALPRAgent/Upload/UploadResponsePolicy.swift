import Foundation

/// What an answer from `POST /api/v1/reads` means for the queued reads. One place decides
/// which refusals are final, because a wrong call either loses reads or retries forever.
public enum UploadResponsePolicy {
    public enum Outcome: Sendable, Equatable {
        /// The server has the reads (a repeated id answers 2xx "duplicate": also accepted).
        /// `rejectedIDs` are items a batch answer marked invalid.
        case accepted(rejectedIDs: Set<UUID>)
        /// Try again later: network, server trouble, throttling, or a credential problem that
        /// an administrator must fix (the reads themselves are fine and must not be lost).
        case retry(reason: String)
        /// R7: the reader has no active period. Stop collecting; keep the queued reads.
        case notCollecting
        /// The server will never accept this content (validation error).
        case rejected(reason: String)
    }

    public static func classify(status: Int, body: Data) -> Outcome {
        if (200..<300).contains(status) { return .accepted(rejectedIDs: rejectedIDs(in: body)) }
        if ActivePeriodStatus.meansNoActivePeriod(status: status, body: body) { return .notCollecting }
        switch status {
        case 408, 429: return .retry(reason: "server asked to retry (\(status))")
        case 401, 403: return .retry(reason: "credential refused (\(status)); check the reader credential")
        case 404: return .retry(reason: "ingest endpoint not found (404); check the server URL")
        case 400..<500: return .rejected(reason: "refused with \(status)")
        default: return .retry(reason: "server error (\(status))")
        }
    }

    /// Item statuses in a batch answer (`{"results": [{"id", "status"}]}` or a bare array)
    /// that mean the item will never be accepted.
    static let rejectedStatuses: Set<String> = ["rejected", "invalid", "error"]

    static func rejectedIDs(in body: Data) -> Set<UUID> {
        guard let json = try? JSONSerialization.jsonObject(with: body) else { return [] }
        let items = (json as? [[String: Any]]) ?? ((json as? [String: Any])?["results"] as? [[String: Any]]) ?? []
        return Set(items.compactMap { item in
            guard let status = item["status"] as? String, rejectedStatuses.contains(status.lowercased()),
                  let id = (item["id"] as? String).flatMap(UUID.init(uuidString:)) else { return nil }
            return id
        })
    }
}
