import ALPRCore
import ALPRVision
import Foundation
import Testing
@testable import alpr

/// `alpr evaluate`'s hot-list figure: reads matched against a list of the annotated plates by
/// the server's matcher, each plate counted once by the strongest way its read found it.
@Suite("Hot-list hits in alpr evaluate")
struct HotListAlertScoreTests {
    static let box = ALPRVision.PlateBox(x: 100, y: 100, width: 120, height: 60)
    static let elsewhere = ALPRVision.PlateBox(x: 600, y: 400, width: 120, height: 60)

    func annotation(_ plate: String, _ box: ALPRVision.PlateBox = box) -> BenchmarkAnnotation {
        BenchmarkAnnotation(file: "x.jpg", box: box, plate: plate)
    }

    func read(_ text: String, _ candidates: [String] = [], at box: ALPRVision.PlateBox = box) -> PlateResult {
        PlateResult(text: text, confidence: 0.9, characterConfidences: Array(repeating: 0.9, count: text.count), box: box,
                    corners: [], candidates: ([text] + candidates).map { ALPRVision.PlateCandidate(text: $0, confidence: 0.1) },
                    detectionScore: 0.9)
    }

    @Test("each way a read can find its plate, a miss, and hits for plates not in view")
    func kinds() throws {
        let images: [([BenchmarkAnnotation], [PlateResult])] = [
            ([annotation("XYZ789")], [read("XYZ789")]),                    // exact
            ([annotation("ABC123")], [read("ABC128", ["ABC123"])]),        // one of its candidates
            ([annotation("GROWAPR")], [read("GR0WAPR")]),                  // lookalike O/0
            ([annotation("HNQ196")], [read("HN196", ["HN0196"])]),         // lookalike candidate Q/0
            ([annotation("KTN4827")], [read("KTN4821", ["KTN4B21"])]),     // read, but not as any listed plate
            ([annotation("MPR2250")], []),                                 // not found at all
            ([annotation("LMN456")], [read("XYZ789")]),                    // misread as another listed plate
            ([], [read("ABC123", at: Self.elsewhere)]),                    // a false plate that is listed
            ([annotation("gro wapr")], [read("GROWAPR", at: Self.elsewhere)]),  // found only away from its box
        ]
        let all = images.flatMap { $0.0.map(\.plate) }
        let scorer = try HotListAlertScorer(annotatedPlates: all, evaluation: Evaluation())
        var score = HotListAlertScore()
        var others: [OtherPlateHit] = []
        for (annotations, plates) in images { others += scorer.accumulate(&score, annotations: annotations, plates: plates) }

        #expect(score.plates == 8)
        #expect(score.exact == 1)
        #expect(score.candidate == 1)
        #expect(score.confusable == 1)
        #expect(score.candidateConfusable == 1)
        #expect(score.alerted == 4)
        #expect(abs(score.alertRate - 4.0 / 8.0) < 1e-12)
        // XYZ789 read for LMN456, the listed ABC123 read where no plate is annotated, and GROWAPR
        // read away from the annotated box (a false plate and a missed plate, like exact match).
        #expect(score.otherPlateHits == 3)
        #expect(others.map { [$0.expected ?? "-", $0.read, $0.listed, $0.matchKind.rawValue] }
                == [["LMN456", "XYZ789", "XYZ789", "exact"], ["-", "ABC123", "ABC123", "exact"], ["-", "GROWAPR", "GROWAPR", "exact"]])
        #expect(others.first?.line == "LMN456 -> XYZ789 hits XYZ789 (exact)\tat 100,100 120x60")
        #expect(score.line.contains("(4/8): 1 exact, 1 by a candidate, 1 lookalike, 1 lookalike candidate; 3 for another plate"),
                "\(score.line)")
    }

    @Test("annotations that are not plates are counted and never alerted")
    func notAPlate() throws {
        let scorer = try HotListAlertScorer(annotatedPlates: ["--", "ABC123"], evaluation: Evaluation())
        var score = HotListAlertScore()
        scorer.accumulate(&score, annotations: [annotation("--")], plates: [read("ABC123")])
        #expect(score.plates == 1 && score.alerted == 0 && score.otherPlateHits == 1)
    }

    @Test("padding fills the list to its size with the same plates in US formats every run, annotated plates kept")
    func padding() throws {
        let a = try HotListAlertScorer(annotatedPlates: ["ABC123", "abc 123", "7XYZ123"], evaluation: Evaluation(), size: 5000)
        let b = try HotListAlertScorer(annotatedPlates: ["ABC123", "7XYZ123"], evaluation: Evaluation(), size: 5000)
        #expect(a.index.entryCount == 5000)
        let plates = a.index.allEntries.map(\.plate.value)
        #expect(plates == b.index.allEntries.map(\.plate.value), "a fixed seed")
        #expect(Set(plates).count == 5000)
        #expect(plates.contains("ABC123") && plates.contains("7XYZ123"))
        let shapes = Set(plates.map { String($0.map { $0.isLetter ? "L" : "D" }) })
        #expect(shapes == Set(HotListAlertScorer.paddingFormats), "\(shapes)")
        let unpadded = try HotListAlertScorer(annotatedPlates: ["ABC123"], evaluation: Evaluation(), size: 0)
        #expect(unpadded.index.entryCount == 1)
    }

    @Test("the JSON report carries the counts and the rate")
    func json() throws {
        var score = HotListAlertScore()
        score.plates = 4
        score.exact = 2
        score.confusable = 1
        let object = try #require(try JSONSerialization.jsonObject(with: JSONEncoder().encode(score)) as? [String: Any])
        #expect(object["plates"] as? Int == 4)
        #expect(object["alerted"] as? Int == 3)
        #expect(object["alertRate"] as? Double == 0.75)
        #expect(object["confusable"] as? Int == 1 && object["candidate"] as? Int == 0)
    }
}
