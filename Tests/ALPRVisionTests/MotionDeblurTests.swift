import Foundation
import Testing
@testable import ALPRVision

@Suite("Undoing horizontal motion blur")
struct MotionDeblurTests {
    /// A plate-like plane: dark glyph-like marks on a light ground, pixel values 0-255. Cells
    /// 9-14 px wide side by side, each with one or two vertical strokes 2-4 px wide over part of
    /// the height and one or two horizontal bars across the cell, and a little noise per pixel.
    static func strokes(width: Int, height: Int, seed: UInt64) -> [Float] {
        var random = SeededRandom(seed: seed)
        var plane = [Float](repeating: 200, count: width * height)
        func mark(_ x0: Int, _ x1: Int, _ y0: Int, _ y1: Int) {
            for y in 0 ..< height where y >= y0 && y < y1 {
                for x in 0 ..< width where x >= x0 && x < x1 { plane[y * width + x] = 40 }
            }
        }
        var x = Int.random(in: 2 ... 6, using: &random)
        while x < width - 4 {
            let cell = Int.random(in: 9 ... 14, using: &random)
            for _ in 0 ..< Int.random(in: 1 ... 2, using: &random) {
                let left = x + Int.random(in: 0 ... cell - 4, using: &random), top = Int.random(in: 0 ... height / 3, using: &random)
                mark(left, left + Int.random(in: 2 ... 4, using: &random), top, top + Int.random(in: height / 3 ... height, using: &random))
            }
            for _ in 0 ..< Int.random(in: 1 ... 2, using: &random) {
                let top = Int.random(in: 0 ... height - 3, using: &random)
                mark(x, x + cell - 2, top, top + Int.random(in: 2 ... 4, using: &random))
            }
            x += cell + Int.random(in: 1 ... 4, using: &random)
        }
        return plane.map { $0 + Float.random(in: -2 ... 2, using: &random) }
    }

    /// Each row averaged over `length` pixels from `x - length/2`, the ends repeated, written
    /// out plainly.
    static func boxBlur(_ plane: [Float], width: Int, length: Int) -> [Float] {
        var out = plane
        for y in 0 ..< plane.count / width {
            for x in 0 ..< width {
                var total: Float = 0
                for k in 0 ..< length { total += plane[y * width + min(max(x + k - length / 2, 0), width - 1)] }
                out[y * width + x] = total / Float(length)
            }
        }
        return out
    }

    static func estimate(_ plane: [Float], width: Int, maximumLength: Int = 20) -> Int {
        plane.withUnsafeBufferPointer { MotionDeblur.estimatedLength($0, width: width, height: plane.count / width, maximumLength: maximumLength) }
    }

    @Test("the estimate finds the length of a horizontal box blur in 19 plates of 20", arguments: [6, 8, 11, 15, 19])
    func estimatesLength(length: Int) {
        let found = (UInt64(0) ..< 20).map { seed in
            Self.estimate(Self.boxBlur(Self.strokes(width: 128, height: 48, seed: seed), width: 128, length: length), width: 128)
        }
        #expect(found.filter { abs($0 - length) <= 1 }.count >= 19, "blur \(length), estimated \(found)")
    }

    @Test("a sharp plate's strokes estimate shorter than the least blur undone, in 19 plates of 20")
    func sharpPlatesLeftAlone() {
        let found = (UInt64(100) ..< 120).map { Self.estimate(Self.strokes(width: 128, height: 48, seed: $0), width: 128) }
        #expect(found.allSatisfy { $0 >= 2 })
        #expect(found.filter { $0 < MotionDeblur().minimumLength }.count >= 19, "estimated \(found)")
    }

    @Test("a plane with no horizontal change, or too narrow, has no estimate")
    func noEstimate() {
        #expect(Self.estimate([Float](repeating: 90, count: 128 * 8), width: 128) == 0)
        #expect(Self.estimate((0 ..< 24).map { Float($0 / 3) }, width: 3) == 0)
        #expect(Self.estimate(Self.strokes(width: 128, height: 4, seed: 1), width: 128, maximumLength: 1) == 0)
    }

