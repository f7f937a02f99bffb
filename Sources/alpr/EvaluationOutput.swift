import ALPRVision
import ArgumentParser
import Foundation

/// An earlier `alpr evaluate --json --mistakes` report, as `--baseline` reads it.
struct BaselineReport {
    var images: Int
    var plates: Int
    var mistakes: [EvaluationOutput.ImageMistake]

    static func load(_ path: String) throws -> BaselineReport {
        guard let data = FileManager.default.contents(atPath: path) else { throw ValidationError("--baseline: cannot read \(path).") }
        struct Totals: Decodable { var images: Int?; var plates: Int?; var mistakes: [EvaluationOutput.ImageMistake]? }
        let totals: Totals
        do {
            totals = try JSONDecoder().decode(Totals.self, from: data)
        } catch {
            throw ValidationError("--baseline: \(path) is not an alpr evaluate --json report (\(error)).")
        }
        guard let images = totals.images, let plates = totals.plates else {
            throw ValidationError("--baseline: \(path) is not an alpr evaluate --json report (no images and plates).")
        }
        guard let mistakes = totals.mistakes else {
            throw ValidationError("--baseline: \(path) has no mistake list; write it with alpr evaluate --json --mistakes.")
        }
        return BaselineReport(images: images, plates: plates, mistakes: mistakes)
    }
}

struct EvaluationOutput: Encodable {
    /// `--baseline`: the totals before and now and every plate that changed.
    struct Comparison: Encodable {
        struct Entry: Encodable {
            var file: String
            var plate: String
            var before: String
            var after: String

            init(_ change: EvaluationComparison.Change) {
                file = change.plate.file
                plate = change.plate.plate
                before = Self.describe(change.before)
                after = Self.describe(change.after)
            }

            static func describe(_ outcome: EvaluationComparison.Outcome) -> String {
                switch outcome {
                case .exact: "exact"
                case .missed: "missed"
                case .misread(let read): "misread " + (read ?? "?")
                }
            }
        }

        var baseline: String
        var exactBefore: Int
        var exactAfter: Int
        var foundBefore: Int
        var foundAfter: Int
        var falsePlatesBefore: Int
        var falsePlatesAfter: Int
        /// McNemar's exact two-sided p for the plates gained against those lost
        /// (`EvaluationComparison.exactChangeProbability`).
        var exactChangeP: Double
        var gained: [Entry]
        var lost: [Entry]
        var foundGained: [Entry]
        var foundLost: [Entry]

        init(baseline: String, earlier: BaselineReport, report: Evaluation.Report, comparison: EvaluationComparison) {
            self.baseline = baseline
            let missedBefore = earlier.mistakes.filter { $0.mistake.kind == .missed }.count
            let misreadBefore = earlier.mistakes.filter { $0.mistake.kind == .misread }.count
            exactBefore = earlier.plates - missedBefore - misreadBefore
            exactAfter = report.top1Correct
            foundBefore = earlier.plates - missedBefore
            foundAfter = report.detected
            falsePlatesBefore = comparison.falsePlatesBefore
            falsePlatesAfter = comparison.falsePlatesAfter
            exactChangeP = comparison.exactChangeProbability
            gained = comparison.gained.map(Entry.init)
            lost = comparison.lost.map(Entry.init)
            foundGained = comparison.foundGained.map(Entry.init)
            foundLost = comparison.foundLost.map(Entry.init)
        }

        /// The totals on one line, then one line per plate that changed.
        var text: String {
            var lines = ["against \(baseline): read exactly \(exactBefore) -> \(exactAfter) (\(gained.count) gained, \(lost.count) lost, "
                + String(format: "McNemar p %.2g), ", exactChangeP)
                + "found \(foundBefore) -> \(foundAfter) (\(foundGained.count) gained, \(foundLost.count) lost), "
                + "false plates \(falsePlatesBefore) -> \(falsePlatesAfter)"]
            for (label, entries) in [("gained", gained), ("lost", lost), ("found", foundGained), ("no longer found", foundLost)] {
                for entry in entries { lines.append("\(label)\t\(entry.file)\t\(entry.plate)\t\(entry.before) -> \(entry.after)") }
            }
            return lines.joined(separator: "\n")
        }
    }

    /// `--by-folder`: one folder's counts and rates.
    struct FolderReport: Encodable {
        var folder: String
        var images: Int
        var plates: Int
        var top1Correct: Int
        var topKCorrect: Int
        var detected: Int
        var falsePlates: Int
        var top1Accuracy: Double
        var topKAccuracy: Double
        var detectionRecall: Double
        var falsePlatesPerImage: Double
        var medianMilliseconds: Double

        init(folder: String, report: Evaluation.Report) {
            self.folder = folder
            images = report.images
            plates = report.plates
            top1Correct = report.top1Correct
            topKCorrect = report.topKCorrect
            detected = report.detected
            falsePlates = report.falsePlates
            top1Accuracy = report.top1Accuracy
            topKAccuracy = report.topKAccuracy
            detectionRecall = report.detectionRecall
            falsePlatesPerImage = report.falsePlatesPerImage
            medianMilliseconds = report.medianMilliseconds
        }
    }

    /// `--confusions`: misread plates, by edits (one, two, three or more), and each kind of
    /// edit (`expected` or `read` empty for a character missed or read in excess).
    struct Confusions: Encodable {
        var plates: Int
        var byEdits: [Int]
        var entries: [CharacterConfusions.Entry]

