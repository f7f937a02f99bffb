import Foundation
import Testing
@testable import ALPRVision

@Suite("Reading many files")
struct FileRecognitionTests {
    /// Eleven synthetic plates and an unreadable file among them, in a folder with the
    /// synthetic detector and OCR.
    static func folder() throws -> (directory: URL, files: [URL], texts: [String?]) {
        let directory = try makeTemporaryDirectory()
        try SyntheticModels.writeDetectorAndOCR(to: directory)
        var files: [URL] = [], texts: [String?] = []
        let spellings = ["123ABC", "ABC123", "777AAA", "B2C3", "9Z9Z9", "A1B2C3", "CCC999", "12AB", "XYZ1", "5A5A5", "QRS456"]
        for (index, text) in spellings.enumerated() {
            if index == 4 {
                let bad = directory.appendingPathComponent("frame04-bad.png")
                try Data("not an image".utf8).write(to: bad)
                files.append(bad)
                texts.append(nil)
            }
            let url = directory.appendingPathComponent(String(format: "frame%02d.png", index))
            try ImageEncoder.png(SyntheticModels.plateImage(steps: SyntheticModels.steps(spelling: text))).write(to: url)
            files.append(url)
            texts.append(text)
        }
        return (directory, files, texts)
    }

    static func recognizer(_ directory: URL) throws -> PlateRecognizer {
        try SyntheticModels.firstLookRecognizer(directory)
    }

    @Test("results come in file order with a failed file in its place, whatever the number of jobs", arguments: [1, 2, 3, 16])
    func orderAndFailures(jobs: Int) throws {
        let (directory, files, texts) = try Self.folder()
        defer { try? FileManager.default.removeItem(at: directory) }
        var delivered: [URL] = [], read: [String?] = []
        try FileRecognition.recognize(files: files, jobs: jobs, makeRecognizer: { try Self.recognizer(directory) }) { result in
            delivered.append(result.url)
            switch result.plates {
            case .success(let plates):
                read.append(plates.map(\.text).joined(separator: ","))
                #expect(result.timing.totalMilliseconds > 0 && result.cpuMilliseconds > 0)
            case .failure(let error):
                read.append(nil)
                #expect(error is VisionError)
            }
        }
        #expect(delivered == files)
        #expect(read == texts)
    }

    @Test("a recogniser that cannot be made fails the run with its error")
    func loadFailure() throws {
        let (directory, files, _) = try Self.folder()
        defer { try? FileManager.default.removeItem(at: directory) }
        let missing = directory.appendingPathComponent("no-models")
        for jobs in [1, 3] {
            var delivered = 0
            #expect(throws: (any Error).self) {
                try FileRecognition.recognize(files: files, jobs: jobs, makeRecognizer: { try PlateRecognizer(modelsDirectory: missing) }) { _ in
                    delivered += 1
                }
            }
            #expect(delivered == 0)
        }
    }

    @Test("asked to, each result carries the frame as decoded, and only then", arguments: [1, 3])
    func keptImages(jobs: Int) throws {
        let (directory, files, texts) = try Self.folder()
        defer { try? FileManager.default.removeItem(at: directory) }
        for keep in [false, true] {
            var delivered = 0
            try FileRecognition.recognize(files: files, jobs: jobs, keepImages: keep, makeRecognizer: { try Self.recognizer(directory) }) { result in
                let readable = texts[delivered] != nil
                delivered += 1
                if keep && readable {
                    #expect(result.image == (try? ImageDecoder.decode(contentsOf: result.url)), "\(result.url.lastPathComponent)")
                    #expect(result.image != nil)
                } else {
                    #expect(result.image == nil, "\(result.url.lastPathComponent): kept \(keep)")
                }
            }
            #expect(delivered == files.count)
        }
    }

    @Test("an error thrown while delivering stops the run after the workers finish their file")
    func deliveryFailure() throws {
        let (directory, files, _) = try Self.folder()
        defer { try? FileManager.default.removeItem(at: directory) }
        struct Stop: Error {}
        var delivered = 0
        #expect(throws: Stop.self) {
            try FileRecognition.recognize(files: files, jobs: 3, makeRecognizer: { try Self.recognizer(directory) }) { _ in
                delivered += 1
                if delivered == 2 { throw Stop() }
            }
        }
        #expect(delivered == 2)
    }
}
