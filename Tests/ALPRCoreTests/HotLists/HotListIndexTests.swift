import Foundation
import Testing
@testable import ALPRCore

/// The matcher compared with a plain reference that checks every record against every text.
struct ReferenceHotListMatcher {
    static let strength: [HotListMatchKind: Int] = [.exact: 3, .candidate: 2, .confusable: 1, .candidateConfusable: 0]

    let records: [(entry: HotListEntry, foldedPlate: String, source: HotListSource, version: Int?)]

    init(lists: [LoadedHotList], manual: [ManualHotListEntry], rules: ManualEntryRules, at now: Date) {
        var records: [(HotListEntry, String, HotListSource, Int?)] = []
        for list in lists {
            for entry in list.entries { records.append((entry, PlateKeyTests.fold(entry.plate.value), list.version.source, list.version.number)) }
        }
        for entry in manual where rules.isActive(entry, at: now) {
            records.append((entry.hotListEntry, PlateKeyTests.fold(entry.plate.value), .manual, nil))
        }
        self.records = records
    }

    func match(plate: PlateNumber, state: String?, candidates: [PlateCandidate], now: Date) -> [HotListHit] {
        var texts = [(text: plate.value, folded: PlateKeyTests.fold(plate.value), isCandidate: false)]
        for candidate in candidates.prefix(HotListIndex.maximumCandidates) {
            if let parsed = try? PlateNumber(candidate.text) { texts.append((parsed.value, PlateKeyTests.fold(parsed.value), true)) }
        }
        let readState = state.flatMap { try? IssuingState($0) }
        var hits: [HotListHit] = []
        for record in records {
            if let expiresAt = record.entry.expiresAt, expiresAt <= now { continue }
            var best: (kind: HotListMatchKind, text: String)?
            for (text, folded, isCandidate) in texts {
                let kind: HotListMatchKind? = text == record.entry.plate.value
                    ? (isCandidate ? .candidate : .exact)
                    : folded == record.foldedPlate ? (isCandidate ? .candidateConfusable : .confusable) : nil
                if let kind, Self.strength[kind]! > (best.map { Self.strength[$0.kind]! } ?? -1) { best = (kind, text) }
            }
            if let best {
                hits.append(HotListHit(
                    entry: record.entry, source: record.source, listVersion: record.version, matchKind: best.kind,
                    matchedText: HotListFixtures.plate(best.text), stateComparison: StateComparison(read: readState, record: record.entry.state)
                ))
            }
        }
        return hits
    }
}

@Suite("Hot list index and matcher (R3, R5, R6)")
struct HotListIndexTests {
    let now = HotListFixtures.day

    func list(_ entries: [HotListEntry], number: Int = 1, source: HotListSource = .bcaLicensePlateDataFile) -> LoadedHotList {
        LoadedHotList(version: HotListFixtures.version(source, number: number, entries: entries.count), entries: entries)
    }

    func entry(_ plate: String, _ state: String? = "MN", _ category: HotListCategory = .stolenVehicle) -> HotListEntry {
        HotListEntry(plate: HotListFixtures.plate(plate), state: state.map(HotListFixtures.state), category: category, recordReference: "V000000001")
    }

    @Test("an exact match reports the record, its list version and a matching state")
    func exact() throws {
        let index = try HotListIndex(lists: [list([entry("ABC123"), entry("XYZ9")], number: 3)], builtAt: now)
        let hits = index.match(plate: HotListFixtures.plate("ABC123"), state: "MN")
        #expect(hits.count == 1)
        let hit = try #require(hits.first)
        #expect(hit.matchKind == .exact)
        #expect(!hit.isPossible)
        #expect(hit.entry == entry("ABC123"))
        #expect(hit.listVersion == 3)
        #expect(hit.source == .bcaLicensePlateDataFile)
        #expect(hit.stateComparison == .matches)
        #expect(index.match(plate: HotListFixtures.plate("ABC124"), state: "MN").isEmpty)
    }

