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
            let plate = PlateResult(text: reading.text, confidence: reading.confidence,
                                    characterConfidences: reading.characterConfidences, box: box,
                                    corners: corners,
                                    candidates: reading.candidates.filter {
                                        $0.confidence >= options.minimumCandidateConfidence || $0.confidence >= reading.confidence
                                    },
                                    detectionScore: detection.score)
            Self.add(plate, to: &results)
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

    /// Lettering beside a plate, on its frame or just above or below it, is at most this share
    /// of the plate's height tall...
    static let besideLetteringHeightShare = 0.6
    /// ...lies this share of its width or more within the plate's left and right edges...
    static let besideLetteringSpanShare = 0.75
    /// ...and overlaps the plate's box or lies at most this share of the plate's height above or
    /// below it: lettering on the plate that its corners cut off, or on its frame.
    static let besideLetteringGapShare = 0.05

    /// Whether `box` is lettering just above or below `plate` by its shape and place alone
    /// (`besideLettering...` above): a state's name, a county's, a slogan, a dealer's frame.
    static func isBesidePlate(_ box: PlateBox, plate: PlateBox) -> Bool {
        guard box.width > 0, plate.height > 0, box.height <= besideLetteringHeightShare * plate.height else { return false }
        let span = min(box.x + box.width, plate.x + plate.width) - max(box.x, plate.x)
        let gap = max(box.y - (plate.y + plate.height), plate.y - (box.y + box.height))
        return span >= besideLetteringSpanShare * box.width && gap <= besideLetteringGapShare * plate.height
    }

    /// Whether `other` is lettering on or beside `plate` rather than a plate of its own:
    /// smaller, read less surely, and half or more of it inside `plate` or, by `isBesidePlate`,
    /// touching it above or below. Two vehicles' plates neither overlap nor touch one above
    /// the other: each has its vehicle's body around it. Applied whichever was read first.
    static func isLettering(_ other: PlateResult, on plate: PlateResult) -> Bool {
        other.box.area < plate.box.area && other.confidence < plate.confidence
            && (isPartOfAPlate(other.box, plates: CollectionOfOne(plate.box)) || isBesidePlate(other.box, plate: plate.box))
    }

    /// Adds a plate just read to the plates read before it in the same pass, leaving out
    /// whichever of two is lettering on the other (`isLettering`).
    static func add(_ plate: PlateResult, to results: inout [PlateResult]) {
        // Lettering touching a plate read before it (a county's name cut off by the plate's
        // corners, a dealer's frame) could only be told from a plate once read: it goes if its
        // plate is the surer read. (Lettering mostly inside one was skipped unread.)
        if results.contains(where: { isLettering(plate, on: $0) }) { return }
        // Lettering the detector was surer of than of its plate was read first: it goes once
        // the plate it lies on is read, if that read is the surer one.
        results.removeAll { isLettering($0, on: plate) }
        results.append(plate)
    }

    static func milliseconds(_ duration: Duration) -> Double {
        Double(duration.components.seconds) * 1000 + Double(duration.components.attoseconds) / 1e15
    }
}
