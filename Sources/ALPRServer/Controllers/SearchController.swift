import ALPRCore
import ALPRStorage
import Foundation
import Hummingbird

/// Searching stored reads (R10): always with a case number and a statement of reasonable
/// suspicion; the criteria, the case, the reason and what came back are audited (R9).
struct SearchController {
    let services: ServerServices

    var routes: [AppRoute] {
        [
            AppRoute(.post, "/api/v1/search", .user(.searchReads), apiSearch),
            AppRoute(.get, "/search", .user(.searchReads), searchPage),
            AppRoute(.post, "/search", .user(.searchReads), webSearch),
        ]
    }

    struct Criteria: Decodable {
        var caseNumber: String
        var reason: String
        var plate: String?
        var from: Date?
        var to: Date?
        var readerIds: [UUID]?
        var limit: Int?
    }

    struct Results: Encodable {
        var caseNumber: String
        var count: Int
        var reads: [ReadView]
    }

    /// The one search path, for the API and the web page alike.
    func search(_ criteria: Criteria, user: User) async throws -> (SearchJustification, [Read]) {
        let justification: SearchJustification
        let query: ReadQuery
        do {
            justification = try SearchJustification(caseNumber: criteria.caseNumber, reason: criteria.reason)
            let plate = try criteria.plate.flatMap { $0.trimmingCharacters(in: .whitespaces).isEmpty ? nil : $0 }
                .map { raw throws(ALPRError) in try PlateCriterion(raw) }
            query = try ReadQuery(
                plate: plate, from: criteria.from, to: criteria.to, readerIDs: criteria.readerIds ?? [],
                limit: criteria.limit ?? 200
            )
        } catch {
            // A refused search is itself worth an auditor's attention.
            try await services.audit.record(
                .denied, actor: user.username, subject: "read", criteria: "search refused",
                caseNumber: criteria.caseNumber.isEmpty ? nil : criteria.caseNumber, reason: error.description
            )
            throw error
        }
        let reads = try await services.storage.reads.search(query)
        try await services.audit.record(
            .query, actor: user.username, subject: "read", criteria: query.auditDescription,
            resultIDs: reads.map(\.id.uuidString), resultCount: reads.count,
            caseNumber: justification.caseNumber, reason: justification.reason
        )
        return (justification, reads)
    }

    @Sendable func apiSearch(_ request: Request, context: AppRequestContext) async throws -> Response {
        let criteria = try await APIJSON.decode(Criteria.self, from: request, context: context)
        let (justification, reads) = try await search(criteria, user: try context.requireUser())
        return try APIJSON.response(Results(caseNumber: justification.caseNumber, count: reads.count, reads: reads.map(ReadView.init)))
    }

    @Sendable func searchPage(_ request: Request, context: AppRequestContext) async throws -> Response {
        services.pages.render("search", ["username": try context.requireUser().username])
    }

    struct SearchForm: Decodable {
        var caseNumber: String?
        var reason: String?
        var plate: String?
        var from: String?
        var to: String?
        var reader: String?
    }

    @Sendable func webSearch(_ request: Request, context: AppRequestContext) async throws -> Response {
        let user = try context.requireUser()
        try APIJSON.requireContentType(request, "application/x-www-form-urlencoded")
        let buffer = try await request.body.collect(upTo: 64 * 1024)
        let decoder = URLEncodedFormDecoder()
        let form = (try? decoder.decode(SearchForm.self, from: String(buffer: buffer))) ?? SearchForm()
        var values: [String: Any] = [
            "username": user.username, "case_number": form.caseNumber ?? "", "reason": form.reason ?? "",
            "plate": form.plate ?? "", "from": form.from ?? "", "to": form.to ?? "", "reader": form.reader ?? "",
        ]
        do {
            let criteria = Criteria(
                caseNumber: form.caseNumber ?? "", reason: form.reason ?? "", plate: form.plate,
                from: try Self.formDate(form.from, field: "from"), to: try Self.formDate(form.to, field: "to"),
                readerIds: try Self.formReader(form.reader)
            )
            let (_, reads) = try await search(criteria, user: user)
            values["searched"] = true
            values["count"] = reads.count
            values["reads"] = reads.map { read -> [String: Any] in
                [
                    "id": read.id.uuidString, "plate": read.plate.value, "state": read.state ?? "",
                    "captured_at": ISO8601.string(read.capturedAt), "reader_id": read.readerID.uuidString,
                    "confidence": String(format: "%.2f", read.confidence), "classification": read.classification.rawValue,
                ]
            }
            return services.pages.render("search", values)
        } catch let error as ALPRError {
            values["error"] = ErrorMiddleware.describe(error).reason
            let status = ErrorMiddleware.describe(error).status
            return services.pages.render("search", values, status: status)
        }
    }

    /// `<input type="datetime-local">` sends `2025-06-01T14:30` in the officer's local time.
    static func formDate(_ text: String?, field: String) throws(ALPRError) -> Date? {
        guard let text = text?.trimmingCharacters(in: .whitespaces), !text.isEmpty else { return nil }
        if let date = ISO8601.parse(text) { return date }
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        for format in ["yyyy-MM-dd'T'HH:mm", "yyyy-MM-dd'T'HH:mm:ss", "yyyy-MM-dd HH:mm", "yyyy-MM-dd"] {
            formatter.dateFormat = format
            if let date = formatter.date(from: text) { return date }
        }
        throw .invalid(field: field, reason: "not a date and time")
    }

    static func formReader(_ text: String?) throws(ALPRError) -> [UUID] {
        guard let text = text?.trimmingCharacters(in: .whitespaces), !text.isEmpty else { return [] }
        guard let id = UUID(uuidString: text) else { throw .invalid(field: "reader", reason: "not a reader id") }
        return [id]
    }
}
