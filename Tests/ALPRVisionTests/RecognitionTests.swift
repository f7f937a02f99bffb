import Foundation
import Testing
@testable import ALPRVision

@Suite("Detector, OCR and recogniser")
struct RecognitionTests {
    @Test("detector decoding: local maxima, corners in image coordinates, threshold")
    func detectorDecoding() {
        let shape = TensorShape(channels: 1, height: 3, width: 6)
        var heatmap = [Float](repeating: 0.1, count: 18)
        heatmap[1 * 6 + 1] = 0.9   // a peak
        heatmap[1 * 6 + 2] = 0.8   // its neighbour: not a local maximum
        heatmap[0 * 6 + 5] = 0.6   // a second, separate peak
        heatmap[2 * 6 + 4] = 0.4   // a local maximum below the threshold
        var geometry = [Float](repeating: 0, count: 8 * 18)
        for cell in 0 ..< 18 {
            for (k, value) in [Float(-2), -1, 2, -1, 2, 1, -2, 1].enumerated() { geometry[k * 18 + cell] = value }
        }
        let found = heatmap.withUnsafeBufferPointer { h in
            geometry.withUnsafeBufferPointer { g in
                PlateDetector.candidates(heatmap: h, geometry: g, shape: shape, stride: 8, cornerScale: 4, threshold: 0.5,
                                         scaleX: 0.5, scaleY: 0.5, imageWidth: 1000, imageHeight: 1000)
            }
        }
        #expect(found.map(\.score) == [0.6, 0.9])
        // Cell (1, 1): centre (12, 12) in network pixels, corners ±(8, 4), then / 0.5.
        let peak = found[1]
        #expect(peak.corners == [ImagePoint(x: 8, y: 16), ImagePoint(x: 40, y: 16), ImagePoint(x: 40, y: 32), ImagePoint(x: 8, y: 32)])
        #expect(peak.box == PlateBox(x: 8, y: 16, width: 32, height: 16))
    }

    @Test("a heatmap with more peaks than the limit decodes only the best of them")
    func peakLimit() {
        func decode(_ heatmap: [Float], _ shape: TensorShape) -> [PlateDetector.Detection] {
            let geometry = (0 ..< 8 * shape.planeSize).map { [Float(-2), -1, 2, -1, 2, 1, -2, 1][$0 / shape.planeSize] }
            return heatmap.withUnsafeBufferPointer { h in
                geometry.withUnsafeBufferPointer { g in
                    PlateDetector.candidates(heatmap: h, geometry: g, shape: shape, stride: 4, cornerScale: 4, threshold: 0.5,
                                             scaleX: 1, scaleY: 1, imageWidth: 1000, imageHeight: 1000)
                }
            }
        }
        // Flat: every one of 960 cells is a peak; the first cells win the ties, in cell order.
        let small = TensorShape(channels: 1, height: 24, width: 40)
        let flat = decode([Float](repeating: 0.9, count: small.planeSize), small)
        #expect(flat.count == PlateDetector.maximumPeaks)
        // The 256th cell is row 6, column 15: centre (62, 26), corners ±(8, 4).
        #expect(flat.last?.box == PlateBox(x: 54, y: 22, width: 16, height: 8))
        // 960 separate peaks (every other row and column), each scoring higher than the one
        // before: the 256 highest are kept.
        let large = TensorShape(channels: 1, height: 48, width: 80)
        var separate = [Float](repeating: 0, count: large.planeSize)
        var rank = 0
        for i in stride(from: 0, to: large.height, by: 2) {
            for j in stride(from: 0, to: large.width, by: 2) {
                separate[i * large.width + j] = 0.5 + 0.4 * Float(rank) / 960
                rank += 1
            }
        }
        let best = decode(separate, large)
        #expect(best.count == PlateDetector.maximumPeaks)
        #expect(best.map(\.score).min() == 0.5 + 0.4 * Float(960 - PlateDetector.maximumPeaks) / 960)
        // Under the limit, every peak.
        var few = [Float](repeating: 0, count: large.planeSize)
        for cell in stride(from: 0, to: 400, by: 2) where (cell / large.width) % 2 == 0 { few[cell] = 0.8 }
        #expect(decode(few, large).count == few.filter { $0 > 0 }.count)
    }

    @Test("non-maximum suppression keeps the best of overlapping boxes")
    func suppression() {
        func detection(_ score: Float, x: Double) -> PlateDetector.Detection {
            .init(score: score, corners: [.init(x: x, y: 0), .init(x: x + 10, y: 0), .init(x: x + 10, y: 5), .init(x: x, y: 5)])
        }
        let kept = PlateDetector.nonMaximumSuppression([detection(0.5, x: 1), detection(0.9, x: 0), detection(0.7, x: 50), detection(0.6, x: 8)], iou: 0.3)
        #expect(kept.map(\.score) == [0.9, 0.7, 0.6])
    }

    @Test("joining the passes: the main pass wins on a shared plate, a wide plate replaces its fragments")
    func mergePasses() {
        func detection(_ score: Float, _ x: Double, _ y: Double, _ w: Double, _ h: Double) -> PlateDetector.Detection {
            .init(score: score, corners: [.init(x: x, y: y), .init(x: x + w, y: y), .init(x: x + w, y: y + h), .init(x: x, y: y + h)])
        }
        let plate = detection(0.9, 0, 0, 100, 50)
        let fragment = detection(0.4, 300, 100, 50, 30)        // inside the wide plate, narrow, weaker
        let strongPart = detection(0.8, 400, 120, 60, 30)      // inside it, narrow, but scores higher
        let widePart = detection(0.5, 290, 95, 125, 40)        // inside it (IoU 0.25), but 62 % of its width
        let elsewhere = detection(0.3, 700, 0, 80, 40)
        let samePlate = detection(0.95, 5, 2, 100, 50)         // IoU with `plate` about 0.85
        let widePlate = detection(0.6, 280, 90, 200, 100)
        let merged = PlateDetector.merge(main: [plate, fragment, strongPart, widePart, elsewhere],
                                         coarse: [samePlate, widePlate], iou: 0.3)
        #expect(merged.map(\.score) == [0.9, 0.8, 0.6, 0.5, 0.3])
        #expect(PlateDetector.merge(main: [], coarse: [widePlate], iou: 0.3) == [widePlate])
        // A main detection under `mainWinsFrom` (an unsure one) does not drop a wide plate it
        // overlaps; one at that score does.
        let unsurePart = detection(0.25, 285, 92, 150, 90)    // IoU with widePlate about 0.68, 75 % of its width
        #expect(PlateDetector.merge(main: [unsurePart], coarse: [widePlate], iou: 0.3, mainWinsFrom: 0.3).map(\.score) == [0.6, 0.25])
        #expect(PlateDetector.merge(main: [unsurePart], coarse: [widePlate], iou: 0.3, mainWinsFrom: 0.2).map(\.score) == [0.25])
    }

    @Test("the synthetic detector finds the plate where the red cell is")
    func syntheticDetector() throws {
        let detector = try PlateDetector(network: SyntheticModels.detector().load())
        let image = SyntheticModels.plateImage(steps: SyntheticModels.steps(spelling: "ABC123"))
        let detections = detector.detect(image)
        try #require(detections.count == 1)
        // Cell (5, 10) of the 96×64 input is image (84, 44); corners ±(24, 8) network = ±(48, 16) image.
        #expect(detections[0].corners == [ImagePoint(x: 36, y: 28), ImagePoint(x: 132, y: 28), ImagePoint(x: 132, y: 60), ImagePoint(x: 36, y: 60)])
        #expect(detections[0].score > 0.99)
    }

