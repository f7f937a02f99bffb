import Foundation
import Testing
@testable import ALPRVision

@Suite("Benchmark scoring")
struct EvaluationTests {
    @Test("IoU of boxes: identical, disjoint, half overlapping, contained")
    func iou() {
        let a = PlateBox(x: 0, y: 0, width: 10, height: 10)
        #expect(a.intersectionOverUnion(a) == 1)
        #expect(a.intersectionOverUnion(PlateBox(x: 20, y: 0, width: 10, height: 10)) == 0)
        #expect(abs(a.intersectionOverUnion(PlateBox(x: 5, y: 0, width: 10, height: 10)) - 50.0 / 150.0) < 1e-12)
        #expect(a.intersectionOverUnion(PlateBox(x: 0, y: 0, width: 5, height: 10)) == 0.5)
        #expect(a.intersectionOverUnion(PlateBox(x: 0, y: 0, width: 0, height: 0)) == 0)
    }

    @Test("annotations parse with tabs or spaces and report bad lines")
    func parsing() throws {
        let text = "car1.jpg\t10\t20\t100\t40\tABC123\n\ncar1.jpg 200 20 90 35 123 XYZ\n"
        let annotations = try BenchmarkAnnotation.parse(text, source: "car1.txt")
        #expect(annotations == [
            BenchmarkAnnotation(file: "car1.jpg", box: PlateBox(x: 10, y: 20, width: 100, height: 40), plate: "ABC123"),
            BenchmarkAnnotation(file: "car1.jpg", box: PlateBox(x: 200, y: 20, width: 90, height: 35), plate: "123XYZ"),
        ])
        #expect(throws: VisionError.invalidAnnotation(file: "x.txt", line: 2, reason: "expected 'file x y w h PLATE', got 3 fields")) {
            try BenchmarkAnnotation.parse("a.jpg 1 2 3 4 P\na.jpg 1 2", source: "x.txt")
        }
        #expect(throws: VisionError.self) { try BenchmarkAnnotation.parse("a.jpg 1 2 x 4 P", source: "x.txt") }
        #expect(throws: VisionError.self) { try BenchmarkAnnotation.parse("a.jpg 1 2 3 -4 P", source: "x.txt") }
    }

    @Test("file names with spaces: tab-separated lines split at tabs, others at the box")
    func namesWithSpaces() throws {
        let text = "my car.jpg\t10\t20\t100\t40\tABC 123\nmy car 2.jpg 200 20 90 35 XYZ 789\nold car.jpg\t5 6 7 8 Q1\n"
        let annotations = try BenchmarkAnnotation.parse(text, source: "my car.txt")
        #expect(annotations == [
            BenchmarkAnnotation(file: "my car.jpg", box: PlateBox(x: 10, y: 20, width: 100, height: 40), plate: "ABC123"),
            BenchmarkAnnotation(file: "my car 2.jpg", box: PlateBox(x: 200, y: 20, width: 90, height: 35), plate: "XYZ789"),
            BenchmarkAnnotation(file: "old car.jpg", box: PlateBox(x: 5, y: 6, width: 7, height: 8), plate: "Q1"),
        ])
        // Still an error with the line when no four numbers follow the name.
        #expect(throws: VisionError.invalidAnnotation(file: "x.txt", line: 1, reason: "box must be four numbers with positive size")) {
            try BenchmarkAnnotation.parse("my car.jpg 10 20 wide 40 ABC", source: "x.txt")
        }
    }

    @Test("matching is one-to-one, best IoU first, at the threshold")
    func matching() {
        let truth = [BenchmarkAnnotation(file: "f", box: PlateBox(x: 0, y: 0, width: 10, height: 10), plate: "A")]
        let predictions = [Evaluation.Prediction(box: PlateBox(x: 4, y: 0, width: 10, height: 10), texts: ["A"]),
                           Evaluation.Prediction(box: PlateBox(x: 1, y: 0, width: 10, height: 10), texts: ["B"])]
        let matches = Evaluation().match(truth, predictions)
        #expect(matches.count == 1)
        #expect(matches.first?.prediction == 1)
        // IoU 0.3 exactly counts; just under does not.
        let edge = Evaluation.Prediction(box: PlateBox(x: 0, y: 0, width: 3, height: 10), texts: ["A"])
        #expect(Evaluation().match(truth, [edge]).count == 1)
        let under = Evaluation.Prediction(box: PlateBox(x: 0, y: 0, width: 2.9, height: 10), texts: ["A"])
        #expect(Evaluation().match(truth, [under]).isEmpty)
    }

    @Test("mistakes list the missed, the misread and the false plates of an image")
    func mistakes() {
        let box = { (x: Double) in PlateBox(x: x, y: 0, width: 100, height: 30) }
        let annotations = [BenchmarkAnnotation(file: "f", box: box(0), plate: "ABC-123"),
                           BenchmarkAnnotation(file: "f", box: box(200), plate: "DEF456"),
                           BenchmarkAnnotation(file: "f", box: box(400), plate: "GHI789")]
        let predictions = [Evaluation.Prediction(box: box(900), texts: ["SIGN"]),
                           Evaluation.Prediction(box: box(2), texts: ["abc123"]),
                           Evaluation.Prediction(box: box(401), texts: ["GH1789", "GHI789", "CHI789"])]
        var report = Evaluation.Report()
        let mistakes = Evaluation(topK: 2).accumulate(&report, annotations: annotations, predictions: predictions)
        #expect(mistakes == [
            Evaluation.Mistake(kind: .missed, expected: "DEF456", read: [], box: box(200)),
            Evaluation.Mistake(kind: .misread, expected: "GHI789", read: ["GH1789", "GHI789"], box: box(401)),
            Evaluation.Mistake(kind: .falsePlate, expected: nil, read: ["SIGN"], box: box(900)),
        ])
        #expect(report.top1Correct == 1 && report.topKCorrect == 2 && report.falsePlates == 1)
        // A perfect image has nothing to list.
        var clean = Evaluation.Report()
        #expect(Evaluation().accumulate(&clean, annotations: [annotations[0]], predictions: [predictions[1]]).isEmpty)
    }

    @Test("accuracy, recall, false plates and median time on hand-made predictions")
    func report() throws {
        func annotation(_ x: Double, _ plate: String) -> BenchmarkAnnotation {
            BenchmarkAnnotation(file: "f", box: PlateBox(x: x, y: 0, width: 100, height: 30), plate: plate)
        }
        func prediction(_ x: Double, _ texts: [String]) -> Evaluation.Prediction {
            Evaluation.Prediction(box: PlateBox(x: x, y: 2, width: 100, height: 30), texts: texts)
        }
        let annotations = [
            [annotation(0, "ABC123")],                          // read right
            [annotation(0, "XYZ789")],                          // right only in 3rd candidate
            [annotation(0, "DEF456"), annotation(500, "GHI1")], // one wrong, one missed
            [],                                                 // nothing there
        ]
        let predictions = [
            [prediction(0, ["abc-123"])],
            [prediction(0, ["XYZ788", "XY2789", "XYZ789"])],
            [prediction(0, ["DEF457"])],
            [prediction(0, ["NOPE"]), prediction(300, ["NOPE2"])],
        ]
        let report = Evaluation().score(annotations: annotations, predictions: predictions, milliseconds: [40, 10, 30, 20])
        #expect(report.images == 4)
        #expect(report.plates == 4)
        #expect(report.detected == 3)
        #expect(report.top1Correct == 1)
        #expect(report.topKCorrect == 2)
        #expect(report.falsePlates == 2)
        #expect(report.detectionRecall == 0.75)
        #expect(report.top1Accuracy == 0.25)
        #expect(report.topKAccuracy == 0.5)
        #expect(report.falsePlatesPerImage == 0.5)
        #expect(report.medianMilliseconds == 25)
        // With top-2, the third candidate no longer counts.
        #expect(Evaluation(topK: 2).score(annotations: annotations, predictions: predictions, milliseconds: []).topKCorrect == 1)
        // All four plates are 100 px wide: the 100-150 band holds every count, the others none.
        let band = try #require(report.byWidth.first { $0.contains(width: 100) })
        #expect(band.minimumWidth == 100 && band.maximumWidth == 150)
        #expect(band.plates == 4 && band.detected == 3 && band.top1Correct == 1)
        #expect(report.byWidth.filter { $0 != band }.allSatisfy { $0.plates == 0 && $0.detected == 0 && $0.top1Correct == 0 })
    }

    @Test("width bands count each plate once, by its annotated width, bounds included below")
    func widthBands() throws {
        let widths: [Double] = [20, 49.9, 50, 74, 75, 99, 100, 149, 150, 249, 250, 399, 400, 1000]
        let annotations = widths.enumerated().map { index, width in
            BenchmarkAnnotation(file: "f", box: PlateBox(x: Double(index) * 1100, y: 0, width: width, height: width / 2), plate: "P\(index)")
        }
        // Every plate found; the even ones read right, the odd ones wrong.
        let predictions = annotations.enumerated().map { index, annotation in
            Evaluation.Prediction(box: annotation.box, texts: [index.isMultiple(of: 2) ? annotation.plate : "WRONG"])
        }
        var report = Evaluation.Report()
        Evaluation().accumulate(&report, annotations: annotations, predictions: predictions)
        // Two plates fall in each band: its lower bound is in, its upper bound is the next band's.
        #expect(report.byWidth.count == Evaluation.widthBands.count)
        #expect(report.byWidth.map(\.plates) == Array(repeating: 2, count: 7))
        #expect(report.byWidth.map(\.detected) == Array(repeating: 2, count: 7))
        #expect(report.byWidth.map(\.top1Correct) == Array(repeating: 1, count: 7))
        #expect(report.byWidth.map(\.plates).reduce(0, +) == report.plates)
        #expect(report.byWidth.last?.maximumWidth == nil)
        #expect(report.byWidth[0].top1Accuracy == 0.5 && report.byWidth[0].detectionRecall == 1)
    }

    @Test("a plate's position is the third across and down that holds its centre, and the border band when it comes near an edge")
    func positionBands() {
        // A 1200x600 frame: thirds at x 400 and 800, y 200 and 400; the border margin is 36 px
        // across and 18 px down.
        func bands(_ x: Double, _ y: Double, _ width: Double = 100, _ height: Double = 50) -> [Int] {
            Evaluation.positionBands(of: PlateBox(x: x, y: y, width: width, height: height), width: 1200, height: 600)
        }
        let border = Evaluation.positionNames.count
        #expect(Evaluation.positionNames == ["top left", "top centre", "top right", "middle left", "middle centre", "middle right",
                                             "bottom left", "bottom centre", "bottom right"])
        #expect(bands(100, 50) == [0])
        #expect(bands(500, 50) == [1])
        #expect(bands(1000, 50) == [2])
        #expect(bands(100, 250) == [3])
        #expect(bands(500, 250) == [4])
        #expect(bands(1000, 250) == [5])
        #expect(bands(100, 450) == [6])
        #expect(bands(500, 450) == [7])
        #expect(bands(1000, 450) == [8])
        // A centre exactly on a third's line belongs to the cell after it.
        #expect(bands(350, 175) == [4])
        // Near each edge (inside the margin), across it, and just clear of it.
        #expect(bands(35, 250) == [3, border])
        #expect(bands(36, 250) == [3])
        #expect(bands(1065, 250) == [5, border])
        #expect(bands(1064, 250) == [5])
        #expect(bands(500, 17) == [1, border])
        #expect(bands(500, 18) == [1])
        #expect(bands(500, 533) == [7, border])
        #expect(bands(500, 532) == [7])
        #expect(bands(-20, -10) == [0, border])
        #expect(bands(1150, 580) == [8, border])
        #expect(Evaluation.positionBands(of: PlateBox(x: 0, y: 0, width: 10, height: 5), width: 0, height: 600).isEmpty)
    }

    @Test("the position breakdown counts plates, finds and exact reads by part of the frame, and only with the image size")
    func positionCounts() throws {
        // Top left (found, read right), middle centre (found, misread), bottom right at the border (missed).
        let annotations = [
            BenchmarkAnnotation(file: "f", box: PlateBox(x: 100, y: 50, width: 100, height: 50), plate: "ABC123"),
            BenchmarkAnnotation(file: "f", box: PlateBox(x: 550, y: 270, width: 100, height: 50), plate: "DEF456"),
            BenchmarkAnnotation(file: "f", box: PlateBox(x: 1095, y: 545, width: 100, height: 50), plate: "GHI789"),
        ]
        let predictions = [Evaluation.Prediction(box: annotations[0].box, texts: ["ABC123"]),
                           Evaluation.Prediction(box: annotations[1].box, texts: ["DEF458"])]
        var report = Evaluation.Report()
        Evaluation().accumulate(&report, annotations: annotations, predictions: predictions, imageSize: (1200, 600))
        #expect(report.byPosition.map(\.position) == Evaluation.positionNames + [Evaluation.borderPositionName])
        #expect(report.byPosition.map(\.plates) == [1, 0, 0, 0, 1, 0, 0, 0, 1, 1])
        #expect(report.byPosition.map(\.detected) == [1, 0, 0, 0, 1, 0, 0, 0, 0, 0])
        #expect(report.byPosition.map(\.top1Correct) == [1, 0, 0, 0, 0, 0, 0, 0, 0, 0])
        #expect(report.byPosition[4].detectionRecall == 1 && report.byPosition[4].top1Accuracy == 0)
        #expect(report.byPosition[8].detectionRecall == 0)
        // The nine cells hold every plate once.
        #expect(report.byPosition.prefix(9).map(\.plates).reduce(0, +) == report.plates)
        // Without the frame's size (a file that could not be read) no plate is placed.
        var unplaced = Evaluation.Report()
        Evaluation().accumulate(&unplaced, annotations: annotations, predictions: predictions)
        #expect(unplaced.plates == 3 && unplaced.byPosition.allSatisfy { $0.plates == 0 && $0.detected == 0 })
    }

    @Test("confidence bands count each reported plate once, as read exactly, misread or no plate")
    func confidenceBands() throws {
        let confidences: [Double] = [0.01, 0.099, 0.1, 0.29, 0.3, 0.49, 0.5, 0.69, 0.7, 0.89, 0.9, 0.969, 0.97, 1]
        let annotations = confidences.indices.map { index in
            BenchmarkAnnotation(file: "f", box: PlateBox(x: Double(index) * 200, y: 0, width: 100, height: 50), plate: "P\(index)")
        }
        // Plate i: read exactly when i is a multiple of 3, misread when i mod 3 is 1, and missed
        // when it is 2, with a false plate of that confidence far away instead.
        var predictions: [Evaluation.Prediction] = []
        for (index, confidence) in confidences.enumerated() {
            let annotation = annotations[index]
            switch index % 3 {
            case 0: predictions.append(Evaluation.Prediction(box: annotation.box, texts: [annotation.plate], confidence: confidence))
            case 1: predictions.append(Evaluation.Prediction(box: annotation.box, texts: ["WRONG", annotation.plate], confidence: confidence))
            default: predictions.append(Evaluation.Prediction(box: PlateBox(x: Double(index) * 200, y: 500, width: 100, height: 50),
                                                              texts: ["SIGN"], confidence: confidence))
            }
        }
        // Without a confidence a prediction is scored but left out of the bands.
        predictions.append(Evaluation.Prediction(box: PlateBox(x: 0, y: 900, width: 100, height: 50), texts: ["X"]))
        var report = Evaluation.Report()
        Evaluation().accumulate(&report, annotations: annotations, predictions: predictions)
        let bands = report.byConfidence
        #expect(bands.count == Evaluation.confidenceBands.count)
        // Two confidences per band: each lower bound is in its band, each upper bound in the next.
        #expect(bands.map(\.reads) == Array(repeating: 2, count: 7))
        #expect(bands.map(\.exact) == [1, 1, 0, 1, 1, 0, 1])
        #expect(bands.map(\.misread) == [1, 0, 1, 1, 0, 1, 1])
        #expect(bands.map(\.falsePlates) == [0, 1, 1, 0, 1, 1, 0])
        #expect(bands.map(\.reads).reduce(0, +) == predictions.count - 1)
        #expect(bands.map(\.exact).reduce(0, +) == report.top1Correct)
        #expect(bands.map(\.falsePlates).reduce(0, +) == report.falsePlates - 1)
        #expect(bands[0].exactShare == 0.5 && bands[2].exactShare == 0)
        #expect(bands.last?.maximumConfidence == nil && bands.last?.contains(confidence: 1) == true)
    }

    @Test("Wilson intervals match published values and bracket the rate", arguments: [
        // Newcombe, "Two-sided confidence intervals for the single proportion: comparison of
        // seven methods", Statistics in Medicine 17 (1998), Table I, method 3 (score interval).
        (81, 263, 0.2553, 0.3662), (15, 148, 0.0624, 0.1605), (0, 20, 0.0, 0.1611), (1, 29, 0.0061, 0.1718),
    ])
    func wilson(successes: Int, trials: Int, lower: Double, upper: Double) throws {
        let interval = try #require(Evaluation.wilsonInterval(successes: successes, trials: trials))
        #expect(abs(interval.lowerBound - lower) < 0.00005)
        #expect(abs(interval.upperBound - upper) < 0.00005)
    }

    @Test("Wilson intervals: exact bounds at 0 and n of n, narrower with more trials, nil when undefined")
    func wilsonEdges() throws {
        let none = try #require(Evaluation.wilsonInterval(successes: 0, trials: 50))
        let all = try #require(Evaluation.wilsonInterval(successes: 50, trials: 50))
        #expect(none.lowerBound == 0 && none.upperBound > 0)
        #expect(all.upperBound == 1 && all.lowerBound < 1)
        // Symmetric in successes and failures.
        #expect(abs(none.upperBound - (1 - all.lowerBound)) < 1e-12)
        // The same rate measured on ten times the plates is known more closely.
        let small = try #require(Evaluation.wilsonInterval(successes: 9, trials: 10))
        let large = try #require(Evaluation.wilsonInterval(successes: 90, trials: 100))
        #expect(large.upperBound - large.lowerBound < small.upperBound - small.lowerBound)
        for (k, n) in [(1, 3), (244, 275), (99, 100)] {
            let interval = try #require(Evaluation.wilsonInterval(successes: k, trials: n))
            #expect(interval.contains(Double(k) / Double(n)))
        }
        #expect(Evaluation.wilsonInterval(successes: 0, trials: 0) == nil)
        #expect(Evaluation.wilsonInterval(successes: 5, trials: 4) == nil)
        #expect(Evaluation.wilsonInterval(successes: -1, trials: 4) == nil)
        var report = Evaluation.Report()
        #expect(report.top1Interval == nil)
        report.plates = 275
        report.top1Correct = 244
        #expect(report.top1Interval == Evaluation.wilsonInterval(successes: 244, trials: 275))
    }

    @Test("a dataset folder pairs images with their annotation files")
    func dataset() throws {
        let directory = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let image = try ImageEncoder.jpeg(RGBImage(width: 8, height: 8))
        try image.write(to: directory.appendingPathComponent("a.jpg"))
        try "a.jpg 1 2 3 4 ABC123\n".write(to: directory.appendingPathComponent("a.txt"), atomically: true, encoding: .utf8)
        try image.write(to: directory.appendingPathComponent("b.jpg"))
        // A Mac's `._a.jpg` / `._a.txt` beside them is neither image nor annotation.
        try Data("resource fork".utf8).write(to: directory.appendingPathComponent("._a.jpg"))
        try Data([0x00, 0x05, 0x16, 0x07, 0xFF]).write(to: directory.appendingPathComponent("._a.txt"))
        let dataset = try BenchmarkDataset(directory: directory)
        #expect(dataset.items.map(\.imageURL.lastPathComponent) == ["a.jpg"])
        #expect(dataset.items.first?.annotations.first?.plate == "ABC123")
        #expect(dataset.unannotated.map(\.lastPathComponent) == ["b.jpg"])
    }

    @Test("the folders below a folder that hold images, in path order, hidden ones left out")
    func imageFolders() throws {
        let directory = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let image = try ImageEncoder.jpeg(RGBImage(width: 8, height: 8))
        for folder in ["b", "a/deep/deeper", ".hidden", "empty", "notes"] {
            try FileManager.default.createDirectory(at: directory.appendingPathComponent(folder), withIntermediateDirectories: true)
        }
        for file in ["b/x.jpg", "a/deep/deeper/y.PNG", ".hidden/z.jpg", "a/._w.jpg"] {
            try image.write(to: directory.appendingPathComponent(file))
        }
        try Data("text".utf8).write(to: directory.appendingPathComponent("notes/n.txt"))
        #expect(try BenchmarkDataset.imageFolders(under: directory) == ["a/deep/deeper", "b"])
        try image.write(to: directory.appendingPathComponent("top.jpg"))
        #expect(try BenchmarkDataset.imageFolders(under: directory) == ["", "a/deep/deeper", "b"])
        #expect(throws: VisionError.self) { try BenchmarkDataset.imageFolders(under: directory.appendingPathComponent("missing")) }
    }

    @Test("an annotation file that is not UTF-8 is read as ISO 8859-1, not taken for a missing one")
    func latin1Annotation() throws {
        let directory = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        try ImageEncoder.jpeg(RGBImage(width: 8, height: 8)).write(to: directory.appendingPathComponent("c.jpg"))
        // "café.jpg 1 2 3 4 XYZ789" with the é as the single byte 0xE9, invalid in UTF-8.
        var bytes = Array("caf".utf8) + [0xE9] + Array(".jpg 1 2 3 4 XYZ789\n".utf8)
        try Data(bytes).write(to: directory.appendingPathComponent("c.txt"))
        let dataset = try BenchmarkDataset(directory: directory)
        #expect(dataset.unannotated.isEmpty)
        let annotation = try #require(dataset.items.first?.annotations.first)
        #expect(annotation.file == "café.jpg" && annotation.plate == "XYZ789")
        #expect(annotation.box == PlateBox(x: 1, y: 2, width: 3, height: 4))

        // A line it cannot parse is still named by file and line.
        bytes += Array("c.jpg 1 2 wide 4 XYZ789\n".utf8)
        try Data(bytes).write(to: directory.appendingPathComponent("c.txt"))
        #expect(throws: VisionError.invalidAnnotation(file: directory.appendingPathComponent("c.txt").path, line: 2,
                                                      reason: "box must be four numbers with positive size")) {
            try BenchmarkDataset(directory: directory)
        }
    }
}

