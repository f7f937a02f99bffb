import ALPRVision
import ArgumentParser
import Foundation

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
