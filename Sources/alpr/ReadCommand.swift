import ALPRVision
import ArgumentParser
import Foundation

/// `alpr read IMAGE...` / `alpr read --dir DIR`: one JSON object per image on stdout.
///
/// An image that cannot be read gets an `{"file", "error"}` object in its place and the run
/// goes on; the exit status is then 1, once every image has been read.
struct ReadCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "read",
        abstract: "Read the plates in JPEG/PNG images; prints one JSON object per image and line.",
        discussion: "An image that cannot be read gets {\"file\", \"error\"} in its place and the others are still read; the exit status is then 1.")

    @Argument(help: "Image files (JPEG or PNG); '-' reads one image from standard input.")
    var images: [String] = []

    @Option(name: .long, help: "Read every JPEG/PNG image in this folder (models load once); hidden files are left out.")
    var dir: String?

    @Flag(name: .long, help: "With --dir, also read the images in its subfolders, in path order.")
    var recursive = false

    @Option(name: .long, help: "Models folder (default: $ALPR_MODELS, then ./Models, then the Models folder beside the alpr executable).")
    var models: String?

    @Flag(name: .customLong("stored-orientation"), help: "Read JPEGs as their pixels are stored, ignoring the EXIF orientation that turns them (for annotations made on the stored pixels).")
    var storedOrientation = false

    @Flag(name: .customLong("single-pass"), help: "Read each image once: skip reading an image with no plate found again as a plate cut out tight and turned 30 degrees each way (for batches of level camera frames, most of them plate-free, which those passes make about three times as slow).")
    var singlePass = false

    @Option(name: .long, help: "Alternative readings per plate.")
    var candidates: Int = 5

    @Option(name: .long, help: "Images read at once, each on its own core with its own copy of the models (output stays in file order).")
    var jobs: Int = 1

    func validate() throws {
        if images.isEmpty && dir == nil { throw ValidationError("Give image files or --dir.") }
        if recursive && dir == nil { throw ValidationError("--recursive reads the subfolders of --dir; give --dir.") }
        if images.filter({ $0 == "-" }).count > 1 { throw ValidationError("'-' (standard input) can be given once.") }
        if candidates < 1 { throw ValidationError("--candidates must be at least 1.") }
        try CommandLineInput.checkJobs(jobs)
    }

    func run() throws {
        BLASKernelChoice.warnOnStandardError()
        var options = PlateRecognizer.Options()
        options.candidateCount = candidates
        options.appliesEXIFOrientation = !storedOrientation
        if singlePass {
            options.tightCrops = nil
            options.turnedViews = nil
        }
        let modelsDirectory = ModelsDirectory.resolve(explicit: models)
        // Standard input is read to its end first and kept in a temporary file for the run;
        // its output says "-". A stream longer than any image gets an error in its place.
        var standardInput: URL?
        var standardInputTooLarge = false
        if images.contains("-") {
            let file = FileManager.default.temporaryDirectory.appendingPathComponent("alpr-read-\(UUID().uuidString)")
            standardInputTooLarge = try !Self.copyStandardInput(to: file, limit: Self.standardInputLimit)
            standardInput = file
        }
        defer { if let standardInput { try? FileManager.default.removeItem(at: standardInput) } }
        var files = images.map { $0 == "-" ? standardInput! : URL(fileURLWithPath: $0) }
        if let dir {
            let found = try ReadImageFolder.images(in: URL(fileURLWithPath: dir, isDirectory: true), recursive: recursive)
            if found.isEmpty {
                // Not an error (a watched folder may be empty), but say so rather than print nothing.
                FileHandle.standardError.write(Data("No JPEG or PNG images in \(dir)\(recursive ? " or its subfolders" : " (--recursive reads its subfolders)").\n".utf8))
            }
            files += found
        }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        let chosen = options
        var failures = 0
        try FileRecognition.recognize(files: files, jobs: jobs, makeRecognizer: {
            try PlateRecognizer(modelsDirectory: modelsDirectory, options: chosen)
        }) { result in
            let name = result.url == standardInput ? "-" : result.url.path
            let line: Data
            switch result.plates {
            case .success(let plates):
                line = try encoder.encode(ImageReadOutput(file: name, plates: plates.map(PlateOutput.init),
                                                          ms: rounded(result.timing.totalMilliseconds),
                                                          warning: result.decoderWarning.map { "damaged image, read as far as it decodes: \($0)" }))
            case .failure(let error):
                // A bad file is reported in place and the run goes on.
                let reason = result.url == standardInput && standardInputTooLarge
                    ? "standard input is larger than \(Self.standardInputLimit / 1024 / 1024) MiB, more than any image holds"
                    : "\(error)"
                line = try encoder.encode(ImageReadError(file: name, error: reason))
                failures += 1
            }
            FileHandle.standardOutput.write(line + Data("\n".utf8))
        }
        if failures > 0 { throw ExitCode(1) }
    }

    /// The most `alpr read -` takes from standard input. The decoder accepts at most 100 MP,
    /// which no JPEG or PNG of a photo comes near in 256 MiB; a stream piped in by mistake
    /// (a video, `/dev/zero`) stops here instead of filling the temporary folder.
    static let standardInputLimit = 256 * 1024 * 1024

    /// Copies standard input into `file` in 1 MiB chunks; false (and `file` left empty) when it
    /// holds more than `limit` bytes.
    static func copyStandardInput(to file: URL, limit: Int) throws -> Bool {
        guard FileManager.default.createFile(atPath: file.path, contents: nil) else {
            throw CocoaError(.fileWriteUnknown, userInfo: [NSFilePathErrorKey: file.path])
        }
        let output = try FileHandle(forWritingTo: file)
        defer { try? output.close() }
        var total = 0
        while let chunk = try FileHandle.standardInput.read(upToCount: 1 << 20), !chunk.isEmpty {
            total += chunk.count
            guard total <= limit else {
                try output.truncate(atOffset: 0)
                return false
            }
            try output.write(contentsOf: chunk)
        }
        return true
    }
}

