import Foundation

/// One annotated plate of the OpenALPR benchmark format: a line `file x y w h PLATE`
/// (tab or space separated) in `image.txt` next to `image.jpg`.
public struct BenchmarkAnnotation: Sendable, Equatable {
    public var file: String
    public var box: PlateBox
    public var plate: String

    public init(file: String, box: PlateBox, plate: String) {
        self.file = file
        self.box = box
        self.plate = plate
    }

    /// Parses every non-blank line; `source` names the file in errors.
    ///
    /// A file name may hold spaces: in a tab-separated line the fields are the tab-separated
    /// parts; otherwise the box is the first four numbers after the name's first word, so
    /// `my car.jpg 10 20 90 40 ABC 123` is `my car.jpg` with plate `ABC123`.
    public static func parse(_ text: String, source: String) throws -> [BenchmarkAnnotation] {
        var annotations: [BenchmarkAnnotation] = []
        for (offset, line) in text.split(omittingEmptySubsequences: false, whereSeparator: \.isNewline).enumerated() {
            let words = line.split(whereSeparator: { $0 == " " || $0 == "\t" }).map(String.init)
            if words.isEmpty { continue }
            guard words.count >= 6 else {
                throw VisionError.invalidAnnotation(file: source, line: offset + 1, reason: "expected 'file x y w h PLATE', got \(words.count) fields")
            }
            let tabbed = line.split(separator: "\t").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
            let fields: [String]
            if tabbed.count >= 6 {
                fields = tabbed
            } else if let box = (1 ... words.count - 5).first(where: { start in words[start ..< start + 4].allSatisfy { Double($0) != nil } }) {
                fields = [words[..<box].joined(separator: " ")] + words[box...]
            } else {
                fields = words
            }
            let numbers = fields[1 ... 4].compactMap { Double($0) }
            guard numbers.count == 4, numbers[2] > 0, numbers[3] > 0 else {
                throw VisionError.invalidAnnotation(file: source, line: offset + 1, reason: "box must be four numbers with positive size")
            }
            annotations.append(BenchmarkAnnotation(
                file: fields[0], box: PlateBox(x: numbers[0], y: numbers[1], width: numbers[2], height: numbers[3]),
                plate: fields[5...].joined().filter { !$0.isWhitespace }))
        }
        return annotations
    }
}

/// An annotated folder: every JPEG/PNG with a same-named `.txt` beside it.
public struct BenchmarkDataset: Sendable {
    public struct Item: Sendable {
        public var imageURL: URL
        public var annotations: [BenchmarkAnnotation]
    }

    public var items: [Item]
    /// Images found without an annotation file (not scored).
    public var unannotated: [URL]

    public init(directory: URL) throws {
        // Hidden files are left out (`ImageFiles`): a `._car1.jpg` / `._car1.txt` pair, written
        // beside every file copied from a Mac, is neither an image nor an annotation.
        guard let names = ImageFiles.relativePaths(in: directory, recursive: false) else {
            throw VisionError.invalidAnnotation(file: directory.path, line: 0, reason: "cannot list the folder")
        }
        var items: [Item] = [], unannotated: [URL] = []
        for name in names {
            let imageURL = directory.appendingPathComponent(name)
            let annotationURL = imageURL.deletingPathExtension().appendingPathExtension("txt")
            guard FileManager.default.fileExists(atPath: annotationURL.path) else {
                unannotated.append(imageURL)
                continue
            }
            let text = try Self.annotationText(at: annotationURL)
            items.append(Item(imageURL: imageURL, annotations: try BenchmarkAnnotation.parse(text, source: annotationURL.path)))
        }
        self.items = items
        self.unannotated = unannotated
    }

    /// The paths below `directory` of every folder in it that directly holds a JPEG or PNG
    /// image, `""` for `directory` itself, in path order (`""` first), hidden files and folders
    /// left out (`ImageFiles`): what `alpr evaluate --recursive` scores, each folder as if it
    /// had been named.
    public static func imageFolders(under directory: URL) throws -> [String] {
        guard let images = ImageFiles.relativePaths(in: directory, recursive: true) else {
            throw VisionError.invalidAnnotation(file: directory.path, line: 0, reason: "cannot list the folder")
        }
        return Set(images.map { ($0 as NSString).deletingLastPathComponent }).sorted()
    }

    /// An annotation file's text: UTF-8, or else ISO 8859-1 (older tools write file names with
    /// accents in it), so that such a file is scored rather than taken for a missing one.
    static func annotationText(at url: URL) throws -> String {
        guard let data = try? Data(contentsOf: url) else {
            throw VisionError.invalidAnnotation(file: url.path, line: 0, reason: "cannot read the file")
        }
        // Every byte is a character of ISO 8859-1, with the Unicode scalar of the same number.
        return String(data: data, encoding: .utf8) ?? String(String.UnicodeScalarView(data.map { Unicode.Scalar($0) }))
    }
}
