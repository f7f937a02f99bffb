import Foundation
import Testing
@testable import ALPRVision

@Suite("Second look at unsure plates")
struct SecondLookTests {
    static let corners = [ImagePoint(x: 20.5, y: 30), ImagePoint(x: 150, y: 26.2), ImagePoint(x: 152, y: 88), ImagePoint(x: 22, y: 91.5)]

    static func frame(seed: UInt64) throws -> RGBImage {
        var random = SeededRandom(seed: seed)
        return try RGBImage(width: 180, height: 120, pixels: (0 ..< 180 * 120 * 3).map { _ in UInt8.random(in: 0 ... 255, using: &random) })
    }

    @Test("a shift moves every corner by the fraction of the mean height vector")
    func shift() {
        let moved = PlateOCR.shift(Self.corners, alongHeight: 0.1)
        // Mean height vector: ((22 - 20.5) + (152 - 150)) / 2 = 1.75, ((91.5 - 30) + (88 - 26.2)) / 2 = 61.65.
        for (a, b) in zip(moved, Self.corners) {
            #expect(abs(a.x - b.x - 0.175) < 1e-12)
            #expect(abs(a.y - b.y - 6.165) < 1e-12)
        }
        #expect(PlateOCR.shift(Self.corners, alongHeight: 0) == Self.corners)
    }

    @Test("texts are ranked by their probability averaged over the views, computed apart", arguments: [UInt64(1), 2, 3])
    func meanOverViews(seed: UInt64) throws {
        let ocr = try PlateOCR(network: RandomModels.ocr(seed: seed + 30).load())
        let image = try Self.frame(seed: seed)
        let offsets = [0.06, -0.06]
        // Each view read on its own, keeping its probabilities and proposed texts.
        var views: [[Float]] = [], texts = Set<String>(), firstConfidence: Float?
        for corners in [Self.corners] + offsets.map({ PlateOCR.shift(Self.corners, alongHeight: $0) }) {
            let reading = try ocr.read(image, corners: corners, candidateCount: 5, formats: nil)
            views.append(ocr.probabilities)
            firstConfidence = firstConfidence ?? reading.confidence
            texts.formUnion(reading.candidates.map(\.text))
        }
        func mean(_ text: String) -> Float {
            views.map { ocr.decoder.probability(of: text, $0, steps: $0.count / (ocr.alphabet.count + 1)) }.reduce(0, +) / Float(views.count)
        }
        ocr.secondLook = PlateOCR.SecondLook(below: 1.01, offsets: offsets)  // always look again
        let merged = try ocr.read(image, corners: Self.corners, candidateCount: 5, formats: nil)
        #expect(ocr.lastViewCount == 3)
        #expect(merged.firstLookConfidence == firstConfidence)
        try #require(!merged.text.isEmpty)
        #expect(texts.contains(merged.text))
        #expect(abs(merged.confidence - mean(merged.text)) <= 1e-5 * max(1, merged.confidence))
        for text in texts where !text.isEmpty { #expect(mean(text) <= merged.confidence * (1 + 1e-5)) }
        for candidate in merged.candidates { #expect(abs(candidate.confidence - mean(candidate.text)) <= 1e-5) }
    }

    @Test("a confident first reading is kept as it is")
    func confidentReadingKept() throws {
        let ocr = try PlateOCR(network: RandomModels.ocr(seed: 41).load())
        let image = try Self.frame(seed: 41)
        let once = try ocr.read(image, corners: Self.corners)
        ocr.secondLook = PlateOCR.SecondLook(below: once.confidence, offsets: [0.06, -0.06])
        #expect(try ocr.read(image, corners: Self.corners) == once)
        #expect(ocr.lastViewCount == 1)
        ocr.secondLook?.below = once.confidence.nextUp
        _ = try ocr.read(image, corners: Self.corners)
        #expect(ocr.lastViewCount == 3)
        // Too unsure to be kept at all: not looked at again either.
        ocr.secondLook?.atLeast = once.confidence.nextUp
        #expect(try ocr.read(image, corners: Self.corners) == once)
        #expect(ocr.lastViewCount == 1)
    }
}
