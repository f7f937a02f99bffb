import Foundation

/// Scores plate reads against annotations: detection recall, exact-match accuracy (top-1 and
/// top-k), false plates per image and median time per image.
public struct Evaluation: Sendable {
    /// What the engine produced for one image.
    public struct Prediction: Sendable {
        public var box: PlateBox
        /// Best first; the first is the top-1 reading.
        public var texts: [String]
        /// The top-1 reading's confidence, for `Report.byConfidence`; nil leaves the
        /// prediction out of that breakdown.
        public var confidence: Double?
        /// The plate's corners (TL, TR, BR, BL), where the engine gave them: what the OCR read.
        public var corners: [ImagePoint]?

        public init(box: PlateBox, texts: [String], confidence: Double? = nil, corners: [ImagePoint]? = nil) {
            self.box = box
            self.texts = texts
            self.confidence = confidence
            self.corners = corners
        }

        public init(_ result: PlateResult) {
            self.init(box: result.box, texts: [result.text] + result.candidates.map(\.text).filter { $0 != result.text },
                      confidence: Double(result.confidence), corners: result.corners)
        }
    }

    public struct Report: Sendable, Equatable, Codable {
        public var images = 0
        public var plates = 0
        public var detected = 0
        public var top1Correct = 0
        public var topKCorrect = 0
        public var falsePlates = 0
        public var medianMilliseconds: Double = 0
        /// The same counts by the annotated plate's width, one entry per `Evaluation.widthBands`
        /// band: where in the size range the engine misses and misreads.
        public var byWidth: [WidthBand] = Evaluation.widthBands.map { WidthBand(minimumWidth: $0.lowerBound, maximumWidth: $0.upperBound) }
        /// The reported plates by their confidence, one entry per `Evaluation.confidenceBands`
        /// band: how often a read of that confidence is right, which is what a minimum
        /// confidence for alerts trades.
        public var byConfidence: [ConfidenceBand] = Evaluation.confidenceBands.map {
            ConfidenceBand(minimumConfidence: $0.lowerBound, maximumConfidence: $0.upperBound)
        }

        /// The same counts by where the annotated plate lies in the frame: one entry per cell of
        /// a 3×3 grid of thirds that holds the plate's centre (`Evaluation.positionNames`,
        /// top left first, row by row), then, overlapping those, the plates whose box comes
        /// within `Evaluation.borderMargin` of the frame's edge. The engine is specified to find
        /// plates at any position; a plate whose image size is not known (an unreadable file)
        /// is in none.
        public var byPosition: [PositionBand] = Evaluation.positionNames.map { PositionBand(position: $0) }
            + [PositionBand(position: Evaluation.borderPositionName)]

        public init() {}

        public var detectionRecall: Double { plates > 0 ? Double(detected) / Double(plates) : 0 }
        public var top1Accuracy: Double { plates > 0 ? Double(top1Correct) / Double(plates) : 0 }
        public var topKAccuracy: Double { plates > 0 ? Double(topKCorrect) / Double(plates) : 0 }
        public var falsePlatesPerImage: Double { images > 0 ? Double(falsePlates) / Double(images) : 0 }

        /// 95 % confidence intervals of the three rates (`Evaluation.wilsonInterval`); nil
        /// without annotated plates.
        public var top1Interval: ClosedRange<Double>? { Evaluation.wilsonInterval(successes: top1Correct, trials: plates) }
        public var topKInterval: ClosedRange<Double>? { Evaluation.wilsonInterval(successes: topKCorrect, trials: plates) }
        public var detectionRecallInterval: ClosedRange<Double>? { Evaluation.wilsonInterval(successes: detected, trials: plates) }
    }

    /// Plates whose annotated box is `minimumWidth` to under `maximumWidth` pixels wide.
    public struct WidthBand: Sendable, Equatable, Codable {
        public var minimumWidth: Double
        /// nil: no upper bound.
        public var maximumWidth: Double?
        public var plates = 0
        public var detected = 0
        public var top1Correct = 0