    @Test("a state mismatch is reported, never hidden; a missing state is unknown")
    func stateMismatch() throws {
        let index = try HotListIndex(lists: [list([entry("ABC123", "WI"), entry("NOSTATE", nil)])], builtAt: now)
        #expect(index.match(plate: HotListFixtures.plate("ABC123"), state: "MN").map(\.stateComparison) == [.differs])
        #expect(index.match(plate: HotListFixtures.plate("ABC123"), state: nil).map(\.stateComparison) == [.unknown])
        #expect(index.match(plate: HotListFixtures.plate("N0STATE"), state: "MN").map(\.stateComparison) == [.unknown])
        #expect(index.match(plate: HotListFixtures.plate("ABC123"), state: "wi").first?.stateComparison.stateMatches == true)
    }

    @Test("confusable characters give possible hits; candidates give candidate hits")
    func confusablesAndCandidates() throws {
        let index = try HotListIndex(lists: [list([entry("OBC123"), entry("SG8"), entry("KLM7")])], builtAt: now)
        let confusable = index.match(plate: HotListFixtures.plate("0BC1Z3"), state: "MN")
        #expect(confusable.map(\.matchKind) == [.confusable])
        #expect(confusable.first?.isPossible == true)
        #expect(confusable.first?.notices.contains(HitNotice.possibleMatch) == true)
        let candidate = index.match(plate: HotListFixtures.plate("XXX"), state: "MN", candidates: [PlateCandidate(text: "sg-8", confidence: 0.4)])
        #expect(candidate.map(\.matchKind) == [.candidate])
        #expect(candidate.first?.matchedText.value == "SG8")
        let candidateConfusable = index.match(plate: HotListFixtures.plate("XXX"), state: "MN", candidates: [PlateCandidate(text: "K1M7", confidence: 0.4)])
        #expect(candidateConfusable.map(\.matchKind) == [.candidateConfusable])
    }

    @Test("a record found several ways is reported once, by the strongest way")
    func dedupe() throws {
        let index = try HotListIndex(lists: [list([entry("ABC123")])], builtAt: now)
        let hits = index.match(plate: HotListFixtures.plate("ABC123"), state: "MN", candidates: [
            PlateCandidate(text: "ABC123", confidence: 0.9), PlateCandidate(text: "A8C123", confidence: 0.5),
        ])
        #expect(hits.map(\.matchKind) == [.exact])
    }

    @Test("exact hits first, then by category priority")
    func ordering() throws {
        let index = try HotListIndex(lists: [list([
            entry("ABC123", "MN", .ownerLicenseSuspended), entry("ABC123", "MN", .amberAlert), entry("A8C123", "MN", .felonyVehicle),
        ])], builtAt: now)
        let hits = index.match(plate: HotListFixtures.plate("ABC123"), state: "MN")
        #expect(hits.map(\.entry.category) == [.amberAlert, .ownerLicenseSuspended, .felonyVehicle])
    }

    @Test("manual entries match with the justification notice and stop at their expiry")
    func manualEntries() throws {
        let rules = ManualEntryRules.standard
        let justification = "Child taken from the playground at 14:05, suspect drove off in this car northbound"
        let manual = try rules.create(ManualHotListEntryRequest(
            plate: "KID1", state: "MN", caseNumber: "25-9", authority: .exigency(.kidnapping, justification: justification),
            expiresAt: now.addingTimeInterval(3600)
        ), by: "o", now: now)
        let removed = try rules.remove(
            rules.create(ManualHotListEntryRequest(plate: "GONE1", state: nil, caseNumber: "25-8", authority: .exigency(.kidnapping, justification: justification)), by: "o", now: now),
            reason: .enteredInCriminalJusticeDatabase(.ncic), by: "o", at: now
        )
        let index = try HotListIndex(lists: [], manualEntries: [manual, removed], builtAt: now)
        #expect(index.manualEntryCount == 1)
        #expect(index.nextManualExpiry == now.addingTimeInterval(3600))
        let hits = index.match(plate: HotListFixtures.plate("KID1"), state: "MN", now: now.addingTimeInterval(60))
        #expect(hits.count == 1)
        #expect(hits.first?.source == .manual)
        #expect(hits.first?.entry.manualEntryID == manual.id)
        #expect(hits.first?.notices.contains(HitNotice.manualEntry) == true)
        #expect(index.match(plate: HotListFixtures.plate("KID1"), state: "MN", now: now.addingTimeInterval(3600)).isEmpty)
        #expect(index.match(plate: HotListFixtures.plate("GONE1"), state: "MN", now: now).isEmpty)
    }

