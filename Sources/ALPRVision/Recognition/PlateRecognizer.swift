import Foundation

/// Image in, plate reads out: detection, corner refinement, rectification, OCR and format
/// re-ranking.
///
/// An instance owns its networks' buffers and is **not thread-safe**: use it from one thread
/// at a time, and create one instance per worker thread to recognise in parallel (OpenBLAS is
/// set to one thread, so N instances use N cores). Loading is the expensive part; `recognize`
/// performs no network-sized allocation.
public final class PlateRecognizer {
    public struct Options: Sendable, Equatable {
        /// Heatmap score for a detection; nil keeps the model's `meta.threshold` (or 0.3).
        public var detectionThreshold: Float?
        /// Detections under `detectionThreshold` but at least this sure are kept too when the
        /// OCR reads them clearly (`UnsureDetections`); nil keeps only the sure ones.
        public var unsureDetections: UnsureDetections? = UnsureDetections()
        /// Detections the detector is very sure of are plates even when the OCR is unsure of
        /// their text (`ConfidentDetections`); nil holds them to `minimumConfidence` like any other.
        public var confidentDetections: ConfidentDetections? = ConfidentDetections()
        public var suppressionIoU: Double = 0.3
        /// Detections read per frame, surest first. A car park, a car carrier or a dealer's lot
        /// holds more than ten plates in one photo (ten was the limit until a photo of 16 and of
        /// 30 plates lost all but ten); no evaluation folder's frame reaches it, so reads elsewhere
        /// are the same.
        public var maximumPlates = 32
        /// Reads whose text probability is below this are dropped (the first look's, when the
        /// OCR looked twice), unless the detector is very sure of the plate
        /// (`confidentDetections`). 0.2 since that rule came: with it, raising this from 0.1
        /// took a third of the false plates away for one plate read exactly (docs/accuracy.md).
        public var minimumConfidence: Float = 0.2
        /// Reads with fewer characters are dropped: a lone character is a fragment of a plate
        /// or of other lettering, not a plate (the labelled US plates have 3 to 10).
        public var minimumCharacters = 2
        /// Reads this short must be surer than others to count (`ShortReads`); nil holds them
        /// to `minimumConfidence` only.
        public var shortReads: ShortReads? = ShortReads()
        /// Reads made mostly of strokes (`I`, `1`) must be surer than others to count
        /// (`StrokeReads`); nil holds them to `minimumConfidence` only.
        public var strokeReads: StrokeReads? = StrokeReads()
        /// Alternatives reported per plate, including the best.
        public var candidateCount = 5
        /// Alternatives less probable than this are left out (the reading and its other
        /// spelling are always kept); 0 keeps `candidateCount` whatever their probability.
        /// Every alternative goes to the hot-list matcher, so one the OCR gives no chance can
        /// raise a hit for a plate not in view: over twelve draws of the real US crop frames
        /// and of the close-up, synthetic and European ones, with the list padded to a million
        /// plates, 0.001 took 125 of 193 such hits away and one of 7,053 hits for the plate in
        /// view; top-5 read 7 of 7,306 plates fewer (docs/accuracy.md).
        public var minimumCandidateConfidence: Float = 0.001
        public var beamWidth = 10
        /// nil disables format re-ranking.
        public var formats: USPlateFormats? = .standard
        /// Runs the corner refiner (when the models folder has one) on every detection.
        public var refineCorners = true
        /// Also runs the detector at a third of its input size for plates too wide for the
        /// main pass (`PlateDetector.coarseInput`).
        public var coarsePass = true
        /// Brightens dark frames for the detector and the refiner, and dark plates for the OCR
        /// (each OCR input on its own); nil reads frames as they are.
        public var exposure: ExposureCorrection? = ExposureCorrection()
        /// Reads a plate the OCR is unsure of again from rectifications shifted up and down
        /// (`PlateOCR.SecondLook`); nil reads every plate once.
        public var secondLook: PlateOCR.SecondLook? = PlateOCR.SecondLook()
        /// Reads a plate smeared sideways (a car passing during a slow shutter) with the blur
        /// undone too, keeping the surer reading (`PlateOCR.motionDeblur`); nil reads it as cut.
        public var motionDeblur: MotionDeblur? = MotionDeblur()
        /// Reads a small image in which nothing was found again as a plate cut out tight
        /// (`TightCrops`); nil reads every image once.
        public var tightCrops: TightCrops? = TightCrops()
        /// Reads an image in which nothing was found, also not as a tight crop, again turned
        /// (`TurnedViews`); nil does not.
        public var turnedViews: TurnedViews? = TurnedViews()
        /// Turns a JPEG file as its EXIF orientation says, as image viewers and OpenCV do, so
        /// boxes are in the image as shown; false reads the pixels as stored (for annotations
        /// made on the stored pixels of rotated photos). Only `recognize(contentsOf:)` decodes.
        public var appliesEXIFOrientation = true

