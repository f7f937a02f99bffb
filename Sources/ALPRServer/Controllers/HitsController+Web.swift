import ALPRCore
import ALPRStorage
import Foundation
import Hummingbird

/// The officer's hit pages (R6): the list of recent hits and one hit's verification screen.
/// They read, audit and record through the same functions as the hits API.
extension HitsController {
    var webRoutes: [AppRoute] {
        [
            AppRoute(.get, "/hits", .user(.operateReader), listPage),
            AppRoute(.get, "/hits/:id", .user(.operateReader), hitPage),
            AppRoute(.post, "/hits/:id/verification", .user(.operateReader), webVerify),
        ]
    }

    @Sendable func listPage(_ request: Request, context: AppRequestContext) async throws -> Response {
        let user = try context.requireUser()
        let listed = try await recentHits(request, context: context)
        let rows = listed.map { hit, alert -> [String: Any] in
            [
                "url": "/hits/\(hit.id.uuidString)", "captured_at": ISO8601.string(alert.capturedAt),
                "reader_id": alert.readerId.uuidString, "reader_kind": alert.readerKind.rawValue,
                "read_plate": alert.readPlate ?? "", "matched_text": alert.matchedText, "category": alert.categoryName,
                "match_kind": Self.matchDescription(alert), "state": Self.stateDescription(alert),
                "status": hit.resolution.map { Self.dispositionNames[$0.disposition] ?? $0.disposition.rawValue } ?? "pending verification",
            ]
        }
        return services.pages.render("hits", [
            "username": user.username, "count": rows.count, "hits": rows,
            "pending_only": request.uri.queryParameters["pending"] == "true",
        ])
    }

    @Sendable func hitPage(_ request: Request, context: AppRequestContext) async throws -> Response {
        let (_, view) = try await accessHit(context)
        return services.pages.render("hit", try pageValues(view, context: context))
    }

    /// The verification form's fields: checkboxes are present only when ticked.
    struct VerificationForm: Decodable {
        var readAccurate: String?
        var stateMatches: String?
        var confirmedCurrentVia: String?
        var personBelievedInVehicle: String?
        var driverMayNotBeOwnerAcknowledged: String?
        var legalJustificationConfirmed: String?
        var disposition: String?
        var actionTaken: String?

        /// The API's body, so the form goes through the same rules; a missing or unknown
        /// choice is an `invalid` error naming the field.
        func body() throws(ALPRError) -> VerificationBody {
            func ticked(_ value: String?) -> Bool? { value.map { !$0.isEmpty } == true ? true : nil }
            let via = try confirmedCurrentVia.flatMap { text throws(ALPRError) -> CurrentStatusCheck? in
                if text.isEmpty { return nil }
                guard let check = CurrentStatusCheck(rawValue: text) else {
                    throw .invalid(field: "confirmed_current_via", reason: "choose radio or MDC")
                }
                return check
            }
            guard let disposition = disposition.flatMap(HitDisposition.init(rawValue:)) else {
                throw .invalid(field: "disposition", reason: "choose a disposition")
            }
            return VerificationBody(
                readAccurate: ticked(readAccurate) ?? false, stateMatches: ticked(stateMatches) ?? false,
                confirmedCurrentVia: via, personBelievedInVehicle: ticked(personBelievedInVehicle),
                driverMayNotBeOwnerAcknowledged: ticked(driverMayNotBeOwnerAcknowledged),
                legalJustificationConfirmed: ticked(legalJustificationConfirmed),
                disposition: disposition, actionTaken: actionTaken
            )
        }
    }

    /// `POST /hits/:id/verification`: a refused verification shows the hit again with the
    /// reason and stores nothing.
    @Sendable func webVerify(_ request: Request, context: AppRequestContext) async throws -> Response {
        try APIJSON.requireContentType(request, "application/x-www-form-urlencoded")
        let buffer = try await request.body.collect(upTo: 64 * 1024)
        let form = (try? URLEncodedFormDecoder().decode(VerificationForm.self, from: String(buffer: buffer)))
            ?? VerificationForm()
        do {
            let view = try await recordVerification(try form.body(), context: context)
            return services.pages.render("hit", try pageValues(view, context: context))
        } catch let error as ALPRError where !Self.isAccessError(error) {
            return try await refusedVerification(ErrorMiddleware.describe(error), form: form, context: context)
        } catch let error as RequestError {
            return try await refusedVerification(ErrorMiddleware.describe(error), form: form, context: context)
        }
    }

