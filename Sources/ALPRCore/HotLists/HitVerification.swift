import Foundation

/// How the operator confirmed with the live database that the alert is still current (R6).
public enum CurrentStatusCheck: String, Sendable, Codable, CaseIterable {
    case radio
    case mdc
}

/// What the operator recorded before acting on a hit (R6, Policy "Procedures").
public struct HitVerification: Hashable, Sendable, Codable {
    /// The read text was compared with the plate image and is correct.
    public var readAccurate: Bool
    /// The plate's issuing state matches the hot list record.
    public var stateMatches: Bool
    /// The alert was confirmed still current with NCIC, and how (nil: not checked).
    public var confirmedCurrentVia: CurrentStatusCheck?
    /// Person-based records: the person is believed to be in the vehicle.
    public var personBelievedInVehicle: Bool?
    /// Owner-based records: the operator acknowledged the driver may not be the owner.
    public var driverMayNotBeOwnerAcknowledged: Bool?
    /// Manual entries: the warrant or exigency is confirmed still current (R5).
    public var legalJustificationConfirmed: Bool?
    public var verifiedBy: String
    public var verifiedAt: Date

    public init(
        readAccurate: Bool, stateMatches: Bool, confirmedCurrentVia: CurrentStatusCheck?,
        personBelievedInVehicle: Bool? = nil, driverMayNotBeOwnerAcknowledged: Bool? = nil,
        legalJustificationConfirmed: Bool? = nil, verifiedBy: String, verifiedAt: Date
    ) {
        self.readAccurate = readAccurate; self.stateMatches = stateMatches
        self.confirmedCurrentVia = confirmedCurrentVia; self.personBelievedInVehicle = personBelievedInVehicle
        self.driverMayNotBeOwnerAcknowledged = driverMayNotBeOwnerAcknowledged
        self.legalJustificationConfirmed = legalJustificationConfirmed
        self.verifiedBy = verifiedBy; self.verifiedAt = verifiedAt
    }
}

/// The outcome of a hit, stored with it (R6).
public enum HitDisposition: String, Sendable, Codable, CaseIterable {
    /// Verified in full; the operator may act on it.
    case confirmed
    /// The read text was wrong.
    case misread
    /// The plate is from another state than the record.
    case wrongState = "wrong_state"
    /// NCIC says the record is no longer current.
    case noLongerCurrent = "no_longer_current"
    /// Not pursued (e.g. the vehicle was lost, or the officer was committed elsewhere).
    case noAction = "no_action"
}

/// The operator's record of a hit: verification, disposition and the action taken.
public struct HitResolution: Hashable, Sendable, Codable {
    public var verification: HitVerification
    public var disposition: HitDisposition
    /// What was done (e.g. "traffic stop, vehicle recovered"); required for `confirmed`.
    public var actionTaken: String?

    public init(verification: HitVerification, disposition: HitDisposition, actionTaken: String? = nil) {
        self.verification = verification; self.disposition = disposition; self.actionTaken = actionTaken
    }
}

/// R6 (Policy "Procedures"): the one place that decides whether a hit's resolution may be
/// saved. `confirmed` needs every verification step the record's basis requires; the other
/// dispositions must not contradict the verification recorded with them.
public enum HitVerificationRules {
    public static let rule = "R6 Policy \"Procedures\""
    public static let maximumActionLength = 500

    /// The steps still missing before a hit on `entry` may be confirmed (empty when complete).
    public static func missingSteps(_ verification: HitVerification, for entry: HotListEntry) -> [String] {
        var missing: [String] = []
        if !verification.readAccurate { missing.append("confirm the read matches the plate image") }
        if !verification.stateMatches { missing.append("confirm the issuing state matches the record") }
        if verification.confirmedCurrentVia == nil {
            missing.append("confirm the alert is still current with NCIC by radio or MDC")
        }
        switch entry.category.basis {
        case .vehicle:
            break
        case .person:
            if verification.personBelievedInVehicle != true {
                missing.append("confirm the person is believed to be in the vehicle")
            }
        case .registeredOwner:
            if verification.driverMayNotBeOwnerAcknowledged != true {
                missing.append("acknowledge that the driver may not be the registered owner")
            }
        }
        if entry.isManual, verification.legalJustificationConfirmed != true {
            missing.append("confirm the warrant or exigency is still current")
        }
        return missing
    }

    public static func validate(_ resolution: HitResolution, for entry: HotListEntry) throws(ALPRError) {
        let verification = resolution.verification
        let action = resolution.actionTaken?.trimmingCharacters(in: .whitespacesAndNewlines) ?? ""
        guard action.count <= maximumActionLength else {
            throw .invalid(field: "action_taken", reason: "must be at most \(maximumActionLength) characters")
        }
        switch resolution.disposition {
        case .confirmed:
            let missing = missingSteps(verification, for: entry)
            guard missing.isEmpty else {
                throw .forbidden(rule: rule, reason: "a hit cannot be confirmed until you " + missing.joined(separator: "; "))
            }
            guard !action.isEmpty else {
                throw .invalid(field: "action_taken", reason: "record the action taken on a confirmed hit")
            }
        case .misread:
            guard !verification.readAccurate else {
                throw .invalid(field: "disposition", reason: "a misread contradicts 'read accurate'")
            }
        case .wrongState:
            guard !verification.stateMatches else {
                throw .invalid(field: "disposition", reason: "'wrong state' contradicts 'state matches'")
            }
        case .noLongerCurrent:
            guard verification.confirmedCurrentVia != nil else {
                throw .invalid(field: "disposition", reason: "say how NCIC was checked (radio or MDC) to find the record no longer current")
            }
        case .noAction:
            break
        }
    }
}
