import ALPRCore
import ALPRStorage
import Foundation
import Hummingbird

/// The audit trail for auditors (R9, R15): paged entries and a check of the hash chain.
struct AuditController {
    let services: ServerServices
    static let maximumPage = 1000

    var routes: [AppRoute] {
        [
            AppRoute(.get, "/api/v1/audit", .user(.viewAudit), list),
            AppRoute(.get, "/api/v1/audit/verify", .user(.viewAudit), verify),
        ]
    }

    struct EntryView: Encodable {
        var sequence: Int64
        var at: Date
        var actor: String
        var action: String
        var subject: String
        var criteria: String?
        var resultIds: [String]
        var resultCount: Int?
        var caseNumber: String?
        var reason: String?
        var recipient: String?
        var previousHash: String
        var hash: String
        init(_ event: AuditEvent) {
            sequence = event.sequence; at = event.entry.at; actor = event.entry.actor
            action = event.entry.action.rawValue; subject = event.entry.subject; criteria = event.entry.criteria
            resultIds = event.entry.resultIDs; resultCount = event.entry.resultCount
            caseNumber = event.entry.caseNumber; reason = event.entry.reason; recipient = event.entry.recipient
            previousHash = event.previousHash; hash = event.hash
        }
    }

    struct Page: Encodable {
        var entries: [EntryView]
        /// Pass as `from` for the next page; nil at the end.
        var next: Int64?
    }

    @Sendable func list(_ request: Request, context: AppRequestContext) async throws -> Response {
        let user = try context.requireUser()
        let query = request.uri.queryParameters
        let from = try query["from"].map { raw throws(ALPRError) -> Int64 in
            guard let value = Int64(raw), value >= 1 else { throw .invalid(field: "from", reason: "must be a sequence number from 1") }
            return value
        } ?? 1
        let limit = try query["limit"].map { raw throws(ALPRError) -> Int in
            guard let value = Int(raw), (1...Self.maximumPage).contains(value) else {
                throw .invalid(field: "limit", reason: "must be between 1 and \(Self.maximumPage)")
            }
            return value
        } ?? 100
        let events = try await services.storage.audit.events(from: from, limit: limit)
        try await services.audit.record(
            .access, actor: user.username, subject: "audit", criteria: "from=\(from) limit=\(limit)", resultCount: events.count
        )
        return try APIJSON.response(Page(entries: events.map(EntryView.init), next: events.count == limit ? events.last.map { $0.sequence + 1 } : nil))
    }

    struct VerificationView: Encodable {
        var intact: Bool
        var count: Int?
        var brokenAt: Int64?
        var reason: String?
    }

    @Sendable func verify(_ request: Request, context: AppRequestContext) async throws -> Response {
        let user = try context.requireUser()
        let view: VerificationView
        switch try await services.storage.audit.verify() {
        case .intact(let count): view = VerificationView(intact: true, count: count)
        case .broken(let sequence, let reason): view = VerificationView(intact: false, brokenAt: sequence, reason: reason)
        }
        try await services.audit.record(.access, actor: user.username, subject: "audit", criteria: "verify", reason: view.reason)
        return try APIJSON.response(view)
    }
}