    @Test("the deconvolution matrix equals a plain solution of the regularised normal equations",
          arguments: [(6, 24, 0.02, UInt64(21)), (9, 40, 0.05, 22), (13, 128, 0.02, 23), (7, 17, 0.3, 24)])
    func matchesReference(length: Int, width: Int, regularization: Double, seed: UInt64) throws {
        let matrix = MotionDeblur.deconvolution(length: length, width: width, regularization: regularization)
        try #require(matrix.count == width * width)
        var random = SeededRandom(seed: seed)
        let row = (0 ..< width).map { _ in Double(Float.random(in: 0 ... 255, using: &random)) }

        // Reference: H written out, (HᵀH + λI) f = Hᵀ g solved by Gaussian elimination with
        // partial pivoting, then scaled by 1 + λ.
        var h = [[Double]](repeating: [Double](repeating: 0, count: width), count: width)
        for x in 0 ..< width {
            for k in 0 ..< length { h[x][min(max(x + k - length / 2, 0), width - 1)] += 1 / Double(length) }
        }
        var system = [[Double]](repeating: [Double](repeating: 0, count: width + 1), count: width)
        for i in 0 ..< width {
            for j in 0 ..< width { system[i][j] = (0 ..< width).reduce(0) { $0 + h[$1][i] * h[$1][j] } + (i == j ? regularization : 0) }
            system[i][width] = (0 ..< width).reduce(0) { $0 + h[$1][i] * row[$1] }
        }
        for column in 0 ..< width {
            let pivot = (column ..< width).max { abs(system[$0][column]) < abs(system[$1][column]) }!
            system.swapAt(column, pivot)
            for r in 0 ..< width where r != column {
                let factor = system[r][column] / system[column][column]
                for c in column ... width { system[r][c] -= factor * system[column][c] }
            }
        }
        let expected = (0 ..< width).map { (1 + regularization) * system[$0][width] / system[$0][$0] }
        let fast = (0 ..< width).map { x in (0 ..< width).reduce(0.0) { $0 + Double(matrix[x * width + $1]) * row[$1] } }
        let largest = zip(fast, expected).map { abs($0 - $1) }.max() ?? 0
        #expect(largest < 1e-3 * max(1, expected.map(abs).max() ?? 1), "largest difference \(largest)")
    }

    @Test("undoing the blur brings a blurred plate closer to the sharp one", arguments: [(7, UInt64(31)), (10, 32), (14, 33)])
    func undoesBlur(length: Int, seed: UInt64) {
        let width = 128, height = 6
        let sharp = Self.strokes(width: width, height: height, seed: seed)
        let blurred = Self.boxBlur(sharp, width: width, length: length)
        let matrix = MotionDeblur.deconvolution(length: length, width: width, regularization: MotionDeblur().regularization)
        var deblurred = [Float](repeating: 0, count: sharp.count)
        matrix.withUnsafeBufferPointer { m in
            blurred.withUnsafeBufferPointer { b in
                deblurred.withUnsafeMutableBufferPointer { MotionDeblur.apply(m, to: b, width: width, height: height, into: $0) }
            }
        }
        func meanError(_ plane: [Float]) -> Float { zip(plane, sharp).map { abs($0 - $1) }.reduce(0, +) / Float(sharp.count) }
        #expect(meanError(deblurred) < meanError(blurred) * 0.8, "blurred \(meanError(blurred)), deblurred \(meanError(deblurred))")
    }