        public init() {}

        /// Why a read is not a plate, or nil when it counts as one: every rule the engine holds a
        /// read to, in one place (the Python mirror is `counts_as_plate` in
        /// training/validate.py). `firstLookConfidence` is the OCR's first look at the plate
        /// (a second look only chooses among texts); `sureDetection` is whether the detector
        /// scored the plate at least the detection threshold (otherwise `unsureDetections`
        /// must confirm it); `detectionScore`, when given, is the detector's score, which lowers
        /// the confidence floor for a plate it is very sure of (`confidentDetections`).
        public func whyNotAPlate(text: String, firstLookConfidence: Float, sureDetection: Bool, detectionScore: Float? = nil) -> NotAPlate? {
            if text.count < max(minimumCharacters, 1) { return .tooFewCharacters }
            if firstLookConfidence < minimumConfidence(detectionScore: detectionScore) { return .tooUnsure }
            if let shortReads, text.count <= shortReads.maximumCharacters,
               firstLookConfidence < shortReads.minimumConfidence {
                return .unsureShortRead
            }
            if let strokeReads, strokeReads.dropsOnlyStrokes, strokeReads.isOnlyStrokes(text) {
                return .onlyStrokes
            }
            if let strokeReads, firstLookConfidence < strokeReads.minimumConfidence, strokeReads.isMostlyStrokes(text) {
                return .unsureStrokeRead
            }
            if !sureDetection, let unsureDetections,
               firstLookConfidence < unsureDetections.minimumConfidence || text.count < unsureDetections.minimumCharacters {
                return .unconfirmedDetection
            }
            return nil
        }

        /// Whether an OCR reading is a plate: `countsAsPlate(text:...)` on its text and first
        /// look, and, when its text was read with a motion blur undone, on its reading as cut
        /// (`PlateOCR.Reading.asCut`) too.
        public func countsAsPlate(_ reading: PlateOCR.Reading, sureDetection: Bool, detectionScore: Float? = nil) -> Bool {
            countsAsPlate(text: reading.text, firstLookConfidence: reading.firstLookConfidence, sureDetection: sureDetection,
                          detectionScore: detectionScore)
                && reading.asCut.map { countsAsPlate(text: $0.text, firstLookConfidence: $0.confidence, sureDetection: sureDetection,
                                                     detectionScore: detectionScore) } ?? true
        }

        /// Whether a read counts as a plate (`whyNotAPlate` is nil).
        public func countsAsPlate(text: String, firstLookConfidence: Float, sureDetection: Bool, detectionScore: Float? = nil) -> Bool {
            whyNotAPlate(text: text, firstLookConfidence: firstLookConfidence, sureDetection: sureDetection, detectionScore: detectionScore) == nil
        }

        /// The least first-look confidence a read needs: `minimumConfidence`, or
        /// `confidentDetections.minimumConfidence` for a detection scoring at least its
        /// `minimumScore`.
        public func minimumConfidence(detectionScore: Float?) -> Float {
            if let detectionScore, let confidentDetections, detectionScore >= confidentDetections.minimumScore {
                return min(minimumConfidence, confidentDetections.minimumConfidence)
            }
            return minimumConfidence
        }
    }

    /// The rule a read failed, in the order `Options.whyNotAPlate` checks them.
    public enum NotAPlate: String, Sendable, Equatable, CaseIterable {
        /// Fewer than `minimumCharacters` (at least one).
        case tooFewCharacters
        /// A first look under `minimumConfidence`.
        case tooUnsure
        /// `ShortReads`: a short read not sure enough.
        case unsureShortRead
        /// `StrokeReads.dropsOnlyStrokes`: a read of nothing but `I` and `1`.
        case onlyStrokes
        /// `StrokeReads`: a read mostly of `I` and `1` not sure enough.
        case unsureStrokeRead
        /// `UnsureDetections`: a detection under the threshold the OCR did not confirm.
        case unconfirmedDetection
    }

