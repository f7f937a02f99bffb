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
        LargeImageBuffers.keepInHeap()
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

/// `alpr evaluate --mistake-images`: one PNG per mistake (`MistakeView`), numbered in the
/// order `--mistakes` lists them, and `index.html`, a page that shows them all with what was
/// expected and read.
final class MistakePictures {
    /// One mistake as the page lists it; `picture` is nil where none could be made.
    struct Entry {
        var number: Int
        var file: String
        var mistake: Evaluation.Mistake
        var picture: String?
    }

    static let indexName = "index.html"

    let folder: URL
    /// Only its margin and input size are used: the view of what the OCR was given.
    let ocr: PlateOCR
    private(set) var entries: [Entry] = []

    init(folder path: String, modelsDirectory: URL) throws {
        folder = URL(fileURLWithPath: path, isDirectory: true)
        do {
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        } catch {
            throw ValidationError("--mistake-images: cannot create the folder \(path): \(error.localizedDescription)")
        }
        ocr = try PlateOCR(directory: modelsDirectory)
    }

    /// Writes the pictures of one image's mistakes, `image` the frame as the engine decoded it
    /// (nil when it could not be: its mistakes are listed on the page without a picture), named
    /// `file` on the page (its file name, or FOLDER/FILE when several folders are scored); a
    /// picture that cannot be made is reported on standard error and the run goes on.
    func write(_ mistakes: [Evaluation.Mistake], in image: RGBImage?, named file: String) {
        guard !mistakes.isEmpty else { return }
        if image == nil { FileHandle.standardError.write(Data("\(file): no mistake pictures: the image could not be read\n".utf8)) }
        for mistake in mistakes {
            var entry = Entry(number: entries.count + 1, file: file, mistake: mistake)
            if let image {
                let name = MistakeView.fileName(number: entry.number, mistake: mistake, imageFile: file)
                do {
                    let cut = try mistake.corners.map { try ocr.view(of: image, corners: $0) }
                    let picture = try MistakeView.render(mistake, in: image, cut: cut)
                    try ImageEncoder.png(picture).write(to: folder.appendingPathComponent(name))
                    entry.picture = name
                } catch {
                    FileHandle.standardError.write(Data("\(file): cannot write \(name): \(error)\n".utf8))
                }
            }
            entries.append(entry)
        }
    }

    /// Writes `index.html` (also when there are no mistakes, so that a page from an earlier
    /// run is not taken for this one's).
    func writeIndex(title: String) throws {
        try Data(Self.indexPage(title: title, entries: entries).utf8).write(to: folder.appendingPathComponent(Self.indexName))
    }

    /// The page: one figure per mistake, its picture and a caption with the number, the kind,
    /// the image file, the label and the engine's texts (best first). All text is escaped.
    static func indexPage(title: String, entries: [Entry]) -> String {
        let falsePlates = entries.filter { $0.mistake.kind == .falsePlate }.count
        var html = """
            <!DOCTYPE html>
            <html lang="en"><head><meta charset="utf-8"><title>\(escaped(title))</title>
            <style>body{font:14px sans-serif;margin:1em;background:#222;color:#eee}figure{display:inline-block;vertical-align:top;\
            margin:0 1em 1em 0;width:528px}img{max-width:100%}figcaption{margin-top:.3em}.missed{color:#fd0}.misread,.false-plate{color:#4e4}\
            code{font-size:15px}</style></head><body>
            <h1>\(escaped(title))</h1>
            <p>\(entries.count) mistake\(entries.count == 1 ? "" : "s"): \
            \(entries.filter { $0.mistake.kind == .missed }.count) missed, \
            \(entries.filter { $0.mistake.kind == .misread }.count) misread, \
            \(falsePlates) false plate\(falsePlates == 1 ? "" : "s").</p>

            """
        for entry in entries {
            let mistake = entry.mistake
            var caption = "\(entry.number). <span class=\"\(mistake.kind.rawValue)\">\(mistake.kind.rawValue)</span> in \(escaped(entry.file))"
            if let expected = mistake.expected { caption += ": <code>\(escaped(expected))</code>" }
            if let best = mistake.read.first {
                caption += " read <code>\(escaped(best))</code>"
                if mistake.read.count > 1 { caption += " (" + mistake.read.dropFirst().map { escaped($0) }.joined(separator: ", ") + ")" }
            }
            let picture = entry.picture.map { "<img src=\"\(escaped($0))\" alt=\"\(escaped(mistake.expected ?? mistake.read.first ?? ""))\" loading=\"lazy\">" }
                ?? "<p>(no picture: the image could not be read)</p>"
            html += "<figure>\(picture)<figcaption>\(caption)</figcaption></figure>\n"
        }
        return html + "</body></html>\n"
    }

