import Foundation

/// R5 (Minn. Stat. §13.824 subd. 2(d); Policy "Manual Hot List"): readers must not be used to
/// monitor or track a person who is the subject of an active criminal investigation unless a
/// warrant authorises it or exigent circumstances justify it. The one place that decides
/// whether a manual hot list entry may be created, extended or kept:
/// - a case number is always required;
/// - either a tracking search warrant (number, issuing court, expiry in the future), and the
///   entry ends no later than the warrant;
/// - or a listed exigent circumstance with a written justification, and the entry ends no
///   later than `maximumExigencyDuration` after it is made; extending it means justifying again;
/// - the entry is removed when it expires, when the justification ends, and once the vehicle
///   is entered in NCIC, KOPS or the FBI hot files (a manual entry is no substitute for them).
public struct ManualEntryRules: Hashable, Sendable {
    public static let rule = "R5 §13.824 subd. 2(d), Policy \"Manual Hot List\""

    public var maximumExigencyDuration: TimeInterval
    public var minimumJustificationLength: Int
    public var minimumJustificationWords: Int

    public init(
        maximumExigencyDuration: TimeInterval = 24 * 3600, minimumJustificationLength: Int = 40,
        minimumJustificationWords: Int = 6
    ) throws(ALPRError) {
        guard maximumExigencyDuration.isFinite, maximumExigencyDuration > 0 else {
            throw .invalid(field: "maximum exigency duration", reason: "must be a positive number of seconds")
        }
        guard minimumJustificationLength >= 1, minimumJustificationWords >= 1 else {
            throw .invalid(field: "minimum justification", reason: "must be at least 1")
        }
        self.maximumExigencyDuration = maximumExigencyDuration
        self.minimumJustificationLength = minimumJustificationLength
        self.minimumJustificationWords = minimumJustificationWords
    }

    public static let standard = try! ManualEntryRules()

    /// Checks a request and builds the entry, or refuses with the rule and reason.
    public func create(_ request: ManualHotListEntryRequest, by user: String, id: UUID = UUID(), now: Date) throws(ALPRError) -> ManualHotListEntry {
        let plate = try PlateNumber(request.plate)
        let state = try request.state.flatMap { raw throws(ALPRError) in
            raw.trimmingCharacters(in: .whitespaces).isEmpty ? nil : try IssuingState(raw)
        }
        let caseNumber = try CaseNumberFormat.validate(request.caseNumber, rule: Self.rule, purpose: "create a manual hot list entry")
        let authority = try validate(request.authority, now: now)
        let expiresAt = try expiry(requested: request.expiresAt, authority: authority, now: now)
        let description = request.description?.trimmingCharacters(in: .whitespacesAndNewlines)
        if let description, description.count > HotListCSVParser.maximumDescriptionLength {
            throw .invalid(field: "description", reason: "must be at most \(HotListCSVParser.maximumDescriptionLength) characters")
        }
        return ManualHotListEntry(
            id: id, plate: plate, state: state, caseNumber: caseNumber, authority: authority,
            description: description?.isEmpty == true ? nil : description, createdBy: user, createdAt: now,
            expiresAt: expiresAt
        )
    }

    /// Whether the entry may produce alerts now: not removed and not past its expiry.
    public func isActive(_ entry: ManualHotListEntry, at now: Date) -> Bool {
        entry.removal == nil && now < entry.expiresAt && !isWarrantExpired(entry.authority, at: now)
    }

    /// Entries not yet removed whose expiry has passed: the server removes them automatically
    /// (`remove(_:reason: .expired, by: "system", at:)`) and audits each removal.
    public func dueForRemoval(_ entries: some Sequence<ManualHotListEntry>, at now: Date) -> [ManualHotListEntry] {
        entries.filter { $0.removal == nil && !isActive($0, at: now) }
    }

    /// Removes an entry (expiry, NCIC/KOPS/FBI entry, or end of justification).
    public func remove(_ entry: ManualHotListEntry, reason: ManualEntryRemovalReason, by user: String, at now: Date) throws(ALPRError) -> ManualHotListEntry {
        guard entry.removal == nil else { throw .conflict(reason: "the manual entry was already removed") }
        var removed = entry
        removed.removal = ManualEntryRemoval(at: now, by: user, reason: reason)
        return removed
    }