    @Test("frames the standard input would shrink below half size go through the larger input")
    func largeFrameInput() throws {
        let detector = try PlateDetector(network: SyntheticModels.detector().load())
        detector.largeFrameInput = (height: 192, width: 288)
        // A 576×384 frame: the 64×96 standard input would shrink it 6 times, the 192×288 one 2 times.
        var frame = RGBImage(width: 576, height: 384)
        for x in 240 ..< 248 { for y in 120 ..< 128 { frame[x, y].red = 255 } }
        let standardFrame = SyntheticModels.plateImage(steps: [])
        #expect(detector.network(for: standardFrame) === detector.network)
        #expect(detector.network(for: frame).inputShape == TensorShape(channels: 3, height: 192, width: 288))

        let detections = detector.detect(frame)
        try #require(detections.count == 1)
        // Cell (15, 30) of the large input: centre (122, 62), corners ±(24, 8), then / 0.5.
        #expect(detections[0].corners == [ImagePoint(x: 196, y: 108), ImagePoint(x: 292, y: 108),
                                          ImagePoint(x: 292, y: 140), ImagePoint(x: 196, y: 140)])
        // The standard input shrinks the 8-pixel square to about one pixel: nothing is found.
        detector.largeFrameInput = nil
        #expect(detector.detect(frame).isEmpty)
        #expect(detector.detect(standardFrame).count == 1)
    }

    @Test("the coarse pass adds wide detections at half the input size, mapped back to the frame")
    func coarsePass() throws {
        let detector = try PlateDetector(network: SyntheticModels.detector().load())
        // The default coarse input is larger than this 64×96 detector's: no second pass.
        #expect(detector.coarseNetwork()!.inputShape.planeSize > detector.network.inputShape.planeSize)
        detector.coarseMinimumWidth = 0
        var probe = RGBImage(width: 192, height: 128)
        for x in 80 ..< 88 { for y in 40 ..< 48 { probe[x, y].red = 255 } }
        #expect(detector.detect(probe).count == 1)
        detector.coarseInput = (32, 48)
        // A 16-pixel red square at (96, 64): in the 32×48 coarse input (scale 0.25) it fills
        // exactly cell (4, 6); in the 64×96 main input (scale 0.5) it fills four cells.
        var frame = RGBImage(width: 192, height: 128)
        for x in 96 ..< 112 { for y in 64 ..< 80 { frame[x, y].red = 255 } }
        let coarse = detector.candidates(frame, network: try #require(detector.coarseNetwork()), threshold: 0.5)
        #expect(coarse.scaleX == 0.25)
        try #require(coarse.detections.count == 1)
        // Centre (26, 18) coarse pixels, corners ±(24, 8), then / 0.25, clamped to the frame.
        let expected = [ImagePoint(x: 8, y: 40), ImagePoint(x: 192, y: 40), ImagePoint(x: 192, y: 104), ImagePoint(x: 8, y: 104)]
        #expect(coarse.detections[0].corners == expected)

        // Where the main pass finds the plate too, its detection (96×32, scoring higher) comes
        // first; the coarse box around it overlaps it too little (IoU 0.26) to be dropped by
        // `merge` and stays second, for the recogniser to refine and check.
        detector.coarseMinimumWidth = 40
        let mainFound = detector.detect(frame)
        #expect(mainFound.map(\.box.width) == [96, 184])
        // Limited to 90 % of the frame's width, the coarse box goes.
        detector.coarseMaximumFraction = 0.9
        #expect(detector.detect(frame).map(\.box.width) == [96])
        detector.coarseMaximumFraction = 1
        // Where the main pass finds nothing, the coarse detection (46 coarse pixels wide) is
        // kept, unless narrower than coarseMinimumWidth or below coarseThreshold, or with the pass off.
        // By default even a detection 184 of the frame's 192 pixels wide is kept (a close-up).
        detector.threshold = 2
        #expect(detector.detect(frame).map(\.corners) == [expected])
        detector.coarseMaximumFraction = 0.9
        #expect(detector.detect(frame).isEmpty)
        detector.coarseMaximumFraction = 1
        detector.coarseThreshold = 2
        #expect(detector.detect(frame).isEmpty)
        detector.coarseThreshold = 0.5
        detector.coarseMinimumWidth = 50
        #expect(detector.detect(frame).isEmpty)
        detector.coarseMinimumWidth = 40
        detector.runsCoarsePass = false
        #expect(detector.detect(frame).isEmpty)
        // The recogniser's option drives it.
        let recognizer = PlateRecognizer(detector: detector, ocr: try PlateOCR(network: SyntheticModels.ocr().load()))
        recognizer.options.coarsePass = true
        _ = try recognizer.recognize(frame)
        #expect(detector.runsCoarsePass)
    }

    @Test("the coarse input shrunk from the main input equals letterboxing the frame directly")
    func coarseInputFromMainInput() throws {
        let detector = try PlateDetector(network: SyntheticModels.detector().load())
        detector.coarseInput = (32, 48)
        let coarse = try #require(detector.coarseNetwork())
        var random = SeededRandom(seed: 5)
        // 192×128 into 64×96 (half) and 32×48 (quarter): averaging 2×2 blocks of 2×2 block
        // averages is averaging 4×4 blocks, so both routes give the same input.
        let frame = try RGBImage(width: 192, height: 128, pixels: (0 ..< 192 * 128 * 3).map { _ in UInt8.random(in: 0 ... 255, using: &random) })
        let direct = detector.prepareInput(frame, network: coarse)
        let expected = coarse.withInput { Array($0) }
        _ = detector.prepareInput(frame, network: detector.network)
        coarse.withInput { $0.update(repeating: .nan) }
        let shrunk = detector.prepareInput(frame, network: coarse, from: detector.network)
        #expect(shrunk == direct)
        #expect(allClose(coarse.withInput { Array($0) }, expected))

        // A 150×100 frame: 96×64 main and 48×32 coarse content, a ratio that is not whole;
        // the routes differ only by resampling twice.
        let smooth = try RGBImage(width: 150, height: 100, pixels: (0 ..< 150 * 100).flatMap { i -> [UInt8] in
            let x = i % 150, y = i / 150
            return [UInt8(x * 255 / 149), UInt8(y * 255 / 99), UInt8((x + y) * 255 / 248)]
        })
        _ = detector.prepareInput(smooth, network: coarse)
        let smoothExpected = coarse.withInput { Array($0) }
        _ = detector.prepareInput(smooth, network: detector.network)
        _ = detector.prepareInput(smooth, network: coarse, from: detector.network)
        #expect(allClose(coarse.withInput { Array($0) }, smoothExpected, tolerance: 0.05))
    }

    @Test("a frame k times the input's size is letterboxed as k×k block means, normalised, grey below",
          arguments: [2, 3, 4, 5])
    func blockLetterbox(k: Int) throws {
        let detector = try PlateDetector(network: SyntheticModels.detector().load())
        let network = detector.network  // input 3x64x96
        var random = SeededRandom(seed: 6)
        // (96k)x(50k): 96x50 of content (exactly 1/k), 14 rows of padding.
        let (width, height) = (96 * k, 50 * k)
        let frame = try RGBImage(width: width, height: height, pixels: (0 ..< width * height * 3).map { _ in UInt8.random(in: 0 ... 255, using: &random) })
        network.withInput { $0.update(repeating: .nan) }
        let scale = detector.prepareInput(frame, network: network)
        #expect(scale == (1 / Double(k), 1 / Double(k)))
        let actual = network.withInput { Array($0) }
        // Content 96x50, so every input pixel is the mean of a whole k×k block.
        let expected = referenceLetterbox(frame, fitted: (96, 50), into: network)
        expectClose(actual, expected, tolerance: 1e-5)
    }

    @Test("a frame shrunk by a fraction is letterboxed as area means with fractional edges, normalised, grey below",
          arguments: [(250, 150), (333, 180), (700, 400)])
    func areaLetterbox(width: Int, height: Int) throws {
        let detector = try PlateDetector(network: SyntheticModels.detector().load())
        let network = detector.network, shape = network.inputShape  // 3x64x96
        var random = SeededRandom(seed: UInt64(width))
        let frame = try RGBImage(width: width, height: height, pixels: (0 ..< width * height * 3).map { _ in UInt8.random(in: 0 ... 255, using: &random) })
        network.withInput { $0.update(repeating: .nan) }
        let (scaleX, scaleY) = detector.prepareInput(frame, network: network)
        let fitted = PlateDetector.fittedSize(of: frame, in: shape)
        #expect(abs(scaleX - Double(fitted.width) / Double(width)) < 1e-12 && abs(scaleY - Double(fitted.height) / Double(height)) < 1e-12)
        let actual = network.withInput { Array($0) }
        let expected = referenceLetterbox(frame, fitted: fitted, into: network)
        expectClose(actual, expected, tolerance: 1e-4)
    }

    @Test("the coarse input is the area mean of the main input's content, fractional edges included")
    func coarseInputAreaMean() throws {
        let detector = try PlateDetector(network: SyntheticModels.detector().load())
        detector.coarseInput = (28, 40)
        let coarse = try #require(detector.coarseNetwork()), main = detector.network
        var random = SeededRandom(seed: 8)
        // 250×150 into 96×58 of the 64×96 main input, then 40×24 of the 28×40 coarse one.
        let frame = try RGBImage(width: 250, height: 150, pixels: (0 ..< 250 * 150 * 3).map { _ in UInt8.random(in: 0 ... 255, using: &random) })
        _ = detector.prepareInput(frame, network: main)
        let source = main.withInput { Array($0) }
        coarse.withInput { $0.update(repeating: .nan) }
        let (scaleX, scaleY) = detector.prepareInput(frame, network: coarse, from: main)
        let (from, to) = (PlateDetector.fittedSize(of: frame, in: main.inputShape), PlateDetector.fittedSize(of: frame, in: coarse.inputShape))
        #expect(to.width == 40 && to.height == 24 && from.width == 96 && from.height == 58)
        #expect(scaleX == 40.0 / 250 && scaleY == 24.0 / 150)
        let (shape, mainShape) = (coarse.inputShape, main.inputShape)
        let padding = source[mainShape.planeSize - 1 ..< mainShape.count].enumerated().filter { $0.offset % mainShape.planeSize == 0 }.map(\.element)
        var expected = [Float](repeating: 0, count: shape.count)
        for channel in 0 ..< 3 {
            for y in 0 ..< shape.height {
                for x in 0 ..< shape.width {
                    var value = Double(padding[channel])  // the letterbox grey, as the main input's bottom-right pixel
                    if y < to.height, x < to.width {
                        value = 0
                        for (sy, wy) in areaOverlap(y, of: to.height, total: from.height) {
                            for (sx, wx) in areaOverlap(x, of: to.width, total: from.width) {
                                value += wx * wy * Double(source[(channel * mainShape.height + sy) * mainShape.width + sx])
                            }
                        }
                    }
                    expected[(channel * shape.height + y) * shape.width + x] = Float(value)
                }
            }
        }
        expectClose(coarse.withInput { Array($0) }, expected, tolerance: 1e-4)
    }

    @Test("the synthetic OCR reads the painted text with per-character confidences")
    func syntheticOCR() throws {
        let ocr = try PlateOCR(network: SyntheticModels.ocr().load())
        let image = SyntheticModels.plateImage(steps: SyntheticModels.steps(spelling: "ABC123"))
        let corners = [ImagePoint(x: 36, y: 28), ImagePoint(x: 132, y: 28), ImagePoint(x: 132, y: 60), ImagePoint(x: 36, y: 60)]
        let reading = try ocr.read(image, corners: corners)
        #expect(reading.text == "ABC123")
        #expect(reading.confidence > 0.9)
        #expect(reading.characterConfidences.count == 6)
        #expect(reading.characterConfidences.allSatisfy { $0 > 0.9 })
        #expect(reading.candidates.first == PlateCandidate(text: "ABC123", confidence: reading.confidence))
    }

    @Test("an ambiguous character yields the runner-up as a candidate; formats re-rank only with enough evidence")
    func ambiguousCharacter() throws {
        let ocr = try PlateOCR(network: SyntheticModels.ocr().load())
        var image = SyntheticModels.plateImage(steps: SyntheticModels.steps(spelling: "ABC1A3"))
        // Band 9 holds the fifth character; paint it between '9' (class 10) and 'A' (class 11), nearer 'A'.
        for x in 36 + 9 * 4 ..< 36 + 10 * 4 { for y in 28 ..< 60 { image[x, y].green = 75 } }
        let corners = [ImagePoint(x: 36, y: 28), ImagePoint(x: 132, y: 28), ImagePoint(x: 132, y: 60), ImagePoint(x: 36, y: 60)]
        // Expected frame probabilities from the model's definition.
        let v = Float(75) / 255 * 2 - 1
        let logitA = SyntheticModels.ocrSharpness * (2 * SyntheticModels.level(ofClass: 11) * v - pow(SyntheticModels.level(ofClass: 11), 2))
        let logit9 = SyntheticModels.ocrSharpness * (2 * SyntheticModels.level(ofClass: 10) * v - pow(SyntheticModels.level(ofClass: 10), 2))
        let pA = 1 / (1 + exp(logit9 - logitA))

        let plain = try ocr.read(image, corners: corners, formats: nil)
        #expect(plain.text == "ABC1A3")
        let runnerUp = try #require(plain.candidates.first { $0.text == "ABC193" })
        // Other frames are not perfectly certain, so compare the two readings' shares.
        #expect(abs(plain.confidence / (plain.confidence + runnerUp.confidence) - pA) < 0.01)

        // pA ≈ 0.75: a boost of 2 is not enough to prefer the fitting "ABC193", a boost of 4 is.
        #expect(try ocr.read(image, corners: corners, formats: USPlateFormats(patterns: ["LLLNNN"], boost: 2)).text == "ABC1A3")
        let boosted = try ocr.read(image, corners: corners, formats: USPlateFormats(patterns: ["LLLNNN"], boost: 4))
        #expect(boosted.text == "ABC193")
        #expect(boosted.confidence == runnerUp.confidence)
    }

    @Test("the recogniser loads models from a folder and reads the synthetic plate end to end")
    func recognizerEndToEnd() throws {
        let directory = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        try SyntheticModels.writeDetectorAndOCR(to: directory)
        let recognizer = try PlateRecognizer(modelsDirectory: directory)
        recognizer.options.exposure = nil  // the synthetic OCR reads absolute green levels on a black frame
        recognizer.options.turnedViews = nil  // the synthetic detector fires on a turned view's grey corners
        let image = SyntheticModels.plateImage(steps: SyntheticModels.steps(spelling: "123ABC"))
        let imageURL = directory.appendingPathComponent("frame.png")
        try ImageEncoder.png(image).write(to: imageURL)

        let results = try recognizer.recognize(contentsOf: imageURL)
        try #require(results.count == 1)
        #expect(results[0].text == "123ABC")
        #expect(results[0].box == PlateBox(x: 36, y: 28, width: 96, height: 32))
        #expect(recognizer.lastTiming.plateCount == 1)
        #expect(recognizer.lastTiming.totalMilliseconds >= recognizer.lastTiming.detectionMilliseconds)
        #expect(recognizer.lastTiming.decodeMilliseconds > 0)

        // A frame without the red cell has no plate.
        let empty = SyntheticModels.plateImage(steps: SyntheticModels.steps(spelling: "123ABC"), redSquareAt: (0, 0))
        var blank = empty
        for x in 0 ..< 8 { for y in 0 ..< 8 { blank[x, y].red = 0 } }
        #expect(try recognizer.recognize(blank).isEmpty)

        // A lone character is not a plate, unless minimumCharacters allows it.
        let single = SyntheticModels.plateImage(steps: SyntheticModels.steps(spelling: "7"))
        #expect(try recognizer.recognize(single).isEmpty)
        recognizer.options.minimumCharacters = 1
        #expect(try recognizer.recognize(single).map(\.text) == ["7"])
    }

    @Test("a detection under the threshold is kept only when the OCR reads it surely and long enough")
    func unsureDetections() throws {
        let directory = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        try SyntheticModels.writeDetectorAndOCR(to: directory)
        let recognizer = try SyntheticModels.firstLookRecognizer(directory)
        #expect(recognizer.modelDetectionThreshold == 0.5)
        func frame(_ text: String, red: UInt8) -> RGBImage {
            var image = SyntheticModels.plateImage(steps: SyntheticModels.steps(spelling: text))
            for x in 80 ..< 88 { for y in 40 ..< 48 { image[x, y].red = red } }
            return image
        }
        // The synthetic detector scores sigmoid(40 × red − 20): red 125 gives about 0.40, under
        // the model's 0.5 and over the unsure threshold of 0.2.
        let unsure = frame("123ABC", red: 125)
        let score = try #require(recognizer.detector.detect(unsure).first).score
        #expect(score > 0.35 && score < 0.45)
        #expect(try recognizer.recognize(unsure).map(\.text) == ["123ABC"])
        // Without the second threshold, or with it above the score, nothing is read.
        recognizer.options.unsureDetections = nil
        #expect(try recognizer.recognize(unsure).isEmpty)
        recognizer.options.unsureDetections = .init(threshold: 0.45)
        #expect(try recognizer.recognize(unsure).isEmpty)
        // Too short a text: a sure detection reads it, an unsure one must have four characters.
        recognizer.options.unsureDetections = .init()
        #expect(try recognizer.recognize(frame("12", red: 255)).map(\.text) == ["12"])
        #expect(try recognizer.recognize(frame("12", red: 125)).isEmpty)
        #expect(try recognizer.recognize(frame("1234", red: 125)).map(\.text) == ["1234"])
        // Not sure enough a read: the OCR's confidence must reach minimumConfidence.
        let confidence = try #require(try recognizer.recognize(frame("123ABC", red: 255)).first).confidence
        recognizer.options.unsureDetections = .init(minimumConfidence: min(1, confidence + 0.001))
        #expect(try recognizer.recognize(unsure).isEmpty)
        #expect(try recognizer.recognize(frame("123ABC", red: 255)).count == 1)
        // Too narrow a box: an unsure detection under minimumWidth is not read, a sure one is.
        let width = try #require(recognizer.detector.detect(unsure).first).box.width
        recognizer.options.unsureDetections = .init(minimumWidth: width + 1)
        #expect(try recognizer.recognize(unsure).isEmpty)
        #expect(try recognizer.recognize(frame("123ABC", red: 255)).map(\.text) == ["123ABC"])
        recognizer.options.unsureDetections = .init(minimumWidth: width)
        #expect(try recognizer.recognize(unsure).map(\.text) == ["123ABC"])
        // An explicit detection threshold is the sure one.
        recognizer.options.unsureDetections = .init()
        recognizer.options.detectionThreshold = 0.3
        #expect(recognizer.sureThreshold == 0.3)
        #expect(try recognizer.recognize(frame("12", red: 125)).map(\.text) == ["12"])
    }

    @Test("a read of two or three characters counts only when the OCR is sure of it")
    func shortReads() throws {
        let directory = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        try SyntheticModels.writeDetectorAndOCR(to: directory)
        let recognizer = try SyntheticModels.firstLookRecognizer(directory)
        #expect(recognizer.options.shortReads == .init(maximumCharacters: 3, minimumConfidence: 0.5))
        let three = SyntheticModels.plateImage(steps: SyntheticModels.steps(spelling: "12A"))
        let four = SyntheticModels.plateImage(steps: SyntheticModels.steps(spelling: "12AB"))
        let confidence = try #require(try recognizer.recognize(three).first).confidence
        #expect(confidence >= 0.5)
        // Asked to be surer than the read is, the three characters go; four are not short.
        recognizer.options.shortReads = .init(minimumConfidence: min(1, confidence + 0.001))
        #expect(try recognizer.recognize(three).isEmpty)
        #expect(try recognizer.recognize(four).map(\.text) == ["12AB"])
        recognizer.options.shortReads = .init(maximumCharacters: 4, minimumConfidence: 1.001)
        #expect(try recognizer.recognize(four).isEmpty)
        // Without the check, minimumConfidence alone applies (for a detection the detector is
        // not very sure of: these synthetic ones score 1, so that rule is off here).
        recognizer.options.shortReads = nil
        recognizer.options.confidentDetections = nil
        #expect(try recognizer.recognize(three).map(\.text) == ["12A"])
        recognizer.options.minimumConfidence = min(1, confidence + 0.001)
        #expect(try recognizer.recognize(three).isEmpty)
    }

    @Test("a plate the detector is very sure of is kept when the OCR is unsure of its text")
    func confidentDetections() throws {
        #expect(PlateRecognizer.ConfidentDetections() == .init(minimumScore: 0.7, minimumConfidence: 0.01))
        let directory = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        try SyntheticModels.writeDetectorAndOCR(to: directory)
        let recognizer = try SyntheticModels.firstLookRecognizer(directory)
        let plate = SyntheticModels.plateImage(steps: SyntheticModels.steps(spelling: "12ABC"))
        let read = try #require(try recognizer.recognize(plate).first)
        #expect(read.text == "12ABC")
        let score = read.detectionScore
        #expect(score > 0)
        // Held to more than any read can be sure of, the plate goes, unless the detector is
        // sure enough of it and the read sure enough for that.
        recognizer.options.minimumConfidence = 1.001
        recognizer.options.confidentDetections = nil
        #expect(try recognizer.recognize(plate).isEmpty)
        recognizer.options.confidentDetections = .init(minimumScore: score, minimumConfidence: 0)
        #expect(try recognizer.recognize(plate).map(\.text) == ["12ABC"])
        recognizer.options.confidentDetections = .init(minimumScore: score.nextUp, minimumConfidence: 0)
        #expect(try recognizer.recognize(plate).isEmpty)
        recognizer.options.confidentDetections = .init(minimumScore: score, minimumConfidence: 1.001)
        #expect(try recognizer.recognize(plate).isEmpty)
        // By default a detection of 0.7 or more needs a read of 0.01.
        recognizer.options.confidentDetections = PlateRecognizer.ConfidentDetections()
        #expect(try recognizer.recognize(plate).map(\.text) == (score >= 0.7 ? ["12ABC"] : []))
    }

    @Test("alternatives less probable than the floor are left out; the reading and its other spelling stay")
    func candidateFloor() throws {
        #expect(PlateRecognizer.Options().minimumCandidateConfidence == 0.001)
        let directory = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        try SyntheticModels.writeDetectorAndOCR(to: directory)
        let recognizer = try SyntheticModels.firstLookRecognizer(directory)
        recognizer.options.minimumCandidateConfidence = 0
        let image = SyntheticModels.plateImage(steps: SyntheticModels.steps(spelling: "123ABC"))
        let all = try #require(try recognizer.recognize(image).first)
        let confidences = all.candidates.map(\.confidence)
        try #require(confidences.count >= 3 && confidences[1] < all.confidence && confidences[2] < confidences[1], "\(all.candidates)")
        recognizer.options.minimumCandidateConfidence = (confidences[1] + confidences[2]) / 2
        let kept = try #require(try recognizer.recognize(image).first)
        #expect(kept.text == all.text && kept.confidence == all.confidence)
        #expect(kept.candidates == Array(all.candidates.prefix(2)))
        // A floor above the reading itself still keeps the reading.
        recognizer.options.minimumCandidateConfidence = 1.5
        #expect(try recognizer.recognize(image).first?.candidates == [all.candidates[0]])
    }

    @Test("a read made mostly of I and 1 counts only when the OCR is sure of it")
    func strokeReads() throws {
        let rule = PlateRecognizer.StrokeReads()
        #expect(rule == .init(minimumFraction: 0.5, minimumConfidence: 0.5))
        for text in ["I111", "1I1II1", "II71C", "1WG011", "T111411C", "I1"] { #expect(rule.isMostlyStrokes(text), "\(text)") }
        for text in ["", "12AB", "LIKE7", "ABCDEF", "7LLT77"] { #expect(!rule.isMostlyStrokes(text), "\(text)") }
        #expect(!PlateRecognizer.StrokeReads(minimumFraction: 2.0 / 3).isMostlyStrokes("1WG011"))
        #expect(PlateRecognizer.StrokeReads(minimumFraction: 2.0 / 3).isMostlyStrokes("LII11C"))

        let directory = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        try SyntheticModels.writeDetectorAndOCR(to: directory)
        let recognizer = try SyntheticModels.firstLookRecognizer(directory)
        #expect(recognizer.options.strokeReads == rule)
        let strokes = SyntheticModels.plateImage(steps: SyntheticModels.steps(spelling: "1I1A7"))
        let letters = SyntheticModels.plateImage(steps: SyntheticModels.steps(spelling: "12ABC"))
        let read = try #require(try recognizer.recognize(strokes).first)
        #expect(read.text == "1I1A7")
        let confidence = read.confidence
        #expect(confidence >= 0.5)
        // Asked to be surer than the read is, the strokes go; a read of other characters stays.
        recognizer.options.strokeReads = .init(minimumConfidence: min(1, confidence + 0.001))
        #expect(try recognizer.recognize(strokes).isEmpty)
        #expect(try recognizer.recognize(letters).map(\.text) == ["12ABC"])
        // Three strokes of five are under a fraction of two thirds.
        recognizer.options.strokeReads = .init(minimumFraction: 2.0 / 3, minimumConfidence: 1.001)
        #expect(try recognizer.recognize(strokes).map(\.text) == ["1I1A7"])
        recognizer.options.strokeReads = .init(minimumFraction: 0.6, minimumConfidence: 1.001)
        #expect(try recognizer.recognize(strokes).isEmpty)
        // Without the check, minimumConfidence alone applies.
        recognizer.options.strokeReads = nil
        #expect(try recognizer.recognize(strokes).map(\.text) == ["1I1A7"])
    }

    @Test("every rule a read is held to, checked in one place and in order")
    func whyNotAPlate() {
        let options = PlateRecognizer.Options()
        func why(_ text: String, _ confidence: Float, sure: Bool = true) -> PlateRecognizer.NotAPlate? {
            options.whyNotAPlate(text: text, firstLookConfidence: confidence, sureDetection: sure)
        }
        #expect(why("ABC1234", 0.9) == nil)
        #expect(why("ABC1234", 0.2) == nil)
        #expect(why("", 0.99) == .tooFewCharacters)
        #expect(why("A", 0.99) == .tooFewCharacters)
        #expect(why("ABC1234", 0.199) == .tooUnsure)
        // Short reads: up to three characters need 0.5; four do not.
        #expect(why("12A", 0.49) == .unsureShortRead)
        #expect(why("12A", 0.5) == nil)
        #expect(why("12AB", 0.2) == nil)
        // Stroke reads: half I and 1 needs 0.5; less than half does not.
        #expect(why("1I1A7", 0.49) == .unsureStrokeRead)
        #expect(why("1I1A7", 0.5) == nil)
        #expect(why("1IA1C7", 0.2) == .unsureStrokeRead)
        #expect(why("1IABC7", 0.2) == nil)
        // A short stroke read is reported as short: the checks run in order.
        #expect(why("I1", 0.3) == .unsureShortRead)
        // Nothing but strokes is never a plate, however sure; the most stroke-heavy real plates are.
        #expect(why("I1I1", 0.99) == .onlyStrokes)
        #expect(why("111", 0.99) == .onlyStrokes)
        #expect(why("1I1II1", 1) == .onlyStrokes)
        #expect(why("T111411C", 0.99) == nil)
        #expect(why("111LS", 0.99) == nil)
        // A detection under the threshold needs a read of four characters at least 0.5 sure.
        #expect(why("ABC1234", 0.49, sure: false) == .unconfirmedDetection)
        #expect(why("ABC1234", 0.5, sure: false) == nil)
        #expect(why("ABC", 0.9, sure: false) == .unconfirmedDetection)
        #expect(why("ABCD", 0.9, sure: false) == nil)
        #expect(options.countsAsPlate(text: "ABCD", firstLookConfidence: 0.9, sureDetection: false))
        #expect(!options.countsAsPlate(text: "ABC", firstLookConfidence: 0.9, sureDetection: false))
        // A detection scoring 0.7 or more needs a read of only 0.01; the other rules still hold.
        func scored(_ text: String, _ confidence: Float, _ score: Float) -> PlateRecognizer.NotAPlate? {
            options.whyNotAPlate(text: text, firstLookConfidence: confidence, sureDetection: true, detectionScore: score)
        }
        #expect(scored("JME4168", 0.05, 0.7) == nil)
        #expect(scored("JME4168", 0.01, 0.95) == nil)
        #expect(scored("JME4168", 0.0099, 0.95) == .tooUnsure)
        #expect(scored("JME4168", 0.05, 0.69) == .tooUnsure)
        #expect(scored("JME4168", 0.2, 0.31) == nil)
        #expect(scored("JME4168", 0.15, 0.31) == .tooUnsure)
        #expect(scored("V48", 0.05, 0.9) == .unsureShortRead)
        #expect(scored("1I1A7", 0.05, 0.9) == .unsureStrokeRead)
        #expect(scored("A", 0.05, 0.9) == .tooFewCharacters)
        #expect(options.countsAsPlate(text: "GD2777", firstLookConfidence: 0.05, sureDetection: true, detectionScore: 0.8))
        #expect(options.minimumConfidence(detectionScore: nil) == 0.2 && options.minimumConfidence(detectionScore: 0.7) == 0.01)
        #expect(options.minimumConfidence(detectionScore: 0.69) == 0.2)
        var plain = options
        plain.confidentDetections = nil
        #expect(plain.whyNotAPlate(text: "JME4168", firstLookConfidence: 0.05, sureDetection: true, detectionScore: 0.99) == .tooUnsure)
        // It never raises the floor: set above minimumConfidence, the lower of the two holds.
        plain.confidentDetections = .init(minimumScore: 0.7, minimumConfidence: 0.5)
        #expect(plain.whyNotAPlate(text: "JME4168", firstLookConfidence: 0.2, sureDetection: true, detectionScore: 0.99) == nil)

        // Each rule switched off lets through what only it held back.
        var off = options
        off.strokeReads?.dropsOnlyStrokes = false
        #expect(off.whyNotAPlate(text: "I1I1", firstLookConfidence: 0.99, sureDetection: true) == nil)
        #expect(off.whyNotAPlate(text: "I1I1", firstLookConfidence: 0.3, sureDetection: true) == .unsureStrokeRead)
        off.shortReads = nil
        #expect(off.whyNotAPlate(text: "12A", firstLookConfidence: 0.49, sureDetection: true) == nil)
        off.strokeReads = nil
        #expect(off.whyNotAPlate(text: "I1", firstLookConfidence: 0.3, sureDetection: true) == nil)
        #expect(off.whyNotAPlate(text: "1I1A7", firstLookConfidence: 0.2, sureDetection: true) == nil)
        off.unsureDetections = nil
        #expect(off.whyNotAPlate(text: "ABC", firstLookConfidence: 0.2, sureDetection: false) == nil)
        #expect(off.whyNotAPlate(text: "ABC", firstLookConfidence: 0.05, sureDetection: false) == .tooUnsure)
        off.minimumCharacters = 0  // a read always needs one character
        #expect(off.whyNotAPlate(text: "", firstLookConfidence: 0.9, sureDetection: true) == .tooFewCharacters)
        #expect(off.whyNotAPlate(text: "A", firstLookConfidence: 0.9, sureDetection: true) == nil)
    }

    @Test("the training pipeline's mirror of the read rules uses the engine's defaults")
    func pythonMirrorOfTheReadRules() throws {
        let source = try String(contentsOf: GoldenModelTests.packageRoot.appendingPathComponent("training/validate.py"), encoding: .utf8)
        func value(_ name: String) throws -> String {
            let line = try #require(source.split(separator: "\n").first { $0.hasPrefix("\(name) = ") }, "\(name) in validate.py")
            return line.dropFirst(name.count + 3).trimmingCharacters(in: .whitespaces)
        }
        func constant(_ name: String) throws -> Double {
            let text = try value(name)
            return try #require(Double(text), "\(name) = \(text)")
        }
        let options = PlateRecognizer.Options()
        let short = try #require(options.shortReads), strokes = try #require(options.strokeReads)
        #expect(try constant("MIN_READ_CHARACTERS") == Double(options.minimumCharacters))
        #expect(try Float(constant("MIN_READ_CONFIDENCE")) == options.minimumConfidence)
        #expect(try constant("SHORT_READ_CHARACTERS") == Double(short.maximumCharacters))
        #expect(try Float(constant("SHORT_READ_CONFIDENCE")) == short.minimumConfidence)
        #expect(try constant("STROKE_READ_FRACTION") == strokes.minimumFraction)
        #expect(try Float(constant("STROKE_READ_CONFIDENCE")) == strokes.minimumConfidence)
        #expect(try value("DROP_ONLY_STROKES") == (strokes.dropsOnlyStrokes ? "True" : "False"))
        let unsure = try #require(options.unsureDetections)
        #expect(try Float(constant("UNSURE_DETECTION_THRESHOLD")) == unsure.threshold)
        #expect(try Float(constant("UNSURE_READ_CONFIDENCE")) == unsure.minimumConfidence)
        #expect(try constant("UNSURE_READ_CHARACTERS") == Double(unsure.minimumCharacters))
        #expect(try constant("UNSURE_MIN_WIDTH") == unsure.minimumWidth)
        let confident = try #require(options.confidentDetections)
        #expect(try Float(constant("CONFIDENT_DETECTION_SCORE")) == confident.minimumScore)
        #expect(try Float(constant("CONFIDENT_READ_CONFIDENCE")) == confident.minimumConfidence)
        #expect(try constant("PART_OF_PLATE_SHARE") == PlateRecognizer.partOfPlateShare)
        #expect(try constant("BESIDE_LETTERING_HEIGHT_SHARE") == PlateRecognizer.besideLetteringHeightShare)
        #expect(try constant("BESIDE_LETTERING_SPAN_SHARE") == PlateRecognizer.besideLetteringSpanShare)
        #expect(try constant("BESIDE_LETTERING_GAP_SHARE") == PlateRecognizer.besideLetteringGapShare)
        #expect(try constant("SUPPRESSION_IOU") == options.suppressionIoU)
        let tight = try #require(options.tightCrops)
        #expect(try constant("TIGHT_CROP_MAX_SIDE") == Double(tight.maximumSide))
        #expect(try constant("TIGHT_CROP_SCALE") == tight.scale)
        #expect(try constant("TIGHT_CROP_GREY") == Double(tight.grey))
        #expect(try constant("TIGHT_CROP_MIN_FILL") == tight.minimumFill)
        #expect(try constant("TIGHT_CROP_MIN_SHRUNK_SIDE") == Double(tight.minimumShrunkSide))
        #expect(try constant("TIGHT_CROP_MIN_CHARACTERS") == Double(tight.minimumCharacters))
        #expect(tight.shrinksLargerImages, "validate.py shrinks larger images, as the engine's default does")
        let turned = try #require(options.turnedViews)
        #expect(try constant("TURNED_VIEW_MAX_SIDE") == Double(turned.maximumSide))
        #expect(try constant("TURNED_VIEW_MIN_SHRUNK_SIDE") == Double(turned.minimumShrunkSide))
        let degrees = try value("TURNED_VIEW_DEGREES").trimmingCharacters(in: CharacterSet(charactersIn: "()"))
            .split(separator: ",").map { Double($0.trimmingCharacters(in: .whitespaces)) }
        #expect(degrees == turned.degrees.map { Optional($0) })

        // The second look, in training/pipeline.py: `SECOND_LOOK_BELOW, ... = 0.97, ...`.
        let pipeline = try String(contentsOf: GoldenModelTests.packageRoot.appendingPathComponent("training/pipeline.py"), encoding: .utf8)
        let line = try #require(pipeline.split(separator: "\n").first { $0.hasPrefix("SECOND_LOOK_BELOW, ") }, "SECOND_LOOK_* in pipeline.py")
        let sides = line.split(separator: "=").map { $0.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) } }
        try #require(sides.count == 2 && sides[0].count == sides[1].count)
        let values = Dictionary(uniqueKeysWithValues: zip(sides[0], sides[1].map { Double($0) }))
        func secondLook(_ name: String) -> Double? { values[name] ?? nil }
        let look = try #require(options.secondLook)
        #expect(secondLook("SECOND_LOOK_BELOW").map(Float.init) == look.below)
        #expect(secondLook("SECOND_LOOK_OFFSET").map { [$0, -$0] } == look.offsets)
        #expect(secondLook("SECOND_LOOK_WIDTH").map { [$0, -$0] } == look.widths)
        #expect(secondLook("SECOND_LOOK_SHARPEN").map(Float.init) == look.sharpen)
        // The recogniser looks again only at reads it would keep (`atLeast`, set from this).
        #expect(secondLook("SECOND_LOOK_AT_LEAST").map(Float.init) == options.minimumConfidence)

        // Undoing motion blur, in training/pipeline.py: `MOTION_DEBLUR_FROM, ... = 6, ...`.
        let deblurLine = try #require(pipeline.split(separator: "\n").first { $0.hasPrefix("MOTION_DEBLUR_FROM, ") }, "MOTION_DEBLUR_* in pipeline.py")
        let deblurSides = deblurLine.split(separator: "=").map { $0.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) } }
        try #require(deblurSides.count == 2 && deblurSides[0].count == deblurSides[1].count)
        let deblurValues = Dictionary(uniqueKeysWithValues: zip(deblurSides[0], deblurSides[1].map { Double($0) }))
        let deblur = try #require(options.motionDeblur)
        #expect(deblurValues["MOTION_DEBLUR_FROM"] == Double(deblur.minimumLength))
        #expect(deblurValues["MOTION_DEBLUR_MAX"] == Double(deblur.maximumLength))
        #expect(deblurValues["MOTION_DEBLUR_REGULARIZATION"] == deblur.regularization)

        // The serial formats the training labels and the pipeline write a round glyph by, in
        // training/common.py: `ENGINE_FORMATS = ["LLLNNN", ...]`.
        let common = try String(contentsOf: GoldenModelTests.packageRoot.appendingPathComponent("training/common.py"), encoding: .utf8)
        let formatsLine = try #require(common.split(separator: "\n").first { $0.hasPrefix("ENGINE_FORMATS = [") }, "ENGINE_FORMATS in common.py")
        let listed = formatsLine.drop { $0 != "[" }.dropFirst().prefix { $0 != "]" }
            .split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces).trimmingCharacters(in: CharacterSet(charactersIn: "\"'")) }
        #expect(listed == USPlateFormats.standard.patterns)
        #expect(USPlateFormats.standard.zeroOutsideFormats)
    }

    @Test("a detection mostly inside a plate already read is part of that plate")
    func partOfAPlate() {
        let plate = PlateBox(x: 100, y: 100, width: 200, height: 100)
        #expect(PlateRecognizer.isPartOfAPlate(PlateBox(x: 150, y: 120, width: 40, height: 20), plates: [plate]))
        // Exactly half inside counts; less does not.
        #expect(PlateRecognizer.isPartOfAPlate(PlateBox(x: 280, y: 120, width: 40, height: 20), plates: [plate]))
        #expect(!PlateRecognizer.isPartOfAPlate(PlateBox(x: 281, y: 120, width: 40, height: 20), plates: [plate]))
        // A plate beside it, or no plate read yet.
        #expect(!PlateRecognizer.isPartOfAPlate(PlateBox(x: 320, y: 100, width: 200, height: 100), plates: [plate]))
        #expect(!PlateRecognizer.isPartOfAPlate(plate, plates: []))
        // A larger box around a plate is not part of it (it holds the plate, at 1/4 of its area).
        #expect(!PlateRecognizer.isPartOfAPlate(PlateBox(x: 0, y: 50, width: 400, height: 200), plates: [plate]))
    }

    /// A read of `text` at `box`, every character as sure as the whole.
    static func read(_ text: String, _ box: PlateBox, confidence: Float) -> PlateResult {
        PlateResult(text: text, confidence: confidence, characterConfidences: Array(repeating: confidence, count: text.count),
                    box: box, corners: [], candidates: [PlateCandidate(text: text, confidence: confidence)], detectionScore: 0.9)
    }

    @Test("lettering read before its plate goes when the plate is read more surely")
    func letteringReadFirst() {
        let plate = Self.read("FB8A3E", PlateBox(x: 70, y: 235, width: 400, height: 300), confidence: 0.99)
        // The state's name across the plate's top, read first and less surely: lettering.
        let name = Self.read("MISS01Y", PlateBox(x: 230, y: 263, width: 138, height: 69), confidence: 0.11)
        #expect(PlateRecognizer.isLettering(name, on: plate))
        // Read as surely as the plate or more: kept, whichever is lettering.
        #expect(!PlateRecognizer.isLettering(Self.read("MISS01Y", name.box, confidence: 0.99), on: plate))
        // Half of it inside the plate (69 of 138 px across) counts; less is a plate beside it.
        #expect(PlateRecognizer.isLettering(Self.read("ABC123", PlateBox(x: 401, y: 235, width: 138, height: 69), confidence: 0.5), on: plate))
        #expect(!PlateRecognizer.isLettering(Self.read("ABC123", PlateBox(x: 402, y: 235, width: 138, height: 69), confidence: 0.5), on: plate))
        // The larger of the two is never lettering on the smaller.
        #expect(!PlateRecognizer.isLettering(Self.read("FB8A3E", plate.box, confidence: 0.5), on: Self.read("MISS01Y", name.box, confidence: 0.99)))
    }

    @Test("lettering just above or below a plate is dropped when the plate is the surer read")
    func letteringBeside() {
        // A plate 240 x 150 px; lettering beside it may be 90 px tall and 7.5 px away.
        let plate = Self.read("J0518", PlateBox(x: 380, y: 90, width: 240, height: 150), confidence: 0.67)
        // A county's name across the plate's foot, under half of it inside the plate's box.
        let county = Self.read("M0N0NA", PlateBox(x: 480, y: 225, width: 76, height: 48), confidence: 0.4)
        #expect(!PlateRecognizer.isPartOfAPlate(county.box, plates: [plate.box]))
        #expect(PlateRecognizer.isLettering(county, on: plate))
        // A dealer's frame under it, 7.5 px below its edge at most, or over it.
        #expect(PlateRecognizer.isLettering(Self.read("70000", PlateBox(x: 420, y: 247.5, width: 160, height: 90), confidence: 0.6), on: plate))
        #expect(!PlateRecognizer.isLettering(Self.read("70000", PlateBox(x: 420, y: 248, width: 160, height: 90), confidence: 0.6), on: plate))
        #expect(PlateRecognizer.isLettering(Self.read("DEALER", PlateBox(x: 420, y: 42.5, width: 160, height: 40), confidence: 0.6), on: plate))
        // Taller than 0.6 of the plate: another plate, however close.
        #expect(!PlateRecognizer.isLettering(Self.read("ABC123", PlateBox(x: 420, y: 245, width: 100, height: 91), confidence: 0.6), on: plate))
        // Three quarters of its width within the plate's edges counts; less is a plate beside it.
        #expect(PlateRecognizer.isLettering(Self.read("NAME", PlateBox(x: 300, y: 245, width: 320, height: 60), confidence: 0.6), on: plate))
        #expect(!PlateRecognizer.isLettering(Self.read("NAME", PlateBox(x: 299, y: 245, width: 320, height: 60), confidence: 0.6), on: plate))
        // A plate level with it, to its side: not lettering.
        #expect(!PlateRecognizer.isLettering(Self.read("XYZ789", PlateBox(x: 640, y: 120, width: 120, height: 60), confidence: 0.3), on: plate))
        // Read more surely than the plate: both kept.
        #expect(!PlateRecognizer.isLettering(Self.read("M0N0NA", county.box, confidence: 0.9), on: plate))
        // The plate is never lettering on the smaller read.
        #expect(!PlateRecognizer.isLettering(plate, on: Self.read("M0N0NA", county.box, confidence: 0.9)))
    }

    @Test("a pass keeps a plate and drops its lettering, whichever was read first")
    func addingReads() {
        let plate = Self.read("J0518", PlateBox(x: 380, y: 90, width: 240, height: 150), confidence: 0.67)
        let county = Self.read("M0N0NA", PlateBox(x: 480, y: 225, width: 76, height: 48), confidence: 0.4)
        let other = Self.read("KKZ5109", PlateBox(x: 900, y: 300, width: 200, height: 100), confidence: 0.2)
        var plateFirst: [PlateResult] = []
        for read in [plate, other, county] { PlateRecognizer.add(read, to: &plateFirst) }
        #expect(plateFirst.map(\.text) == ["J0518", "KKZ5109"])
        var letteringFirst: [PlateResult] = []
        for read in [county, other, plate] { PlateRecognizer.add(read, to: &letteringFirst) }
        #expect(letteringFirst.map(\.text) == ["KKZ5109", "J0518"])
        // Lettering read more surely than its plate: both are kept.
        var both: [PlateResult] = []
        for read in [plate, Self.read("M0N0NA", county.box, confidence: 0.9)] { PlateRecognizer.add(read, to: &both) }
        #expect(both.count == 2)
    }

    @Test("random-weight models of the documented shapes run and keep every invariant", arguments: [UInt64(1), 2, 3])
    func randomModels(seed: UInt64) throws {
        let detector = try PlateDetector(network: RandomModels.detector(seed: seed).load())
        detector.threshold = 0.3
        let recognizer = PlateRecognizer(detector: detector, ocr: try PlateOCR(network: RandomModels.ocr(seed: seed + 10).load()))
        recognizer.options.minimumConfidence = 0
        var random = SeededRandom(seed: seed)
        let image = try RGBImage(width: 320, height: 200, pixels: (0 ..< 320 * 200 * 3).map { _ in UInt8.random(in: 0 ... 255, using: &random) })
        let results = try recognizer.recognize(image)
        #expect(results.count <= recognizer.options.maximumPlates)
        for result in results {
            #expect(result.corners.count == 4)
            #expect(result.box.x >= 0 && result.box.y >= 0 && result.box.x + result.box.width <= 320 && result.box.y + result.box.height <= 200)
            #expect(result.confidence >= 0 && result.confidence <= 1)
            #expect(result.characterConfidences.count == result.text.count)
            #expect(result.text.allSatisfy { SyntheticModels.alphabet.contains($0) })
            #expect(result.candidates.first?.text == result.text)
            #expect(result.candidates.count <= 5)
        }
        // Same frame, same answer: no state leaks between calls.
        #expect(try recognizer.recognize(image) == results)
    }

    @Test("models folder: explicit path, then ALPR_MODELS, then ./Models, then beside the executable")
    func modelsDirectory() {
        func resolve(_ explicit: String?, _ environment: [String: String], executable: String? = nil,
                     holding: Set<String> = []) -> String {
            ModelsDirectory.resolve(explicit: explicit, environment: environment, currentDirectory: "/w",
                                    executable: executable.map { URL(fileURLWithPath: $0) },
                                    holdsModels: { holding.contains($0.path) }).path
        }
        #expect(resolve("/opt/m", ["ALPR_MODELS": "/env"]) == "/opt/m")
        #expect(resolve(nil, ["ALPR_MODELS": "/env"]) == "/env")
        #expect(resolve(nil, [:]) == "/w/Models")
        #expect(resolve("rel", [:]) == "/w/rel")
        // The working directory's Models wins over the executable's when it holds the models.
        let checkout = "/src/alpr/Models"
        #expect(resolve(nil, [:], executable: "/src/alpr/.build/release/alpr", holding: ["/w/Models", checkout]) == "/w/Models")
        // A build inside a checkout finds the checkout's Models from any working directory.
        #expect(resolve(nil, [:], executable: "/src/alpr/.build/release/alpr", holding: [checkout]) == checkout)
        #expect(resolve(nil, [:], executable: "/src/alpr/.build/x86_64-unknown-linux-gnu/release/alpr", holding: [checkout]) == checkout)
        // An installed executable finds PREFIX/share/alpr/Models.
        #expect(resolve(nil, [:], executable: "/usr/local/bin/alpr", holding: ["/usr/local/share/alpr/Models"]) == "/usr/local/share/alpr/Models")
        // Explicit choices are never second-guessed, and nothing found means ./Models, which loading names.
        #expect(resolve(nil, ["ALPR_MODELS": "/env"], executable: "/src/alpr/.build/release/alpr", holding: [checkout]) == "/env")
        #expect(resolve(nil, [:], executable: "/src/alpr/.build/release/alpr") == "/w/Models")
        // Too far above the executable is not searched.
        #expect(resolve(nil, [:], executable: "/a/b/c/d/e/f/alpr", holding: ["/a/Models"]) == "/w/Models")
        #expect(resolve(nil, [:], executable: "/a/b/c/d/e/f/alpr", holding: ["/a/b/Models"]) == "/a/b/Models")
        // The real executable (the test runner) resolves to an existing file.
        if let running = ModelsDirectory.runningExecutable() {
            #expect(FileManager.default.fileExists(atPath: running.path))
        }
    }

    /// The plates the engine's defaults read in `image` and the recogniser that read them,
    /// once it is checked that with `without` applied to the defaults nothing is found (`why`).
    private func readOnlyWith(_ image: RGBImage, _ why: Comment, without: (inout PlateRecognizer.Options) -> Void) throws
        -> (plates: [PlateResult], recognizer: PlateRecognizer) {
        var options = PlateRecognizer.Options()
        without(&options)
        #expect(try PlateRecognizer(modelsDirectory: GoldenModelTests.modelsDirectory, options: options).recognize(image).isEmpty, why)
        let recognizer = try PlateRecognizer(modelsDirectory: GoldenModelTests.modelsDirectory)
        return (try recognizer.recognize(image), recognizer)
    }

    @Test("a plate cut out tight, which the detector finds nothing in, is read on a grey canvas and moved back")
    func tightCrop() throws {
        // A light-on-dark plate rendered by training/synth and cut at its edges (240x120).
        let image = try ImageDecoder.decode(contentsOf: GoldenModelTests.fixtures.appendingPathComponent("tight-crop-408IHA.png"))
        let (plates, recognizer) = try readOnlyWith(image, "read as it is, the crop gives the detector nothing") { $0.tightCrops = nil }
        try #require(plates.count == 1)
        #expect(plates[0].text == "408IHA")
        #expect(plates[0].confidence > 0.9)
        #expect(plates[0].box.width >= 0.85 * 240 && plates[0].box.x >= 0 && plates[0].box.y >= 0
                && plates[0].box.x + plates[0].box.width <= 240 && plates[0].box.y + plates[0].box.height <= 120, "\(plates[0].box)")
        #expect(plates[0].corners.allSatisfy { (0 ... 240).contains($0.x) && (0 ... 120).contains($0.y) })
        #expect(recognizer.lastTiming.plateCount == 1 && recognizer.lastTiming.totalMilliseconds > 0)
        // The canvas is reused: the same image reads the same a second time.
        #expect(try recognizer.recognize(image) == plates)
        // A plate-free image is read again (as a tight crop, then turned) and still gives nothing.
        let frame = RGBImage(width: 320, height: 180, red: 128, green: 128, blue: 128)
        #expect(try recognizer.recognize(frame).isEmpty)
    }

    @Test("a larger tight crop is shrunk by a whole factor, read on the canvas and scaled back")
    func largeTightCrop() throws {
        let small = try ImageDecoder.decode(contentsOf: GoldenModelTests.fixtures.appendingPathComponent("tight-crop-408IHA.png"))
        let image = try small.resized(width: 1280, height: 640)  // as a crop cut from a 12-megapixel photo
        let (plates, recognizer) = try readOnlyWith(image, "read as it is, the large crop gives the detector nothing") {
            $0.tightCrops?.shrinksLargerImages = false
        }
        try #require(plates.count == 1)
        #expect(plates[0].text == "408IHA")
        #expect(plates[0].box.width >= 0.85 * 1280 && plates[0].box.x + plates[0].box.width <= 1280
                && plates[0].box.y + plates[0].box.height <= 640 && plates[0].box.height > 320, "\(plates[0].box)")
        #expect(plates[0].corners.allSatisfy { (0 ... 1280).contains($0.x) && (0 ... 640).contains($0.y) })
        // The plate read at 640x320 lies where the small crop's plate does, scaled by 1280 / 240.
        let direct = try recognizer.recognize(small)
        try #require(direct.count == 1)
        let scale = 1280.0 / 240
        #expect(abs(plates[0].box.x - direct[0].box.x * scale) < 0.05 * 1280 && abs(plates[0].box.width - direct[0].box.width * scale) < 0.05 * 1280,
                "\(plates[0].box) against \(direct[0].box) scaled")
    }

    @Test("a plate at a slant that the level pass misses is read on a turned view and turned back")
    func turnedView() throws {
        // The fixture plate, level in the middle of a 640x480 photo of mottled grey, then the
        // photo turned 38° clockwise.
        let plate = try ImageDecoder.decode(contentsOf: GoldenModelTests.fixtures.appendingPathComponent("tight-crop-408IHA.png"))
        var random = SeededRandom(seed: 5)
        var level = try RGBImage(width: 640, height: 480, pixels: (0 ..< 640 * 480).flatMap { index -> [UInt8] in
            let value = UInt8(90 + (index / 640 / 16 + index % 640 / 16) % 3 * 20 + Int.random(in: 0 ... 8, using: &random))
            return [value, value, value]
        })
        level.paste(plate, x: 200, y: 180)
        let slanted = try level.turned(by: 38)

        let (plates, recognizer) = try readOnlyWith(slanted, "at 38° the level pass finds nothing") { $0.turnedViews = nil }
        try #require(plates.count == 1)
        #expect(plates[0].text == "408IHA")
        // Turned back: the corners lie where the plate's own corners went, within a few pixels.
        let truth = [ImagePoint(x: 200, y: 180), ImagePoint(x: 440, y: 180), ImagePoint(x: 440, y: 300), ImagePoint(x: 200, y: 300)].map {
            let (cx, cy, angle) = (320.0, 240.0, 38.0 * .pi / 180)
            return ImagePoint(x: cx + ($0.x - cx) * cos(angle) - ($0.y - cy) * sin(angle), y: cy + ($0.x - cx) * sin(angle) + ($0.y - cy) * cos(angle))
        }
        for (found, expected) in zip(plates[0].corners, truth) {
            #expect(abs(found.x - expected.x) < 15 && abs(found.y - expected.y) < 15, "\(plates[0].corners) against \(truth)")
        }
        #expect(recognizer.lastTiming.plateCount == 1)
    }

    @Test("turned views shrink an image over 1280 px by a whole factor, and leave too thin a one alone")
    func turnedViewShrinkFactor() throws {
        let turned = PlateRecognizer.TurnedViews()
        #expect(turned.shrinkFactor(width: 640, height: 480) == 1)
        #expect(turned.shrinkFactor(width: 1280, height: 720) == 1)
        #expect(turned.shrinkFactor(width: 1920, height: 1080) == 2)
        #expect(turned.shrinkFactor(width: 4032, height: 3024) == 4)
        #expect(turned.shrinkFactor(width: 8192, height: 3) == nil)
        #expect(turned.shrinkFactor(width: 3, height: 5) == 1, "a tiny image is turned as it is")
        // Such an image is read through every pass, not refused (small networks of the real
        // layer kinds: the sizes are the point, not the plates).
        let directory = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        try SyntheticModels.writeDetectorAndOCR(to: directory)
        let recognizer = try PlateRecognizer(modelsDirectory: directory)
        #expect(recognizer.options.turnedViews == turned && recognizer.options.tightCrops != nil)
        for (width, height) in [(8192, 3), (1, 1), (2, 900), (1025, 17), (3000, 40), (17, 2600)] {
            #expect(throws: Never.self, "\(width)x\(height)") {
                try recognizer.recognize(RGBImage(width: width, height: height, red: 90, green: 120, blue: 150))
            }
        }
    }

    @Test("the tight-crop shrink factor brings the longer side to 1024 or under, and thin images are not read again")
    func tightCropShrinkFactor() {
        let tight = PlateRecognizer.TightCrops()
        #expect(tight.shrinkFactor(width: 240, height: 120) == 1)
        #expect(tight.shrinkFactor(width: 1024, height: 768) == 1)
        #expect(tight.shrinkFactor(width: 1025, height: 500) == 2)
        #expect(tight.shrinkFactor(width: 1280, height: 720) == 2)
        #expect(tight.shrinkFactor(width: 2048, height: 1024) == 2)
        #expect(tight.shrinkFactor(width: 3000, height: 4000) == 4)
        #expect(tight.shrinkFactor(width: 3000, height: 47) == nil, "15 px high once shrunk")
        #expect(tight.shrinkFactor(width: 3000, height: 48) == 3)
        var smallOnly = tight
        smallOnly.shrinksLargerImages = false
        #expect(smallOnly.shrinkFactor(width: 1024, height: 100) == 1)
        #expect(smallOnly.shrinkFactor(width: 1280, height: 720) == nil && !smallOnly.applies(width: 1280, height: 720))
    }

    @Test("the tight-crop canvas centres the image on grey, and plates move back clipped to it")
    func tightCropCanvas() throws {
        let tight = PlateRecognizer.TightCrops()
        var generator = SystemRandomNumberGenerator()
        var buffer: RGBImage?
        for (width, height) in [(240, 120), (31, 17), (640, 480), (100, 300)] {
            let pixels = (0 ..< width * height * 3).map { _ in UInt8.random(in: 0 ... 255, using: &generator) }
            let image = try RGBImage(width: width, height: height, pixels: pixels)
            for _ in 0 ..< 2 {  // the second time through the reused buffer
                let padded = tight.padded(image, into: &buffer)
                let canvas = padded.image
                #expect(canvas.width == max(width + 2, Int((Double(width) * 2.5).rounded())))
                #expect(canvas.height >= canvas.width * 3 / 4 && canvas.height >= height + 2)
                #expect(padded.x == (canvas.width - width) / 2 && padded.y == (canvas.height - height) / 2)
                for y in [0, height / 2, height - 1] {
                    for x in [0, width / 2, width - 1] {
                        #expect(canvas[x + padded.x, y + padded.y] == image[x, y])
                    }
                }
                #expect(canvas[0, 0] == (128, 128, 128) && canvas[canvas.width - 1, canvas.height - 1] == (128, 128, 128))
                #expect(canvas[padded.x - 1, padded.y] == (128, 128, 128) && canvas[padded.x + width, padded.y + height - 1] == (128, 128, 128))
                buffer = canvas
            }
        }
        // Moved back by the offset and clipped; a plate not spanning 85 % of the width is dropped.
        let plate = PlateResult(text: "ABC123", confidence: 0.9, characterConfidences: Array(repeating: 0.9, count: 6),
                                box: PlateBox(x: 95, y: 40, width: 260, height: 100),
                                corners: [ImagePoint(x: 95, y: 40), ImagePoint(x: 355, y: 45), ImagePoint(x: 350, y: 140), ImagePoint(x: 98, y: 135)],
                                candidates: [PlateCandidate(text: "ABC123", confidence: 0.9)], detectionScore: 0.8)
        let moved = try #require(tight.movedBack(plate, x: 100, y: 50, width: 240, height: 120))
        #expect(moved.corners == [ImagePoint(x: 0, y: 0), ImagePoint(x: 240, y: 0), ImagePoint(x: 240, y: 90), ImagePoint(x: 0, y: 85)])
        #expect(moved.box == PlateBox(x: 0, y: 0, width: 240, height: 90))
        #expect(moved.text == "ABC123" && moved.candidates == plate.candidates)
        var narrow = plate
        narrow.corners = [ImagePoint(x: 150, y: 60), ImagePoint(x: 250, y: 60), ImagePoint(x: 250, y: 100), ImagePoint(x: 150, y: 100)]
        #expect(tight.movedBack(narrow, x: 100, y: 50, width: 240, height: 120) == nil, "a sign on a small photo, not a tight crop")
        var short = plate
        short.text = "CXX"
        #expect(tight.movedBack(short, x: 100, y: 50, width: 240, height: 120) == nil, "fewer characters than a US serial")
        // From a shrunk image: clipped to the shrunk size, then scaled by the factor.
        let scaled = try #require(tight.movedBack(plate, x: 100, y: 50, width: 240, height: 120, factor: 3))
        #expect(scaled.corners == [ImagePoint(x: 0, y: 0), ImagePoint(x: 720, y: 0), ImagePoint(x: 720, y: 270), ImagePoint(x: 0, y: 255)])
        #expect(scaled.box == PlateBox(x: 0, y: 0, width: 720, height: 270))
        #expect(tight.movedBack(narrow, x: 100, y: 50, width: 240, height: 120, factor: 3) == nil)
    }

    @Test("models of the wrong kind are refused with a reason")
    func wrongModels() throws {
        #expect(throws: VisionError.self) { try PlateDetector(network: SyntheticModels.ocr().load()) }
        #expect(throws: VisionError.self) { try PlateOCR(network: SyntheticModels.detector().load()) }
        #expect(throws: VisionError.self) { try PlateRecognizer(modelsDirectory: URL(fileURLWithPath: "/nonexistent")) }
    }
}