@Suite("Two evaluations compared plate by plate")
struct EvaluationComparisonTests {
    static func mistake(_ kind: Evaluation.Mistake.Kind, _ expected: String?, _ read: String? = nil) -> Evaluation.Mistake {
        Evaluation.Mistake(kind: kind, expected: expected, read: read.map { [$0] } ?? [], box: PlateBox(x: 0, y: 0, width: 10, height: 5))
    }

    @Test("plates read or found now and not before, and the reverse; unchanged plates are not listed")
    func changes() {
        let baseline: [(file: String, mistake: Evaluation.Mistake)] = [
            ("a.jpg", Self.mistake(.misread, "AAA111", "AAA11")),   // read exactly now: gained
            ("a.jpg", Self.mistake(.missed, "CCC333")),             // found now, still misread
            ("b.jpg", Self.mistake(.misread, "DDD444", "DDD44")),   // misread both times
            ("b.jpg", Self.mistake(.falsePlate, nil, "XX1")),
            ("b.jpg", Self.mistake(.falsePlate, nil, "XX2")),
            ("c.jpg", Self.mistake(.missed, "EEE555")),             // twice in one image: one found now
            ("c.jpg", Self.mistake(.missed, "EEE555")),
        ]
        let current: [(file: String, mistake: Evaluation.Mistake)] = [
            ("a.jpg", Self.mistake(.misread, "CCC333", "CCC33")),
            ("b.jpg", Self.mistake(.missed, "BBB222")),             // exact before: lost, and no longer found
            ("b.jpg", Self.mistake(.misread, "DDD444", "DDD4")),
            ("b.jpg", Self.mistake(.falsePlate, nil, "XX1")),
            ("c.jpg", Self.mistake(.missed, "EEE555")),
        ]
        let comparison = EvaluationComparison(baseline: baseline, current: current)
        typealias Plate = EvaluationComparison.Plate
        #expect(comparison.gained.map(\.plate) == [Plate(file: "a.jpg", plate: "AAA111"), Plate(file: "c.jpg", plate: "EEE555")])
        #expect(comparison.gained.first?.before == .misread("AAA11") && comparison.gained.first?.after == .exact)
        #expect(comparison.lost.map(\.plate) == [Plate(file: "b.jpg", plate: "BBB222")])
        #expect(comparison.lost.first?.after == .missed)
        #expect(comparison.foundGained.map(\.plate) == [Plate(file: "a.jpg", plate: "CCC333"), Plate(file: "c.jpg", plate: "EEE555")])
        #expect(comparison.foundGained.first?.after == .misread("CCC33"))
        #expect(comparison.foundLost.map(\.plate) == [Plate(file: "b.jpg", plate: "BBB222")])
        #expect(comparison.falsePlatesBefore == 2 && comparison.falsePlatesAfter == 1)

        // The same lists both ways round swap gains and losses.
        let reversed = EvaluationComparison(baseline: current, current: baseline)
        #expect(reversed.gained.map(\.plate) == comparison.lost.map(\.plate))
        #expect(reversed.lost.map(\.plate) == comparison.gained.map(\.plate))
        #expect(EvaluationComparison(baseline: baseline, current: baseline) == EvaluationComparison(baseline: [], current: []).with(falsePlates: 2))
    }
}

