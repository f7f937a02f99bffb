import ALPRVision
import Foundation

/// The text tables `alpr evaluate` prints, and how it finds the folders it scores.
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

    /// `position  plates  recall  top-1`, one row per part of the frame that has plates.
    static func positionTable(_ bands: [Evaluation.PositionBand]) -> String {
        var lines = ["plate position   plates   recall    top-1"]
        for band in bands where band.plates > 0 {
            lines.append(band.position.padding(toLength: 15, withPad: " ", startingAt: 0)
                + String(format: "%8d %7.1f %% %7.1f %%", band.plates, band.detectionRecall * 100, band.top1Accuracy * 100))
        }
        return lines.joined(separator: "\n")
    }

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
