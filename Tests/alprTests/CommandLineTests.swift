import ALPRTestSupport
import ALPRVision
import Foundation
import Testing

/// `alpr read` and `alpr evaluate` as a user runs them: the built executable, the shipped
/// models, and frames of the demo clip (`Demo/sample-720p.mp4`, made by
/// `training/make_demo_clip.py`, whose plates are known) cut out by ffmpeg.
@Suite("alpr read and alpr evaluate")
struct CommandLineTests {
    @Test("read prints one JSON object per image in order, an error object for a bad file, and exits 1")
    func readFiles() throws {
        let folder = try DemoFrames()
        defer { folder.remove() }
        let notAnImage = try folder.write("notes.txt", "not an image")
        let missing = folder.url.appending(path: "missing.jpg")

        let run = try Alpr.run(["read", folder.ktn.path, notAnImage.path, missing.path, folder.url.path, folder.mpr.path,
                                "--models", Alpr.models.path])
        #expect(run.status == 1, "a file that could not be read makes the exit status 1")
        let lines = try run.jsonLines()
        try #require(lines.count == 5)
        #expect(lines.map { $0["file"] as? String } == [folder.ktn.path, notAnImage.path, missing.path, folder.url.path, folder.mpr.path])

        try checkPlate(lines[0], reads: "KTN4827", near: DemoFrames.ktnBox)
        try checkPlate(lines[4], reads: "MPR2250", near: DemoFrames.mprBox)
        for failed in lines[1 ... 3] {
            #expect(Set(failed.keys) == ["file", "error"])
            #expect(!((failed["error"] as? String) ?? "").isEmpty)
        }
        // Each says why: not an image, no such file, a folder.
        #expect((lines[1]["error"] as? String)?.contains("unsupported image format") == true, "\(lines[1])")
        #expect((lines[2]["error"] as? String)?.hasSuffix("missing.jpg: no such file") == true, "\(lines[2])")
        #expect((lines[3]["error"] as? String)?.contains("it is a folder (alpr read --dir") == true, "\(lines[3])")
    }

    @Test("read - reads an image from standard input")
    func readStandardInput() throws {
        let folder = try DemoFrames()
        defer { folder.remove() }
        let run = try Alpr.run(["read", "-", folder.mpr.path, "--models", Alpr.models.path], standardInput: try Data(contentsOf: folder.ktn))
        #expect(run.status == 0, "\(run.standardError)")
        let lines = try run.jsonLines()
        try #require(lines.count == 2)
        #expect(lines[0]["file"] as? String == "-")
        try checkPlate(lines[0], reads: "KTN4827", near: DemoFrames.ktnBox)
        try checkPlate(lines[1], reads: "MPR2250", near: DemoFrames.mprBox)

        let garbage = try Alpr.run(["read", "-", "--models", Alpr.models.path], standardInput: Data("no image here".utf8))
        #expect(garbage.status == 1)
        let failed = try garbage.jsonLines()
        #expect(failed.count == 1 && failed.first?["file"] as? String == "-" && failed.first?["error"] != nil)
        #expect(try Alpr.run(["read", "-", "-"]).standardError.contains("once"))
    }

    @Test("read - stops at 256 MiB of standard input, reports it in place and reads the rest")
    func readStandardInputLimit() throws {
        let folder = try DemoFrames()
        defer { folder.remove() }
        // A sparse file one byte over the limit: no disk space, but 256 MiB through the pipe.
        let stream = folder.url.appending(path: "stream.bin")
        try #require(FileManager.default.createFile(atPath: stream.path, contents: nil))
        let handle = try FileHandle(forWritingTo: stream)
        try handle.truncate(atOffset: 256 * 1024 * 1024 + 1)
        try handle.close()
        let run = try Alpr.run(["read", "-", folder.mpr.path, "--models", Alpr.models.path], standardInputFile: stream)
        #expect(run.status == 1)
        let lines = try run.jsonLines()
        try #require(lines.count == 2)
        #expect(lines[0]["file"] as? String == "-")
        #expect((lines[0]["error"] as? String)?.contains("larger than 256 MiB") == true, "\(lines[0])")
        try checkPlate(lines[1], reads: "MPR2250", near: DemoFrames.mprBox)
    }