    static func escaped(_ text: String) -> String {
        var result = ""
        for character in text {
            switch character {
            case "&": result += "&amp;"
            case "<": result += "&lt;"
            case ">": result += "&gt;"
            case "\"": result += "&quot;"
            case "'": result += "&#39;"
            default: result.append(character)
            }
        }
        return result
    }
}

extension EvaluateCommand {
    /// `plate width  plates  recall  top-1`, one row per band that has plates.
    static func widthTable(_ bands: [Evaluation.WidthBand]) -> String {
        var lines = ["plate width px   plates   recall    top-1"]
        for band in bands where band.plates > 0 {
            let range = band.maximumWidth.map { String(format: "%.0f-%.0f", band.minimumWidth, $0) } ?? String(format: "%.0f+", band.minimumWidth)
            lines.append(range.padding(toLength: 15, withPad: " ", startingAt: 0)
                + String(format: "%8d %7.1f %% %7.1f %%", band.plates, band.detectionRecall * 100, band.top1Accuracy * 100))
        }
        return lines.joined(separator: "\n")
    }
}

extension EvaluateCommand {
    /// `position  plates  recall  top-1`, one row per part of the frame that has plates.
    static func positionTable(_ bands: [Evaluation.PositionBand]) -> String {
        var lines = ["plate position   plates   recall    top-1"]
        for band in bands where band.plates > 0 {
            lines.append(band.position.padding(toLength: 15, withPad: " ", startingAt: 0)
                + String(format: "%8d %7.1f %% %7.1f %%", band.plates, band.detectionRecall * 100, band.top1Accuracy * 100))
        }
        return lines.joined(separator: "\n")
    }
}

extension EvaluateCommand {
    /// One row per confidence band with reads (`reads  exact  misread  false  exact share`),
    /// then, for each band's lower bound as a minimum confidence, what reads at or above it
    /// would keep: their number, the share of them exactly right, and the share of all
    /// annotated plates they read exactly.
    static func confidenceTable(_ bands: [Evaluation.ConfidenceBand], plates: Int) -> String {
        func range(_ band: Evaluation.ConfidenceBand) -> String {
            (band.maximumConfidence.map { String(format: "%.2f-%.2f", band.minimumConfidence, $0) }
                ?? String(format: "%.2f-1", band.minimumConfidence)).padding(toLength: 12, withPad: " ", startingAt: 0)
        }
        var lines = ["confidence    reads   exact misread   false   exact share"]
        for band in bands where band.reads > 0 {
            lines.append(range(band) + String(format: "%7d %7d %7d %7d %9.1f %%", band.reads, band.exact, band.misread, band.falsePlates,
                                              band.exactShare * 100))
        }
        lines.append("")
        lines.append("at least      reads   exactly right   plates read exactly")
        for (index, band) in bands.enumerated() where band.reads > 0 {
            let kept = bands[index...]
            let reads = kept.map(\.reads).reduce(0, +), exact = kept.map(\.exact).reduce(0, +)
            lines.append(String(format: "%-12.2f %6d %13.1f %% %18.1f %%", band.minimumConfidence, reads,
                                reads > 0 ? Double(exact) / Double(reads) * 100 : 0, plates > 0 ? Double(exact) / Double(plates) * 100 : 0))
        }
        return lines.joined(separator: "\n")
    }

