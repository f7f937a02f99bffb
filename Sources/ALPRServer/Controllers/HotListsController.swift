import ALPRCore
import ALPRStorage
import Foundation
import Hummingbird

/// Hot list loads (R3, R4) and manual entries (R5).
struct HotListsController {
    let services: ServerServices

    var routes: [AppRoute] {
        [
            AppRoute(.get, "/api/v1/hotlists", .user(.manageHotLists), list),
            AppRoute(.post, "/api/v1/hotlists", .user(.manageHotLists), upload),
            AppRoute(.get, "/api/v1/hotlists/manual", .user(.manageManualEntries), listManual),
            AppRoute(.post, "/api/v1/hotlists/manual", .user(.manageManualEntries), createManual),
            AppRoute(.post, "/api/v1/hotlists/manual/:id/extension", .user(.manageManualEntries), extendManual),
            AppRoute(.post, "/api/v1/hotlists/manual/:id/removal", .user(.manageManualEntries), removeManual),
        ]
    }

    // MARK: Lists

    struct VersionView: Encodable {
        var source: String
        var caseNumber: String?
        var version: Int
        var live: Bool
        var loadedAt: Date
        var loadedBy: String
        var checksum: String
        var recordLines: Int
        var entries: Int
        var rejected: Int
        var byCategory: [String: Int]

        init(_ stored: StoredHotListVersion) {
            let version = stored.version
            source = version.source.description; caseNumber = version.source.caseNumber; self.version = version.number
            live = stored.isLive; loadedAt = version.loadedAt; loadedBy = stored.loadedBy; checksum = version.checksum
            recordLines = version.counts.recordLines; entries = version.counts.entries; rejected = version.counts.rejected
            byCategory = Dictionary(uniqueKeysWithValues: version.counts.byCategory.map { ($0.rawValue, $1) })
        }
    }

    struct Listing: Encodable {
        var versions: [VersionView]
        var indexedEntries: Int
        var manualEntries: Int
        var indexBuiltAt: Date
    }

    @Sendable func list(_ request: Request, context: AppRequestContext) async throws -> Response {
        let user = try context.requireUser()
        let versions = try await services.storage.hotLists.versions(limit: 200)
        let index = services.hotLists.index.current
        try await services.audit.record(.query, actor: user.username, subject: "hot_list", criteria: "versions", resultCount: versions.count)
        return try APIJSON.response(Listing(
            versions: versions.map(VersionView.init), indexedEntries: index.entryCount,
            manualEntries: index.manualEntryCount, indexBuiltAt: index.builtAt
        ))
    }

    /// `POST /api/v1/hotlists?format=ncic|csv[&source=bca|investigative&name=..&case=..][&allow_shrinkage=true]`
    /// with the file as the body. R3: any source other than the BCA file needs a case number.
    @Sendable func upload(_ request: Request, context: AppRequestContext) async throws -> Response {
        let user = try context.requireUser()
        let query = request.uri.queryParameters
        guard let formatText = query["format"].map(String.init) else {
            throw ALPRError.invalid(field: "format", reason: "give format=ncic or format=csv")
        }
        guard let format = HotListFileFormat(rawValue: formatText.lowercased()) else {
            throw ALPRError.invalid(field: "format", reason: "must be ncic or csv")
        }
        let source = try Self.source(
            kind: query["source"].map(String.init), name: query["name"].map(String.init), caseNumber: query["case"].map(String.init),
            format: format
        )
        // The BCA file runs to hundreds of megabytes: this administrators' route takes up to
        // the size the scheduled retrieval accepts, not the general request limit.
        let buffer = try await request.body.collect(upTo: max(context.maxUploadSize, HotListImportService.maximumFileBytes))
        guard buffer.readableBytes > 0 else { throw ALPRError.invalid(field: "body", reason: "send the hot list file as the request body") }
        let report = try await services.hotListImporter.load(
            Array(buffer: buffer), format: format, source: source, origin: "upload", actor: user.username,
            allowShrinkage: query["allow_shrinkage"].map { $0 == "true" } ?? false
        )
        let status: HTTPResponse.Status = switch report.outcome {
        case .accepted: .created
        case .unchanged: .ok
        case .refused: .unprocessableContent
        }
        return try APIJSON.response(report, status: status)
    }

    /// The source a load names: the BCA file by default, or an investigative list with its
    /// name and case number (R3; `HotListSource.validated` checks them).
    static func source(kind: String?, name: String?, caseNumber: String?, format: HotListFileFormat) throws -> HotListSource {
        switch kind?.lowercased() {
        case nil, "bca":
            guard caseNumber == nil, name == nil else {
                throw ALPRError.invalid(field: "source", reason: "a list with a name or case number is an investigative list: give source=investigative")
            }
            guard format == .ncicExtract else {
                throw ALPRError.invalid(field: "format", reason: "the BCA's license plate data file is an NCIC extract (format=ncic)")
            }
            return .bcaLicensePlateDataFile
        case "investigative":
            return .investigative(name: name ?? "", caseNumber: caseNumber ?? "")
        default:
            throw ALPRError.invalid(field: "source", reason: "must be bca or investigative")
        }
    }

    // MARK: Manual entries

    struct ManualEntryView: Encodable {
        var id: UUID
        var plate: String
        var state: String?
        var caseNumber: String
        var authority: String
        var circumstance: String?
        var justification: String?
        var warrantNumber: String?
        var issuingCourt: String?
        var warrantExpiresAt: Date?
        var description: String?
        var createdBy: String
        var createdAt: Date
        var expiresAt: Date
        var extensions: Int
        var removedAt: Date?
        var removedBy: String?
        var removalReason: String?