@Suite("McNemar's exact test for plates gained and lost")
struct McNemarTests {
    /// The two-sided tail in exact integer arithmetic: the reference, for small counts.
    static func reference(_ b: Int, _ c: Int) -> Double {
        let n = b + c
        guard n > 0 else { return 1 }
        var row = [1.0]  // Pascal's triangle, row n
        for _ in 0 ..< n { row = zip([0] + row, row + [0]).map { $0 + $1 } }
        let tail = row[0 ... min(b, c)].reduce(0, +) / pow(2, Double(n))
        return min(1, 2 * tail)
    }

    @Test("known values, symmetry, and agreement with exact arithmetic on random counts")
    func values() {
        // Values from exact binomial sums (Python's math.comb).
        #expect(abs(EvaluationComparison.mcNemarExact(3, 1) - 0.625) < 1e-12)
        #expect(abs(EvaluationComparison.mcNemarExact(34, 14) - 0.005515201485501109) < 1e-12)
        #expect(abs(EvaluationComparison.mcNemarExact(20, 11) - 0.14961278438568115) < 1e-12)
        #expect(abs(EvaluationComparison.mcNemarExact(0, 5) - 0.0625) < 1e-12)
        #expect(abs(EvaluationComparison.mcNemarExact(1500, 1400) - 0.06598734966518381) < 1e-9)
        #expect(EvaluationComparison.mcNemarExact(0, 0) == 1)
        #expect(EvaluationComparison.mcNemarExact(7, 7) == 1)
        var random = SeededRandom(seed: 11)
        for _ in 0 ..< 200 {
            let b = Int.random(in: 0 ... 60, using: &random), c = Int.random(in: 0 ... 60, using: &random)
            let p = EvaluationComparison.mcNemarExact(b, c)
            #expect(p == EvaluationComparison.mcNemarExact(c, b))
            #expect(abs(p - Self.reference(b, c)) < 1e-9 * max(1, Self.reference(b, c)), "\(b) against \(c)")
        }
    }
}

