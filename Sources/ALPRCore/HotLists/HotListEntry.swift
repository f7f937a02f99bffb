import Foundation

/// One hot list record as the matcher and the alert screen use it. R1 (§13.824 subd. 2(a))
/// data minimisation: make, model, style, colour and years from the BCA file are not kept;
/// the record holds the plate, its state, the category, the record reference the officer
/// quotes when confirming with NCIC (R6), and the entry date.
public struct HotListEntry: Hashable, Sendable, Codable {
    public var plate: PlateNumber
    /// The issuing state, when the list gives one; nil compares as "unknown", never as a match.
    public var state: IssuingState?
    public var category: HotListCategory
    /// NCIC Number (NIC) for BCA records, the list's own reference for investigative lists,
    /// the case number for manual entries.
    public var recordReference: String?
    /// Originating agency identifier (ORI) of the record, when given.
    public var originatingAgency: String?
    /// When the record was entered at its source (no time of day in the files).
    public var enteredOn: CalendarDay?
    /// Free text from a CSV list or a manual entry; never from the BCA file.
    public var description: String?
    /// Set for officer-created entries (R5) so alerts can carry the legal-justification notice.
    public var manualEntryID: UUID?
    /// Manual entries: when the legal justification runs out (R5).
    public var expiresAt: Date?

    public init(
        plate: PlateNumber, state: IssuingState?, category: HotListCategory, recordReference: String? = nil,
        originatingAgency: String? = nil, enteredOn: CalendarDay? = nil, description: String? = nil,
        manualEntryID: UUID? = nil, expiresAt: Date? = nil
    ) {
        self.plate = plate; self.state = state; self.category = category
        self.recordReference = recordReference; self.originatingAgency = originatingAgency
        self.enteredOn = enteredOn; self.description = description
        self.manualEntryID = manualEntryID; self.expiresAt = expiresAt
    }

    public var isManual: Bool { manualEntryID != nil }
}