        init(_ confusions: CharacterConfusions) {
            plates = confusions.plates
            byEdits = confusions.byEdits
            entries = confusions.entries
        }
    }

    /// One hot-list hit for a plate not in view, and its image: `{"file", "hit": {...}}`.
    struct ImageHit: Encodable {
        var file: String
        var hit: OtherPlateHit
    }

    /// One entry of `--mistakes`: the image and what went wrong in it.
    struct ImageMistake: Codable {
        var file: String
        var mistake: Evaluation.Mistake

        init(file: String, mistake: Evaluation.Mistake) {
            self.file = file
            self.mistake = mistake
        }

        /// `file  kind  expected -> best (others)  at x,y wxh`, one line for the text listing.
        var line: String {
            let box = mistake.box
            let at = String(format: "at %.0f,%.0f %.0fx%.0f", box.x, box.y, box.width, box.height)
            let read = mistake.read.first.map { best in
                best + (mistake.read.count > 1 ? " (" + mistake.read.dropFirst().joined(separator: " ") + ")" : "")
            } ?? "-"
            return "\(file)\t\(mistake.kind.rawValue)\t\(mistake.expected ?? "-") -> \(read)\t\(at)"
        }

        func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(file, forKey: .file)
            try container.encode(mistake.kind, forKey: .kind)
            try container.encodeIfPresent(mistake.expected, forKey: .expected)
            try container.encode(mistake.read, forKey: .read)
            try container.encode(mistake.box, forKey: .box)
            try container.encodeIfPresent(mistake.corners.map { $0.map { [$0.x, $0.y] } }, forKey: .corners)
        }

        /// Reads an entry as `encode` writes it (`--baseline` reads an earlier report's list).
        init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            file = try container.decode(String.self, forKey: .file)
            let corners = try container.decodeIfPresent([[Double]].self, forKey: .corners)
            guard corners?.allSatisfy({ $0.count == 2 }) ?? true else {
                throw DecodingError.dataCorruptedError(forKey: .corners, in: container, debugDescription: "corners are [x, y] pairs")
            }
            mistake = Evaluation.Mistake(kind: try container.decode(Evaluation.Mistake.Kind.self, forKey: .kind),
                                         expected: try container.decodeIfPresent(String.self, forKey: .expected),
                                         read: try container.decode([String].self, forKey: .read),
                                         box: try container.decode(PlateBox.self, forKey: .box),
                                         corners: corners?.map { ImagePoint(x: $0[0], y: $0[1]) })
        }

        enum CodingKeys: String, CodingKey { case file, kind, expected, read, box, corners }
    }

    var images: Int
    var plates: Int
    var top1Accuracy: Double
    var topKAccuracy: Double
    var topK: Int
    var detectionRecall: Double
    /// 95 % Wilson intervals `[lower, upper]` of the three rates; absent without plates.
    var top1Interval: [Double]?
    var topKInterval: [Double]?
    var detectionRecallInterval: [Double]?
    var iou: Double
    var falsePlatesPerImage: Double
    var medianMilliseconds: Double
    /// The calling thread's CPU time per image (median), decoding included.
    var medianCPUMilliseconds: Double = 0
    /// The OpenBLAS kernels the products ran on (`BLASKernels.inUse`): timings compare only
    /// on the same kernels.
    var blasKernels = BLASKernels.inUse
    var unreadableImages: Int
    /// Images the decoder read with a warning (a damaged JPEG or PNG), scored as decoded.
    var damagedImages = 0
    var unannotatedImages: Int
    /// What a hot list of the annotated plates would have raised (`HotListAlertScore`).
    var hotList = HotListAlertScore()
    /// With `--mistakes`: every hot-list hit raised for a plate not in view.
    var otherPlateHits: [ImageHit]?
    /// With `--mistakes`: every missed, misread and false plate.
    var mistakes: [ImageMistake]?
    /// With `--by-width`: the counts by annotated plate width.
    var byWidth: [Evaluation.WidthBand]?
    /// With `--by-position`: the counts by where the plate lies in the frame.
    var byPosition: [Evaluation.PositionBand]?
    /// With `--by-confidence`: the reported plates by their confidence.
    var byConfidence: [Evaluation.ConfidenceBand]?
    /// With `--confusions`: the characters the misread plates were misread by.
    var confusions: Confusions?
    /// With `--by-folder`: each folder scored on its own, in the order given.
    var byFolder: [FolderReport]?
    /// With `--baseline`: the plates that changed against that report.
    var comparison: Comparison?

    init(report: Evaluation.Report, topK: Int, iou: Double, unreadableImages: Int, unannotatedImages: Int) {
        images = report.images
        plates = report.plates
        top1Accuracy = report.top1Accuracy
        topKAccuracy = report.topKAccuracy
        self.topK = topK
        detectionRecall = report.detectionRecall
        top1Interval = report.top1Interval.map { [$0.lowerBound, $0.upperBound] }
        topKInterval = report.topKInterval.map { [$0.lowerBound, $0.upperBound] }
        detectionRecallInterval = report.detectionRecallInterval.map { [$0.lowerBound, $0.upperBound] }
        self.iou = iou
        falsePlatesPerImage = report.falsePlatesPerImage
        medianMilliseconds = report.medianMilliseconds
        self.unreadableImages = unreadableImages
        self.unannotatedImages = unannotatedImages
    }
}
