import ALPRCore
import ALPRStorage
import Foundation
import Hummingbird
import NIOCore

/// Hits and their verification (R6). An officer sees the hits their alerts cover
/// (`AlertScope`): every access is audited (R9).
struct HitsController {
    let services: ServerServices

    var routes: [AppRoute] {
        [
            AppRoute(.get, "/api/v1/hits", .user(.operateReader), list),
            AppRoute(.get, "/api/v1/hits/:id", .user(.operateReader), show),
            AppRoute(.post, "/api/v1/hits/:id/verification", .user(.operateReader), verify),
            AppRoute(.get, "/api/v1/hits/:id/images/:sha", .user(.operateReader), image),
        ] + webRoutes
    }

    /// The alert scope of the caller's session (its mobile reader, if logged in to one).
    func scope(_ context: AppRequestContext) -> AlertScope {
        AlertScope(
            allReaders: services.configuration.alertsFromAllReaders,
            ownReaderIDs: context.session?.readerID.map { [$0] } ?? []
        )
    }

    /// What the verification screen shows (R6): the read (text, state, images), the record as
    /// it was when the read matched, the comparison, the notices, and any recorded resolution.
    struct HitView: Encodable {
        var alert: AlertMessage
        var read: ReadView?
        var missingForConfirmation: [String]
        var resolution: ResolutionView?
    }

    struct ResolutionView: Encodable {
        var disposition: HitDisposition
        var actionTaken: String?
        var readAccurate: Bool
        var stateMatches: Bool
        var confirmedCurrentVia: CurrentStatusCheck?
        var personBelievedInVehicle: Bool?
        var driverMayNotBeOwnerAcknowledged: Bool?
        var legalJustificationConfirmed: Bool?
        var verifiedBy: String
        var verifiedAt: Date

        init(_ resolution: HitResolution) {
            let verification = resolution.verification
            disposition = resolution.disposition; actionTaken = resolution.actionTaken
            readAccurate = verification.readAccurate; stateMatches = verification.stateMatches
            confirmedCurrentVia = verification.confirmedCurrentVia
            personBelievedInVehicle = verification.personBelievedInVehicle
            driverMayNotBeOwnerAcknowledged = verification.driverMayNotBeOwnerAcknowledged
            legalJustificationConfirmed = verification.legalJustificationConfirmed
            verifiedBy = verification.verifiedBy; verifiedAt = verification.verifiedAt
        }
    }

    func readerKind(_ readerID: UUID) async throws -> ReaderKind {
        try await services.storage.readers.reader(id: readerID)?.kind ?? .fixed
    }

    /// The hit, if it exists and the caller's scope covers it (otherwise "not found", so ids
    /// outside the scope are not confirmed to exist).
    func visibleHit(_ context: AppRequestContext) async throws -> (StoredHit, ReaderKind) {
        let id = try context.parameters.require("id", as: UUID.self)
        guard let hit = try await services.storage.hits.hit(id: id) else { throw ALPRError.notFound(what: "hit") }
        let kind = try await readerKind(hit.readerID)
        guard scope(context).admits(readerID: hit.readerID, readerKind: kind) else { throw ALPRError.notFound(what: "hit") }
        return (hit, kind)
    }

    func view(_ hit: StoredHit, kind: ReaderKind) async throws -> HitView {
        let read = try await services.storage.reads.read(id: hit.readID)
        return HitView(
            alert: AlertMessage(hit, read: read, readerKind: kind), read: read.map(ReadView.init),
            missingForConfirmation: hit.resolution == nil ? HitVerificationRules.missingSteps(
                HitVerification(readAccurate: false, stateMatches: false, confirmedCurrentVia: nil, verifiedBy: "", verifiedAt: Date()),
                for: hit.hit.entry
            ) : [],
            resolution: hit.resolution.map(ResolutionView.init)
        )
    }

    /// The caller's hits under its scope, audited as one query (R9); the API list and the
    /// web list both read through here. `?pending=true&after=SEQ&limit=N`, newest first
    /// (oldest first with `after`).
    func recentHits(_ request: Request, context: AppRequestContext) async throws -> [(hit: StoredHit, alert: AlertMessage)] {
        let user = try context.requireUser()
        let query = request.uri.queryParameters
        let limit = min(max(query["limit"].flatMap { Int(String($0)) } ?? 100, 1), 1000)
        let hits = try await services.storage.hits.hits(HitQuery(
            scope: scope(context).query, afterSequence: query["after"].flatMap { Int64(String($0)) },
            pendingOnly: query["pending"] == "true", limit: limit
        ))
        try await services.audit.record(
            .query, actor: user.username, subject: "hit",
            criteria: "pending=\(query["pending"] == "true"); after=\(query["after"].map(String.init) ?? "-")",
            resultIDs: hits.map(\.id.uuidString), resultCount: hits.count
        )
        var kinds: [UUID: ReaderKind] = [:]
        var listed: [(hit: StoredHit, alert: AlertMessage)] = []
        for hit in hits {
            if kinds[hit.readerID] == nil { kinds[hit.readerID] = try await readerKind(hit.readerID) }
            let read = try await services.storage.reads.read(id: hit.readID)
            listed.append((hit, AlertMessage(hit, read: read, readerKind: kinds[hit.readerID]!)))
        }
        return listed
    }