    /// A second, lower detection threshold whose plates must prove themselves to the OCR.
    ///
    /// The detector is less sure of a plate on an unusual background, partly covered or
    /// tilted, but the OCR reads such a plate as clearly as any other; what passes the lower
    /// score by chance (grilles, signs, lettering) the OCR reads poorly or not at all. So a
    /// detection scoring between `threshold` and the main detection threshold is kept only
    /// when its first read is at least `minimumConfidence` sure and has `minimumCharacters`.
    /// Each such candidate costs a refiner and OCR run (about 2 ms): a 720p street frame
    /// has about 0.75 of them between 0.2 and 0.3, but 3 between 0.15 and 0.3.
    ///
    /// One narrower than `minimumWidth` frame pixels (the detector's box) is not read at all.
    /// The engine reads plates from about 50 px wide, and what the detector is unsure of is
    /// mostly small: of 778 unsure detections read in nine held-out folders, 432 were under
    /// 40 px and none of those was kept, while the 7 that were kept (large plates on unusual
    /// backgrounds) were 166 to 595 px wide (docs/accuracy.md).
    public struct UnsureDetections: Sendable, Equatable {
        public var threshold: Float
        public var minimumConfidence: Float
        public var minimumCharacters: Int
        public var minimumWidth: Double

        public init(threshold: Float = 0.2, minimumConfidence: Float = 0.5, minimumCharacters: Int = 4, minimumWidth: Double = 40) {
            self.threshold = threshold
            self.minimumConfidence = minimumConfidence
            self.minimumCharacters = minimumCharacters
            self.minimumWidth = minimumWidth
        }

        /// Whether a detection under the main threshold is worth reading at all.
        public func worthReading(_ detection: PlateDetector.Detection) -> Bool {
            detection.score >= threshold && detection.box.width >= minimumWidth
        }
    }

    /// An image that is a plate cut out tight is read as a plate in a photo.
    ///
    /// The detector learnt plates inside scenes, so an image the plate fills to its edges (a
    /// crop another system or an investigator made, the OpenALPR segmentation set's plates)
    /// often gives it nothing to find: of the 275 US val crops read as they are, 28 were not
    /// found. So when an image whose longer side is at most `maximumSide` yields no plate, it
    /// is read again centred on a grey canvas `scale` times its width (and at least 3:4 high),
    /// where the plate is as in a close-up photo. A plate found there counts only if it fills
    /// the image, at least `minimumFill` of its width, as a tight crop's plate does (those of
    /// the val crops fill 92-100 %): the canvas shrinks a small photo's lettering, signs and
    /// badges to a plate's size for the detector, and on plate-free photos 7 of 8 such
    /// readings spanned a quarter of the width or less. It is then moved back into the image
    /// and clipped to it. The 275 crops: 85.8 % read exactly and 89.8 % found as they are,
    /// 94.2 % and 99.6 % with this (docs/accuracy.md).
    ///
    /// A larger image with no plate (a crop cut from a phone photo or a 4K frame) is first
    /// shrunk by the least whole factor that brings its longer side to `maximumSide` or under
    /// (`RGBImage.shrunk(by:)`, block means) and read so, its plate then scaled back: the same
    /// crops drawn 1,100 to 2,600 px wide were found 90.2 % and read exactly 85.5 % without,
    /// and as the small ones with it (docs/accuracy.md). An image so thin that the shrink would
    /// leave it under `minimumShrunkSide` is not read again. `shrinksLargerImages` off, only
    /// small images are read twice. Either way a plate-free image costs a second pass, so the
    /// reader agent, whose video frames are scenes and never crops, turns `tightCrops` off.
    ///
    /// On the canvas the detector is sure of the image's own rectangle, plate or not, so a
    /// read there is held to `Options.minimumConfidence` however high the detection scores
    /// (`ConfidentDetections` does not apply), and needs `minimumCharacters` (4, the fewest a
    /// US serial has; no val crop has fewer): upscaled plate-free photos gave two- and
    /// three-character whole-image reads (`C2`, `CXX`) and a smeared street frame one of 0.008.
    public struct TightCrops: Sendable, Equatable {
        public var maximumSide: Int
        public var scale: Double
        public var grey: UInt8
        public var minimumFill: Double
        public var shrinksLargerImages: Bool
        public var minimumShrunkSide: Int
        public var minimumCharacters: Int

        public init(maximumSide: Int = 1024, scale: Double = 2.5, grey: UInt8 = 128, minimumFill: Double = 0.85,
                    shrinksLargerImages: Bool = true, minimumShrunkSide: Int = 16, minimumCharacters: Int = 4) {
            self.maximumSide = maximumSide
            self.scale = scale
            self.grey = grey
            self.minimumFill = minimumFill
            self.shrinksLargerImages = shrinksLargerImages
            self.minimumShrunkSide = minimumShrunkSide
            self.minimumCharacters = minimumCharacters
        }