    /// Extends an entry's expiry. A warrant entry may run to its warrant's expiry (or to a
    /// renewed warrant's, given as `authority`); an exigency entry needs a fresh justification
    /// (or a warrant) and again runs at most `maximumExigencyDuration` from now.
    public func extend(
        _ entry: ManualHotListEntry, until requested: Date, authority newAuthority: ManualEntryAuthority?,
        by user: String, now: Date
    ) throws(ALPRError) -> ManualHotListEntry {
        guard entry.removal == nil else { throw .conflict(reason: "a removed manual entry cannot be extended") }
        guard requested > entry.expiresAt else {
            throw .invalid(field: "expires_at", reason: "an extension must end later than the current expiry")
        }
        let authority: ManualEntryAuthority
        switch (entry.authority, newAuthority) {
        case (.warrant, nil):
            authority = entry.authority
            guard !isWarrantExpired(authority, at: now) else {
                throw .forbidden(rule: Self.rule, reason: "the warrant has expired; a new warrant is needed")
            }
        case (.exigency(_, let previousJustification), .some(.exigency(_, let justification))):
            authority = try validate(newAuthority!, now: now)
            guard normalisedWords(justification) != normalisedWords(previousJustification) else {
                throw .forbidden(rule: Self.rule, reason: "state why the exigency still exists now; the original justification cannot be reused")
            }
        case (.exigency, nil):
            throw .forbidden(rule: Self.rule, reason: "extending an exigency entry needs a new written justification or a warrant")
        case (_, .some(let given)):
            authority = try validate(given, now: now)
        }
        let expiresAt = try expiry(requested: requested, authority: authority, now: now)
        var extended = entry
        extended.extensions.append(ManualEntryExtension(
            at: now, by: user, previousExpiresAt: entry.expiresAt, newExpiresAt: expiresAt, authority: authority
        ))
        extended.authority = authority
        extended.expiresAt = expiresAt
        return extended
    }

    // MARK: - The individual checks

    func validate(_ authority: ManualEntryAuthority, now: Date) throws(ALPRError) -> ManualEntryAuthority {
        switch authority {
        case .warrant(let warrant):
            let number = warrant.number.trimmingCharacters(in: .whitespacesAndNewlines)
            let court = warrant.issuingCourt.trimmingCharacters(in: .whitespacesAndNewlines)
            guard !number.isEmpty, number.count <= 60 else {
                throw .forbidden(rule: Self.rule, reason: "the tracking warrant's number is required (up to 60 characters)")
            }
            guard !court.isEmpty, court.count <= 120 else {
                throw .forbidden(rule: Self.rule, reason: "the court that issued the tracking warrant is required (up to 120 characters)")
            }
            guard warrant.expiresAt > now else {
                throw .forbidden(rule: Self.rule, reason: "the tracking warrant has expired")
            }
            return .warrant(TrackingWarrant(number: number, issuingCourt: court, expiresAt: warrant.expiresAt))
        case .exigency(let circumstance, let rawJustification):
            let justification = rawJustification.trimmingCharacters(in: .whitespacesAndNewlines)
            guard justification.count >= minimumJustificationLength,
                  normalisedWords(justification).count >= minimumJustificationWords
            else {
                throw .forbidden(
                    rule: Self.rule,
                    reason: "describe the exigent circumstance in writing (at least \(minimumJustificationLength) characters and \(minimumJustificationWords) words)"
                )
            }
            return .exigency(circumstance, justification: justification)
        }
    }

    func expiry(requested: Date?, authority: ManualEntryAuthority, now: Date) throws(ALPRError) -> Date {
        let latest = switch authority {
        case .warrant(let warrant): warrant.expiresAt
        case .exigency: now.addingTimeInterval(maximumExigencyDuration)
        }
        let expiresAt = requested ?? latest
        guard expiresAt > now else {
            throw .invalid(field: "expires_at", reason: "must be in the future")
        }
        guard expiresAt <= latest else {
            switch authority {
            case .warrant:
                throw .forbidden(rule: Self.rule, reason: "the entry may not outlast the tracking warrant")
            case .exigency:
                let hours = (maximumExigencyDuration / 360).rounded() / 10
                throw .forbidden(rule: Self.rule, reason: "an exigency entry may last at most \(hours) hours")
            }
        }
        return expiresAt
    }

    func isWarrantExpired(_ authority: ManualEntryAuthority, at now: Date) -> Bool {
        if case .warrant(let warrant) = authority { return warrant.expiresAt <= now }
        return false
    }

    private func normalisedWords(_ text: String) -> [Substring] {
        text.lowercased().split(whereSeparator: { !$0.isLetter && !$0.isNumber })
    }
}