    @Test("read --dir reads the folder's JPEG and PNG images in name order, the same with --jobs 2")
    func readFolder() throws {
        let folder = try DemoFrames()
        defer { folder.remove() }
        try folder.write("notes.txt", "not an image")  // not .jpg/.png: skipped

        let one = try Alpr.run(["read", "--dir", folder.url.path, "--models", Alpr.models.path])
        #expect(one.status == 0)
        let lines = try one.jsonLines()
        #expect(lines.map { ($0["file"] as? String).map { URL(fileURLWithPath: $0).lastPathComponent } } == ["a.jpg", "b.png", "c.jpg"])
        try #require(lines.count == 3)
        try checkPlate(lines[0], reads: "KTN4827", near: DemoFrames.ktnBox)
        try checkPlate(lines[1], reads: "MPR2250", near: DemoFrames.mprBox)
        #expect((lines[2]["plates"] as? [Any])?.isEmpty == true, "the frame between the cars has no plate")

        let two = try Alpr.run(["read", "--dir", folder.url.path, "--models", Alpr.models.path, "--jobs", "2"])
        #expect(two.status == 0)
        let parallel = try two.jsonLines()
        try #require(parallel.count == 3)
        for (a, b) in zip(lines, parallel) {
            #expect(a["file"] as? String == b["file"] as? String)
            #expect(NSDictionary(dictionary: ["plates": a["plates"] ?? []]) == NSDictionary(dictionary: ["plates": b["plates"] ?? []]),
                    "two workers give the same plates as one")
        }
    }

    @Test("read --dir leaves hidden files out; --recursive adds the subfolders' images in path order")
    func readFolderRecursively() throws {
        let folder = try DemoFrames()
        defer { folder.remove() }
        let manager = FileManager.default
        try folder.write("._a.jpg", "Mac resource fork, not a JPEG")
        try manager.createDirectory(at: folder.url.appending(path: "more/deeper"), withIntermediateDirectories: true)
        try manager.copyItem(at: folder.ktn, to: folder.url.appending(path: "more/deeper/d.jpg"))
        try manager.createDirectory(at: folder.url.appending(path: ".cache"), withIntermediateDirectories: true)
        try manager.copyItem(at: folder.ktn, to: folder.url.appending(path: ".cache/e.jpg"))
        try manager.createDirectory(at: folder.url.appending(path: "folder.jpg"), withIntermediateDirectories: true)

        func names(_ run: Alpr.Run) throws -> [String] {
            try run.jsonLines().map { try #require($0["file"] as? String).replacingOccurrences(of: folder.url.path + "/", with: "") }
        }
        let flat = try Alpr.run(["read", "--dir", folder.url.path, "--models", Alpr.models.path])
        #expect(flat.status == 0, "\(flat.standardError)")
        #expect(try names(flat) == ["a.jpg", "b.png", "c.jpg"])

        let deep = try Alpr.run(["read", "--dir", folder.url.path, "--recursive", "--models", Alpr.models.path])
        #expect(deep.status == 0, "\(deep.standardError)")
        #expect(try names(deep) == ["a.jpg", "b.png", "c.jpg", "more/deeper/d.jpg"])
        let lines = try deep.jsonLines()
        try #require(lines.count == 4)
        try checkPlate(lines[3], reads: "KTN4827", near: DemoFrames.ktnBox)

        // A folder without images prints nothing and says so; --recursive needs --dir.
        let empty = try Alpr.run(["read", "--dir", folder.url.appending(path: "more").path, "--models", Alpr.models.path])
        #expect(empty.status == 0 && empty.standardOutput.isEmpty)
        #expect(empty.standardError.contains("No JPEG or PNG images in") && empty.standardError.contains("--recursive"), "\(empty.standardError)")
        let noDir = try Alpr.run(["read", folder.ktn.path, "--recursive", "--models", Alpr.models.path])
        #expect(noDir.status != 0 && noDir.standardOutput.isEmpty && noDir.standardError.contains("--recursive"))
    }

    @Test("read reports every plate of a frame that holds many (a car park), not the first ten")
    func readManyPlates() throws {
        let folder = try DemoFrames()
        defer { folder.remove() }
        // The KTN4827 plate with its surroundings, 16 times over a grey 1920x1080 frame.
        let frame = try ImageDecoder.decode(contentsOf: folder.ktn)
        let (plateX, plateY, cutX, cutY, cutWidth, cutHeight) = (706, 551, 646, 511, 286, 166)
        var canvas = RGBImage(width: 1920, height: 1080, red: 120, green: 120, blue: 120)
        var expected: [(x: Double, y: Double)] = []
        for row in 0 ..< 4 {
            for column in 0 ..< 4 {
                let (left, top) = (40 + column * 470, 40 + row * 255)
                for y in 0 ..< cutHeight {
                    for x in 0 ..< cutWidth {
                        let source = ((cutY + y) * frame.width + cutX + x) * 3, target = ((top + y) * canvas.width + left + x) * 3
                        canvas.pixels[target ..< target + 3] = frame.pixels[source ..< source + 3]
                    }
                }
                expected.append((Double(left + plateX - cutX), Double(top + plateY - cutY)))
            }
        }
        let file = folder.url.appending(path: "car-park.jpg")
        try ImageEncoder.jpeg(canvas, quality: 92).write(to: file)

        let run = try Alpr.run(["read", file.path, "--models", Alpr.models.path])
        #expect(run.status == 0, "\(run.standardError)")
        let plates = try #require(try run.jsonLines().first?["plates"] as? [[String: Any]])
        #expect(plates.count == 16, "\(plates.map { $0["text"] ?? "" })")
        #expect(plates.filter { $0["text"] as? String == "KTN4827" }.count >= 15)
        // One plate at each place the plate was put.
        for place in expected {
            let near = plates.filter { plate in
                guard let box = plate["box"] as? [String: Double], let x = box["x"], let y = box["y"] else { return false }
                return abs(x - place.x) < 25 && abs(y - place.y) < 25
            }
            #expect(near.count == 1, "at \(place)")
        }
    }

    @Test("read turns a JPEG as its EXIF orientation says; --stored-orientation reads the stored pixels")
    func readStoredOrientation() throws {
        let folder = try DemoFrames()
        defer { folder.remove() }
        // The upright frame tagged orientation 3: a viewer shows it upside down.
        let tiff: [UInt8] = [0x4D, 0x4D, 0, 42, 0, 0, 0, 8, 0, 1, 0x01, 0x12, 0, 3, 0, 0, 0, 1, 0, 3, 0, 0, 0, 0, 0, 0]
        let payload = Array("Exif\0\0".utf8) + tiff
        let jpeg = try Data(contentsOf: folder.ktn)
        let tagged = Data([0xFF, 0xD8, 0xFF, 0xE1, UInt8((payload.count + 2) >> 8), UInt8((payload.count + 2) & 0xFF)] + payload)
            + jpeg.dropFirst(2)
        let file = folder.url.appending(path: "upside-down.jpg")
        try tagged.write(to: file)

        let shown = try Alpr.run(["read", file.path, "--models", Alpr.models.path])
        #expect(shown.status == 0, "\(shown.standardError)")
        let turned = try #require(try shown.jsonLines().first?["plates"] as? [[String: Any]])
        #expect(!turned.contains { $0["text"] as? String == "KTN4827" }, "upside down, the plate does not read: \(turned)")

        let stored = try Alpr.run(["read", file.path, "--stored-orientation", "--models", Alpr.models.path])
        #expect(stored.status == 0, "\(stored.standardError)")
        let lines = try stored.jsonLines()
        try #require(lines.count == 1)
        try checkPlate(lines[0], reads: "KTN4827", near: DemoFrames.ktnBox)

        // evaluate with annotations on the stored pixels scores it only with the flag.
        try folder.write("upside-down.txt", "upside-down.jpg 706 551 166 86 KTN4827\n")
        for name in ["a.jpg", "b.png", "c.jpg"] { try FileManager.default.removeItem(at: folder.url.appending(path: name)) }
        func top1(_ arguments: [String]) throws -> Double? {
            let run = try Alpr.run(["evaluate", folder.url.path, "--models", Alpr.models.path, "--json"] + arguments)
            return (try JSONSerialization.jsonObject(with: Data(run.standardOutput.utf8)) as? [String: Any])?["top1Accuracy"] as? Double
        }
        #expect(try top1([]) == 0)
        #expect(try top1(["--stored-orientation"]) == 1)
    }

    @Test("read finds the checkout's models beside the executable from any working directory")
    func modelsBesideExecutable() throws {
        let folder = try DemoFrames()
        defer { folder.remove() }
        // No --models and no ALPR_MODELS (Alpr.run clears it); the folder holds no Models.
        let run = try Alpr.run(["read", "a.jpg"], currentDirectory: folder.url)
        #expect(run.status == 0, "\(run.standardError)")
        let lines = try run.jsonLines()
        try #require(lines.count == 1)
        try checkPlate(lines[0], reads: "KTN4827", near: DemoFrames.ktnBox)

        // A Models folder given but empty is named in the error, with how to name another.
        let missing = try Alpr.run(["read", "a.jpg", "--models", "nowhere"], currentDirectory: folder.url)
        #expect(missing.status != 0)
        #expect(missing.standardError.contains(folder.url.appending(path: "nowhere/detector.json").path)
                && missing.standardError.contains("ALPR_MODELS"), "\(missing.standardError)")
    }

    @Test("read and evaluate refuse bad options with a reason and read nothing")
    func readOptions() throws {
        for arguments in [["read"], ["read", "x.jpg", "--jobs", "0"], ["read", "x.jpg", "--candidates", "0"],
                          ["evaluate", ".", "--hot-list-size=-1"], ["evaluate", ".", "--second-look-below", "0"],
                          ["evaluate", ".", "--second-look-below", "1.5"], ["evaluate", ".", "--second-look-below", "0.9", "--no-second-look"],
                          ["evaluate", ".", "--motion-deblur-from", "1"], ["evaluate", ".", "--motion-deblur-from", "21"],
                          ["evaluate", ".", "--motion-deblur-from", "8", "--no-motion-deblur"],
                          ["evaluate", ".", "--no-width-views", "--no-second-look"], ["evaluate", ".", "--no-second-look", "--no-sharpened-view"],
                          ["evaluate", ".", "--min-candidate-confidence=-0.1"], ["evaluate", ".", "--min-candidate-confidence", "2"]] {
            let run = try Alpr.run(arguments)
            #expect(run.status != 0 && run.status != 1, "\(arguments): a usage error, not a file error")
            #expect(run.standardOutput.isEmpty)
            #expect(run.standardError.contains("Error"), "\(arguments): \(run.standardError)")
        }
    }

    @Test("read and evaluate run on the best OpenBLAS kernels for this CPU, or on those OPENBLAS_CORETYPE names")
    func openBLASKernels() throws {
        let folder = try DemoFrames()
        defer { folder.remove() }
        try folder.annotateReadMisreadEmpty()
        let flags = BLASKernels.hostCPUFlags()

        // Where OpenBLAS fell back to kernels below this CPU, alpr started again on better ones.
        let run = try Alpr.run(["evaluate", folder.url.path, "--models", Alpr.models.path, "--json"],
                               environment: [BLASKernels.environmentVariable: nil])
        #expect(run.status == 0, "\(run.standardError)")
        #expect(run.standardError.isEmpty, "\(run.standardError)")
        let report = try #require(try JSONSerialization.jsonObject(with: Data(run.standardOutput.utf8)) as? [String: Any])
        let kernels = try #require(report["blasKernels"] as? String)
        #expect(BLASKernels.better(than: kernels, cpuFlags: flags) == nil, "\(kernels) on a CPU with \(flags.sorted())")
        #expect(report["top1Accuracy"] as? Double == 0.5)
        let read = try Alpr.run(["read", folder.ktn.path, "--models", Alpr.models.path], environment: [BLASKernels.environmentVariable: nil])
        #expect(read.status == 0 && read.standardError.isEmpty, "\(read.standardError)")
        #expect(try read.jsonLines().first?["plates"].flatMap { $0 as? [[String: Any]] }?.first?["text"] as? String == "KTN4827")

        #if arch(x86_64)
        // An operator's choice stands, even the oldest kernels; the run says what they cost here.
        let forced = try Alpr.run(["evaluate", folder.url.path, "--models", Alpr.models.path],
                                  environment: [BLASKernels.environmentVariable: "Prescott"])
        #expect(forced.status == 0, "\(forced.standardError)")
        #expect(forced.standardOutput.contains("OpenBLAS kernels       Prescott"), "\(forced.standardOutput)")
        if let better = BLASKernels.better(than: "Prescott", cpuFlags: flags) {
            #expect(forced.standardError.contains("runs its Prescott kernels on a CPU that runs its \(better) kernels"), "\(forced.standardError)")
        } else {
            #expect(forced.standardError.isEmpty, "\(forced.standardError)")
        }
        #endif
    }

    @Test("evaluate scores an annotated folder: a plate read, a plate misread, an empty frame")
    func evaluateFolder() throws {
        let folder = try DemoFrames()
        defer { folder.remove() }
        try folder.annotateReadMisreadEmpty()

        let run = try Alpr.run(["evaluate", folder.url.path, "--models", Alpr.models.path, "--json"])
        #expect(run.status == 0, "\(run.standardError)")
        let report = try #require(try JSONSerialization.jsonObject(with: Data(run.standardOutput.utf8)) as? [String: Any])
        #expect(report["images"] as? Int == 3)
        #expect(report["plates"] as? Int == 2)
        #expect(report["top1Accuracy"] as? Double == 0.5)
        #expect(report["detectionRecall"] as? Double == 1)
        #expect(report["falsePlatesPerImage"] as? Double == 0)
        let interval = try #require(report["top1Interval"] as? [Double])
        #expect(interval.count == 2 && interval[0] < 0.5 && interval[1] > 0.5)
        #expect((report["medianMilliseconds"] as? Double ?? 0) > 0)
        let hotList = try #require(report["hotList"] as? [String: Any])
        #expect(hotList["plates"] as? Int == 2)
        #expect(hotList["exact"] as? Int == 1, "KTN4827 is read as it is listed; MPR2250 is not the listed MPR2251")
        #expect(hotList["otherPlateHits"] as? Int == 0)

        let withMistakes = try Alpr.run(["evaluate", folder.url.path, "--models", Alpr.models.path, "--json", "--mistakes"])
        let detailed = try #require(try JSONSerialization.jsonObject(with: Data(withMistakes.standardOutput.utf8)) as? [String: Any])
        #expect((detailed["mistakes"] as? [Any])?.count == 1)
        #expect((detailed["otherPlateHits"] as? [Any])?.isEmpty == true, "MPR2250 is not on the list of KTN4827 and MPR2251")

        // Both plates are reported: one read exactly, one misread, in the bands of their confidences.
        let byConfidence = try Alpr.run(["evaluate", folder.url.path, "--models", Alpr.models.path, "--json", "--by-confidence", "--by-position"])
        let banded = try #require(try JSONSerialization.jsonObject(with: Data(byConfidence.standardOutput.utf8)) as? [String: Any])
        let bands = try #require(banded["byConfidence"] as? [[String: Any]])
        #expect(bands.count == Evaluation.confidenceBands.count)
        #expect(bands.compactMap { $0["reads"] as? Int }.reduce(0, +) == 2)
        #expect(bands.compactMap { $0["exact"] as? Int }.reduce(0, +) == 1)
        #expect(bands.compactMap { $0["misread"] as? Int }.reduce(0, +) == 1)
        #expect(report["byConfidence"] == nil, "only with --by-confidence")
        // Each plate is in one of the nine parts of its frame; the tenth band overlaps them.
        let positions = try #require(banded["byPosition"] as? [[String: Any]])
        #expect(positions.compactMap { $0["position"] as? String } == Evaluation.positionNames + [Evaluation.borderPositionName])
        #expect(positions.prefix(9).compactMap { $0["plates"] as? Int }.reduce(0, +) == 2)
        #expect(positions.prefix(9).compactMap { $0["detected"] as? Int }.reduce(0, +) == 2)
        #expect(positions.prefix(9).compactMap { $0["top1Correct"] as? Int }.reduce(0, +) == 1)
        #expect(report["byPosition"] == nil, "only with --by-position")
        let table = try Alpr.run(["evaluate", folder.url.path, "--models", Alpr.models.path, "--by-confidence", "--by-position"])
        #expect(table.standardOutput.contains("exact share") && table.standardOutput.contains("plates read exactly"), "\(table.standardOutput)")
        #expect(table.standardOutput.contains("plate position"), "\(table.standardOutput)")

        let listed = try Alpr.run(["evaluate", folder.url.path, "--models", Alpr.models.path, "--mistakes"])
        #expect(listed.status == 0)
        #expect(listed.standardOutput.contains("MPR2251 -> MPR2250"), "\(listed.standardOutput)")
        #expect(!listed.standardOutput.contains("KTN4827 ->"))

        // The one misread plate is one character off: label 1, read 0.
        let confused = try Alpr.run(["evaluate", folder.url.path, "--models", Alpr.models.path, "--json", "--confusions"])
        let withConfusions = try #require(try JSONSerialization.jsonObject(with: Data(confused.standardOutput.utf8)) as? [String: Any])
        let confusions = try #require(withConfusions["confusions"] as? [String: Any])
        #expect(confusions["plates"] as? Int == 1)
        #expect(confusions["byEdits"] as? [Int] == [1, 0, 0])
        let entries = try #require(confusions["entries"] as? [[String: Any]])
        #expect(entries.count == 1)
        #expect(entries.first?["expected"] as? String == "1" && entries.first?["read"] as? String == "0" && entries.first?["count"] as? Int == 1)
        #expect(entries.first?["examples"] as? [String] == ["MPR2251 as MPR2250"])
        #expect(report["confusions"] == nil, "only with --confusions")
        let confusionTable = try Alpr.run(["evaluate", folder.url.path, "--models", Alpr.models.path, "--confusions"])
        #expect(confusionTable.standardOutput.contains("misread plates: 1 (1 edit from the label: 1, 2 edits: 0, 3 or more: 0)"),
                "\(confusionTable.standardOutput)")
        #expect(confusionTable.standardOutput.contains("1      0      1      MPR2251 as MPR2250"), "\(confusionTable.standardOutput)")
    }

    @Test("evaluate --recursive scores the annotated subfolders as if named; without it the error names them")
    func evaluateRecursively() throws {
        let parent = try DemoFrames()
        defer { parent.remove() }
        let manager = FileManager.default
        // The frames move into two subfolders (one nested); the parent keeps only a note.
        for (name, folder) in [("a.jpg", "us"), ("b.png", "us/night")] {
            try manager.createDirectory(at: parent.url.appending(path: folder), withIntermediateDirectories: true)
            try manager.moveItem(at: parent.url.appending(path: name), to: parent.url.appending(path: "\(folder)/\(name)"))
        }
        try manager.removeItem(at: parent.url.appending(path: "c.jpg"))
        try parent.write("README.txt", "two folders of annotated frames")
        try parent.write("us/a.txt", "a.jpg 706 551 166 86 KTN4827\n")
        try parent.write("us/night/b.txt", "b.png 535 553 168 88 MPR2250\n")

        let flat = try Alpr.run(["evaluate", parent.url.path, "--models", Alpr.models.path])
        #expect(flat.status != 0 && flat.standardOutput.isEmpty)
        #expect(flat.standardError.contains("subfolders hold images (us, night)") && flat.standardError.contains("--recursive"),
                "\(flat.standardError)")

        let run = try Alpr.run(["evaluate", parent.url.path, "--recursive", "--models", Alpr.models.path, "--json", "--by-folder"])
        #expect(run.status == 0, "\(run.standardError)")
        let report = try #require(try JSONSerialization.jsonObject(with: Data(run.standardOutput.utf8)) as? [String: Any])
        #expect(report["images"] as? Int == 2 && report["plates"] as? Int == 2)
        #expect(report["top1Accuracy"] as? Double == 1)
        let byFolder = try #require(report["byFolder"] as? [[String: Any]])
        #expect(byFolder.compactMap { $0["folder"] as? String } == [parent.url.appending(path: "us").path, parent.url.appending(path: "us/night").path])
    }

    @Test("evaluate --mistake-images writes one picture per mistake: the frame around the plate and the OCR's cut")
    func evaluateMistakeImages() throws {
        let folder = try DemoFrames()
        defer { folder.remove() }
        try folder.write("a.txt", "a.jpg 706 551 166 86 KTN4827\n")
        // Labelled one digit off (misread), and a plate where the frame shows none (missed).
        try folder.write("b.txt", "b.png 535 553 168 88 MPR2251\nb.png 40 40 120 60 ZZZ999\n")
        let pictures = folder.url.appending(path: "pictures/nested")

        let run = try Alpr.run(["evaluate", folder.url.path, "--models", Alpr.models.path, "--json", "--mistakes",
                                "--mistake-images", pictures.path])
        #expect(run.status == 0, "\(run.standardError)")
        let report = try #require(try JSONSerialization.jsonObject(with: Data(run.standardOutput.utf8)) as? [String: Any])
        let listed = try #require(report["mistakes"] as? [[String: Any]])
        #expect(listed.map { $0["kind"] as? String } == ["misread", "missed"])
        let corners = try #require(listed.first?["corners"] as? [[Double]], "a misread plate carries the engine's corners")
        #expect(corners.count == 4 && corners.allSatisfy { $0.count == 2 })
        #expect(listed.last?["corners"] == nil, "a missed plate has no corners")

        let names = try FileManager.default.contentsOfDirectory(atPath: pictures.path).sorted()
        #expect(names == ["001-misread-MPR2251-as-MPR2250-b.png", "002-missed-ZZZ999-b.png", "index.html"], "\(names)")
        let index = try String(contentsOf: pictures.appending(path: "index.html"), encoding: .utf8)
        #expect(index.contains("2 mistakes: 1 missed, 1 misread, 0 false plates."), "\(index)")
        #expect(index.contains("src=\"001-misread-MPR2251-as-MPR2250-b.png\"") && index.contains("src=\"002-missed-ZZZ999-b.png\""))
        #expect(index.contains("<code>MPR2251</code> read <code>MPR2250</code>"), "\(index)")
        let misread = try ImageDecoder.decode(contentsOf: pictures.appending(path: "001-misread-MPR2251-as-MPR2250-b.png"))
        let missed = try ImageDecoder.decode(contentsOf: pictures.appending(path: "002-missed-ZZZ999-b.png"))
        // The missed plate's picture is the frame part only; the misread one adds the OCR's cut under it.
        #expect(missed.width <= MistakeView.regionWidth && missed.height <= MistakeView.maximumRegionHeight)
        #expect(misread.height > 96 + 16, "the frame part, the 2x OCR cut and the gaps: \(misread.width)x\(misread.height)")
        #expect(misread.width >= MistakeView.regionWidth)

        // A folder that cannot be made is a usage error with its path, and nothing is scored.
        let blocked = try folder.write("blocked", "a file, not a folder")
        let refused = try Alpr.run(["evaluate", folder.url.path, "--models", Alpr.models.path, "--mistake-images",
                                    blocked.appending(path: "inside").path])
        #expect(refused.status != 0)
        #expect(refused.standardOutput.isEmpty)
        #expect(refused.standardError.contains("--mistake-images") && refused.standardError.contains("blocked"), "\(refused.standardError)")
    }

    @Test("evaluate scores several folders as one set and names their images FOLDER/FILE")
    func evaluateSeveralFolders() throws {
        let first = try DemoFrames(), second = try DemoFrames()
        defer { first.remove(); second.remove() }
        for folder in [first, second] {
            try folder.write("a.txt", "a.jpg 706 551 166 86 KTN4827\n")
            try folder.write("b.txt", "b.png 535 553 168 88 MPR2251\n")   // labelled one digit off: misread
        }
        // The second folder also has a plate where its frame shows none: missed.
        try second.write("c.txt", "c.jpg 40 40 120 60 ZZZ999\n")

        let run = try Alpr.run(["evaluate", first.url.path, second.url.path, "--models", Alpr.models.path, "--json", "--mistakes"])
        #expect(run.status == 0, "\(run.standardError)")
        let report = try #require(try JSONSerialization.jsonObject(with: Data(run.standardOutput.utf8)) as? [String: Any])
        #expect(report["images"] as? Int == 5)
        #expect(report["plates"] as? Int == 5)
        #expect(report["top1Accuracy"] as? Double == 0.4, "KTN4827 twice of five")
        #expect(report["detectionRecall"] as? Double == 0.8)
        let listed = try #require(report["mistakes"] as? [[String: Any]])
        let files = listed.compactMap { $0["file"] as? String }
        #expect(files == [first.url.appending(path: "b.png").path, second.url.appending(path: "b.png").path,
                          second.url.appending(path: "c.jpg").path], "\(files)")
        let hotList = try #require(report["hotList"] as? [String: Any])
        #expect(hotList["plates"] as? Int == 5)
        #expect(report["byFolder"] == nil, "only with --by-folder")

        // Each folder on its own: the first reads one of two, the second one of three.
        let split = try Alpr.run(["evaluate", first.url.path, second.url.path, "--models", Alpr.models.path, "--json", "--by-folder"])
        let byFolder = try #require((try JSONSerialization.jsonObject(with: Data(split.standardOutput.utf8)) as? [String: Any])?["byFolder"]
            as? [[String: Any]])
        #expect(byFolder.compactMap { $0["folder"] as? String } == [first.url.path, second.url.path])
        #expect(byFolder.compactMap { $0["plates"] as? Int } == [2, 3])
        #expect(byFolder.compactMap { $0["images"] as? Int } == [2, 3])
        #expect(byFolder.compactMap { $0["top1Correct"] as? Int } == [1, 1])
        #expect(byFolder.compactMap { $0["detected"] as? Int } == [2, 2])
        #expect(byFolder.compactMap { $0["top1Accuracy"] as? Double } == [0.5, 1.0 / 3])
        let folderTable = try Alpr.run(["evaluate", first.url.path, second.url.path, "--models", Alpr.models.path, "--by-folder"])
        let rows = folderTable.standardOutput.split(separator: "\n").filter { $0.hasPrefix(first.url.path) || $0.hasPrefix(second.url.path) }
        #expect(rows.count == 2, "\(folderTable.standardOutput)")
        #expect(rows.last?.contains("1  33.3 %") == true && rows.last?.contains("2  66.7 %") == true, "\(rows)")

        // Compared with an earlier report: this run's own, with the first folder's KTN4827 missed
        // there and a false plate more.
        let base = try Alpr.run(["evaluate", first.url.path, second.url.path, "--models", Alpr.models.path, "--json", "--mistakes"])
        var earlier = try #require(try JSONSerialization.jsonObject(with: Data(base.standardOutput.utf8)) as? [String: Any])
        let box: [String: Double] = ["x": 706, "y": 551, "width": 166, "height": 86]
        earlier["mistakes"] = (earlier["mistakes"] as? [[String: Any]] ?? []) + [
            ["file": first.url.appending(path: "a.jpg").path, "kind": "missed", "expected": "KTN4827", "read": [String](), "box": box],
            ["file": first.url.appending(path: "c.jpg").path, "kind": "false-plate", "read": ["XYZ1"], "box": box],
        ]
        let baselineFile = first.url.appending(path: "baseline.json")
        try JSONSerialization.data(withJSONObject: earlier).write(to: baselineFile)
        let compared = try Alpr.run(["evaluate", first.url.path, second.url.path, "--models", Alpr.models.path, "--json",
                                     "--baseline", baselineFile.path])
        #expect(compared.status == 0, "\(compared.standardError)")
        let comparison = try #require((try JSONSerialization.jsonObject(with: Data(compared.standardOutput.utf8)) as? [String: Any])?["comparison"]
            as? [String: Any])
        #expect(comparison["exactBefore"] as? Int == 1 && comparison["exactAfter"] as? Int == 2)
        #expect(comparison["foundBefore"] as? Int == 3 && comparison["foundAfter"] as? Int == 4)
        #expect(comparison["falsePlatesBefore"] as? Int == 1 && comparison["falsePlatesAfter"] as? Int == 0)
        let gained = try #require(comparison["gained"] as? [[String: Any]])
        #expect(gained.compactMap { $0["file"] as? String } == [first.url.appending(path: "a.jpg").path])
        #expect(gained.first?["before"] as? String == "missed" && gained.first?["after"] as? String == "exact")
        #expect((comparison["lost"] as? [Any])?.isEmpty == true, "the misread MPR2251 and the missed ZZZ999 are unchanged")
        #expect((comparison["foundGained"] as? [Any])?.count == 1)
        let text = try Alpr.run(["evaluate", first.url.path, second.url.path, "--models", Alpr.models.path, "--baseline", baselineFile.path])
        #expect(comparison["exactChangeP"] as? Double == 1, "one plate gained, none lost: no evidence either way")
        #expect(text.standardOutput.contains("read exactly 1 -> 2 (1 gained, 0 lost, McNemar p 1), found 3 -> 4 (1 gained, 0 lost), false plates 1 -> 0"),
                "\(text.standardOutput)")
        #expect(text.standardOutput.contains("gained\t\(first.url.appending(path: "a.jpg").path)\tKTN4827\tmissed -> exact"), "\(text.standardOutput)")
        // A report of other folders, or one without its mistakes, is refused before anything is read.
        let other = try Alpr.run(["evaluate", second.url.path, "--models", Alpr.models.path, "--baseline", baselineFile.path])
        #expect(other.status != 0 && other.standardError.contains("compare runs over the same folders"), "\(other.standardError)")
        try Data(#"{"images": 5, "plates": 5}"#.utf8).write(to: baselineFile)
        let bare = try Alpr.run(["evaluate", first.url.path, second.url.path, "--models", Alpr.models.path, "--baseline", baselineFile.path])
        #expect(bare.status != 0 && bare.standardError.contains("--json --mistakes"), "\(bare.standardError)")

        // One folder alone: the same as before, images named by their file names.
        let one = try Alpr.run(["evaluate", second.url.path, "--models", Alpr.models.path, "--json", "--mistakes"])
        let alone = try #require(try JSONSerialization.jsonObject(with: Data(one.standardOutput.utf8)) as? [String: Any])
        #expect((alone["mistakes"] as? [[String: Any]])?.compactMap { $0["file"] as? String } == ["b.png", "c.jpg"])

        // No folder at all is a usage error.
        let none = try Alpr.run(["evaluate", "--models", Alpr.models.path])
        #expect(none.status != 0 && none.status != 1)
        #expect(none.standardError.contains("at least one folder"), "\(none.standardError)")
    }

    @Test("read and evaluate read a damaged JPEG as far as it decodes, and say so")
    func damagedJPEG() throws {
        let folder = try DemoFrames()
        defer { folder.remove() }
        // Stray bytes before the scan, as some cameras write: libjpeg-turbo warns and decodes it whole.
        var bytes = [UInt8](try Data(contentsOf: folder.ktn))
        let scan = try #require((0 ..< bytes.count - 1).first { bytes[$0] == 0xFF && bytes[$0 + 1] == 0xDA })
        bytes.insert(contentsOf: [0x00, 0x11, 0x22], at: scan)
        try Data(bytes).write(to: folder.ktn)

        let run = try Alpr.run(["read", folder.ktn.path, folder.mpr.path, "--models", Alpr.models.path])
        #expect(run.status == 0, "\(run.standardError)")
        let lines = try run.jsonLines()
        try #require(lines.count == 2)
        try checkPlate(lines[0], reads: "KTN4827", near: DemoFrames.ktnBox, damaged: true)
        let warning = try #require(lines[0]["warning"] as? String, "\(lines[0])")
        #expect(warning.contains("damaged") && warning.contains("extraneous bytes"), "\(warning)")
        #expect(lines[1]["warning"] == nil, "a sound file carries no warning")

        try folder.write("a.txt", "a.jpg 706 551 166 86 KTN4827\n")
        try folder.write("b.txt", "b.png 535 553 168 88 MPR2250\n")
        let table = try Alpr.run(["evaluate", folder.url.path, "--models", Alpr.models.path])
        #expect(table.status == 0, "\(table.standardError)")
        #expect(table.standardOutput.contains("images                 2 (1 damaged, read as far as they decode)"), "\(table.standardOutput)")
        #expect(table.standardError.contains("a.jpg: damaged image"), "\(table.standardError)")
        let json = try Alpr.run(["evaluate", folder.url.path, "--models", Alpr.models.path, "--json"])
        let report = try #require(try JSONSerialization.jsonObject(with: Data(json.standardOutput.utf8)) as? [String: Any])
        #expect(report["damagedImages"] as? Int == 1)
        #expect(report["unreadableImages"] as? Int == 0)
        #expect(report["top1Accuracy"] as? Double == 1, "both plates read exactly, the damaged frame's too")
    }

    @Test("evaluate names the annotation file and line it cannot parse")
    func evaluateBadAnnotation() throws {
        let folder = try DemoFrames()
        defer { folder.remove() }
        try folder.write("a.txt", "a.jpg 706 551 166 86 KTN4827\n")
        try folder.write("b.txt", "b.png 535 553 168 88 MPR2250\nb.png 535 553 wide 88 MPR2250\n")

        let run = try Alpr.run(["evaluate", folder.url.path, "--models", Alpr.models.path])
        #expect(run.status != 0)
        #expect(run.standardOutput.isEmpty)
        #expect(run.standardError.contains("b.txt:2:"), "\(run.standardError)")
    }

    /// The `alpr read` schema: text, confidence, per-character confidences, box, four corners
    /// and candidates (the best first), with the plate where the demo clip drew it.
    /// `damaged`: the line also carries the decoder's `warning` (a damaged file read anyway).
    private func checkPlate(_ line: [String: Any], reads text: String, near expected: (Double, Double, Double, Double),
                            damaged: Bool = false, sourceLocation: SourceLocation = #_sourceLocation) throws {
        #expect(Set(line.keys) == Set(["file", "plates", "ms"] + (damaged ? ["warning"] : [])), sourceLocation: sourceLocation)
        #expect((line["ms"] as? Double ?? -1) > 0, sourceLocation: sourceLocation)
        let plates = try #require(line["plates"] as? [[String: Any]], sourceLocation: sourceLocation)
        try #require(plates.count == 1, "\(plates)", sourceLocation: sourceLocation)
        let plate = plates[0]
        #expect(Set(plate.keys) == ["text", "confidence", "characterConfidences", "box", "corners", "candidates"], sourceLocation: sourceLocation)
        #expect(plate["text"] as? String == text, sourceLocation: sourceLocation)
        let confidence = try #require(plate["confidence"] as? Double, sourceLocation: sourceLocation)
        #expect(confidence > 0.5 && confidence <= 1, sourceLocation: sourceLocation)
        let characters = try #require(plate["characterConfidences"] as? [Double], sourceLocation: sourceLocation)
        #expect(characters.count == text.count && characters.allSatisfy { $0 > 0 && $0 <= 1 }, sourceLocation: sourceLocation)

        let box = try #require(plate["box"] as? [String: Double], sourceLocation: sourceLocation)
        let (x, y, width, height) = (box["x"] ?? .nan, box["y"] ?? .nan, box["width"] ?? .nan, box["height"] ?? .nan)
        #expect(abs(x - expected.0) < 12 && abs(y - expected.1) < 12, "box \(box)", sourceLocation: sourceLocation)
        #expect(abs(width - expected.2) < 20 && abs(height - expected.3) < 16, "box \(box)", sourceLocation: sourceLocation)
        let corners = try #require(plate["corners"] as? [[Double]], sourceLocation: sourceLocation)
        #expect(corners.count == 4 && corners.allSatisfy { $0.count == 2 }, sourceLocation: sourceLocation)
        for corner in corners where corner.count == 2 {
            // The box is the corners' bounding box (both rounded to 0.1 px).
            #expect(corner[0] >= x - 0.11 && corner[0] <= x + width + 0.11, sourceLocation: sourceLocation)
            #expect(corner[1] >= y - 0.11 && corner[1] <= y + height + 0.11, sourceLocation: sourceLocation)
        }
        let candidates = try #require(plate["candidates"] as? [[String: Any]], sourceLocation: sourceLocation)
        #expect((1 ... 5).contains(candidates.count), sourceLocation: sourceLocation)
        #expect(candidates.first?["text"] as? String == text, sourceLocation: sourceLocation)
        #expect(Set(candidates.compactMap { $0["text"] as? String }).count == candidates.count, "distinct", sourceLocation: sourceLocation)
    }

    @Test("read --single-pass reads each image once: a plate cut out tight is then not found")
    func readSinglePass() throws {
        let crop = Alpr.repository.appending(path: "Tests/ALPRVisionTests/Fixtures/tight-crop-408IHA.png")
        let full = try Alpr.run(["read", crop.path, "--models", Alpr.models.path]).jsonLines()
        let once = try Alpr.run(["read", "--single-pass", crop.path, "--models", Alpr.models.path]).jsonLines()
        try #require(full.count == 1 && once.count == 1)
        #expect(((full[0]["plates"] as? [[String: Any]]) ?? []).compactMap { $0["text"] as? String } == ["408IHA"])
        #expect((once[0]["plates"] as? [[String: Any]])?.isEmpty == true)
    }

    @Test("agent takes a frame width only with a height, and says why it cannot start")
    func agentFrameSize() throws {
        let folder = FileManager.default.temporaryDirectory.appending(path: "alpr-agent-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let credential = folder.appending(path: "credential")
        try Data("test-credential\n".utf8).write(to: credential)
        let run = try Alpr.run(["agent", "--server", "http://127.0.0.1:9", "--credential-file", credential.path,
                                "--source", "image:\(folder.path)/none.jpg", "--queue-dir", folder.appending(path: "queue").path,
                                "--width", "1280", "--models", Alpr.models.path])
        #expect(run.status != 0)
        #expect(run.standardError.contains("give --width and --height together"), "\(run.standardError)")
    }
}