    /// `GET /api/v1/hits?pending=true&after=SEQ&limit=N`.
    @Sendable func list(_ request: Request, context: AppRequestContext) async throws -> Response {
        try APIJSON.response(["hits": try await recentHits(request, context: context).map(\.alert)])
    }

    /// One hit for its verification screen, audited as an access to the hit and its read (R9).
    func accessHit(_ context: AppRequestContext) async throws -> (StoredHit, HitView) {
        let user = try context.requireUser()
        let (hit, kind) = try await visibleHit(context)
        try await services.audit.record(.access, actor: user.username, subject: "hit", resultIDs: [hit.id.uuidString, hit.readID.uuidString])
        return (hit, try await view(hit, kind: kind))
    }

    @Sendable func show(_ request: Request, context: AppRequestContext) async throws -> Response {
        try APIJSON.response(try await accessHit(context).1)
    }

    struct VerificationBody: Decodable {
        var readAccurate: Bool
        var stateMatches: Bool
        var confirmedCurrentVia: CurrentStatusCheck?
        var personBelievedInVehicle: Bool?
        var driverMayNotBeOwnerAcknowledged: Bool?
        var legalJustificationConfirmed: Bool?
        var disposition: HitDisposition
        var actionTaken: String?
    }

    /// R6: records the verification and disposition (`recordVerification`).
    @Sendable func verify(_ request: Request, context: AppRequestContext) async throws -> Response {
        let body = try await APIJSON.decode(VerificationBody.self, from: request, context: context)
        return try APIJSON.response(try await recordVerification(body, context: context), status: .created)
    }

    /// The one place a verification is recorded, for the API and the web form alike.
    /// `HitVerificationRules` decides; an incomplete verification is a 422 naming what is missing.
    func recordVerification(_ body: VerificationBody, context: AppRequestContext) async throws -> HitView {
        let user = try context.requireUser()
        let (hit, kind) = try await visibleHit(context)
        let now = Date()
        let resolution = HitResolution(
            verification: HitVerification(
                readAccurate: body.readAccurate, stateMatches: body.stateMatches, confirmedCurrentVia: body.confirmedCurrentVia,
                personBelievedInVehicle: body.personBelievedInVehicle,
                driverMayNotBeOwnerAcknowledged: body.driverMayNotBeOwnerAcknowledged,
                legalJustificationConfirmed: body.legalJustificationConfirmed, verifiedBy: user.username, verifiedAt: now
            ),
            disposition: body.disposition,
            actionTaken: body.actionTaken?.trimmingCharacters(in: .whitespacesAndNewlines)
        )
        do throws(ALPRError) {
            try HitVerificationRules.validate(resolution, for: hit.hit.entry)
        } catch {
            if case .forbidden(let rule, let reason) = error {
                throw RequestError(.unprocessableContent, "\(reason) (\(rule))")
            }
            throw error
        }
        try await services.storage.hits.resolve(hitID: hit.id, resolution, audit: services.audit.draft(
            .update, actor: user.username, subject: "hit", criteria: "disposition=\(body.disposition.rawValue)",
            resultIDs: [hit.id.uuidString], reason: resolution.actionTaken
        ))
        var resolved = hit
        resolved.resolution = resolution
        return try await view(resolved, kind: kind)
    }

    /// The plate crop or vehicle image of the hit's read (officers do not hold `searchReads`,
    /// so they reach the images of their hits only through the hit). Audited as an access.
    @Sendable func image(_ request: Request, context: AppRequestContext) async throws -> Response {
        let user = try context.requireUser()
        let (hit, _) = try await visibleHit(context)
        let sha = try context.parameters.require("sha").lowercased()
        guard let read = try await services.storage.reads.read(id: hit.readID),
              let image = [read.plateImage, read.vehicleImage].compactMap({ $0 }).first(where: { $0.sha256 == sha })
        else {
            throw ALPRError.notFound(what: "image")
        }
        let bytes = try services.storage.images.data(for: image)
        try await services.audit.record(.access, actor: user.username, subject: "image", resultIDs: [sha, hit.id.uuidString])
        return Response(
            status: .ok,
            headers: [.contentType: image.contentType.rawValue, .cacheControl: "private, no-store"],
            body: .init(byteBuffer: ByteBuffer(bytes: bytes))
        )
    }
}