/// The source cells that destination cell `cell` of `count` covers when `total` source cells
/// are shrunk into `count` (area resampling), with the share of the cell each covers.
private func areaOverlap(_ cell: Int, of count: Int, total: Int) -> [(Int, Double)] {
    let step = Double(total) / Double(count)
    let (start, end) = (Double(cell) * step, min(Double(cell + 1) * step, Double(total)))
    return (Int(start) ..< min(Int(end.rounded(.up)), total)).compactMap { s in
        let covered = min(end, Double(s + 1)) - max(start, Double(s))
        return covered > 1e-9 ? (s, covered / (end - start)) : nil
    }
}

/// The detector input for `frame` letterboxed top-left into `network` with `fitted` content:
/// each content pixel the mean of the frame area it covers (partly covered pixels weighted by
/// their overlap), normalised; the rest letterbox grey (114). Computed in Double.
private func referenceLetterbox(_ frame: RGBImage, fitted: (width: Int, height: Int), into network: Network) -> [Float] {
    let shape = network.inputShape
    let (mean, std) = (network.graph.input.mean, network.graph.input.std)
    var expected = [Float](repeating: 0, count: shape.count)
    for channel in 0 ..< 3 {
        for y in 0 ..< shape.height {
            for x in 0 ..< shape.width {
                var value = 114.0  // letterbox grey
                if y < fitted.height, x < fitted.width {
                    value = 0
                    for (sy, wy) in areaOverlap(y, of: fitted.height, total: frame.height) {
                        for (sx, wx) in areaOverlap(x, of: fitted.width, total: frame.width) {
                            value += wx * wy * Double(frame.pixels[(sy * frame.width + sx) * 3 + channel])
                        }
                    }
                }
                let normalised = (value / 255 - Double(mean[channel])) / Double(std[channel])
                expected[(channel * shape.height + y) * shape.width + x] = Float(normalised)
            }
        }
    }
    return expected
}