        public init(minimumWidth: Double, maximumWidth: Double?) {
            self.minimumWidth = minimumWidth
            self.maximumWidth = maximumWidth
        }

        public func contains(width: Double) -> Bool { width >= minimumWidth && maximumWidth.map { width < $0 } ?? true }
        public var detectionRecall: Double { plates > 0 ? Double(detected) / Double(plates) : 0 }
        public var top1Accuracy: Double { plates > 0 ? Double(top1Correct) / Double(plates) : 0 }
    }

    /// Plates in one part of the frame (`Report.byPosition`).
    public struct PositionBand: Sendable, Equatable, Codable {
        /// `top left` ... `bottom right`, or `at the border`.
        public var position: String
        public var plates = 0
        public var detected = 0
        public var top1Correct = 0

        public init(position: String) {
            self.position = position
        }

        public var detectionRecall: Double { plates > 0 ? Double(detected) / Double(plates) : 0 }
        public var top1Accuracy: Double { plates > 0 ? Double(top1Correct) / Double(plates) : 0 }
    }

    /// The nine cells of `Report.byPosition`, row by row.
    public static let positionNames = ["top", "middle", "bottom"].flatMap { row in
        ["left", "centre", "right"].map { "\(row) \($0)" }
    }
    public static let borderPositionName = "at the border"
    /// A plate is at the border when its box comes this close to an edge of the frame, as a
    /// fraction of the frame's width (left and right edges) or height (top and bottom), or
    /// crosses it: where the detector's input is padded and its receptive fields run off the
    /// picture.
    public static let borderMargin = 0.03

    /// The indices of `Report.byPosition` that `box` counts in, in a `width` × `height` frame:
    /// its centre's cell, and the border band when it is at the border.
    public static func positionBands(of box: PlateBox, width: Int, height: Int) -> [Int] {
        guard width > 0, height > 0 else { return [] }
        let w = Double(width), h = Double(height)
        let column = min(max(Int((box.x + box.width / 2) / w * 3), 0), 2)
        let row = min(max(Int((box.y + box.height / 2) / h * 3), 0), 2)
        let atBorder = box.x < borderMargin * w || box.x + box.width > (1 - borderMargin) * w
            || box.y < borderMargin * h || box.y + box.height > (1 - borderMargin) * h
        return [row * 3 + column] + (atBorder ? [positionNames.count] : [])
    }

    /// Plates the engine reported with a top-1 confidence from `minimumConfidence` to under
    /// `maximumConfidence`, and what they were.
    public struct ConfidenceBand: Sendable, Equatable, Codable {
        public var minimumConfidence: Double
        /// nil: no upper bound (1 included).
        public var maximumConfidence: Double?
        /// Reported plates in the band.
        public var reads = 0
        /// Of them, on an annotated plate and read exactly (top-1).
        public var exact = 0
        /// On an annotated plate, but misread.
        public var misread = 0
        /// On no annotated plate.
        public var falsePlates = 0

        public init(minimumConfidence: Double, maximumConfidence: Double?) {
            self.minimumConfidence = minimumConfidence
            self.maximumConfidence = maximumConfidence
        }

        public func contains(confidence: Double) -> Bool {
            confidence >= minimumConfidence && maximumConfidence.map { confidence < $0 } ?? true
        }
        /// The share of the band's reads that are exactly right.
        public var exactShare: Double { reads > 0 ? Double(exact) / Double(reads) : 0 }
    }

    /// The bands of `Report.byConfidence`. A reported read can be under the recogniser's
    /// `minimumConfidence` (0.2, which the first look must reach) when a second look's mean
    /// over its views falls under it, or when the detector is very sure of the plate
    /// (`PlateRecognizer.ConfidentDetections`); 0.97 is where the second look stops.
    public static let confidenceBands: [(lowerBound: Double, upperBound: Double?)] =
        [(0, 0.1), (0.1, 0.3), (0.3, 0.5), (0.5, 0.7), (0.7, 0.9), (0.9, 0.97), (0.97, nil)]