        /// The factor an image of this size with no plate found is shrunk by before it is
        /// read again (1: read as it is); nil when it is not read again.
        public func shrinkFactor(width: Int, height: Int) -> Int? {
            if max(width, height) <= maximumSide { return 1 }
            guard shrinksLargerImages else { return nil }
            return RGBImage.shrinkFactor(width: width, height: height, toFit: maximumSide, keeping: minimumShrunkSide)
        }

        /// Whether an image of this size with no plate found is read again.
        public func applies(width: Int, height: Int) -> Bool { shrinkFactor(width: width, height: height) != nil }

        /// The canvas size for an image and the image's offset in it.
        public func canvas(width: Int, height: Int) -> (width: Int, height: Int, x: Int, y: Int) {
            let canvasWidth = max(width + 2, Int((Double(width) * scale).rounded()))
            let canvasHeight = max(height + 2, Int((Double(height) * scale).rounded()), canvasWidth * 3 / 4)
            return (canvasWidth, canvasHeight, (canvasWidth - width) / 2, (canvasHeight - height) / 2)
        }

        /// `image` centred on the grey canvas, written into `buffer` (reused when its size fits).
        public func padded(_ image: RGBImage, into buffer: inout RGBImage?) -> (image: RGBImage, x: Int, y: Int) {
            let size = canvas(width: image.width, height: image.height)
            var canvas: RGBImage
            if let reused = buffer, reused.width == size.width, reused.height == size.height {
                canvas = reused
                buffer = nil  // hand the storage over instead of copying it
                canvas.pixels.withUnsafeMutableBufferPointer { $0.update(repeating: grey) }
            } else {
                canvas = RGBImage(width: size.width, height: size.height, red: grey, green: grey, blue: grey)
            }
            let rowBytes = image.width * 3
            canvas.pixels.withUnsafeMutableBufferPointer { target in
                image.pixels.withUnsafeBufferPointer { source in
                    for row in 0 ..< image.height {
                        let to = ((size.y + row) * size.width + size.x) * 3
                        (target.baseAddress! + to).update(from: source.baseAddress! + row * rowBytes, count: rowBytes)
                    }
                }
            }
            return (canvas, size.x, size.y)
        }

        /// A plate read on the canvas, moved back into the `width`×`height` image and clipped
        /// to it, then scaled by `factor` (the shrink the image was read at); nil unless it
        /// fills `minimumFill` of the image's width and its text has `minimumCharacters`.
        public func movedBack(_ plate: PlateResult, x: Int, y: Int, width: Int, height: Int, factor: Int = 1) -> PlateResult? {
            guard plate.text.count >= minimumCharacters else { return nil }
            var moved = plate
            let scale = Double(factor)
            moved.corners = plate.corners.map {
                ImagePoint(x: min(max($0.x - Double(x), 0), Double(width)) * scale, y: min(max($0.y - Double(y), 0), Double(height)) * scale)
            }
            moved.box = PlateBox(enclosing: moved.corners)
            return moved.box.width >= minimumFill * Double(width) * scale && moved.box.height > 0 ? moved : nil
        }
    }

    /// A photo held at a slant is read turned level.
    ///
    /// The detector learnt plates within about 12° of level, as fixed and patrol cameras see
    /// them; a phone photo taken at a slant tilts every plate in it, and past 20° they are lost
    /// more and more (docs/accuracy.md). So an image in which nothing was found, also not as a
    /// tight crop, is read again turned by each of `degrees` in turn about its centre
    /// (`RGBImage.turned(by:)`, grey where the turn brings in the corners) until a view
    /// gives a plate, whose corners are then turned back into the image. An image larger than
    /// `maximumSide` is first shrunk by the least whole factor that brings it under, as the
    /// detector would shrink it anyway; one so thin that this leaves it under
    /// `minimumShrunkSide` is not turned. A plate-free image costs these passes too, so the
    /// reader agent, whose cameras are mounted level, turns this off.
    public struct TurnedViews: Sendable, Equatable {
        public var degrees: [Double]
        public var maximumSide: Int
        public var minimumShrunkSide: Int

        public init(degrees: [Double] = [-30, 30], maximumSide: Int = 1280, minimumShrunkSide: Int = 16) {
            self.degrees = degrees
            self.maximumSide = maximumSide
            self.minimumShrunkSide = minimumShrunkSide
        }

        /// The whole factor an image of this size is shrunk by before it is turned; nil when
        /// it is not turned.
        public func shrinkFactor(width: Int, height: Int) -> Int? {
            RGBImage.shrinkFactor(width: width, height: height, toFit: maximumSide, keeping: minimumShrunkSide)
        }