extension EvaluationComparison {
    /// The same comparison with both false-plate counts set, for comparing against an empty one.
    func with(falsePlates: Int) -> EvaluationComparison {
        var copy = self
        copy.falsePlatesBefore = falsePlates
        copy.falsePlatesAfter = falsePlates
        return copy
    }
}

@Suite("Character confusions of misread plates")
struct CharacterConfusionsTests {
    typealias Edit = (expected: Character?, read: Character?)

    static func same(_ a: [Edit], _ b: [Edit]) -> Bool {
        a.count == b.count && zip(a, b).allSatisfy { $0.expected == $1.expected && $0.read == $1.read }
    }

    @Test("the edits between a label and a reading, as the misreads of the val folders show them")
    func edits() {
        #expect(Self.same(TextEdits.edits(from: "XO706", to: "X0706"), [("O", "0")]))
        #expect(Self.same(TextEdits.edits(from: "URSAE", to: "HURSAE"), [(nil, "H")]))
        #expect(Self.same(TextEdits.edits(from: "GR0WAPR", to: "GR0WAPR4C"), [(nil, "4"), (nil, "C")]))
        #expect(Self.same(TextEdits.edits(from: "JJT9374", to: "JJT937"), [("4", nil)]))
        #expect(Self.same(TextEdits.edits(from: "E1GALLO", to: "ETGALL0"), [("1", "T"), ("O", "0")]))
        #expect(Self.same(TextEdits.edits(from: "KPF5753", to: "F6753"), [("K", nil), ("P", nil), ("5", "6")]))
        #expect(TextEdits.edits(from: "ABC123", to: "ABC123").isEmpty)
        #expect(Self.same(TextEdits.edits(from: "", to: "AB"), [(nil, "A"), (nil, "B")]))
        #expect(Self.same(TextEdits.edits(from: "AB", to: ""), [("A", nil), ("B", nil)]))
    }

