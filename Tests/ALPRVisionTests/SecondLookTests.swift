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

    @Test("widening moves the left corners back and the right ones forward by the fraction of the mean width vector")
    func widen() {
        let wider = PlateOCR.widen(Self.corners, by: 0.1)
        // Mean width vector: ((150 - 20.5) + (152 - 22)) / 2 = 129.75, ((26.2 - 30) + (88 - 91.5)) / 2 = -3.65.
        for (index, (a, b)) in zip(wider, Self.corners).enumerated() {
            let sign: Double = index == 1 || index == 2 ? 1 : -1  // TR and BR forward, TL and BL back
            #expect(abs(a.x - b.x - sign * 12.975) < 1e-12)
            #expect(abs(a.y - b.y - sign * -0.365) < 1e-12)
        }
        #expect(PlateOCR.widen(Self.corners, by: 0) == Self.corners)
        // Narrowing undoes widening (the width vector scales with the quadrilateral).
        let narrowed = PlateOCR.widen(wider, by: -0.1 / 1.2)
        for (a, b) in zip(narrowed, Self.corners) { #expect(abs(a.x - b.x) < 1e-9 && abs(a.y - b.y) < 1e-9) }
    }

    @Test("texts are ranked by their probability averaged over the views, computed apart",
          arguments: [(UInt64(1), Float?.none, [Double]()), (2, nil, [0.04, -0.04]), (3, nil, [0.04, -0.04]),
                      (4, 1, []), (5, 1, [0.04, -0.04]), (6, 2.5, [0.1])])
    func meanOverViews(seed: UInt64, sharpen: Float?, widths: [Double]) throws {
        let ocr = try PlateOCR(network: RandomModels.ocr(seed: seed + 30).load())
        let image = try Self.frame(seed: seed)
        let offsets = [0.06, -0.06]
        // Each view read on its own, keeping its probabilities and proposed texts: the cut as
        // it is, moved down and up, widened and narrowed, then (below) sharpened.
        var views: [[Float]] = [], texts = Set<String>(), firstConfidence: Float?
        let moved = offsets.map { PlateOCR.shift(Self.corners, alongHeight: $0) } + widths.map { PlateOCR.widen(Self.corners, by: $0) }
        for corners in [Self.corners] + moved {
            let reading = try ocr.read(image, corners: corners, candidateCount: 5, formats: nil)
            views.append(ocr.probabilities)
            firstConfidence = firstConfidence ?? reading.confidence
            texts.formUnion(reading.candidates.map(\.text))
        }
        if let sharpen {
            // The first view, sharpened.
            try ocr.prepareInput(image, corners: Self.corners)
            ocr.unsharpMask(amount: sharpen)
            ocr.network.run()
            ocr.computeProbabilities()
            views.append(ocr.probabilities)
            texts.formUnion(ocr.rank(ocr.hypotheses(candidateCount: 5, formats: nil), candidateCount: 5, formats: nil).candidates.map(\.text))
        }
        func mean(_ text: String) -> Float {
            views.map { ocr.decoder.probability(of: text, $0, steps: $0.count / (ocr.alphabet.count + 1)) }.reduce(0, +) / Float(views.count)
        }
        ocr.secondLook = PlateOCR.SecondLook(below: 1.01, offsets: offsets, widths: widths, sharpen: sharpen)  // always look again
        let merged = try ocr.read(image, corners: Self.corners, candidateCount: 5, formats: nil)
        #expect(ocr.lastViewCount == views.count)
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
        #expect(ocr.lastViewCount == 6, "the first view, two shifted, one widened, one narrowed and one sharpened")
        ocr.secondLook?.sharpen = nil
        _ = try ocr.read(image, corners: Self.corners)
        #expect(ocr.lastViewCount == 5)
        ocr.secondLook?.widths = []
        _ = try ocr.read(image, corners: Self.corners)
        #expect(ocr.lastViewCount == 3)
        // Too unsure to be kept at all: not looked at again either.
        ocr.secondLook?.atLeast = once.confidence.nextUp
        #expect(try ocr.read(image, corners: Self.corners) == once)
        #expect(ocr.lastViewCount == 1)
    }

    @Test("the unsharp mask equals a plain 5x5 convolution with mirrored edges, clamped, on random inputs", arguments: [UInt64(7), 8, 9])
    func unsharpMask(seed: UInt64) throws {
        let ocr = try PlateOCR(network: RandomModels.ocr(seed: seed).load())
        let shape = ocr.network.inputShape
        var random = SeededRandom(seed: seed)
        let mean = ocr.network.graph.input.mean, std = ocr.network.graph.input.std
        // Pixel values 0-255 normalised as the input is, so the clamp at both ends is exercised.
        var pixels: [Float] = []
        for channel in 0 ..< shape.channels {
            let m = mean[min(channel, mean.count - 1)], s = std[min(channel, std.count - 1)]
            pixels += (0 ..< shape.planeSize).map { _ in (Float(UInt8.random(in: 0 ... 255, using: &random)) / 255 - m) / s }
        }
        ocr.network.withInput { buffer in _ = buffer.update(fromContentsOf: pixels) }
        let amount = Float.random(in: 0.5 ... 2, using: &random)
        ocr.unsharpMask(amount: amount)
        let fast = ocr.network.withInput { Array($0) }

        // Reference: the 2-D kernel as the outer product of (1 4 6 4 1)/16, edges mirrored
        // without repeating the edge pixel (OpenCV's BORDER_REFLECT_101), written out plainly.
        func mirrored(_ i: Int, _ n: Int) -> Int { i < 0 ? -i : (i >= n ? 2 * n - 2 - i : i) }
        let taps: [Float] = [1, 4, 6, 4, 1]
        var largest: Float = 0
        for channel in 0 ..< shape.channels {
            let m = mean[min(channel, mean.count - 1)], s = std[min(channel, std.count - 1)]
            for y in 0 ..< shape.height {
                for x in 0 ..< shape.width {
                    var blur: Float = 0
                    for dy in -2 ... 2 {
                        for dx in -2 ... 2 {
                            let yy = mirrored(y + dy, shape.height), xx = mirrored(x + dx, shape.width)
                            blur += taps[dy + 2] * taps[dx + 2] / 256 * pixels[channel * shape.planeSize + yy * shape.width + xx]
                        }
                    }
                    let index = channel * shape.planeSize + y * shape.width + x
                    let value = pixels[index] + amount * (pixels[index] - blur)
                    let expected = min(max(value, (0 - m) / s), (1 - m) / s)
                    largest = max(largest, abs(fast[index] - expected))
                }
            }
        }
        #expect(largest < 1e-4, "largest difference \(largest)")
        #expect(fast != pixels)
    }

    @Test("mirrored indices follow OpenCV's BORDER_REFLECT_101")
    func reflect101() {
        #expect((-4 ... 8).map { PlateOCR.reflect101($0, 5) } == [4, 3, 2, 1, 0, 1, 2, 3, 4, 3, 2, 1, 0])
        #expect(PlateOCR.reflect101(-3, 1) == 0)
    }
}