        /// A plate read on the view of a `factor`-times shrunk `shrunk` image turned by
        /// `degrees`, its corners in the full image, clipped to its `width`×`height`.
        public func turnedBack(_ plate: PlateResult, degrees: Double, shrunk: RGBImage, factor: Int, width: Int, height: Int) -> PlateResult {
            var back = plate
            let scale = Double(factor)
            back.corners = plate.corners.map {
                let point = shrunk.sourcePoint(of: $0, turnedBy: degrees)
                return ImagePoint(x: min(max(point.x * scale, 0), Double(width)), y: min(max(point.y * scale, 0), Double(height)))
            }
            back.box = PlateBox(enclosing: back.corners)
            return back
        }
    }

    /// A plate the detector is very sure of is reported even when the OCR is unsure of its text.
    ///
    /// A read under `Options.minimumConfidence` (0.2) is mostly lettering or texture the
    /// detector mistook for a plate, but not when the detector is very sure: of the plates the
    /// engine missed in four draws of held-out frames (`make_eval_set.py --seed 1` to `4`),
    /// several were found by the detector at 0.7 to 0.95 with their box right, on plates too
    /// dark, small or blurred for a read above 0.1 (then the floor), and were then dropped. Reported, such a plate
    /// keeps its picture and a partial text (`JME4168` for `JME4763`, `GD2777` for `GPD2777`)
    /// with its low confidence, for an investigator to look at; a hot-list hit from it is
    /// verified by an officer like any other. So a detection scoring at least `minimumScore`
    /// needs a first look of only `minimumConfidence`; the other rules (short reads, stroke
    /// reads) still hold. On the held-out folders this found 8 more of 1,100 plates in the
    /// four draws and added no false plate on plate-free photos or any other folder
    /// (docs/accuracy.md).
    public struct ConfidentDetections: Sendable, Equatable {
        public var minimumScore: Float
        public var minimumConfidence: Float

        public init(minimumScore: Float = 0.7, minimumConfidence: Float = 0.01) {
            self.minimumScore = minimumScore
            self.minimumConfidence = minimumConfidence
        }
    }

    /// Two- and three-character reads count only when the OCR is sure of them.
    ///
    /// What is not a plate but passes for one (railings, blinds, a barcode, a sign's lettering,
    /// the year on a sticker) mostly reads as a few strokes: `I1`, `III`, `2007`, `D0`. Of 89
    /// false plates in the held-out folders, 40 had two or three characters, and all but three
    /// were read under 0.5 sure; no real plate there reads that short, and the synthetic
    /// vanity plates that do (`5H`, `ZX`, `TJH`) are read over 0.9 sure. So a read of at most
    /// `maximumCharacters` needs a first look at least `minimumConfidence` sure.
    public struct ShortReads: Sendable, Equatable {
        public var maximumCharacters: Int
        public var minimumConfidence: Float

        public init(maximumCharacters: Int = 3, minimumConfidence: Float = 0.5) {
            self.maximumCharacters = maximumCharacters
            self.minimumConfidence = minimumConfidence
        }
    }

    /// Reads made mostly of upright strokes count only when the OCR is sure of them.
    ///
    /// Railings, fences, blinds, grilles and barcodes read as rows of `I` and `1`: `I111`,
    /// `1I1II1`, `LII11C`, `II71C`. Real plates rarely do: of the 5,303 labelled plates in the
    /// training data (US and Spanish) none is two-thirds strokes and 12 are half (`1WG011`,
    /// `521116`, `T111411C`), while 12 of the 18 such false plates in the held-out folders had
    /// a first look under 0.5. So a read at least `minimumFraction` of whose characters are `I`
    /// or `1` needs a first look at least `minimumConfidence` sure (docs/accuracy.md).
    ///
    /// A read of nothing but strokes (`III`, `I1`, `1I1II1`) is not a plate however sure the OCR
    /// is (`dropsOnlyStrokes`): no US serial format makes one and none of the 5,303 labelled
    /// plates is one (the most are 62.5 %, `T111411C`, and 60 %, `111LS`), while washed-out
    /// railings read that way over 0.5 sure.
    public struct StrokeReads: Sendable, Equatable {
        public static let strokes: Set<Character> = ["I", "1"]
        public var minimumFraction: Double
        public var minimumConfidence: Float
        public var dropsOnlyStrokes: Bool

        public init(minimumFraction: Double = 0.5, minimumConfidence: Float = 0.5, dropsOnlyStrokes: Bool = true) {
            self.minimumFraction = minimumFraction
            self.minimumConfidence = minimumConfidence
            self.dropsOnlyStrokes = dropsOnlyStrokes
        }