/// JSON written by `alpr read` for one image.
struct ImageReadOutput: Encodable {
    var file: String
    var plates: [PlateOutput]
    var ms: Double
    /// Only for a damaged file the decoder read anyway (a JPEG with stray bytes or cut short, a PNG cut short).
    var warning: String?
}

struct ImageReadError: Encodable {
    var file: String
    var error: String
}

struct PlateOutput: Encodable {
    struct Box: Encodable { var x, y, width, height: Double }
    struct Candidate: Encodable { var text: String; var confidence: Double }

    var text: String
    var confidence: Double
    /// One per character of `text`, in order.
    var characterConfidences: [Double]
    var box: Box
    var corners: [[Double]]
    var candidates: [Candidate]

    init(_ plate: PlateResult) {
        text = plate.text
        confidence = rounded(Double(plate.confidence), places: 4)
        characterConfidences = plate.characterConfidences.map { rounded(Double($0), places: 4) }
        box = Box(x: rounded(plate.box.x), y: rounded(plate.box.y), width: rounded(plate.box.width), height: rounded(plate.box.height))
        corners = plate.corners.map { [rounded($0.x), rounded($0.y)] }
        candidates = plate.candidates.map { Candidate(text: $0.text, confidence: rounded(Double($0.confidence), places: 4)) }
    }
}

/// Keeps JSON short: coordinates and times to 0.1, confidences to 4 places.
private func rounded(_ value: Double, places: Int = 1) -> Double {
    let factor = pow(10, Double(places))
    return (value * factor).rounded() / factor
}

enum ReadImageFolder {
    /// JPEG and PNG files in `directory` (and, when `recursive`, in its subfolders), sorted by
    /// their path below it, hidden ones left out (`ImageFiles`).
    static func images(in directory: URL, recursive: Bool = false) throws -> [URL] {
        guard let paths = ImageFiles.relativePaths(in: directory, recursive: recursive) else {
            throw ValidationError("Cannot list \(directory.path): no such folder, or not one that can be read.")
        }
        return paths.map { directory.appendingPathComponent($0) }
    }
}