    /// Unknown hits and refused sessions stay errors pages; only the form's own faults are
    /// shown on the hit.
    static func isAccessError(_ error: ALPRError) -> Bool {
        switch error {
        case .notFound, .unauthenticated: true
        default: false
        }
    }

    func refusedVerification(_ failure: ErrorMiddleware.Failure, form: VerificationForm, context: AppRequestContext) async throws -> Response {
        let (_, view) = try await accessHit(context)
        var values = try pageValues(view, context: context)
        values["error"] = failure.reason
        values["action_taken"] = form.actionTaken ?? ""
        return services.pages.render("hit", values, status: failure.status)
    }

    func pageValues(_ view: HitView, context: AppRequestContext) throws -> [String: Any] {
        let alert = view.alert
        let record = alert.record
        var values: [String: Any] = [
            "username": try context.requireUser().username, "hit_id": alert.hitId.uuidString,
            "title": "Hit \(alert.matchedText)",
            "captured_at": ISO8601.string(alert.capturedAt), "reader_id": alert.readerId.uuidString,
            "reader_kind": alert.readerKind.rawValue,
            "read_plate": alert.readPlate ?? "(no text)", "read_state": alert.readState ?? "(none read)",
            "record_state": record.state ?? "(none on record)", "state_comparison": Self.stateDescription(alert),
            "state_differs": alert.stateComparison != .matches,
            "category": alert.categoryName, "match_kind": Self.matchDescription(alert),
            "not_probable_cause": HitNotice.notProbableCause,
            "notices": alert.notices.filter { $0 != HitNotice.notProbableCause },
            "record": [
                "plate": record.plate, "state": record.state ?? "", "reference": record.recordReference ?? "",
                "agency": record.originatingAgency ?? "", "entered_on": record.enteredOn.map { "\($0)" } ?? "",
                "description": record.description ?? "", "expires_at": record.expiresAt.map(ISO8601.string) ?? "",
                "manual": record.manualEntryId != nil,
            ] as [String: Any],
            "source": alert.source,
            "missing": view.missingForConfirmation, "has_missing": !view.missingForConfirmation.isEmpty,
        ]
        if let version = alert.listVersion { values["list_version"] = String(version) }
        if let url = alert.plateImageURL { values["plate_image_url"] = url }
        if let url = alert.vehicleImageURL { values["vehicle_image_url"] = url }
        if let resolution = view.resolution {
            values["resolution"] = [
                "disposition": Self.dispositionNames[resolution.disposition] ?? resolution.disposition.rawValue,
                "action_taken": resolution.actionTaken ?? "", "verified_by": resolution.verifiedBy,
                "verified_at": ISO8601.string(resolution.verifiedAt),
            ] as [String: Any]
        } else {
            values["pending"] = true
            values["asks_person"] = alert.basis == .person
            values["asks_owner"] = alert.basis == .registeredOwner
            values["asks_justification"] = record.manualEntryId != nil
            values["dispositions"] = HitDisposition.allCases.map { ["value": $0.rawValue, "name": Self.dispositionNames[$0] ?? $0.rawValue] }
        }
        return values
    }

    static let dispositionNames: [HitDisposition: String] = [
        .confirmed: "confirmed", .misread: "misread", .wrongState: "wrong state",
        .noLongerCurrent: "no longer current", .noAction: "no action",
    ]

    static func matchDescription(_ alert: AlertMessage) -> String {
        alert.possibleMatch ? "\(alert.matchKind.rawValue) (possible match)" : alert.matchKind.rawValue
    }

    static func stateDescription(_ alert: AlertMessage) -> String {
        let read = alert.readState ?? "none"
        let record = alert.record.state ?? "none"
        return "read \(read), record \(record): \(alert.stateComparison.rawValue)"
    }
}