        /// Whether `text` is nothing but strokes (an empty text is not).
        public func isOnlyStrokes(_ text: String) -> Bool {
            !text.isEmpty && text.allSatisfy { Self.strokes.contains($0) }
        }

        /// Whether `text` is at least `minimumFraction` strokes (an empty text is not).
        public func isMostlyStrokes(_ text: String) -> Bool {
            guard !text.isEmpty else { return false }
            let strokes = text.reduce(0) { $0 + (Self.strokes.contains($1) ? 1 : 0) }
            return Double(strokes) >= minimumFraction * Double(text.count)
        }
    }

    /// Milliseconds spent in each stage of the most recent `recognize` call.
    public struct Timing: Sendable, Equatable, Codable {
        public var decodeMilliseconds: Double = 0
        public var detectionMilliseconds: Double = 0
        public var recognitionMilliseconds: Double = 0
        public var totalMilliseconds: Double = 0
        public var plateCount = 0
    }

    public let detector: PlateDetector
    /// nil when the models folder has no `refiner` model: the detector's corners are used as they are.
    public let refiner: PlateRefiner?
    public let ocr: PlateOCR
    public var options: Options
    /// The detector's own threshold (`meta.threshold`), used when `options.detectionThreshold` is nil.
    public let modelDetectionThreshold: Float
    public private(set) var lastTiming = Timing()
    /// The gain `options.exposure` applied to the most recent frame for detection (1: none).
    public private(set) var lastExposureGain = 1.0
    private var exposureBuffer: RGBImage?
    /// The grey canvas of the last tight-crop reading, reused for the next of the same size.
    private var paddingBuffer: RGBImage?

    /// Loads `detector.{json,safetensors}` and `ocr.{json,safetensors}` from `modelsDirectory`,
    /// and `refiner.{json,safetensors}` when the folder has it.
    public convenience init(modelsDirectory: URL, options: Options = Options()) throws {
        let hasRefiner = FileManager.default.fileExists(atPath: modelsDirectory.appendingPathComponent("refiner.json").path)
        try self.init(detector: PlateDetector(directory: modelsDirectory),
                      refiner: hasRefiner ? PlateRefiner(directory: modelsDirectory) : nil,
                      ocr: PlateOCR(directory: modelsDirectory), options: options)
    }

    public init(detector: PlateDetector, refiner: PlateRefiner? = nil, ocr: PlateOCR, options: Options = Options()) {
        self.detector = detector
        self.refiner = refiner
        self.ocr = ocr
        self.options = options
        modelDetectionThreshold = detector.threshold
        apply()
    }

    /// The score a detection needs to be read without proving itself to the OCR.
    var sureThreshold: Float { options.detectionThreshold ?? modelDetectionThreshold }

    /// Sets the networks' and decoders' settings from `options`.
    private func apply() {
        let sure = sureThreshold
        detector.threshold = min(sure, options.unsureDetections?.threshold ?? sure)
        detector.suppressionIoU = options.suppressionIoU
        detector.maximumDetections = options.maximumPlates
        detector.runsCoarsePass = options.coarsePass
        ocr.decoder.beamWidth = options.beamWidth
        ocr.exposure = options.exposure
        ocr.motionDeblur = options.motionDeblur
        ocr.secondLook = options.secondLook  // its floor is set per detection (`secondLookFloor`)
    }

    /// The least first-look confidence worth a second look: under it the read is dropped
    /// whatever text a second look chose (`Options.whyNotAPlate` judges the confidence on the
    /// first look): `minimumConfidence` for every detection, and for a detection under the
    /// main threshold the confidence its read needs to confirm it. The views a second look
    /// reads cost three OCR runs, and unsure detections are mostly not plates.
    func secondLookFloor(sureDetection: Bool, detectionScore: Float? = nil) -> Float {
        var floor = max(options.secondLook?.atLeast ?? 0, options.minimumConfidence(detectionScore: detectionScore))
        if !sureDetection, let unsure = options.unsureDetections { floor = max(floor, unsure.minimumConfidence) }
        return floor
    }