    /// The width bands of `Report.byWidth`, in image pixels: the engine is specified for plates
    /// 50 to 400 px wide in 720p/1080p frames, and reads the narrow end least well.
    public static let widthBands: [(lowerBound: Double, upperBound: Double?)] =
        [(0, 50), (50, 75), (75, 100), (100, 150), (150, 250), (250, 400), (400, nil)]

    /// The Wilson score interval for a proportion of `successes` in `trials` (z = 1.96: 95 %).
    ///
    /// A folder of a few hundred plates measures a rate only to a few points: 244 of 275 is
    /// 88.7 %, but any true rate from 84.4 to 91.9 % fits it. Unlike the normal approximation
    /// (p ± z·√(p(1−p)/n)) the interval stays inside 0...1 and is not empty at 0 or n of n,
    /// which is where an engine's recall sits. nil when `trials` is not positive or
    /// `successes` is outside 0...trials.
    public static func wilsonInterval(successes: Int, trials: Int, z: Double = 1.959963984540054) -> ClosedRange<Double>? {
        guard trials > 0, (0 ... trials).contains(successes) else { return nil }
        let n = Double(trials), p = Double(successes) / n, z2 = z * z
        let denominator = 1 + z2 / n
        let centre = (p + z2 / (2 * n)) / denominator
        let halfWidth = z * (p * (1 - p) / n + z2 / (4 * n * n)).squareRoot() / denominator
        // At 0 or n of n one bound is exactly 0 or 1; rounding must not move it off.
        let lower = successes == 0 ? 0 : max(0, centre - halfWidth)
        let upper = successes == trials ? 1 : min(1, centre + halfWidth)
        return lower ... upper
    }

    /// A plate the engine missed or misread, or a plate it reported where none is annotated:
    /// what `alpr evaluate --mistakes` lists so that errors can be looked at one by one.
    public struct Mistake: Sendable, Equatable, Codable {
        public enum Kind: String, Sendable, Codable {
            /// No prediction overlaps the annotated plate enough.
            case missed
            /// Found, but the best text is not the annotated one.
            case misread
            /// A prediction that overlaps no annotated plate.
            case falsePlate = "false-plate"
        }

        public var kind: Kind
        /// The annotated plate (normalised); nil for a false plate.
        public var expected: String?
        /// The engine's texts, best first (normalised); empty for a missed plate.
        public var read: [String]
        /// The annotated box (missed) or the engine's (misread, false plate).
        public var box: PlateBox
        /// The engine's corners of a misread or false plate, where it gave them; nil for a
        /// missed plate.
        public var corners: [ImagePoint]?

        public init(kind: Kind, expected: String?, read: [String], box: PlateBox, corners: [ImagePoint]? = nil) {
            self.kind = kind
            self.expected = expected
            self.read = read
            self.box = box
            self.corners = corners
        }
    }

    /// A prediction counts as finding an annotated plate at this IoU or more.
    public var iouThreshold: Double = 0.3
    /// Texts considered for top-k accuracy.
    public var topK = 5

    public init(iouThreshold: Double = 0.3, topK: Int = 5) {
        self.iouThreshold = iouThreshold
        self.topK = topK
    }

    /// Pairs annotations with predictions one-to-one, greedily by highest IoU at or above the
    /// threshold. Returns `(annotation index, prediction index)` pairs.
    public func match(_ annotations: [BenchmarkAnnotation], _ predictions: [Prediction]) -> [(annotation: Int, prediction: Int)] {
        var pairs: [(annotation: Int, prediction: Int, iou: Double)] = []
        for (a, annotation) in annotations.enumerated() {
            for (p, prediction) in predictions.enumerated() {
                let iou = annotation.box.intersectionOverUnion(prediction.box)
                if iou >= iouThreshold { pairs.append((a, p, iou)) }
            }
        }
        var usedAnnotations = Set<Int>(), usedPredictions = Set<Int>()
        var matches: [(annotation: Int, prediction: Int)] = []
        for pair in pairs.sorted(by: { $0.iou > $1.iou })
        where !usedAnnotations.contains(pair.annotation) && !usedPredictions.contains(pair.prediction) {
            usedAnnotations.insert(pair.annotation)
            usedPredictions.insert(pair.prediction)
            matches.append((pair.annotation, pair.prediction))
        }
        return matches
    }

