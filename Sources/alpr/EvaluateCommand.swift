import ALPRVision
import ArgumentParser
import Foundation

/// `alpr evaluate DIR...`: scores recognition on folders annotated in the OpenALPR benchmark
/// format (`image.jpg` with `image.txt` holding `file x y w h PLATE` lines). Several folders are
/// scored as one set, as when the same plates are pasted into several draws of frames.
struct EvaluateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "evaluate",
        abstract: "Score plate reading on annotated folders (OpenALPR benchmark format).")

    @Argument(help: "Folders of images with same-named .txt annotations; several are scored as one set, their images named FOLDER/FILE in the lists.")
    var directories: [String] = []

    @Flag(name: .long, help: "Also score the images in the folders' subfolders, each subfolder holding images as if it had been named (hidden ones left out).")
    var recursive = false

    @Option(name: .long, help: "Models folder (default: $ALPR_MODELS, then ./Models, then the Models folder beside the alpr executable).")
    var models: String?

    @Flag(name: .customLong("stored-orientation"), help: "Read JPEGs as their pixels are stored, ignoring the EXIF orientation that turns them (for annotations made on the stored pixels).")
    var storedOrientation = false

    @Option(name: .customLong("top-k"), help: "Candidates counted for top-k accuracy.")
    var topK: Int = 5

    @Option(name: .long, help: "IoU at which a detection finds an annotated plate.")
    var iou: Double = 0.3

    @Option(name: .customLong("detection-threshold"), help: "Detector heatmap score for a plate (default: the model's).")
    var detectionThreshold: Float?

    @Flag(name: .customLong("no-refine"), help: "Use the detector's corners as they are (skip the corner refiner).")
    var noRefine = false

    @Flag(name: .customLong("no-coarse-pass"), help: "Run the detector at its main input size only (skip the coarse pass for wide plates).")
    var noCoarsePass = false

    @Flag(name: .customLong("no-exposure"), help: "Read dark frames as they are (skip the exposure correction).")
    var noExposure = false

    @Flag(name: .customLong("no-second-look"), help: "Read every plate once (skip the shifted re-reads of unsure plates).")
    var noSecondLook = false

    @Flag(name: .customLong("no-sharpened-view"), help: "Leave the sharpened view out of the second look.")
    var noSharpenedView = false

    @Flag(name: .customLong("no-width-views"), help: "Leave the views with the cut widened and narrowed out of the second look.")
    var noWidthViews = false

    @Flag(name: .customLong("no-motion-deblur"), help: "Read plates smeared sideways as they are (skip the second reading with the motion blur undone).")
    var noMotionDeblur = false

    @Option(name: .customLong("motion-deblur-from"), help: "Undo horizontal motion blurs at least this long, in OCR input pixels, from 2 to 20 (default: the engine's, 6).")
    var motionDeblurFrom: Int?

    @Option(name: .customLong("second-look-below"), help: "Read again (second look) the plates whose first read is less sure than this, from 0 to 1 (default: the engine's, 0.97).")
    var secondLookBelow: Float?

    @Flag(name: .customLong("no-unsure-detections"), help: "Read only detections at the detection threshold (skip the lower-scoring ones the OCR must confirm).")
    var noUnsureDetections = false

    @Flag(name: .customLong("no-confident-detections"), help: "Hold plates the detector is very sure of to the usual read confidence (drop them when the OCR is unsure of their text).")
    var noConfidentDetections = false

    @Flag(name: .long, help: "Keep two- and three-character reads the OCR is unsure of (skip the short-read check).")
    var keepShortReads = false

    @Flag(name: .long, help: "Keep reads of mostly I and 1 the OCR is unsure of, and reads of nothing but I and 1 (skip the stroke-read checks).")
    var keepStrokeReads = false

    @Flag(name: .customLong("no-tight-crops"), help: "Read an image with no plate found once only (skip reading it again as a plate cut out tight).")
    var noTightCrops = false

    @Flag(name: .customLong("no-large-tight-crops"), help: "Read only images of 1024 px or less again as plates cut out tight (skip shrinking larger ones to read them so).")
    var noLargeTightCrops = false

    @Flag(name: .customLong("no-turned-views"), help: "Read an image with no plate found without turning it (skip the views turned 30 degrees either way).")
    var noTurnedViews = false

    @Option(name: .customLong("min-candidate-confidence"), help: "Leave out alternatives less probable than this (the best reading is kept).")
    var minCandidateConfidence: Float?

    @Flag(name: .customLong("letter-o-outside-formats"), help: "Report a round glyph as the OCR read it, O or 0, in reads that fit no serial format (skip writing it 0).")
    var letterOOutsideFormats = false

    @Flag(name: .long, help: "Print the report as JSON.")
    var json = false

    @Flag(name: .long, help: "Also list every missed and misread plate and every false plate, per image.")
    var mistakes = false

    @Option(name: .customLong("mistake-images"), help: ArgumentHelp(
        "Write a picture of every missed, misread and false plate into this folder (created if needed).",
        discussion: "Each PNG shows the frame around the plate with its outline and, for a plate the engine reported, the plate as the OCR was given it; index.html shows them all with what was expected and read. Making them takes CPU time, which slows the timed reads when every core runs a job.",
        valueName: "folder"))
    var mistakeImages: String?

    @Flag(name: .customLong("by-width"), help: "Also break recall and top-1 accuracy down by the annotated plate's width in pixels.")
    var byWidth = false

    @Flag(name: .customLong("by-position"), help: "Also break recall and top-1 accuracy down by where the plate lies in the frame (thirds across and down, and at the border).")
    var byPosition = false

    @Flag(name: .customLong("by-confidence"), help: "Also break the reported plates down by their confidence: how many were read exactly, misread, or no plate.")
    var byConfidence = false

    @Flag(name: .long, help: "Also count, over the misread plates, each character read as another, missed or read in excess (best reading against label, fewest edits).")
    var confusions = false

    @Flag(name: .customLong("by-folder"), help: "Also score each folder on its own (when several are scored as one set).")
    var byFolder = false

    @Option(name: .long, help: ArgumentHelp(
        "Compare plate by plate with an earlier report of the same folders (written by --json --mistakes).",
        discussion: "Lists the plates read exactly or found now that were not in that report, and those lost.",
        valueName: "report.json"))
    var baseline: String?

    @Option(name: .customLong("hot-list-size"), help: "Pad the hot list of annotated plates with random plates to this many entries, to count hits raised for plates not in view (default: the annotated plates only).")
    var hotListSize: Int = 0

    @Option(name: .long, help: "Images read at once, one core each (per-image times compare only while every job has a core of its own).")
    var jobs: Int = 1

    func validate() throws {
        guard !directories.isEmpty else { throw ValidationError("Name at least one folder of annotated images.") }
        if let detectionThreshold, !(detectionThreshold > 0 && detectionThreshold < 1) {
            throw ValidationError("--detection-threshold must be between 0 and 1 (exclusive), got \(detectionThreshold).")
        }
        if let secondLookBelow, !(secondLookBelow > 0 && secondLookBelow <= 1) {
            throw ValidationError("--second-look-below must be more than 0 and at most 1, got \(secondLookBelow).")
        }
        if let minCandidateConfidence, !(minCandidateConfidence >= 0 && minCandidateConfidence <= 1) {
            throw ValidationError("--min-candidate-confidence must be between 0 and 1, got \(minCandidateConfidence).")
        }
        if secondLookBelow != nil && noSecondLook {
            throw ValidationError("--second-look-below and --no-second-look contradict each other: give one.")
        }
        if noSecondLook && (noSharpenedView || noWidthViews) {
            throw ValidationError("--no-second-look leaves every view out: --no-sharpened-view and --no-width-views say nothing more.")
        }
        if let motionDeblurFrom, !(2 ... MotionDeblur().maximumLength).contains(motionDeblurFrom) {
            throw ValidationError("--motion-deblur-from must be from 2 to \(MotionDeblur().maximumLength), got \(motionDeblurFrom).")
        }
        if motionDeblurFrom != nil && noMotionDeblur {
            throw ValidationError("--motion-deblur-from and --no-motion-deblur contradict each other: give one.")
        }
        guard topK >= 1 else { throw ValidationError("--top-k must be at least 1.") }
        try CommandLineInput.checkJobs(jobs)
        guard (0 ... 10_000_000).contains(hotListSize) else { throw ValidationError("--hot-list-size must be from 0 to 10000000, got \(hotListSize).") }
    }

    func run() throws {
        let earlier = try baseline.map(BaselineReport.load)
        let folders = try Self.folders(directories, recursive: recursive)
        let sets = try folders.map { try BenchmarkDataset(directory: URL(fileURLWithPath: $0, isDirectory: true)) }
        // An image is named by its file name alone when one folder is scored, else by FOLDER/FILE.
        let items = zip(folders, sets).enumerated().flatMap { folder, pair in
            pair.1.items.map { (item: $0, folder: folder,
                                name: folders.count == 1 ? $0.imageURL.lastPathComponent
                                                             : (pair.0 as NSString).appendingPathComponent($0.imageURL.lastPathComponent)) }
        }
        let unannotated = sets.reduce(0) { $0 + $1.unannotated.count }
        guard !items.isEmpty else { throw ValidationError(Self.nothingToScore(in: directories, recursive: recursive)) }
        if let earlier {
            let plates = items.reduce(0) { $0 + $1.item.annotations.count }
            guard earlier.images == items.count, earlier.plates == plates else {
                throw ValidationError("--baseline \(baseline ?? ""): that report scored \(earlier.images) images and \(earlier.plates) plates, "
                    + "these folders hold \(items.count) and \(plates); compare runs over the same folders.")
            }
        }
        var options = PlateRecognizer.Options()
        options.candidateCount = max(topK, 1)
        options.appliesEXIFOrientation = !storedOrientation
        options.detectionThreshold = detectionThreshold
        options.refineCorners = !noRefine
        options.coarsePass = !noCoarsePass
        if noExposure { options.exposure = nil }
        if noSecondLook { options.secondLook = nil }
        if noSharpenedView { options.secondLook?.sharpen = nil }
        if noWidthViews { options.secondLook?.widths = [] }
        if let secondLookBelow { options.secondLook?.below = secondLookBelow }
        if noMotionDeblur { options.motionDeblur = nil }
        if let motionDeblurFrom { options.motionDeblur?.minimumLength = motionDeblurFrom }
        if noUnsureDetections { options.unsureDetections = nil }
        if noConfidentDetections { options.confidentDetections = nil }
        if keepShortReads { options.shortReads = nil }
        if keepStrokeReads { options.strokeReads = nil }
        if noTightCrops { options.tightCrops = nil }
        if noLargeTightCrops { options.tightCrops?.shrinksLargerImages = false }
        if noTurnedViews { options.turnedViews = nil }
        if let minCandidateConfidence { options.minimumCandidateConfidence = minCandidateConfidence }
        if letterOOutsideFormats { options.formats?.zeroOutsideFormats = false }
        let modelsDirectory = ModelsDirectory.resolve(explicit: models), chosen = options
        let evaluation = Evaluation(iouThreshold: iou, topK: topK)
        var report = Evaluation.Report()
        let alertScorer = try HotListAlertScorer(annotatedPlates: items.flatMap { $0.item.annotations.map(\.plate) }, evaluation: evaluation,
                                                 size: hotListSize)
        var alerts = HotListAlertScore()
        var milliseconds: [Double] = [], cpuMilliseconds: [Double] = []
        var unreadable = 0, damaged = 0
        var listed: [EvaluationOutput.ImageMistake] = []
        var otherPlateHits: [EvaluationOutput.ImageHit] = []
        var characterConfusions = CharacterConfusions()
        var folderReports = [Evaluation.Report](repeating: Evaluation.Report(), count: folders.count)
        var folderMilliseconds = [[Double]](repeating: [], count: folders.count)
        let pictures = try mistakeImages.map { try MistakePictures(folder: $0, modelsDirectory: modelsDirectory) }
        var index = 0
        try FileRecognition.recognize(files: items.map(\.item.imageURL), jobs: jobs, keepImages: pictures != nil, makeRecognizer: {
            try PlateRecognizer(modelsDirectory: modelsDirectory, options: chosen)
        }) { result in
            let (item, folder, name) = items[index]
            index += 1
            var predictions: [Evaluation.Prediction] = []
            switch result.plates {
            case .success(let plates):
                predictions = plates.map(Evaluation.Prediction.init)
                if let warning = result.decoderWarning {
                    // Scored as decoded, as a viewer shows it; named so that it can be looked at.
                    damaged += 1
                    FileHandle.standardError.write(Data("\(name): damaged image, read as far as it decodes: \(warning)\n".utf8))
                }
                let others = alertScorer.accumulate(&alerts, annotations: item.annotations, plates: plates)
                if mistakes { otherPlateHits += others.map { EvaluationOutput.ImageHit(file: name, hit: $0) } }
                cpuMilliseconds.append(result.cpuMilliseconds)
                milliseconds.append(result.timing.totalMilliseconds)
                if byFolder { folderMilliseconds[folder].append(result.timing.totalMilliseconds) }
            case .failure(let error):
                unreadable += 1
                alertScorer.accumulate(&alerts, annotations: item.annotations, plates: [])
                FileHandle.standardError.write(Data("\(name): \(error)\n".utf8))
            }
            let found = evaluation.accumulate(&report, annotations: item.annotations, predictions: predictions, imageSize: result.imageSize)
            if byFolder {
                _ = evaluation.accumulate(&folderReports[folder], annotations: item.annotations, predictions: predictions, imageSize: result.imageSize)
            }
            for mistake in found where confusions && mistake.kind == .misread {
                if let expected = mistake.expected, let read = mistake.read.first { characterConfusions.add(expected: expected, read: read) }
            }
            pictures?.write(found, in: result.image, named: name)
            if mistakes || earlier != nil {
                listed += found.map { EvaluationOutput.ImageMistake(file: name, mistake: $0) }
            }
        }
        report.medianMilliseconds = Evaluation.median(milliseconds)
        let comparison = earlier.map { earlier in
            EvaluationOutput.Comparison(baseline: baseline ?? "", earlier: earlier, report: report,
                                               comparison: EvaluationComparison(baseline: earlier.mistakes.map { ($0.file, $0.mistake) },
                                                                                current: listed.map { ($0.file, $0.mistake) }))
        }
        for folder in folderReports.indices { folderReports[folder].medianMilliseconds = Evaluation.median(folderMilliseconds[folder]) }
        let medianCPU = Evaluation.median(cpuMilliseconds)
        try pictures?.writeIndex(title: "alpr evaluate: mistakes in " + folders.map { URL(fileURLWithPath: $0).lastPathComponent }.joined(separator: ", "))
        if json {
            var output = EvaluationOutput(report: report, topK: topK, iou: iou, unreadableImages: unreadable,
                                          unannotatedImages: unannotated)
            output.damagedImages = damaged
            output.medianCPUMilliseconds = medianCPU
            output.hotList = alerts
            if mistakes {
                output.mistakes = listed
                output.otherPlateHits = otherPlateHits
            }
            if byWidth { output.byWidth = report.byWidth }
            if byPosition { output.byPosition = report.byPosition }
            if byConfidence { output.byConfidence = report.byConfidence }
            if confusions { output.confusions = EvaluationOutput.Confusions(characterConfusions) }
            if byFolder { output.byFolder = zip(folders, folderReports).map { EvaluationOutput.FolderReport(folder: $0, report: $1) } }
            output.comparison = comparison
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys, .prettyPrinted]
            FileHandle.standardOutput.write(try encoder.encode(output) + Data("\n".utf8))
        } else {
            if mistakes {
                for entry in listed { print(entry.line) }
                for entry in otherPlateHits { print("\(entry.file)\thot-list hit for another plate\t\(entry.hit.line)") }
                if !listed.isEmpty || !otherPlateHits.isEmpty { print("") }
            }
            print(table(report, cpu: medianCPU, unreadable: unreadable, damaged: damaged, unannotated: unannotated))
            print(alerts.line)
            if byWidth { print("\n" + Self.widthTable(report.byWidth)) }
            if byPosition { print("\n" + Self.positionTable(report.byPosition)) }
            if byConfidence { print("\n" + Self.confidenceTable(report.byConfidence, plates: report.plates)) }
            if confusions { print("\n" + Self.confusionTable(characterConfusions)) }
            if byFolder { print("\n" + Self.folderTable(zip(folders, folderReports).map { ($0, $1) }, topK: topK)) }
            if let comparison { print("\n" + comparison.text) }
        }
    }

    private func table(_ report: Evaluation.Report, cpu: Double, unreadable: Int, damaged: Int, unannotated: Int) -> String {
        func percent(_ value: Double) -> String { String(format: "%6.1f %%", value * 100) }
        func interval(_ range: ClosedRange<Double>?) -> String {
            range.map { String(format: "  95 %% CI %.1f-%.1f %%", $0.lowerBound * 100, $0.upperBound * 100) } ?? ""
        }
        let notes = [unreadable > 0 ? "\(unreadable) unreadable" : nil,
                     damaged > 0 ? "\(damaged) damaged, read as far as they decode" : nil].compactMap { $0 }
        var lines = [
            "images                 \(report.images)" + (notes.isEmpty ? "" : " (" + notes.joined(separator: ", ") + ")"),
            "annotated plates       \(report.plates)",
            "top-1 accuracy         \(percent(report.top1Accuracy))  (\(report.top1Correct)/\(report.plates))" + interval(report.top1Interval),
            "top-\(topK) accuracy         \(percent(report.topKAccuracy))  (\(report.topKCorrect)/\(report.plates))" + interval(report.topKInterval),
            "detection recall@\(iou)  \(percent(report.detectionRecall))  (\(report.detected)/\(report.plates))"
                + interval(report.detectionRecallInterval),
            "false plates / image   " + String(format: "%.3f", report.falsePlatesPerImage) + "  (\(report.falsePlates))",
            "median ms / image      " + String(format: "%.1f", report.medianMilliseconds),
            "median CPU ms / image  " + String(format: "%.1f", cpu),
        ]
        if unannotated > 0 { lines.append("skipped (no .txt)      \(unannotated)") }
        return lines.joined(separator: "\n")
    }
}