    /// Levenshtein distance by the textbook recursion, memoised: the reference.
    static func referenceDistance(_ a: [Character], _ b: [Character]) -> Int {
        var memo: [Int: Int] = [:]
        func distance(_ i: Int, _ j: Int) -> Int {
            if i == 0 { return j }
            if j == 0 { return i }
            if let known = memo[i * 100 + j] { return known }
            let result = min(distance(i - 1, j) + 1, distance(i, j - 1) + 1, distance(i - 1, j - 1) + (a[i - 1] == b[j - 1] ? 0 : 1))
            memo[i * 100 + j] = result
            return result
        }
        return distance(a.count, b.count)
    }

    @Test("on random texts the edits are as few as the reference distance and fit both texts")
    func randomTexts() {
        var random = SeededRandom(seed: 7)
        let alphabet = Array("01OQIAB8")  // few characters, so that texts share many
        for _ in 0 ..< 500 {
            let a = (0 ..< Int.random(in: 0 ... 8, using: &random)).map { _ in alphabet.randomElement(using: &random)! }
            let b = (0 ..< Int.random(in: 0 ... 8, using: &random)).map { _ in alphabet.randomElement(using: &random)! }
            let edits = TextEdits.edits(from: String(a), to: String(b))
            let context = "\(String(a)) -> \(String(b))"
            #expect(edits.count == Self.referenceDistance(a, b), "\(context)")
            #expect(TextEdits.distance(String(a), String(b)) == edits.count, "\(context)")
            // The label's edited characters are some of its characters in order, and the reading's too.
            #expect(Self.isSubsequence(edits.compactMap(\.expected), of: a), "\(context)")
            #expect(Self.isSubsequence(edits.compactMap(\.read), of: b), "\(context)")
            #expect(edits.allSatisfy { $0.expected != $0.read }, "no edit keeps a character: \(context)")
            // What the edits take away and add is what the lengths differ by.
            let missing = edits.filter { $0.read == nil }.count, excess = edits.filter { $0.expected == nil }.count
            #expect(a.count - missing == b.count - excess, "\(context)")
        }
    }

