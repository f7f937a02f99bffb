import ALPRVision
import Foundation

/// What the recognition benchmarks run on: the exported models and a set of 1280x720 frames.
///
/// Frames are real scene photos (openalpr_e2e_eu, 108 European car photos of about 576x432)
/// scaled up to cover 1280x720 and centre-cropped, then JPEG-encoded at quality 90 in memory,
/// so the set is rebuilt identically on every run without storing frames in the repository.
///
/// Environment: `ALPR_MODELS` (default `<repository>/Models`), `ALPR_DATA_DIR` (default
/// `/work/shared/data`), `ALPR_BENCHMARK_FRAMES` (how many photos, default 40).
///
/// `@unchecked Sendable`: the networks own mutable buffers, but the benchmark harness runs one
/// benchmark at a time on one thread, and nothing else touches the fixture.
final class RecognitionFixture: @unchecked Sendable {
    static let frameWidth = 1280, frameHeight = 720
    /// Built on first use, so listing the benchmarks does not pay for loading and encoding.
    static let shared = Result { try RecognitionFixture() }

    let modelsDirectory: URL
    let recognizer: PlateRecognizer
    /// Separate instances, so timing one network never disturbs the recogniser's buffers.
    let detectorNetwork: Network, ocrNetwork: Network
    /// The detector computing its corner head at every cell, as before `PointHead`.
    let denseDetector: PlateDetector
    let frames: [RGBImage]
    /// The first frames scaled to 1920x1080 (the detector's large-frame input).
    let largeFrames: [RGBImage]
    let jpegFrames: [Data]
    /// Detections per frame with the model's own threshold: each costs one OCR read.
    let detectionCounts: [Int]
    /// A plate-shaped quadrilateral (TL, TR, BR, BL) in the middle of a frame, for timing OCR
    /// alone; what it contains does not change the work done.
    let plateCorners = [ImagePoint(x: 540, y: 400), ImagePoint(x: 740, y: 404), ImagePoint(x: 738, y: 452), ImagePoint(x: 538, y: 448)]
    /// Cycles through `frames` so every engine iteration gets the next one.
    private(set) var nextFrameIndex = 0

    func nextFrame() -> Int {
        defer { nextFrameIndex = (nextFrameIndex + 1) % frames.count }
        return nextFrameIndex
    }

    init() throws {
        let environment = ProcessInfo.processInfo.environment
        let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
            .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        modelsDirectory = environment["ALPR_MODELS"].map { URL(fileURLWithPath: $0) }
            ?? repository.appendingPathComponent("Models")
        recognizer = try PlateRecognizer(modelsDirectory: modelsDirectory)
        detectorNetwork = try Network(directory: modelsDirectory, name: "detector")
        ocrNetwork = try Network(directory: modelsDirectory, name: "ocr")
        denseDetector = try PlateDetector(directory: modelsDirectory, geometryAtPeaksOnly: false)
        Self.fillDeterministically(detectorNetwork)
        Self.fillDeterministically(ocrNetwork)

        let dataDirectory = URL(fileURLWithPath: environment["ALPR_DATA_DIR"] ?? "/work/shared/data")
        let photoDirectory = dataDirectory.appendingPathComponent("openalpr_e2e_eu")
        let count = environment["ALPR_BENCHMARK_FRAMES"].flatMap(Int.init) ?? 40
        let photos = try FileManager.default.contentsOfDirectory(atPath: photoDirectory.path)
            .filter { $0.hasSuffix(".jpg") }.sorted().prefix(count)
        guard !photos.isEmpty else { throw VisionError.invalidImage("no .jpg photos in \(photoDirectory.path)") }
        var frames: [RGBImage] = [], jpegFrames: [Data] = []
        for photo in photos {
            let frame = try Self.coverFrame(ImageDecoder.decode(contentsOf: photoDirectory.appendingPathComponent(photo)))
            let jpeg = try ImageEncoder.jpeg(frame, quality: 90)
            // Time what a camera would deliver: the decoded JPEG, not the pre-encoding pixels.
            frames.append(try ImageDecoder.decode(jpeg))
            jpegFrames.append(jpeg)
        }
        self.frames = frames
        self.jpegFrames = jpegFrames
        largeFrames = try frames.prefix(8).map { try $0.resized(width: 1920, height: 1080) }
        var detectionCounts: [Int] = []
        for frame in frames { detectionCounts.append(recognizer.detector.detect(frame).count) }
        self.detectionCounts = detectionCounts
    }

    /// Scales `photo` to cover 1280x720 and crops the centre.
    static func coverFrame(_ photo: RGBImage) throws -> RGBImage {
        let scale = max(Double(frameWidth) / Double(photo.width), Double(frameHeight) / Double(photo.height))
        let width = max(frameWidth, Int((Double(photo.width) * scale).rounded(.up)))
        let height = max(frameHeight, Int((Double(photo.height) * scale).rounded(.up)))
        let scaled = try photo.resized(width: width, height: height)
        return try scaled.cropped(to: PixelRect(x: (width - frameWidth) / 2, y: (height - frameHeight) / 2,
                                                width: frameWidth, height: frameHeight))
    }

    /// A fixed pseudo-random input in [-2, 2): network time does not depend on values, but
    /// denormals or NaNs from uninitialised memory could distort it.
    static func fillDeterministically(_ network: Network) {
        var state: UInt64 = 0x9E37_79B9_7F4A_7C15
        network.withInput { input in
            for index in input.indices {
                state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
                input[index] = Float(state >> 40) / Float(1 << 24) * 4 - 2
            }
        }
    }
}
