import ALPRCore
import ALPRStorage
import Foundation
import Hummingbird

/// Cases and holds (R12): reads pertinent to an investigation are kept with its case and
/// become active criminal investigative data (R2) until the case closes.
struct CasesController {
    let services: ServerServices

    var routes: [AppRoute] {
        [
            AppRoute(.post, "/api/v1/cases", .user(.manageCases), open),
            AppRoute(.get, "/api/v1/cases/:number", .user(.manageCases), show),
            AppRoute(.post, "/api/v1/cases/:number/holds", .user(.manageCases), hold),
            AppRoute(.post, "/api/v1/cases/:number/close", .user(.manageCases), close),
        ]
    }

    struct Opening: Decodable {
        var number: String
        var description: String
    }

    struct CaseView: Encodable {
        var number: String
        var description: String
        var openedAt: Date
        var openedBy: String
        var closedAt: Date?
        var holds: [HoldView]?
    }

    struct HoldView: Encodable {
        var readId: UUID
        var basis: String
        var placedAt: Date
        var placedBy: String
        var releasedAt: Date?
    }

    static func view(_ investigation: InvestigationCase, holds: [ReadHold]? = nil) -> CaseView {
        CaseView(
            number: investigation.number, description: investigation.description, openedAt: investigation.openedAt,
            openedBy: investigation.openedBy, closedAt: investigation.closedAt,
            holds: holds?.map { HoldView(readId: $0.readID, basis: $0.basis.rawValue, placedAt: $0.placedAt, placedBy: $0.placedBy, releasedAt: $0.releasedAt) }
        )
    }

    /// Case numbers follow the rule `SearchJustification` applies, so searches and holds agree.
    static func normalisedNumber(_ raw: String) throws(ALPRError) -> String {
        let number = raw.trimmingCharacters(in: .whitespacesAndNewlines).uppercased()
        guard (1...40).contains(number.count),
              number.unicodeScalars.allSatisfy({ CharacterSet.alphanumerics.contains($0) || "-_/.".unicodeScalars.contains($0) }),
              number.contains(where: \.isNumber)
        else {
            throw .invalid(field: "number", reason: "must be up to 40 letters, digits, '-', '/', '.' or '_' and contain a digit")
        }
        return number
    }

    @Sendable func open(_ request: Request, context: AppRequestContext) async throws -> Response {
        let user = try context.requireUser()
        let body = try await APIJSON.decode(Opening.self, from: request, context: context)
        let number = try Self.normalisedNumber(body.number)
        let description = body.description.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !description.isEmpty else { throw ALPRError.invalid(field: "description", reason: "describe the investigation") }
        guard try await services.storage.cases.investigationCase(number: number) == nil else {
            throw ALPRError.conflict(reason: "case \(number) already exists")
        }
        let investigation = InvestigationCase(number: number, description: description, openedAt: Date(), openedBy: user.username)
        try await services.storage.cases.open(investigation, audit: services.audit.draft(
            .enter, actor: user.username, subject: "case", caseNumber: number
        ))
        return try APIJSON.response(Self.view(investigation), status: .created)
    }

    func existingCase(_ context: AppRequestContext) async throws -> InvestigationCase {
        let number = try Self.normalisedNumber(try context.parameters.require("number"))
        guard let investigation = try await services.storage.cases.investigationCase(number: number) else {
            throw ALPRError.notFound(what: "case")
        }
        return investigation
    }

    @Sendable func show(_ request: Request, context: AppRequestContext) async throws -> Response {
        let user = try context.requireUser()
        let investigation = try await existingCase(context)
        let holds = try await services.storage.cases.holds(caseNumber: investigation.number)
        try await services.audit.record(
            .access, actor: user.username, subject: "case", resultIDs: holds.map(\.readID.uuidString),
            resultCount: holds.count, caseNumber: investigation.number
        )
        return try APIJSON.response(Self.view(investigation, holds: holds))
    }

    struct HoldRequest: Decodable {
        var readIds: [UUID]
        var basis: HoldBasis?
        var reason: String?
    }

    @Sendable func hold(_ request: Request, context: AppRequestContext) async throws -> Response {
        let user = try context.requireUser()
        let investigation = try await existingCase(context)
        guard investigation.isOpen else { throw ALPRError.conflict(reason: "case \(investigation.number) is closed") }
        let body = try await APIJSON.decode(HoldRequest.self, from: request, context: context)
        guard (1...1000).contains(body.readIds.count) else {
            throw ALPRError.invalid(field: "read_ids", reason: "give 1 to 1000 read ids")
        }
        for id in body.readIds where try await services.storage.reads.read(id: id) == nil {
            throw ALPRError.invalid(field: "read_ids", reason: "read \(id.uuidString) does not exist")
        }
        let basis = body.basis ?? .investigation
        try await services.storage.cases.hold(
            readIDs: body.readIds, caseNumber: investigation.number, basis: basis, at: Date(), by: user.username,
            audit: services.audit.draft(
                .update, actor: user.username, subject: "hold", criteria: "basis=\(basis.rawValue)",
                resultIDs: body.readIds.map(\.uuidString), caseNumber: investigation.number, reason: body.reason
            )
        )
        let holds = try await services.storage.cases.holds(caseNumber: investigation.number)
        return try APIJSON.response(Self.view(investigation, holds: holds), status: .created)
    }

    @Sendable func close(_ request: Request, context: AppRequestContext) async throws -> Response {
        let user = try context.requireUser()
        var investigation = try await existingCase(context)
        guard investigation.isOpen else { throw ALPRError.conflict(reason: "case \(investigation.number) is already closed") }
        let now = Date()
        try await services.storage.cases.close(number: investigation.number, at: now, audit: services.audit.draft(
            .update, actor: user.username, subject: "case", criteria: "closed; holds released", caseNumber: investigation.number
        ))
        investigation.closedAt = now
        return try APIJSON.response(Self.view(investigation))
    }
}
