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

    @OptionGroup(title: "Engine switches (to measure what each part of the engine gives)")
    var engine: EngineSwitches

    func validate() throws {
        guard !directories.isEmpty else { throw ValidationError("Name at least one folder of annotated images.") }
        guard topK >= 1 else { throw ValidationError("--top-k must be at least 1.") }
        try CommandLineInput.checkJobs(jobs)
        guard (0 ... 10_000_000).contains(hotListSize) else { throw ValidationError("--hot-list-size must be from 0 to 10000000, got \(hotListSize).") }
    }

    func run() throws {
        BLASKernelChoice.warnOnStandardError()
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
        engine.apply(to: &options)
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
            "OpenBLAS kernels       " + BLASKernels.inUse,
        ]
        if unannotated > 0 { lines.append("skipped (no .txt)      \(unannotated)") }
        return lines.joined(separator: "\n")
    }
}