    @Test("packing is lossless: the index gives back every record it was built from")
    func packingRoundTrip() throws {
        let entries = [
            entry("ABC123"),
            HotListEntry(plate: HotListFixtures.plate("Z9"), state: nil, category: .kops, recordReference: "REF-WITH-DASHES-AND-MORE", originatingAgency: "MN0270100", enteredOn: CalendarDay(yyyymmdd: Array("20200229".utf8))),
            HotListEntry(plate: HotListFixtures.plate("Q1"), state: HotListFixtures.state("OH"), category: .missingPerson, description: "Blue hatchback"),
            HotListEntry(plate: HotListFixtures.plate("Q2"), state: HotListFixtures.state("ON"), category: .canadianPoliceInformationCentre, recordReference: "R123", originatingAgency: "ON1234567", enteredOn: CalendarDay(yyyymmdd: Array("19991231".utf8))),
        ]
        let index = try HotListIndex(lists: [list(entries)], builtAt: now)
        #expect(index.allEntries.sorted { "\($0)" < "\($1)" } == entries.sorted { "\($0)" < "\($1)" })
    }

    @Test("matches the reference matcher on random lists, reads and candidates")
    func randomAgainstReference() throws {
        var random = SeededGenerator(seed: 2024)
        // A small alphabet rich in confusable characters makes collisions common.
        let alphabet = Array("O0DQI1LB8S5AXK")
        func plateText() -> String {
            String((0..<Int.random(in: 2...4, using: &random)).map { _ in alphabet.randomElement(using: &random)! })
        }
        let states: [String?] = ["MN", "WI", "OH", nil]
        func randomEntry() -> HotListEntry {
            HotListEntry(
                plate: HotListFixtures.plate(plateText()), state: states.randomElement(using: &random)!.map(HotListFixtures.state),
                category: HotListCategory.allCases.filter { $0 != .manual }.randomElement(using: &random)!,
                recordReference: Bool.random(using: &random) ? "V\(Int.random(in: 0..<1_000_000_000, using: &random))" : "LONG-REFERENCE-\(Int.random(in: 0..<99, using: &random))",
                originatingAgency: Bool.random(using: &random) ? "MN0270100" : nil,
                enteredOn: CalendarDay(yyyymmdd: Array("20240101".utf8)),
                description: Int.random(in: 0..<5, using: &random) == 0 ? "note" : nil
            )
        }
        let lists = [
            list((0..<300).map { _ in randomEntry() }, number: 7),
            list((0..<150).map { _ in randomEntry() }, number: 2, source: .investigative(name: "Case list", caseNumber: "25-1")),
        ]
        let rules = ManualEntryRules.standard
        let justification = "Armed robbery suspect fled the scene in this vehicle moments ago heading west"
        let manual = try (0..<20).map { number in
            try rules.create(ManualHotListEntryRequest(
                plate: plateText(), state: states.randomElement(using: &random)!, caseNumber: "25-\(number)",
                authority: .exigency(.suspectFlight, justification: justification),
                expiresAt: now.addingTimeInterval(Double(Int.random(in: 1...7200, using: &random)))
            ), by: "o", now: now)
        }
        let index = try HotListIndex(lists: lists, manualEntries: manual, builtAt: now)
        let reference = ReferenceHotListMatcher(lists: lists, manual: manual, rules: rules, at: now)
        let candidateNoise = ["??", "", "a-b", "o0", "toolongplate12"]
        var hitCount = 0
        var kindsSeen: Set<HotListMatchKind> = []
        var statesSeen: Set<StateComparison> = []
        for _ in 0..<1000 {
            let plate = HotListFixtures.plate(plateText())
            let state = (states + ["0H", "xx1"]).randomElement(using: &random)!
            let candidates = (0..<Int.random(in: 0...20, using: &random)).map { _ in
                PlateCandidate(text: Int.random(in: 0..<4, using: &random) == 0 ? candidateNoise.randomElement(using: &random)! : plateText(), confidence: 0.5)
            }
            let at = now.addingTimeInterval(Double(Int.random(in: 0...7200, using: &random)))
            let got = index.match(plate: plate, state: state, candidates: candidates, now: at)
            let expected = reference.match(plate: plate, state: state, candidates: candidates, now: at)
            #expect(got.map(Self.comparisonKey).sorted() == expected.map(Self.comparisonKey).sorted())
            for (earlier, later) in zip(got, got.dropFirst()) {
                #expect(earlier.matchKind.strength >= later.matchKind.strength)
            }
            hitCount += got.count
            kindsSeen.formUnion(got.map(\.matchKind))
            statesSeen.formUnion(got.map(\.stateComparison))
        }
        // The data are dense enough that the comparison covers many hits of every kind.
        #expect(hitCount > 1000)
        #expect(kindsSeen == Set(HotListMatchKind.allCases))
        #expect(statesSeen == Set(StateComparison.allCases))
    }

