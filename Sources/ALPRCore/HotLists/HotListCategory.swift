import Foundation

/// What a hot list record is about (R3, R4). The single-letter NCIC list codes are those of
/// the Minnesota license plate data file that the BCA supplies to ALPR vendors (the extract
/// layout in REQUIREMENTS R4); `A`, `F` and `K` come from the national NCIC files. KOPS,
/// Minnesota warrants and the registered owner's driver's-license status are the further
/// categories the Policy "Definitions" (HOT LIST) and §13.824 subd. 2(c) name.
///
/// Sources: Minn. Stat. §13.824 subd. 2(c); Crystal PD Policy 3.5 "Definitions" and
/// "Procedures"; FBI NCIC 2000 Operating Manual (Vehicle, License Plate, Wanted Person,
/// Protection Order, Missing Person, Violent Person, Gang/Known or Appropriately Suspected
/// Terrorist, Supervised Release, National Sex Offender Registry, Immigration Violator and
/// Protective Interest files); Minnesota BCA KOPS (Keeping Our Police Safe) alerts.
public enum HotListCategory: String, Sendable, Codable, CaseIterable, CodingKeyRepresentable {
    case stolenVehicle = "stolen_vehicle"                 // NCIC V
    case stolenPlate = "stolen_plate"                     // NCIC P
    case wantedPerson = "wanted_person"                   // NCIC W
    case canadianPoliceInformationCentre = "cpic"         // NCIC R (CPIC, Canada)
    case protectionOrder = "protection_order"             // NCIC H
    case missingPerson = "missing_person"                 // NCIC M
    case violentPerson = "violent_person"                 // NCIC L
    case gangOrTerroristMember = "gang_or_terrorist_member" // NCIC T
    case supervisedRelease = "supervised_release"         // NCIC C
    case sexOffenderRegistry = "sex_offender_registry"    // NCIC X
    case immigrationViolator = "immigration_violator"     // NCIC N
    case amberAlert = "amber_alert"                       // NCIC A (national)
    case felonyVehicle = "felony_vehicle"                 // NCIC F (national)
    case protectiveInterest = "protective_interest"       // NCIC K (national)
    case kops = "kops"
    case minnesotaWarrant = "mn_warrant"
    case ownerLicenseRevoked = "owner_license_revoked"
    case ownerLicenseSuspended = "owner_license_suspended"
    case ownerLicenseCancelled = "owner_license_cancelled"
    /// An officer-created entry (R5, §13.824 subd. 2(d)); see `ManualEntryRules`.
    case manual

    /// The list code in the MN NCIC extract, for the categories that have one.
    public var ncicListCode: Character? {
        switch self {
        case .stolenVehicle: "V"
        case .stolenPlate: "P"
        case .wantedPerson: "W"
        case .canadianPoliceInformationCentre: "R"
        case .protectionOrder: "H"
        case .missingPerson: "M"
        case .violentPerson: "L"
        case .gangOrTerroristMember: "T"
        case .supervisedRelease: "C"
        case .sexOffenderRegistry: "X"
        case .immigrationViolator: "N"
        case .amberAlert: "A"
        case .felonyVehicle: "F"
        case .protectiveInterest: "K"
        case .kops, .minnesotaWarrant, .ownerLicenseRevoked, .ownerLicenseSuspended, .ownerLicenseCancelled, .manual: nil
        }
    }

    /// The category for an NCIC list code (upper case), or nil for an unknown code.
    public init?(ncicListCode code: Character) {
        guard let match = Self.byListCode[code] else { return nil }
        self = match
    }

    private static let byListCode: [Character: HotListCategory] = Dictionary(
        uniqueKeysWithValues: allCases.compactMap { category in category.ncicListCode.map { ($0, category) } }
    )

    /// The category for the ASCII byte of a list code (either case); the parser's fast path.
    init?(ncicListCodeByte byte: UInt8) {
        let upper = byte >= UInt8(ascii: "a") && byte <= UInt8(ascii: "z") ? byte - 32 : byte
        guard upper < 0x80, let category = Self.byListCodeByte[Int(upper)] else { return nil }
        self = category
    }

    private static let byListCodeByte: [HotListCategory?] = (0..<128).map { byte in
        byListCode[Character(Unicode.Scalar(UInt8(byte)))]
    }

    /// Position in `allCases`, for compact per-category counts and packed records.
    var allCasesIndex: Int { Self.indexByCategory[self]! }

    private static let indexByCategory: [HotListCategory: Int] = Dictionary(
        uniqueKeysWithValues: allCases.enumerated().map { ($1, $0) }
    )

    /// Words an officer reads on an alert.
    public var displayName: String {
        switch self {
        case .stolenVehicle: "Stolen vehicle"
        case .stolenPlate: "Stolen plate"
        case .wantedPerson: "Wanted person"
        case .canadianPoliceInformationCentre: "CPIC (Canada)"
        case .protectionOrder: "Protection order"
        case .missingPerson: "Missing person"
        case .violentPerson: "Violent person"
        case .gangOrTerroristMember: "Gang or terrorist member"
        case .supervisedRelease: "Supervised release"
        case .sexOffenderRegistry: "Sex offender registry"
        case .immigrationViolator: "Immigration violator"
        case .amberAlert: "AMBER alert"
        case .felonyVehicle: "Felony vehicle"
        case .protectiveInterest: "Protective interest"
        case .kops: "KOPS alert"
        case .minnesotaWarrant: "Registered owner: Minnesota warrant"
        case .ownerLicenseRevoked: "Registered owner: license revoked"
        case .ownerLicenseSuspended: "Registered owner: license suspended"
        case .ownerLicenseCancelled: "Registered owner: license cancelled"
        case .manual: "Manual hot list entry"
        }
    }

