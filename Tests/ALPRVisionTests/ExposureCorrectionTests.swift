import Foundation
import Testing
@testable import ALPRVision

@Suite("Exposure correction of dark frames")
struct ExposureCorrectionTests {
    /// A random frame whose channel values lie in `range`.
    static func frame(width: Int, height: Int, range: ClosedRange<UInt8>, seed: UInt64) throws -> RGBImage {
        var random = SeededRandom(seed: seed)
        return try RGBImage(width: width, height: height,
                            pixels: (0 ..< width * height * 3).map { _ in UInt8.random(in: range, using: &random) })
    }

    /// Plain reference: sort the rounded channel means of the sampled pixels and take the one
    /// at the percentile's rank.
    static func referenceGain(_ image: RGBImage, _ correction: ExposureCorrection) -> Double {
        var levels: [Int] = []
        for y in Swift.stride(from: 0, to: image.height, by: correction.sampleStep) {
            for x in Swift.stride(from: 0, to: image.width, by: correction.sampleStep) {
                let (r, g, b) = image[x, y]
                levels.append(Int((Double(Int(r) + Int(g) + Int(b)) / 3).rounded()))
            }
        }
        levels.sort()
        let rank = Int((Double(levels.count) * correction.percentile).rounded(.up)) - 1
        let level = levels[max(rank, 0)]
        return Double(level) >= correction.targetHighlight ? 1 : min(correction.targetHighlight / Double(max(level, 1)), correction.maximumGain)
    }

    @Test("the gain lifts the frame's highlights to the target, matching a sorting reference", arguments: [UInt64(1), 2, 3, 4])
    func gainMatchesReference(seed: UInt64) throws {
        let correction = ExposureCorrection()
        var random = SeededRandom(seed: seed)
        let top = UInt8.random(in: 20 ... 250, using: &random)
        let image = try Self.frame(width: 97 + Int(seed), height: 61, range: 0 ... top, seed: seed)
        let gain = correction.gain(for: image)
        #expect(abs(gain - Self.referenceGain(image, correction)) < 1e-12)
        #expect(gain >= 1 && gain <= correction.maximumGain)
    }

    @Test("bright frames get no gain, black ones the largest, and a target above every level always applies")
    func limits() throws {
        let correction = ExposureCorrection()
        #expect(correction.gain(for: try Self.frame(width: 64, height: 48, range: 170 ... 255, seed: 5)) == 1)
        #expect(correction.gain(for: RGBImage(width: 64, height: 48)) == correction.maximumGain)
        var everything = correction
        everything.targetHighlight = 256
        everything.maximumGain = 100
        let grey = RGBImage(width: 16, height: 16, red: 128, green: 128, blue: 128)
        #expect(everything.gain(for: grey) == 2)
    }

    @Test("applying the gain scales every channel value, rounded and clipped at 255")
    func applyMatchesReference() throws {
        let image = try Self.frame(width: 33, height: 21, range: 0 ... 255, seed: 9)
        var buffer: RGBImage?
        for gain in [1.37, 2.5, 4.0] {
            let corrected = ExposureCorrection.apply(gain: gain, to: image, into: &buffer)
            #expect(corrected.width == image.width && corrected.height == image.height)
            #expect(corrected.pixels == image.pixels.map { UInt8(min((Double($0) * gain).rounded(), 255)) })
            #expect(buffer == corrected)
        }
        // A frame of another size replaces the buffer.
        let small = RGBImage(width: 4, height: 2, red: 10, green: 20, blue: 30)
        let corrected = ExposureCorrection.apply(gain: 2, to: small, into: &buffer)
        #expect(corrected == RGBImage(width: 4, height: 2, red: 20, green: 40, blue: 60))
    }

