import Foundation
import Testing
@testable import ALPRVision

@Suite("Corner refiner")
struct RefinerTests {
    /// A refiner whose corners output is its bias (the weights are zero): what it answers does
    /// not depend on the pixels, so the region arithmetic can be checked exactly.
    static func constantRefiner(_ corners: [Float], context: Double = 2, height: Int = 8, mean: [Float]? = nil,
                                std: [Float]? = nil) -> TestGraph {
        var graph = TestGraph(channels: 3, height: height, width: 2 * height)
        graph.name = "refiner"
        graph.mean = mean
        graph.std = std
        let features = 3 * height * 2 * height
        graph.node("flat", "flatten", ["input"])
        graph.tensor("corners.weight", [8, features], [Float](repeating: 0, count: 8 * features))
        graph.tensor("corners.bias", [8], corners)
        graph.node("corners", "linear", ["flat"], ["in_features": features, "out_features": 8,
                                                   "weight": "corners.weight", "bias": "corners.bias"])
        graph.outputs = ["corners"]
        graph.meta = ["context": context, "corner_offset": [0.5, 0.25]]
        return graph
    }

    static func expectNear(_ actual: [ImagePoint], _ expected: [ImagePoint], tolerance: Double = 1e-4,
                           sourceLocation: SourceLocation = #_sourceLocation) {
        #expect(actual.count == expected.count, sourceLocation: sourceLocation)
        for (a, e) in zip(actual, expected) {
            #expect(abs(a.x - e.x) <= tolerance && abs(a.y - e.y) <= tolerance, "\(a) vs \(e)", sourceLocation: sourceLocation)
        }
    }