        init(_ entry: ManualHotListEntry) {
            id = entry.id; plate = entry.plate.value; state = entry.state?.code; caseNumber = entry.caseNumber
            switch entry.authority {
            case .warrant(let warrant):
                authority = "warrant"; warrantNumber = warrant.number; issuingCourt = warrant.issuingCourt
                warrantExpiresAt = warrant.expiresAt
            case .exigency(let circumstance, let justification):
                authority = "exigency"; self.circumstance = circumstance.rawValue; self.justification = justification
            }
            description = entry.description; createdBy = entry.createdBy; createdAt = entry.createdAt
            expiresAt = entry.expiresAt; extensions = entry.extensions.count
            removedAt = entry.removal?.at; removedBy = entry.removal?.by
            removalReason = entry.removal.map { ManualEntryManager.describe($0.reason) }
        }
    }

    struct WarrantBody: Decodable {
        var number: String
        var issuingCourt: String
        var expiresAt: Date
    }

    struct ExigencyBody: Decodable {
        var circumstance: String
        var justification: String
    }

    /// R5: exactly one of a tracking warrant or a stated exigency.
    static func authority(warrant: WarrantBody?, exigency: ExigencyBody?) throws -> ManualEntryAuthority? {
        switch (warrant, exigency) {
        case (nil, nil):
            return nil
        case (let warrant?, nil):
            return .warrant(TrackingWarrant(number: warrant.number, issuingCourt: warrant.issuingCourt, expiresAt: warrant.expiresAt))
        case (nil, let exigency?):
            guard let circumstance = ExigentCircumstance(rawValue: exigency.circumstance) else {
                throw ALPRError.invalid(
                    field: "exigency.circumstance",
                    reason: "must be one of " + ExigentCircumstance.allCases.map(\.rawValue).joined(separator: ", ")
                )
            }
            return .exigency(circumstance, justification: exigency.justification)
        case (.some, .some):
            throw ALPRError.invalid(field: "authority", reason: "give either a warrant or an exigency, not both")
        }
    }

    struct CreateBody: Decodable {
        var plate: String
        var state: String?
        var caseNumber: String?
        var description: String?
        var expiresAt: Date?
        var warrant: WarrantBody?
        var exigency: ExigencyBody?
    }

    @Sendable func createManual(_ request: Request, context: AppRequestContext) async throws -> Response {
        let user = try context.requireUser()
        let body = try await APIJSON.decode(CreateBody.self, from: request, context: context)
        guard let authority = try Self.authority(warrant: body.warrant, exigency: body.exigency) else {
            throw ALPRError.forbidden(
                rule: ManualEntryRules.rule,
                reason: "a manual hot list entry needs a tracking search warrant or a stated exigent circumstance"
            )
        }
        let entry = try await services.manualEntries.create(
            ManualHotListEntryRequest(
                plate: body.plate, state: body.state, caseNumber: body.caseNumber ?? "", authority: authority,
                description: body.description, expiresAt: body.expiresAt
            ),
            by: user.username
        )
        return try APIJSON.response(ManualEntryView(entry), status: .created)
    }

    @Sendable func listManual(_ request: Request, context: AppRequestContext) async throws -> Response {
        let user = try context.requireUser()
        let includeRemoved = request.uri.queryParameters["include_removed"] == "true"
        let entries = try await services.storage.hotLists.manualEntries(includingRemoved: includeRemoved)
        try await services.audit.record(
            .query, actor: user.username, subject: "manual_hot_list_entry", criteria: "include_removed=\(includeRemoved)",
            resultIDs: entries.map(\.id.uuidString), resultCount: entries.count
        )
        return try APIJSON.response(["entries": entries.map(ManualEntryView.init)])
    }

    struct ExtendBody: Decodable {
        var expiresAt: Date
        var warrant: WarrantBody?
        var exigency: ExigencyBody?
    }

    @Sendable func extendManual(_ request: Request, context: AppRequestContext) async throws -> Response {
        let user = try context.requireUser()
        let id = try context.parameters.require("id", as: UUID.self)
        let body = try await APIJSON.decode(ExtendBody.self, from: request, context: context)
        let entry = try await services.manualEntries.extend(
            id: id, until: body.expiresAt, authority: try Self.authority(warrant: body.warrant, exigency: body.exigency), by: user.username
        )
        return try APIJSON.response(ManualEntryView(entry))
    }

    struct RemoveBody: Decodable {
        /// `entered_in_ncic`, `entered_in_kops`, `entered_in_fbi_hot_files` or `justification_ended`.
        var reason: String
    }

    @Sendable func removeManual(_ request: Request, context: AppRequestContext) async throws -> Response {
        let user = try context.requireUser()
        let id = try context.parameters.require("id", as: UUID.self)
        let body = try await APIJSON.decode(RemoveBody.self, from: request, context: context)
        let reason: ManualEntryRemovalReason
        if body.reason == "justification_ended" {
            reason = .justificationEnded
        } else if body.reason.hasPrefix("entered_in_"), let database = CriminalJusticeDatabase(rawValue: String(body.reason.dropFirst("entered_in_".count))) {
            reason = .enteredInCriminalJusticeDatabase(database)
        } else {
            throw ALPRError.invalid(
                field: "reason",
                reason: "must be justification_ended or " + CriminalJusticeDatabase.allCases.map { "entered_in_\($0.rawValue)" }.joined(separator: ", ")
            )
        }
        let entry = try await services.manualEntries.remove(id: id, reason: reason, by: user.username)
        return try APIJSON.response(ManualEntryView(entry))
    }
}