    @Test("each row is multiplied by the matrix (sgemm against a plain loop), on random inputs", arguments: [(UInt64(41), 5, 17), (42, 48, 128)])
    func applyMatchesLoop(seed: UInt64, height: Int, width: Int) {
        var random = SeededRandom(seed: seed)
        let matrix = random.floats(width * width), plane = random.floats(height * width, in: 0 ... 255)
        var fast = [Float](repeating: 0, count: plane.count)
        matrix.withUnsafeBufferPointer { m in
            plane.withUnsafeBufferPointer { p in
                fast.withUnsafeMutableBufferPointer { MotionDeblur.apply(m, to: p, width: width, height: height, into: $0) }
            }
        }
        var expected = [Float](repeating: 0, count: plane.count)
        for y in 0 ..< height {
            for x in 0 ..< width {
                expected[y * width + x] = (0 ..< width).reduce(0) { $0 + matrix[x * width + $1] * plane[y * width + $1] }
            }
        }
        expectClose(fast, expected, tolerance: 1e-2)
    }

    @Test("the OCR keeps the surer of its readings as cut and deblurred, and nothing changes without a blur to undo",
          arguments: [UInt64(51), 52, 53, 54, 55, 56])
    func surerReadingKept(seed: UInt64) throws {
        let ocr = try PlateOCR(network: RandomModels.ocr(seed: seed + 60).load())
        let image = try SecondLookTests.frame(seed: seed)
        let corners = SecondLookTests.corners
        let asCut = try ocr.read(image, corners: corners, formats: nil)
        #expect(ocr.lastDeblurLength == 0)

        // The deblurred reading, made by hand: a least length of 2 undoes whatever the estimate finds.
        ocr.motionDeblur = MotionDeblur(minimumLength: 2)
        try ocr.prepareInput(image, corners: corners)
        let length = ocr.blurLengthToUndo()
        try #require(length >= 2)
        ocr.undoBlur(length: length)
        let undone = ocr.network.withInput { Array($0) }
        ocr.network.run()
        ocr.computeProbabilities()
        let deblurred = ocr.rank(ocr.hypotheses(candidateCount: 5, formats: nil), candidateCount: 5, formats: nil)

        let reading = try ocr.read(image, corners: corners, formats: nil)
        if deblurred.confidence > asCut.confidence {
            // The deblurred text and confidence; the reading as cut kept for judging the plate.
            var expected = deblurred
            expected.firstLookConfidence = asCut.confidence
            expected.asCut = PlateCandidate(text: asCut.text, confidence: asCut.confidence)
            #expect(reading == expected)
            #expect(ocr.lastDeblurLength == length)
            #expect(ocr.network.withInput { Array($0) } == undone)
        } else {
            #expect(reading == asCut)
            #expect(reading.asCut == nil)
            #expect(ocr.lastDeblurLength == 0)
        }
        // A read under the recogniser's floor (the second look's `atLeast`) is dropped whatever
        // its text, so no blur is undone for it; at the floor it is.
        ocr.secondLook = PlateOCR.SecondLook(below: 0, atLeast: asCut.confidence.nextUp)
        #expect(try ocr.read(image, corners: corners, formats: nil) == asCut)
        #expect(ocr.lastDeblurLength == 0)
        ocr.secondLook?.atLeast = asCut.confidence
        #expect(try ocr.read(image, corners: corners, formats: nil) == reading)
        ocr.secondLook = nil
        // A least length past any estimate: read as cut.
        ocr.motionDeblur = MotionDeblur(minimumLength: 21)
        #expect(try ocr.read(image, corners: corners, formats: nil) == asCut)
        #expect(ocr.lastDeblurLength == 0)
    }