    /// Every field of a hit (notices follow from them), so lists of hits compare regardless of order.
    static func comparisonKey(_ hit: HotListHit) -> String {
        let entry = hit.entry
        return [
            entry.plate.value, entry.state?.code ?? "-", entry.category.rawValue, entry.recordReference ?? "-",
            entry.originatingAgency ?? "-", entry.enteredOn?.description ?? "-", entry.description ?? "-",
            entry.manualEntryID?.uuidString ?? "-", hit.listVersion.map(String.init) ?? "-", hit.matchKind.rawValue,
            hit.matchedText.value, hit.stateComparison.rawValue, "\(hit.source)",
        ].joined(separator: "|")
    }

    @Test("the store swaps whole indexes; readers always see one complete version")
    func storeSwap() async throws {
        let first = try HotListIndex(lists: [list((0..<100).map { entry("A\($0)") }, number: 1)], builtAt: now)
        let second = try HotListIndex(lists: [list((0..<200).map { entry("B\($0)") }, number: 2)], builtAt: now)
        let store = HotListIndexStore(first)
        await withTaskGroup(of: Bool.self) { group in
            group.addTask {
                for round in 0..<200 { store.replace(with: round.isMultiple(of: 2) ? second : first) }
                return true
            }
            for _ in 0..<4 {
                group.addTask {
                    for _ in 0..<500 {
                        let index = store.current
                        let version = index.versions.first?.number
                        let consistent = (version == 1 && index.entryCount == 100 && !index.match(plate: HotListFixtures.plate("A5"), state: "MN").isEmpty)
                            || (version == 2 && index.entryCount == 200 && !index.match(plate: HotListFixtures.plate("B150"), state: "MN").isEmpty)
                        if !consistent { return false }
                    }
                    return true
                }
            }
            for await ok in group { #expect(ok) }
        }
        #expect(store.replace(with: first).entryCount > 0)
    }

    @Test("an empty index matches nothing")
    func emptyIndex() {
        #expect(HotListIndex.empty.match(plate: HotListFixtures.plate("ABC123"), state: "MN", candidates: [PlateCandidate(text: "A8C123", confidence: 0.3)]).isEmpty)
        #expect(HotListIndex.empty.entryCount == 0)
    }
}
