import Foundation
import Testing
@testable import ALPRCore

@Suite("Hot list load validation and versioning (R3, R4)")
struct HotListLoadPolicyTests {
    func parsed(good: Int, bad: Int) -> HotListParseResult {
        var lines = (0..<good).map { HotListFixtures.ncicRow(plate: "P\($0)") }
        lines += (0..<bad).map { _ in HotListFixtures.ncicRow(date: "bad") }
        return NCICExtractParser().parse(HotListFixtures.bytes(lines.joined(separator: "\n") + "\n"))
    }

    @Test("an empty file is refused")
    func empty() {
        let decision = HotListLoadPolicy.standard.decide(parsed(good: 0, bad: 0), checksum: "x", previous: nil)
        #expect(decision == .refuse(reason: "the file holds no records"))
    }

    @Test("a file with only bad lines is refused")
    func allBad() {
        let decision = HotListLoadPolicy.standard.decide(parsed(good: 0, bad: 3), checksum: "x", previous: nil)
        #expect(!decision.isAccepted)
    }

    @Test("the reject ratio threshold: 10% passes, just over 10% is refused")
    func rejectRatio() {
        let policy = HotListLoadPolicy.standard
        #expect(policy.decide(parsed(good: 90, bad: 10), checksum: "x", previous: nil) == .accept)
        let refused = policy.decide(parsed(good: 89, bad: 11), checksum: "x", previous: nil)
        guard case .refuse(let reason) = refused else { Issue.record("expected a refusal"); return }
        #expect(reason.contains("11 of 100"))
    }

    @Test("a list much smaller than the live version is refused unless shrinkage is confirmed")
    func truncation() {
        let previous = HotListFixtures.version(entries: 100)
        let policy = HotListLoadPolicy.standard
        #expect(policy.decide(parsed(good: 75, bad: 0), checksum: "x", previous: previous) == .accept)
        guard case .refuse(let reason) = policy.decide(parsed(good: 74, bad: 0), checksum: "x", previous: previous) else {
            Issue.record("expected a refusal"); return
        }
        #expect(reason.contains("truncated"))
        #expect(policy.decide(parsed(good: 74, bad: 0), checksum: "x", previous: previous, allowShrinkage: true) == .accept)
        let strict = try! HotListLoadPolicy(minimumFractionOfPreviousEntries: 0.9)
        #expect(!strict.decide(parsed(good: 89, bad: 0), checksum: "x", previous: previous).isAccepted)
    }

    @Test("a file cut off mid-row is refused even when few lines failed")
    func cutOff() {
        let text = (0..<50).map { HotListFixtures.ncicRow(plate: "P\($0)") }.joined(separator: "\n") + "\nVV1,MN02"
        let result = NCICExtractParser().parse(HotListFixtures.bytes(text))
        #expect(result.rejectRatio < 0.1)
        #expect(!HotListLoadPolicy.standard.decide(result, checksum: "x", previous: nil).isAccepted)
    }

    @Test("the same file as the live version is reported unchanged")
    func unchanged() {
        let previous = HotListFixtures.version(entries: 10, checksum: "abc")
        #expect(HotListLoadPolicy.standard.decide(parsed(good: 10, bad: 0), checksum: "abc", previous: previous) == .unchanged)
    }

    @Test("thresholds outside 0...1 are refused")
    func badConfiguration() {
        #expect(throws: ALPRError.self) { try HotListLoadPolicy(maximumRejectRatio: 1.5) }
        #expect(throws: ALPRError.self) { try HotListLoadPolicy(minimumFractionOfPreviousEntries: -0.1) }
    }

    @Test("an accepted import gets the next version number, checksum, load time and counts")
    func importVersioning() throws {
        let text = [HotListFixtures.ncicRow(plate: "A1"), HotListFixtures.ncicRow(code: "W", plate: "B2")].joined(separator: "\n")
        let previous = HotListFixtures.version(number: 4, entries: 2)
        let now = HotListFixtures.day.addingTimeInterval(60)
        let outcome = try HotListImport.prepare(
            HotListFixtures.bytes(text), format: .ncicExtract, source: .bcaLicensePlateDataFile, previous: previous, now: now
        )
        let version = try #require(outcome.version)
        #expect(outcome.decision == .accept)
        #expect(version.number == 5)
        #expect(version.loadedAt == now)
        #expect(version.checksum.count == 64)
        #expect(version.counts.entries == 2)
        #expect(version.counts.byCategory == [.stolenVehicle: 1, .wantedPerson: 1])
        #expect(outcome.summary.contains("accepted as version 5"))
        #expect(!outcome.summary.contains("A1"))
    }

    @Test("a refused import gets no version")
    func refusedImport() throws {
        let outcome = try HotListImport.prepare(HotListFixtures.bytes(""), format: .csv, source: .bcaLicensePlateDataFile, previous: nil)
        #expect(outcome.version == nil)
        #expect(!outcome.decision.isAccepted)
    }

    @Test("R3: a list other than the BCA file needs a case number")
    func investigativeSourceNeedsCase() throws {
        let bytes = HotListFixtures.bytes("ABC123,MN,V,x")
        #expect(throws: ALPRError.self) {
            try HotListImport.prepare(bytes, format: .csv, source: .investigative(name: "Burglary ring", caseNumber: " "), previous: nil)
        }
        let outcome = try HotListImport.prepare(
            bytes, format: .csv, source: .investigative(name: "Burglary ring", caseNumber: "25-001234"), previous: nil
        )
        #expect(outcome.source.caseNumber == "25-001234")
        #expect(outcome.decision == .accept)
    }
}