    @Test("a second look at a deblurred plate reads its shifted views deblurred alike, and judges it as cut",
          arguments: [UInt64(51), 52, 53, 54, 55, 56])
    func secondLookDeblurred(seed: UInt64) throws {
        let ocr = try PlateOCR(network: RandomModels.ocr(seed: seed + 60).load())
        let image = try SecondLookTests.frame(seed: seed)
        let corners = SecondLookTests.corners, offsets = [0.06, -0.06], widths = [0.04, -0.04]
        let asCut = try ocr.read(image, corners: corners, formats: nil)
        ocr.motionDeblur = MotionDeblur(minimumLength: 2)
        _ = try ocr.read(image, corners: corners, formats: nil)
        let length = ocr.lastDeblurLength  // 0: the plate as cut read surer

        // Each view made and read by hand: the first, the shifted and the widened ones undone by
        // the first's length when it was undone, then the first view sharpened.
        var views: [[Float]] = [], texts = Set<String>()
        func readView(_ prepare: () throws -> Void) throws {
            try prepare()
            ocr.network.run()
            ocr.computeProbabilities()
            views.append(ocr.probabilities)
            texts.formUnion(ocr.rank(ocr.hypotheses(candidateCount: 5, formats: nil), candidateCount: 5, formats: nil).candidates.map(\.text))
        }
        for view in [corners] + offsets.map({ PlateOCR.shift(corners, alongHeight: $0) }) + widths.map({ PlateOCR.widen(corners, by: $0) }) {
            try readView {
                try ocr.prepareInput(image, corners: view)
                if length > 0 { ocr.undoBlur(length: length) }
            }
        }
        try readView {
            try ocr.prepareInput(image, corners: corners)
            if length > 0 { ocr.undoBlur(length: length) }
            ocr.unsharpMask(amount: 1)
        }
        func mean(_ text: String) -> Float {
            views.map { ocr.decoder.probability(of: text, $0, steps: $0.count / (ocr.alphabet.count + 1)) }.reduce(0, +) / Float(views.count)
        }

        ocr.secondLook = PlateOCR.SecondLook(below: 1.01, offsets: offsets, widths: widths, sharpen: 1)  // always look again
        let merged = try ocr.read(image, corners: corners, formats: nil)
        #expect(ocr.lastDeblurLength == length)
        #expect(ocr.lastViewCount == 6)
        try #require(!merged.text.isEmpty)
        #expect(texts.contains(merged.text))
        #expect(abs(merged.confidence - mean(merged.text)) <= 1e-5 * max(1, merged.confidence))
        for text in texts where !text.isEmpty { #expect(mean(text) <= merged.confidence * (1 + 1e-5)) }
        // Judged as cut either way.
        #expect(merged.firstLookConfidence == asCut.confidence)
        #expect(merged.asCut == (length > 0 ? PlateCandidate(text: asCut.text, confidence: asCut.confidence) : nil))
    }

    @Test("a text read with the blur undone is a plate only if the reading as cut is one too")
    func judgedAsCut() {
        let options = PlateRecognizer.Options()
        func reading(_ text: String, _ confidence: Float, asCut: PlateCandidate?) -> PlateOCR.Reading {
            var reading = PlateOCR.Reading(text: text, confidence: confidence, characterConfidences: text.map { _ in confidence },
                                           candidates: [PlateCandidate(text: text, confidence: confidence)],
                                           firstLookConfidence: asCut?.confidence)
            reading.asCut = asCut
            return reading
        }
        #expect(options.countsAsPlate(reading("TRK123", 0.9, asCut: nil), sureDetection: true))
        #expect(options.countsAsPlate(reading("TRK123", 0.9, asCut: PlateCandidate(text: "TRK128", confidence: 0.6)), sureDetection: true))
        // As cut, a short read under the short-read floor: a railing's strokes, not a plate.
        #expect(!options.countsAsPlate(reading("TRK123", 0.9, asCut: PlateCandidate(text: "T7", confidence: 0.3)), sureDetection: true))
        // As cut, under the read floor.
        #expect(!options.countsAsPlate(reading("TRK123", 0.9, asCut: PlateCandidate(text: "TRK123", confidence: 0.1)), sureDetection: true))
        // As cut, mostly strokes under their floor, though the deblurred text is not.
        #expect(!options.countsAsPlate(reading("AKZ4A", 0.8, asCut: PlateCandidate(text: "AI11A", confidence: 0.35)), sureDetection: true))
        #expect(options.countsAsPlate(reading("AKZ4A", 0.8, asCut: PlateCandidate(text: "AI11A", confidence: 0.55)), sureDetection: true))
    }
}