    /// What the alert is based on; it decides which verification steps R6 requires
    /// (see `HitVerificationRules`).
    public var basis: HotListBasis {
        switch self {
        // The vehicle or plate itself is the subject of the record. CPIC records in the
        // Minnesota file are Canadian stolen/wanted vehicle records.
        case .stolenVehicle, .stolenPlate, .felonyVehicle, .canadianPoliceInformationCentre, .manual:
            .vehicle
        // Policy "Procedures": KOPS alerts, wanted individuals and other violations involving a
        // known person; the record is about a person associated with the vehicle.
        case .wantedPerson, .protectionOrder, .missingPerson, .violentPerson, .gangOrTerroristMember,
             .supervisedRelease, .sexOffenderRegistry, .immigrationViolator, .amberAlert,
             .protectiveInterest, .kops:
            .person
        // Policy "Procedures": a hit based on the status of the registered owner (license
        // status or warrant), where the driver may not be the owner.
        case .minnesotaWarrant, .ownerLicenseRevoked, .ownerLicenseSuspended, .ownerLicenseCancelled:
            .registeredOwner
        }
    }

    /// Alert urgency: higher sorts first on the officer's screen. Threats to life and
    /// vehicles used in crimes come before the registered owner's license status.
    public var alertPriority: Int {
        switch self {
        case .amberAlert: 100
        case .violentPerson: 95
        case .felonyVehicle: 90
        case .stolenVehicle: 85
        case .kops: 82
        case .gangOrTerroristMember: 80
        case .missingPerson: 78
        case .wantedPerson: 75
        case .manual: 72
        case .protectionOrder: 70
        case .stolenPlate: 68
        case .minnesotaWarrant: 60
        case .protectiveInterest: 55
        case .canadianPoliceInformationCentre: 50
        case .supervisedRelease: 40
        case .sexOffenderRegistry: 35
        case .immigrationViolator: 30
        case .ownerLicenseRevoked: 22
        case .ownerLicenseCancelled: 21
        case .ownerLicenseSuspended: 20
        }
    }

    /// R14 (§13.824 subd. 5): the public log counts hits that match stolen vehicles, owners
    /// with warrants, and owners with suspended or revoked licenses; everything else is "other".
    public var publicLogBucket: PublicLogHitBucket {
        switch self {
        case .stolenVehicle, .stolenPlate, .felonyVehicle: .stolenVehicles
        case .minnesotaWarrant, .wantedPerson: .ownersWithWarrants
        case .ownerLicenseRevoked, .ownerLicenseSuspended, .ownerLicenseCancelled: .ownersWithSuspendedOrRevokedLicenses
        default: .other
        }
    }

    /// Parses a category as written in a plain CSV hot list: its name (`stolen_vehicle`,
    /// "Stolen vehicle", `stolen-vehicle`, any case) or its NCIC list code (`V`).
    public init?(name raw: String) {
        let key = raw.trimmingCharacters(in: .whitespaces).lowercased()
            .replacingOccurrences(of: " ", with: "_").replacingOccurrences(of: "-", with: "_")
        if let category = Self.byName[key] {
            self = category
        } else if key.count == 1, let code = key.uppercased().first, let category = HotListCategory(ncicListCode: code) {
            self = category
        } else {
            return nil
        }
    }

    private static let byName: [String: HotListCategory] = {
        var names: [String: HotListCategory] = [:]
        for category in allCases {
            names[category.rawValue] = category
            names[category.displayName.lowercased().replacingOccurrences(of: " ", with: "_")] = category
        }
        names["stolen"] = .stolenVehicle
        names["amber"] = .amberAlert
        names["warrant"] = .minnesotaWarrant
        names["revoked"] = .ownerLicenseRevoked
        names["suspended"] = .ownerLicenseSuspended
        names["cancelled"] = .ownerLicenseCancelled
        names["canceled"] = .ownerLicenseCancelled
        return names
    }()
}

/// What a hot list record is about (Policy "Procedures").
public enum HotListBasis: String, Sendable, Codable, CaseIterable {
    /// The vehicle or plate itself (stolen, felony vehicle).
    case vehicle
    /// A known person associated with the vehicle: confirm they are believed to be in it.
    case person
    /// The registered owner's status (license, warrant): the driver may not be the owner.
    case registeredOwner = "registered_owner"
}

/// R14 (§13.824 subd. 5): the counting buckets of the public log of use.
public enum PublicLogHitBucket: String, Sendable, Codable, CaseIterable, CodingKeyRepresentable {
    case stolenVehicles = "stolen_vehicles"
    case ownersWithWarrants = "owners_with_warrants"
    case ownersWithSuspendedOrRevokedLicenses = "owners_with_suspended_or_revoked_licenses"
    case other
}