/// Three frames of the demo clip in a temporary folder: `a.jpg` (KTN4827 at 3 s), `b.png`
/// (MPR2250 at 8 s) and `c.jpg` (no plate, at 5 s).
struct DemoFrames {
    /// Where the clip draws each plate (x, y, width, height), measured on the frames.
    static let ktnBox = (706.0, 551.0, 166.0, 86.0)
    static let mprBox = (535.0, 553.0, 168.0, 88.0)

    private let directory: TemporaryDirectory
    var url: URL { directory.url }
    var ktn: URL { url.appending(path: "a.jpg") }
    var mpr: URL { url.appending(path: "b.png") }

    init() throws {
        directory = try TemporaryDirectory(prefix: "alpr-cli")
        let clip = Alpr.repository.appending(path: "Demo/sample-720p.mp4")
        for (seconds, name) in [(3, "a.jpg"), (8, "b.png"), (5, "c.jpg")] {
            let ffmpeg = Process()
            ffmpeg.executableURL = URL(fileURLWithPath: "/usr/bin/ffmpeg")
            ffmpeg.arguments = ["-loglevel", "error", "-y", "-ss", "\(seconds)", "-i", clip.path, "-frames:v", "1", "-q:v", "2",
                                url.appending(path: name).path]
            try ffmpeg.run()
            ffmpeg.waitUntilExit()
            try #require(ffmpeg.terminationStatus == 0, "ffmpeg could not cut \(name) from \(clip.path)")
        }
    }