    static func isSubsequence(_ part: [Character], of whole: [Character]) -> Bool {
        var rest = whole[...]
        for character in part {
            guard let index = rest.firstIndex(of: character) else { return false }
            rest = rest[(index + 1)...]
        }
        return true
    }

    @Test("plates are counted by edits, each edit with up to three plates, the commonest first")
    func counting() {
        var confusions = CharacterConfusions()
        confusions.add(expected: "ABC123", read: "ABC123")  // not a misread: nothing
        confusions.add(expected: "XO706", read: "X0706")
        confusions.add(expected: "URSAE", read: "HURSAE")
        confusions.add(expected: "355OCT", read: "3550CT")
        confusions.add(expected: "BL0GGER", read: "BLOGGER")  // 0 read as O
        confusions.add(expected: "E1GALLO", read: "ETGALL0")
        confusions.add(expected: "GOOD", read: "G00D")
        confusions.add(expected: "ROBOT", read: "R0B0T")
        confusions.add(expected: "KPF5753", read: "F6753")
        #expect(confusions.plates == 8)
        #expect(confusions.byEdits == [4, 3, 1])
        let entries = confusions.entries
        #expect(entries.first?.expected == "O" && entries.first?.read == "0")
        #expect(entries.first?.count == 7, "XO706 1, 355OCT 1, E1GALLO 1, GOOD 2, ROBOT 2")
        #expect(entries.first?.examples == ["XO706 as X0706", "355OCT as 3550CT", "E1GALLO as ETGALL0"])
        #expect(entries.map(\.count) == entries.map(\.count).sorted(by: >))
        // Ties keep the order their first plate came in: the excess H before the 0 read as O.
        let ones = entries.filter { $0.count == 1 }.map { $0.expected + ">" + $0.read }
        #expect(ones == [">H", "0>O", "1>T", "K>", "P>", "5>6"])
    }
}

@Suite("Area downscaling table")
struct AreaTableTests {
    @Test("3 to 2 follows OpenCV's fractional coverage; 4 to 2 averages pairs")
    func weights() {
        var table = AreaTable()
        PlateDetector.fillAreaTable(&table, source: 3, destination: 2)
        #expect(table.starts == [0, 2, 4])
        #expect(table.sources == [0, 1, 1, 2])
        let expected: [Float] = [2.0 / 3, 1.0 / 3, 1.0 / 3, 2.0 / 3]
        #expect(zip(table.weights, expected).allSatisfy { abs($0 - $1) < 1e-6 })
        PlateDetector.fillAreaTable(&table, source: 4, destination: 2)
        #expect(table.sources == [0, 1, 2, 3])
        #expect(table.weights == [0.5, 0.5, 0.5, 0.5])
    }
}
