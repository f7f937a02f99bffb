import Foundation

/// The rules that decide which detections are read and which reads are kept, and the extra
/// passes over a still image in which nothing was found (`PlateRecognizer.Options`).
extension PlateRecognizer {
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
}