@Suite("Second look floor")
struct SecondLookFloorTests {
    @Test("a second look is spent only on reads that can still count as a plate")
    func floor() throws {
        let recognizer = PlateRecognizer(detector: try PlateDetector(network: SyntheticModels.detector().load()),
                                         ocr: try PlateOCR(network: SyntheticModels.ocr().load()))
        let options = recognizer.options
        let unsure = try #require(options.unsureDetections)
        let sureFloor = recognizer.secondLookFloor(sureDetection: true)
        let unsureFloor = recognizer.secondLookFloor(sureDetection: false)
        #expect(sureFloor == options.minimumConfidence)
        #expect(unsureFloor == max(options.minimumConfidence, unsure.minimumConfidence))
        #expect(unsureFloor > sureFloor)
        // Under the floor a read is dropped whatever text a second look would choose.
        for text in ["ABC1234", "7ABC123", "T123456C", "AB1", "ABCDEFGH"] {
            #expect(!options.countsAsPlate(text: text, firstLookConfidence: sureFloor.nextDown, sureDetection: true), "\(text)")
            #expect(!options.countsAsPlate(text: text, firstLookConfidence: unsureFloor.nextDown, sureDetection: false), "\(text)")
        }
        // At the floor a plate-like text still counts, so the floor is not too high.
        #expect(options.countsAsPlate(text: "ABC1234", firstLookConfidence: unsureFloor, sureDetection: false))
        recognizer.options.unsureDetections = nil
        #expect(recognizer.secondLookFloor(sureDetection: false) == options.minimumConfidence)
    }
}