    public func recognize(_ frame: RGBImage) throws -> [PlateResult] {
        var results = try recognizeOnce(frame)
        guard results.isEmpty else { return results }
        var total = lastTiming
        let clock = ContinuousClock()
        /// Adds the pass just made (`lastTiming`) and `preparing`, the time spent making its image.
        func count(preparing: Duration) {
            let extra = Self.milliseconds(preparing)
            total.detectionMilliseconds += lastTiming.detectionMilliseconds + extra
            total.recognitionMilliseconds += lastTiming.recognitionMilliseconds
            total.totalMilliseconds += lastTiming.totalMilliseconds + extra
        }
        defer {
            total.plateCount = results.count
            lastTiming = total
        }
        // Nothing found: the image may be a plate cut out tight (`TightCrops`).
        if let tight = options.tightCrops, let factor = tight.shrinkFactor(width: frame.width, height: frame.height) {
            let start = clock.now
            let image = try frame.shrunk(by: factor)
            let padded = tight.padded(image, into: &paddingBuffer)
            defer { paddingBuffer = padded.image }
            let preparing = clock.now - start
            results = try recognizeOnce(padded.image, confidentDetections: false).compactMap {
                tight.movedBack($0, x: padded.x, y: padded.y, width: image.width, height: image.height, factor: factor)
            }
            count(preparing: preparing)
        }
        // Still nothing: a photo held at a slant (`TurnedViews`).
        if results.isEmpty, let turned = options.turnedViews, !turned.degrees.isEmpty,
           let factor = turned.shrinkFactor(width: frame.width, height: frame.height) {
            let start = clock.now
            let image = try frame.shrunk(by: factor)
            var preparing = clock.now - start  // the shrink counts with the first view
            for degrees in turned.degrees where results.isEmpty {
                let turning = clock.now
                let view = try image.turned(by: degrees)
                preparing += clock.now - turning
                results = try recognizeOnce(view).map {
                    turned.turnedBack($0, degrees: degrees, shrunk: image, factor: factor, width: frame.width, height: frame.height)
                }
                count(preparing: preparing)
                preparing = .zero
            }
        }
        return results
    }

    /// One pass of the detector, refiner and OCR over `frame`. `confidentDetections` false
    /// holds every read to `Options.minimumConfidence`, however sure the detector is: on a
    /// tight-crop canvas it is sure of the image's own rectangle, plate or not.
    private func recognizeOnce(_ frame: RGBImage, confidentDetections: Bool = true) throws -> [PlateResult] {
        apply()
        let clock = ContinuousClock()
        let start = clock.now
        // Detector and refiner see the frame lifted by its exposure gain; the OCR reads the frame
        // as it came and corrects each plate on its own.
        let gain = options.exposure?.gain(for: frame) ?? 1
        lastExposureGain = gain
        let lit = gain > 1 ? ExposureCorrection.apply(gain: gain, to: frame, into: &exposureBuffer) : frame
        let detections = detector.detect(lit)
        let sure = sureThreshold
        let detected = clock.now
        var results: [PlateResult] = []
        for detection in detections {
            let sureDetection = detection.score >= sure
            if !sureDetection, let unsure = options.unsureDetections, !unsure.worthReading(detection) { continue }
            var corners = detection.corners, box = detection.box
            if options.refineCorners, let refiner {
                corners = refiner.refine(lit, corners: corners)
                box = PlateBox(enclosing: corners)
                // Two detections of one plate can be refined onto the same corners: read it once.
                if results.contains(where: { $0.box.intersectionOverUnion(box) > options.suppressionIoU }) { continue }
            }
            // Plates do not overlap: a detection mostly inside a plate already read is lettering
            // on that plate (a sticker, a slogan, the state's name), not another plate.
            if Self.isPartOfAPlate(box, plates: results.lazy.map(\.box)) { continue }
            let reading: PlateOCR.Reading
            let trustedScore = confidentDetections ? detection.score : nil
            ocr.secondLook?.atLeast = secondLookFloor(sureDetection: sureDetection, detectionScore: trustedScore)
            do {
                reading = try ocr.read(frame, corners: corners, candidateCount: options.candidateCount, formats: options.formats)
            } catch VisionError.invalidImage {
                continue  // degenerate quadrilateral: nothing readable there
            }
            // Whether it is a plate at all is judged on the first look as cut: a second look only
            // chooses among the texts, and a reading with a motion blur undone only gives the
            // text of a plate that counts as one as cut (the rules' floors were set on reads as
            // cut, and undoing a blur in a railing can make strokes the OCR is sure of).
            guard options.countsAsPlate(reading, sureDetection: sureDetection, detectionScore: trustedScore) else { continue }
            results.append(PlateResult(text: reading.text, confidence: reading.confidence,
                                       characterConfidences: reading.characterConfidences, box: box,
                                       corners: corners,
                                       candidates: reading.candidates.filter {
                                           $0.confidence >= options.minimumCandidateConfidence || $0.confidence >= reading.confidence
                                       },
                                       detectionScore: detection.score))
        }
        let finished = clock.now
        lastTiming = Timing(decodeMilliseconds: 0, detectionMilliseconds: Self.milliseconds(detected - start),
                            recognitionMilliseconds: Self.milliseconds(finished - detected),
                            totalMilliseconds: Self.milliseconds(finished - start), plateCount: results.count)
        return results
    }