    @Test("single-precision scaling is used only where it gives the Double table's values, and both paths match it")
    func applyPaths() throws {
        let image = try Self.frame(width: 67, height: 13, range: 0 ... 255, seed: 12)  // 2,613 bytes: a ragged tail
        // Gains spread over 1-4, and the first few where single precision rounds a value
        // differently (about one gain in 2,000), so both paths run.
        var arithmetic: [Double] = [], table: [Double] = []
        var k = 0
        while table.count < 3 || arithmetic.count < 50 {
            let gain = 1 + Double(k) * 3 / 100_003
            let exact = ExposureCorrection.scaleTable(gain: gain)
            if ExposureCorrection.singlePrecisionMatches(exact, scale: Float(gain)) {
                if arithmetic.count < 50, k % 37 == 0 { arithmetic.append(gain) }
            } else {
                table.append(gain)
            }
            k += 1
            try #require(k < 100_003, "no gain where single precision differs")
        }
        var buffer: RGBImage?
        for gain in arithmetic + table {
            let corrected = ExposureCorrection.apply(gain: gain, to: image, into: &buffer)
            #expect(corrected.pixels == image.pixels.map { UInt8(min((Double($0) * gain).rounded(), 255)) }, "gain \(gain)")
        }
    }

    @Test("the OCR lifts a dark input by its own gain: the same reading as from a brightened frame")
    func ocrCorrectsItsInput() throws {
        let ocr = try PlateOCR(network: RandomModels.ocr(seed: 21).load())
        var correction = ExposureCorrection()
        correction.maximumGain = 2  // every input level below 80: the gain is exactly 2
        let dark = try Self.frame(width: 120, height: 60, range: 0 ... 40, seed: 21)
        let corners = [ImagePoint(x: 10.3, y: 12), ImagePoint(x: 101, y: 9.5), ImagePoint(x: 104, y: 47), ImagePoint(x: 12, y: 50.2)]
        ocr.exposure = correction
        let corrected = try ocr.read(dark, corners: corners)
        #expect(ocr.lastExposureGain == 2)
        // Doubling is exact in floating point, so the sampled luma of the doubled frame is the
        // doubled luma of the dark one.
        let doubled = try RGBImage(width: dark.width, height: dark.height, pixels: dark.pixels.map { $0 * 2 })
        ocr.exposure = nil
        #expect(try ocr.read(doubled, corners: corners) == corrected)
        #expect(ocr.lastExposureGain == 1)
        #expect(try ocr.read(dark, corners: corners) != corrected)

        let bright = try Self.frame(width: 120, height: 60, range: 170 ... 255, seed: 22)
        let asIs = try ocr.read(bright, corners: corners)
        ocr.exposure = correction
        #expect(try ocr.read(bright, corners: corners) == asIs)
        #expect(ocr.lastExposureGain == 1)
    }

    @Test("the recogniser detects on the lifted frame and reads each plate from the frame as it came")
    func recognizerWiring() throws {
        let detector = try PlateDetector(network: RandomModels.detector(seed: 4).load())
        detector.threshold = 0.3
        let ocr = try PlateOCR(network: RandomModels.ocr(seed: 14).load())
        let recognizer = PlateRecognizer(detector: detector, ocr: ocr)
        recognizer.options.minimumConfidence = 0
        recognizer.options.minimumCharacters = 1
        recognizer.options.shortReads = nil  // the random OCR reads one letter: keep every read, as below
        recognizer.options.strokeReads = nil
        recognizer.options.unsureDetections = nil  // every detection at the threshold is read, as below
        let dark = try Self.frame(width: 320, height: 200, range: 0 ... 60, seed: 4)
        let correction = try #require(recognizer.options.exposure)
        let gain = correction.gain(for: dark)
        #expect(gain > 2)
        let results = try recognizer.recognize(dark)
        #expect(recognizer.lastExposureGain == gain)
        #expect(ocr.exposure == correction)

        var none: RGBImage?
        let lit = ExposureCorrection.apply(gain: gain, to: dark, into: &none)
        let detections = detector.detect(lit)
        #expect(!detections.isEmpty)
        var expected: [PlateResult] = []
        for detection in detections where !PlateRecognizer.isPartOfAPlate(detection.box, plates: expected.map(\.box)) {
            let reading = try ocr.read(dark, corners: detection.corners, candidateCount: 5, formats: .standard)
            guard !reading.text.isEmpty else { continue }
            let plate = PlateResult(text: reading.text, confidence: reading.confidence,
                                    characterConfidences: reading.characterConfidences, box: detection.box,
                                    corners: detection.corners, candidates: reading.candidates, detectionScore: detection.score)
            PlateRecognizer.add(plate, to: &expected)
        }
        #expect(results == expected)

        recognizer.options.exposure = nil
        _ = try recognizer.recognize(dark)
        #expect(recognizer.lastExposureGain == 1)
        #expect(ocr.exposure == nil)
    }
}
