import ALPRCore
import ALPRVision
import Foundation

/// What a hot list holding every annotated plate of a folder would have raised from the
/// engine's reads, matched by the server's own matcher (`HotListIndex`): the figure a patrol
/// officer lives with. Exact-match accuracy counts `GR0WAPR` read for `GROWAPR` as wrong; the
/// matcher raises a possible (lookalike) hit for it, which the officer verifies before acting
/// (R6), as every hit is verified. Hits for a listed plate other than the one in view are the
/// cost of that folding, and are counted too.
struct HotListAlertScore: Sendable, Equatable, Encodable {
    /// Annotated plates.
    var plates = 0
    /// Annotated plates whose read raised a hit for that plate, by the strongest way it matched:
    /// the read itself, one of its candidates, the read with lookalikes folded, a candidate so.
    var exact = 0
    var candidate = 0
    var confusable = 0
    var candidateConfusable = 0
    /// Hits raised for a listed plate that was not the one read: from a read of another
    /// annotated plate or from a false plate.
    var otherPlateHits = 0

    /// Annotated plates that raised a hit for themselves, one way or another.
    var alerted: Int { exact + candidate + confusable + candidateConfusable }
    var alertRate: Double { plates > 0 ? Double(alerted) / Double(plates) : 0 }

    enum CodingKeys: String, CodingKey {
        case plates, alerted, alertRate, exact, candidate, confusable, candidateConfusable, otherPlateHits
    }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(plates, forKey: .plates)
        try container.encode(alerted, forKey: .alerted)
        try container.encode(alertRate, forKey: .alertRate)
        try container.encode(exact, forKey: .exact)
        try container.encode(candidate, forKey: .candidate)
        try container.encode(confusable, forKey: .confusable)
        try container.encode(candidateConfusable, forKey: .candidateConfusable)
        try container.encode(otherPlateHits, forKey: .otherPlateHits)
    }

    mutating func count(_ kind: HotListMatchKind) {
        switch kind {
        case .exact: exact += 1
        case .candidate: candidate += 1
        case .confusable: confusable += 1
        case .candidateConfusable: candidateConfusable += 1
        }
    }

    /// `hot-list hits  91.6 %  (252/275): 244 exact, ...`, one line for the text report.
    var line: String {
        String(format: "hot-list hits          %6.1f %%", alertRate * 100) + "  (\(alerted)/\(plates)): \(exact) exact, \(candidate) by a candidate, "
            + "\(confusable) lookalike, \(candidateConfusable) lookalike candidate; \(otherPlateHits) for another plate"
    }
}

/// A hit raised for a listed plate that was not the one read, for `alpr evaluate --mistakes`.
struct OtherPlateHit: Sendable, Equatable, Encodable {
    /// The annotated plate the read belongs to; nil for a false plate.
    var expected: String?
    var read: String
    var listed: String
    var matchKind: HotListMatchKind
    var box: ALPRVision.PlateBox

    /// `expected -> read hits listed (kind)  at x,y wxh`, after the file name and kind.
    var line: String {
        let at = String(format: "at %.0f,%.0f %.0fx%.0f", box.x, box.y, box.width, box.height)
        return "\(expected ?? "-") -> \(read) hits \(listed) (\(matchKind.rawValue))\t\(at)"
    }
}

/// Scores reads against a hot list of the annotated plates (see `HotListAlertScore`).
struct HotListAlertScorer: Sendable {
    let index: HotListIndex
    let evaluation: Evaluation

    /// A list holding each distinct annotated plate once. Annotations that are not a plate
    /// (`PlateNumber` refuses them) still count as plates, ones no read can alert for.
    /// With `size` over the number of annotated plates, the list is padded with random plates
    /// in common US formats (`paddingFormats`, drawn from a fixed seed) up to `size` entries,
    /// as a state's file holds thousands of plates not in view: the hits those raise are the
    /// cost of lookalike and candidate matching.
    init(annotatedPlates: some Sequence<String>, evaluation: Evaluation, size: Int = 0) throws {
        var seen = Set<String>(), entries: [HotListEntry] = []
        for text in annotatedPlates {
            guard let plate = try? PlateNumber(text), seen.insert(plate.value).inserted else { continue }
            entries.append(HotListEntry(plate: plate, state: nil, category: .stolenVehicle))
        }
        var random = SeededGenerator(seed: 0x5EED_0A1E_27)
        while entries.count < size {
            let format = Self.paddingFormats[Int(random.next() % UInt64(Self.paddingFormats.count))]
            let text = String(format.map { slot -> Character in
                let pool = slot == "L" ? Self.letters : Self.digits
                return pool[Int(random.next() % UInt64(pool.count))]
            })
            guard seen.insert(text).inserted else { continue }
            entries.append(HotListEntry(plate: try PlateNumber(text), state: nil, category: .stolenVehicle))
        }
        let version = HotListVersion(
            source: .bcaLicensePlateDataFile, number: 1, loadedAt: Date(timeIntervalSince1970: 0), checksum: "annotations",
            counts: HotListLoadCounts(recordLines: entries.count, entries: entries.count, rejected: 0, byCategory: [.stolenVehicle: entries.count]))
        index = try HotListIndex(lists: [LoadedHotList(version: version, entries: entries)], builtAt: Date(timeIntervalSince1970: 0))
        self.evaluation = evaluation
    }

    /// Formats of the padding plates (`L` a letter, `D` a digit): Minnesota's and many states'
    /// three letters and three digits, the three and four of Texas, New York and others, and
    /// California's digit, three letters and three digits.
    static let paddingFormats = ["LLLDDD", "LLLDDDD", "DLLLDDD", "DDDLLL"]
    static let letters = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZ")
    static let digits = Array("0123456789")

    /// Adds one image: its annotations and the plates the engine read in it. A read is paired
    /// with an annotation as `Evaluation` pairs them (box overlap). Returns the hits raised for
    /// plates not in view, in read order.
    @discardableResult
    func accumulate(_ score: inout HotListAlertScore, annotations: [BenchmarkAnnotation], plates: [PlateResult]) -> [OtherPlateHit] {
        score.plates += annotations.count
        let pairs = evaluation.match(annotations, plates.map(Evaluation.Prediction.init))
        var others: [OtherPlateHit] = []
        for (p, plate) in plates.enumerated() {
            let hits = Self.hits(index, for: plate)
            let annotated = pairs.first { $0.prediction == p }.map { annotations[$0.annotation].plate }
            let truth = annotated.flatMap { try? PlateNumber($0) }
            for hit in hits {
                if hit.entry.plate == truth {
                    score.count(hit.matchKind)
                } else {
                    score.otherPlateHits += 1
                    others.append(OtherPlateHit(expected: annotated.map(Evaluation.normalized), read: plate.text,
                                                listed: hit.entry.plate.value, matchKind: hit.matchKind, box: plate.box))
                }
            }
        }
        return others
    }

    /// The hits one read raises, its candidates sent along as the reader agent sends them.
    static func hits(_ index: HotListIndex, for plate: PlateResult) -> [HotListHit] {
        guard let number = try? PlateNumber(plate.text) else { return [] }
        let candidates = plate.candidates.map { ALPRCore.PlateCandidate(text: $0.text, confidence: Double($0.confidence)) }
        return index.match(plate: number, state: nil, candidates: candidates, now: Date(timeIntervalSince1970: 0))
    }
}