    /// Decodes a JPEG or PNG file and recognises it; `lastTiming` includes the decoding time.
    public func recognize(contentsOf url: URL) throws -> [PlateResult] {
        try recognizeDecoding(contentsOf: url).plates
    }

    /// `recognize(contentsOf:)`, also handing back the frame as decoded (for a caller that
    /// shows it, such as `alpr evaluate --mistake-images`, which then need not decode it again)
    /// and the decoder's warning when the file was damaged but decoded anyway
    /// (`ImageDecoder.decodeNotingDamage`).
    public func recognizeDecoding(contentsOf url: URL) throws -> (plates: [PlateResult], image: RGBImage, decoderWarning: String?) {
        let clock = ContinuousClock()
        let start = clock.now
        let decoded = try ImageDecoder.decodeNotingDamage(contentsOf: url, applyingOrientation: options.appliesEXIFOrientation)
        let decodeTime = Self.milliseconds(clock.now - start)
        let results = try recognize(decoded.image)
        lastTiming.decodeMilliseconds = decodeTime
        lastTiming.totalMilliseconds += decodeTime
        return (results, decoded.image, decoded.warning)
    }

    /// The share of a detection's area inside a plate already read that makes it part of that plate.
    static let partOfPlateShare = 0.5

    /// Whether half or more of `box` lies inside one of `plates`.
    static func isPartOfAPlate(_ box: PlateBox, plates: some Sequence<PlateBox>) -> Bool {
        plates.contains { $0.intersection(box) >= partOfPlateShare * box.area }
    }

    static func milliseconds(_ duration: Duration) -> Double {
        Double(duration.components.seconds) * 1000 + Double(duration.components.attoseconds) / 1e15
    }
}

/// Where the models live: an explicit path, else `ALPR_MODELS`, else `./Models` when it holds
/// the models, else the `Models` folder the `alpr` executable was built or installed beside
/// (`.build/release/alpr` finds the checkout's `Models`, `PREFIX/bin/alpr` finds
/// `PREFIX/share/alpr/Models`), so the tool reads plates from any working directory. When
/// none of those holds the models the answer is `./Models`, and loading names that path.
public enum ModelsDirectory {
    public static let environmentVariable = "ALPR_MODELS"
    /// The file whose presence marks a folder as holding the models.
    public static let marker = "detector.json"
    /// How many folders above the executable's are searched for `Models`.
    static let levelsAboveExecutable = 4

    public static func resolve(explicit: String?, environment: [String: String] = ProcessInfo.processInfo.environment,
                               currentDirectory: String = FileManager.default.currentDirectoryPath,
                               executable: URL? = runningExecutable(),
                               holdsModels: (URL) -> Bool = { FileManager.default.fileExists(atPath: $0.appendingPathComponent(marker).path) }) -> URL {
        let base = URL(fileURLWithPath: currentDirectory, isDirectory: true)
        if let explicit, !explicit.isEmpty { return URL(fileURLWithPath: explicit, relativeTo: base).standardizedFileURL }
        if let fromEnvironment = environment[environmentVariable], !fromEnvironment.isEmpty {
            return URL(fileURLWithPath: fromEnvironment, relativeTo: base).standardizedFileURL
        }
        let inWorkingDirectory = base.appendingPathComponent("Models", isDirectory: true).standardizedFileURL
        if holdsModels(inWorkingDirectory) { return inWorkingDirectory }
        return besideExecutable(executable, holdsModels: holdsModels) ?? inWorkingDirectory
    }

    /// The nearest `Models` (or `share/alpr/Models`) in the executable's folder or one above it.
    static func besideExecutable(_ executable: URL?, holdsModels: (URL) -> Bool) -> URL? {
        guard let executable else { return nil }
        var folder = executable.deletingLastPathComponent().standardizedFileURL
        for _ in 0...levelsAboveExecutable {
            for relative in ["Models", "share/alpr/Models"] {
                let candidate = folder.appendingPathComponent(relative, isDirectory: true).standardizedFileURL
                if holdsModels(candidate) { return candidate }
            }
            let parent = folder.deletingLastPathComponent().standardizedFileURL
            if parent.path == folder.path { break }
            folder = parent
        }
        return nil
    }

    /// The running executable with its links resolved (`/proc/self/exe` on Linux).
    public static func runningExecutable() -> URL? {
        #if os(Linux)
        if let target = try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe") {
            return URL(fileURLWithPath: target)
        }
        #endif
        return Bundle.main.executableURL?.resolvingSymlinksInPath()
    }
}