    /// Annotates the three frames: KTN4827 as the clip shows it; b.png labelled one digit off
    /// (MPR2251), so found but not read as labelled; no plate in c.jpg.
    func annotateReadMisreadEmpty() throws {
        try write("a.txt", "a.jpg 706 551 166 86 KTN4827\n")
        try write("b.txt", "b.png 535 553 168 88 MPR2251\n")
        try write("c.txt", "")
    }

    /// Writes `text` to `name` in the folder.
    @discardableResult
    func write(_ name: String, _ text: String) throws -> URL {
        let file = url.appending(path: name)
        try Data(text.utf8).write(to: file)
        return file
    }

    func remove() { directory.remove() }
}

enum Alpr {
    /// The package root (this file is Tests/alprTests/CommandLineTests.swift).
    static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    static let models = repository.appending(path: "Models")
    /// The `alpr` executable, built next to the test bundle.
    static var executable: URL {
        URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath().deletingLastPathComponent().appending(path: "alpr")
    }

    struct Run {
        var status: Int32
        var standardOutput: String
        var standardError: String

        func jsonLines() throws -> [[String: Any]] {
            try standardOutput.split(separator: "\n").map { line in
                try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any], "not a JSON object: \(line)")
            }
        }
    }

    /// Runs `alpr`; standard input is `standardInput` through a pipe, or `standardInputFile`.
    /// The environment is this process's with `environment` over it (a nil value unsets).
    static func run(_ arguments: [String], standardInput: Data? = nil, standardInputFile: URL? = nil,
                    currentDirectory: URL? = nil, environment overrides: [String: String?] = [:]) throws -> Run {
        try #require(FileManager.default.isExecutableFile(atPath: executable.path), "alpr not built at \(executable.path)")
        let process = Process()
        process.executableURL = executable
        process.arguments = arguments
        if let currentDirectory { process.currentDirectoryURL = currentDirectory }
        var environment = ProcessInfo.processInfo.environment
        environment["ALPR_MODELS"] = nil
        for (name, value) in overrides { environment[name] = value }
        process.environment = environment
        let output = Pipe(), errors = Pipe(), input = Pipe()
        process.standardOutput = output
        process.standardError = errors
        process.standardInput = try standardInputFile.map { try FileHandle(forReadingFrom: $0) } ?? input
        try process.run()
        if let standardInput { input.fileHandleForWriting.write(standardInput) }
        try input.fileHandleForWriting.close()
        // Read both pipes to the end before waiting, so a full pipe cannot stall the child.
        let errorData = ErrorCollector(errors.fileHandleForReading)
        let outputData = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return Run(status: process.terminationStatus, standardOutput: String(decoding: outputData, as: UTF8.self),
                   standardError: String(decoding: errorData.wait(), as: UTF8.self))
    }
}

/// Reads a pipe to its end on a thread of its own.
final class ErrorCollector: @unchecked Sendable {
    private var data = Data()
    private let done = DispatchSemaphore(value: 0)

    init(_ handle: FileHandle) {
        Thread { [self] in
            data = handle.readDataToEndOfFile()
            done.signal()
        }.start()
    }

    func wait() -> Data {
        done.wait()
        return data
    }
}