    /// Adds one image's outcome to `report` and returns what it got wrong: missed and misread
    /// annotations in annotation order, then false plates in prediction order. `imageSize`,
    /// the frame's width and height as decoded, places the plates in `Report.byPosition`.
    @discardableResult
    public func accumulate(_ report: inout Report, annotations: [BenchmarkAnnotation], predictions: [Prediction],
                           imageSize: (width: Int, height: Int)? = nil) -> [Mistake] {
        report.images += 1
        report.plates += annotations.count
        let matches = match(annotations, predictions)
        report.detected += matches.count
        report.falsePlates += predictions.count - matches.count
        var mistakes: [Mistake] = []
        for (a, annotation) in annotations.enumerated() {
            let truth = Self.normalized(annotation.plate)
            let band = report.byWidth.firstIndex { $0.contains(width: annotation.box.width) }
            if let band { report.byWidth[band].plates += 1 }
            let positions = imageSize.map { Self.positionBands(of: annotation.box, width: $0.width, height: $0.height) } ?? []
            for position in positions { report.byPosition[position].plates += 1 }
            guard let p = matches.first(where: { $0.annotation == a })?.prediction else {
                mistakes.append(Mistake(kind: .missed, expected: truth, read: [], box: annotation.box))
                continue
            }
            if let band { report.byWidth[band].detected += 1 }
            for position in positions { report.byPosition[position].detected += 1 }
            let texts = predictions[p].texts.map(Self.normalized)
            let confidenceBand = Self.confidenceBand(of: predictions[p], in: report)
            if let confidenceBand { report.byConfidence[confidenceBand].reads += 1 }
            if texts.first == truth {
                report.top1Correct += 1
                if let band { report.byWidth[band].top1Correct += 1 }
                for position in positions { report.byPosition[position].top1Correct += 1 }
                if let confidenceBand { report.byConfidence[confidenceBand].exact += 1 }
            } else {
                if let confidenceBand { report.byConfidence[confidenceBand].misread += 1 }
                mistakes.append(Mistake(kind: .misread, expected: truth, read: Array(texts.prefix(topK)), box: predictions[p].box,
                                        corners: predictions[p].corners))
            }
            if texts.prefix(topK).contains(truth) { report.topKCorrect += 1 }
        }
        for (p, prediction) in predictions.enumerated() where !matches.contains(where: { $0.prediction == p }) {
            if let band = Self.confidenceBand(of: prediction, in: report) {
                report.byConfidence[band].reads += 1
                report.byConfidence[band].falsePlates += 1
            }
            mistakes.append(Mistake(kind: .falsePlate, expected: nil, read: Array(prediction.texts.map(Self.normalized).prefix(topK)),
                                    box: prediction.box, corners: prediction.corners))
        }
        return mistakes
    }

    /// The index of `prediction`'s band in `report.byConfidence`; nil without a confidence.
    static func confidenceBand(of prediction: Prediction, in report: Report) -> Int? {
        prediction.confidence.flatMap { c in report.byConfidence.firstIndex { $0.contains(confidence: c) } }
    }

    /// Scores whole images: `predictions[i]` and `milliseconds[i]` belong to `annotations[i]`.
    public func score(annotations: [[BenchmarkAnnotation]], predictions: [[Prediction]], milliseconds: [Double]) -> Report {
        var report = Report()
        for (truth, predicted) in zip(annotations, predictions) {
            accumulate(&report, annotations: truth, predictions: predicted)
        }
        report.medianMilliseconds = Self.median(milliseconds)
        return report
    }

    /// Plate comparison ignores case, spaces and punctuation.
    public static func normalized(_ plate: String) -> String {
        String(plate.uppercased().filter { $0.isASCII && ($0.isLetter || $0.isNumber) })
    }

    public static func median(_ values: [Double]) -> Double {
        guard !values.isEmpty else { return 0 }
        let sorted = values.sorted()
        let middle = sorted.count / 2
        return sorted.count % 2 == 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2
    }
}
