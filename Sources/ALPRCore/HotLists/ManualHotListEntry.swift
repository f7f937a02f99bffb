import Foundation

/// A tracking search warrant that authorises a manual hot list entry (R5).
public struct TrackingWarrant: Hashable, Sendable, Codable {
    public var number: String
    public var issuingCourt: String
    public var expiresAt: Date

    public init(number: String, issuingCourt: String, expiresAt: Date) {
        self.number = number; self.issuingCourt = issuingCourt; self.expiresAt = expiresAt
    }
}

/// The exigent circumstances Policy "Manual Hot List" gives as examples: emergencies with
/// probable cause to believe there is an imminent threat to life or property, that evidence is
/// about to be destroyed or that a suspect will flee.
public enum ExigentCircumstance: String, Sendable, Codable, CaseIterable {
    case kidnapping
    case freshFleeInMotorVehicle = "fresh_flee_in_motor_vehicle"
    case freshStolenMotorVehicle = "fresh_stolen_motor_vehicle"
    case freshCrimeOfViolenceWithVehicle = "fresh_crime_of_violence_with_vehicle"
    case imminentThreatToLifeOrProperty = "imminent_threat_to_life_or_property"
    case imminentEvidenceDestruction = "imminent_evidence_destruction"
    case suspectFlight = "suspect_flight"

    public var displayName: String {
        switch self {
        case .kidnapping: "Kidnapping"
        case .freshFleeInMotorVehicle: "Fresh flee in a motor vehicle"
        case .freshStolenMotorVehicle: "Fresh stolen motor vehicle"
        case .freshCrimeOfViolenceWithVehicle: "Fresh crime of violence with an associated vehicle"
        case .imminentThreatToLifeOrProperty: "Imminent threat to life or property"
        case .imminentEvidenceDestruction: "Evidence about to be destroyed"
        case .suspectFlight: "Suspect about to flee"
        }
    }
}

/// The legal basis of a manual entry (§13.824 subd. 2(d)): a warrant, or an exigency with
/// the officer's written justification.
public enum ManualEntryAuthority: Hashable, Sendable, Codable {
    case warrant(TrackingWarrant)
    case exigency(ExigentCircumstance, justification: String)
}

/// Criminal justice databases whose entry ends a manual entry (Policy "Manual Hot List").
public enum CriminalJusticeDatabase: String, Sendable, Codable, CaseIterable {
    case ncic
    case kops
    case fbiHotFiles = "fbi_hot_files"
}

public enum ManualEntryRemovalReason: Hashable, Sendable, Codable {
    /// The expiry passed (automatic removal, R5).
    case expired
    /// The vehicle was entered in NCIC, KOPS or the FBI hot files.
    case enteredInCriminalJusticeDatabase(CriminalJusticeDatabase)
    /// The warrant or exigency ended before the expiry.
    case justificationEnded
}

public struct ManualEntryRemoval: Hashable, Sendable, Codable {
    public var at: Date
    /// Who removed it; "system" for automatic expiry.
    public var by: String
    public var reason: ManualEntryRemovalReason

    public init(at: Date, by: String, reason: ManualEntryRemovalReason) {
        self.at = at; self.by = by; self.reason = reason
    }
}

/// A change of expiry, kept with the entry for audits.
public struct ManualEntryExtension: Hashable, Sendable, Codable {
    public var at: Date
    public var by: String
    public var previousExpiresAt: Date
    public var newExpiresAt: Date
    public var authority: ManualEntryAuthority

    public init(at: Date, by: String, previousExpiresAt: Date, newExpiresAt: Date, authority: ManualEntryAuthority) {
        self.at = at; self.by = by; self.previousExpiresAt = previousExpiresAt
        self.newExpiresAt = newExpiresAt; self.authority = authority
    }
}

/// What an officer submits to create a manual entry; `ManualEntryRules.create` checks it.
public struct ManualHotListEntryRequest: Hashable, Sendable, Codable {
    public var plate: String
    public var state: String?
    public var caseNumber: String
    public var authority: ManualEntryAuthority
    public var description: String?
    /// Defaults to the warrant's expiry, or the longest an exigency allows.
    public var expiresAt: Date?

    public init(plate: String, state: String?, caseNumber: String, authority: ManualEntryAuthority, description: String? = nil, expiresAt: Date? = nil) {
        self.plate = plate; self.state = state; self.caseNumber = caseNumber
        self.authority = authority; self.description = description; self.expiresAt = expiresAt
    }
}

/// An officer-created hot list entry (R5). Create, extend and remove it only through
/// `ManualEntryRules`.
public struct ManualHotListEntry: Hashable, Sendable, Codable, Identifiable {
    public var id: UUID
    public var plate: PlateNumber
    public var state: IssuingState?
    public var caseNumber: String
    public var authority: ManualEntryAuthority
    public var description: String?
    public var createdBy: String
    public var createdAt: Date
    public var expiresAt: Date
    public var extensions: [ManualEntryExtension]
    public var removal: ManualEntryRemoval?

    public init(
        id: UUID, plate: PlateNumber, state: IssuingState?, caseNumber: String, authority: ManualEntryAuthority,
        description: String?, createdBy: String, createdAt: Date, expiresAt: Date,
        extensions: [ManualEntryExtension] = [], removal: ManualEntryRemoval? = nil
    ) {
        self.id = id; self.plate = plate; self.state = state; self.caseNumber = caseNumber
        self.authority = authority; self.description = description; self.createdBy = createdBy
        self.createdAt = createdAt; self.expiresAt = expiresAt; self.extensions = extensions; self.removal = removal
    }

    /// The record the matcher indexes.
    public var hotListEntry: HotListEntry {
        HotListEntry(
            plate: plate, state: state, category: .manual, recordReference: caseNumber,
            description: description, manualEntryID: id, expiresAt: expiresAt
        )
    }
}