    /// The folders scored: those named, or with `recursive` every folder below them that holds
    /// images, in path order (a named folder whose images are all in subfolders drops out).
    static func folders(_ named: [String], recursive: Bool) throws -> [String] {
        guard recursive else { return named }
        var folders: [String] = []
        for folder in named {
            for relative in try BenchmarkDataset.imageFolders(under: URL(fileURLWithPath: folder, isDirectory: true)) {
                let name = relative.isEmpty ? folder : (folder as NSString).appendingPathComponent(relative)
                if !folders.contains(name) { folders.append(name) }
            }
        }
        return folders
    }

    /// Why nothing can be scored, naming subfolders that hold images when `--recursive` was not given.
    static func nothingToScore(in folders: [String], recursive: Bool) -> String {
        let named = folders.joined(separator: ", ")
        guard !recursive else { return "No annotated images in \(named) or their subfolders." }
        let below = folders.flatMap { folder in
            ((try? BenchmarkDataset.imageFolders(under: URL(fileURLWithPath: folder, isDirectory: true))) ?? []).filter { !$0.isEmpty }
        }
        guard !below.isEmpty else { return "No annotated images in \(named)." }
        let names = below.prefix(3).map { ($0 as NSString).lastPathComponent }.joined(separator: ", ") + (below.count > 3 ? ", ..." : "")
        return "No annotated images in \(named), but its subfolders hold images (\(names)): name them, or add --recursive."
    }

    /// `--by-folder` as text: one row per folder (plates read exactly, in the top k, found,
    /// false plates, images, median ms); a folder without plates has no rates.
    static func folderTable(_ folders: [(folder: String, report: Evaluation.Report)], topK: Int) -> String {
        let width = max(6, folders.map(\.folder.count).max() ?? 0) + 2
        var lines = ["folder".padding(toLength: width, withPad: " ", startingAt: 0)
            + "plates   top-1           top-\(topK)           found           false   images   median ms"]
        func share(_ count: Int, _ plates: Int) -> String {
            plates > 0 ? String(format: "%5d %5.1f %%", count, Double(count) / Double(plates) * 100) : "    -        "
        }
        for (folder, report) in folders {
            lines.append(folder.padding(toLength: width, withPad: " ", startingAt: 0)
                + String(format: "%6d   ", report.plates) + share(report.top1Correct, report.plates) + "    "
                + share(report.topKCorrect, report.plates) + "    " + share(report.detected, report.plates)
                + String(format: "    %5d   %6d   %9.1f", report.falsePlates, report.images, report.medianMilliseconds))
        }
        return lines.joined(separator: "\n")
    }

    /// `--confusions` as text: the misread plates by edits, then one line per kind of edit.
    static func confusionTable(_ confusions: CharacterConfusions) -> String {
        let byEdits = confusions.byEdits
        var lines = ["misread plates: \(confusions.plates) "
            + "(1 edit from the label: \(byEdits[0]), 2 edits: \(byEdits[1]), 3 or more: \(byEdits[2]))"]
        let entries = confusions.entries
        guard !entries.isEmpty else { return lines[0] }
        lines.append("label  read   count  plates")
        for entry in entries {
            func shown(_ character: String) -> String { (character.isEmpty ? "-" : character).padding(toLength: 7, withPad: " ", startingAt: 0) }
            lines.append(shown(entry.expected) + shown(entry.read) + String(entry.count).padding(toLength: 7, withPad: " ", startingAt: 0)
                         + entry.examples.joined(separator: ", "))
        }
        return lines.joined(separator: "\n")
    }
}

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