    @Test("the region is centred on the box, context times the larger of width and twice the height")
    func region() {
        // 60×20 box: the width rules; side 2 × 60 = 120, half as high.
        #expect(PlateRefiner.region(around: PlateBox(x: 40, y: 30, width: 60, height: 20), context: 2)
                == PlateRefiner.Region(x: 10, y: 10, width: 120))
        // 30×20 box: twice the height rules; side 2 × 40 = 80.
        #expect(PlateRefiner.region(around: PlateBox(x: 0, y: 0, width: 30, height: 20), context: 2)
                == PlateRefiner.Region(x: -25, y: -10, width: 80))
    }

    @Test("outputs map back to image corners through the region")
    func cornersFromOutputs() throws {
        let bias: [Float] = [-0.25, -0.1, 0.25, -0.1, 0.25, 0.1, -0.25, 0.1]
        let refiner = try PlateRefiner(network: Self.constantRefiner(bias).load())
        let image = RGBImage(width: 200, height: 100)
        let detected = [ImagePoint(x: 40, y: 30), ImagePoint(x: 100, y: 30), ImagePoint(x: 100, y: 50), ImagePoint(x: 40, y: 50)]
        // Region (10, 10), width 120: x = 10 + (out + 0.5) · 120, y = 10 + (out + 0.25) · 120.
        Self.expectNear(refiner.refine(image, corners: detected),
                        [ImagePoint(x: 40, y: 28), ImagePoint(x: 100, y: 28), ImagePoint(x: 100, y: 52), ImagePoint(x: 40, y: 52)])
    }

    @Test("an answer that does not overlap the detection keeps the detector's corners")
    func implausibleAnswer() throws {
        let far: [Float] = [4, 4, 4.5, 4, 4.5, 4.2, 4, 4.2]
        let refiner = try PlateRefiner(network: Self.constantRefiner(far).load())
        let detected = [ImagePoint(x: 40, y: 30), ImagePoint(x: 100, y: 30), ImagePoint(x: 100, y: 50), ImagePoint(x: 40, y: 50)]
        #expect(refiner.refine(RGBImage(width: 200, height: 100), corners: detected) == detected)
        // A degenerate detection is returned as it is, without running the network.
        let line = [ImagePoint(x: 5, y: 5), ImagePoint(x: 5, y: 5), ImagePoint(x: 5, y: 5), ImagePoint(x: 5, y: 5)]
        #expect(refiner.refine(RGBImage(width: 200, height: 100), corners: line) == line)
    }

    @Test("region sampling matches a plain bilinear reference on random images and regions", arguments: [UInt64(1), 2, 3, 4])
    func samplingAgainstReference(seed: UInt64) throws {
        var random = SeededRandom(seed: seed)
        let width = 20 + Int(random.next() % 60), height = 10 + Int(random.next() % 40)
        let pixels = (0 ..< width * height * 3).map { _ in UInt8(random.next() % 256) }
        let image = try RGBImage(width: width, height: height, pixels: pixels)
        let mean = random.floats(3, in: 0.2 ... 0.6), std = random.floats(3, in: 0.1 ... 0.4)
        let refiner = try PlateRefiner(network: Self.constantRefiner([Float](repeating: 0, count: 8), height: 6, mean: mean, std: std).load())
        let input = refiner.network.inputShape
        for _ in 0 ..< 5 {
            // Regions inside, across the border and larger than the image.
            let region = PlateRefiner.Region(x: Double(random.floats(1, in: -20 ... Float(width))[0]),
                                             y: Double(random.floats(1, in: -20 ... Float(height))[0]),
                                             width: Double(random.floats(1, in: 4 ... Float(3 * width))[0]))
            refiner.prepareInput(image, region: region)
            let actual = refiner.network.withInput { Array($0) }
            var expected: [Float] = []
            let step = region.width / Double(input.width)
            func pixel(_ x: Int, _ y: Int, _ c: Int) -> Double {
                Double(pixels[(min(max(y, 0), height - 1) * width + min(max(x, 0), width - 1)) * 3 + c])
            }
            for c in 0 ..< 3 {
                for i in 0 ..< input.height {
                    for j in 0 ..< input.width {
                        let sx = region.x + (Double(j) + 0.5) * step - 0.5, sy = region.y + (Double(i) + 0.5) * step - 0.5
                        let x0 = Int(sx.rounded(.down)), y0 = Int(sy.rounded(.down))
                        let fx = sx - Double(x0), fy = sy - Double(y0)
                        let value = pixel(x0, y0, c) * (1 - fx) * (1 - fy) + pixel(x0 + 1, y0, c) * fx * (1 - fy)
                            + pixel(x0, y0 + 1, c) * (1 - fx) * fy + pixel(x0 + 1, y0 + 1, c) * fx * fy
                        expected.append(Float((value / 255 - Double(mean[c])) / Double(std[c])))
                    }
                }
            }
            expectClose(actual, expected, tolerance: 2e-3)
        }
    }

    @Test("the recogniser refines with the folder's refiner, and only when asked to")
    func recognizerUsesRefiner() throws {
        let directory = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        try SyntheticModels.writeDetectorAndOCR(to: directory)
        // The synthetic detector finds (36, 28)-(132, 60): region (-12, -4), width 192. This
        // refiner moves the top edge up by 1.92 and the bottom edge down by 1.92 pixels.
        let third = Float(1) / 12, nudge = Float(0.01)
        try Self.constantRefiner([-0.25, -third - nudge, 0.25, -third - nudge, 0.25, third + nudge, -0.25, third + nudge]).write(to: directory)
        let recognizer = try PlateRecognizer(modelsDirectory: directory)
        recognizer.options.exposure = nil  // the synthetic OCR reads absolute green levels on a black frame
        #expect(recognizer.refiner != nil)
        let image = SyntheticModels.plateImage(steps: SyntheticModels.steps(spelling: "123ABC"))

        let refined = try recognizer.recognize(image)
        try #require(refined.count == 1)
        Self.expectNear(refined[0].corners, [ImagePoint(x: 36, y: 26.08), ImagePoint(x: 132, y: 26.08),
                                              ImagePoint(x: 132, y: 61.92), ImagePoint(x: 36, y: 61.92)])
        #expect(abs(refined[0].box.height - 35.84) < 1e-3)

        recognizer.options.refineCorners = false
        let plain = try recognizer.recognize(image)
        try #require(plain.count == 1)
        #expect(plain[0].box == PlateBox(x: 36, y: 28, width: 96, height: 32))
        #expect(plain[0].text == "123ABC")
    }
}
