import Foundation

/// Reads a plate: rectifies the quadrilateral into the OCR network's input, runs it, and
/// decodes the CTC output into the best text, per-character confidences and alternatives.
///
/// Not thread-safe (it owns its network's buffers): one instance per thread.
public final class PlateOCR {
    public struct Reading: Sendable, Equatable {
        public var text: String
        public var confidence: Float
        public var characterConfidences: [Float]
        /// Best first, including `text`.
        public var candidates: [PlateCandidate]
        /// The confidence of the first view's best text as cut: `confidence` itself unless a
        /// second look re-ranked the texts by their probability over all views, or the text
        /// was read with a motion blur undone (`asCut`).
        public var firstLookConfidence: Float
        /// When the first look is of the plate with its motion blur undone
        /// (`PlateOCR.motionDeblur`), the reading as cut that it was surer than: its text and
        /// confidence. nil otherwise.
        public var asCut: PlateCandidate?

        init(text: String, confidence: Float, characterConfidences: [Float], candidates: [PlateCandidate], firstLookConfidence: Float? = nil) {
            self.text = text
            self.confidence = confidence
            self.characterConfidences = characterConfidences
            self.candidates = candidates
            self.firstLookConfidence = firstLookConfidence ?? confidence
        }
    }

    /// A second look at a plate the OCR is unsure of: the rectification moved up and down by
    /// `offsets` of the plate's height (a corner refiner's vertical error is the commonest cause
    /// of a misread), widened and narrowed by `widths` of its width (a character read from
    /// beside the plate, or one the cut clipped), and the first view sharpened (for plates
    /// blurred by motion or focus), each read, and every text the views proposed ranked by its
    /// probability averaged over all the views (the first read included).
    public struct SecondLook: Sendable, Equatable {
        /// Reads whose confidence is at least this keep their first reading. Reads from 0.7 to
        /// 0.97 are looked at again too: their extra views drop a character read from the
        /// plate's surroundings (`HURSAE`, `5520E`) and make the confidence more trustworthy
        /// (docs/accuracy.md, "A second look up to 0.97").
        public var below: Float = 0.97
        /// Reads less sure than this are not looked at again (the recogniser drops them: it
        /// sets this to its `minimumConfidence`).
        public var atLeast: Float = 0
        public var offsets: [Double] = [0.06, -0.06]
        /// One view per value: the cut's left and right edges moved outwards (positive) or
        /// inwards by this fraction of the plate's width (`PlateOCR.widen`).
        public var widths: [Double] = [0.04, -0.04]
        /// The first view is also read sharpened by an unsharp mask of this amount
        /// (`PlateOCR.unsharpMask`: the crop plus this times its difference from a 5×5 binomial
        /// blur); nil leaves that view out.
        public var sharpen: Float? = 1

        public init(below: Float = 0.97, atLeast: Float = 0, offsets: [Double] = [0.06, -0.06],
                    widths: [Double] = [0.04, -0.04], sharpen: Float? = 1) {
            self.below = below
            self.atLeast = atLeast
            self.offsets = offsets
            self.widths = widths
            self.sharpen = sharpen
        }

        /// Views after the first.
        var extraViews: Int { offsets.count + widths.count + (sharpen == nil ? 0 : 1) }
    }

    public let network: Network
    public let alphabet: [Character]
    public var decoder: CTCDecoder
    /// Fraction of the plate's width (and height) each corner moves outwards before
    /// rectifying (`meta.plate_margin`), as the training crops were made.
    public let plateMargin: Double
    /// Brightens a dark grey input on its own (`ExposureCorrection`, the input's luma); nil
    /// reads it as sampled. `PlateRecognizer` sets it from its options.
    public var exposure: ExposureCorrection?
    /// The gain `exposure` applied to the most recent input (1: none).
    public private(set) var lastExposureGain = 1.0
    /// nil reads every plate once. `PlateRecognizer` sets it from its options.
    public var secondLook: SecondLook?
    /// Views the most recent `read` ran (1, or 1 + the second look's moved and sharpened views).
    public private(set) var lastViewCount = 1
    /// Reads a plate whose input shows a horizontal motion blur (`MotionDeblur`) twice, as cut
    /// and with the blur undone, and takes the surer reading as the first look (the second
    /// look's shifted views are then undone by the same length); nil reads it as cut.
    /// Reads under the second look's `atLeast` (the recogniser's floor: it drops them whatever
    /// their text) are not looked at for a blur. `PlateRecognizer` sets it from its options.
    public var motionDeblur: MotionDeblur?
    /// The blur length the most recent `read` undid (0: none, or the plate as cut read surer).
    public private(set) var lastDeblurLength = 0

    private let steps: Int
    private(set) var probabilities: [Float]
    private var levelHistogram = [Int](repeating: 0, count: 256)
    private var viewProbabilities: [[Float]] = []
    /// Scratch planes for `unsharpMask` and `undoBlur` (`ensureScratchPlanes`), allocated once.
    private var blurRows: [Float] = []
    private var blurred: [Float] = []
    /// The first view's network input, kept while the shifted views overwrite it, for the
    /// sharpened view (allocated once).
    private var firstViewInput: [Float] = []
    /// `motionDeblur`'s matrices, made the first time a blur of that length is met, and the
    /// first view's input and probabilities as cut, kept while the deblurred view is read.
    private var deblurMatrices: [Int: [Float]] = [:]
    private var deblurRegularization = MotionDeblur().regularization
    private var plainInput: [Float] = []
    private var plainProbabilities: [Float] = []

    public convenience init(directory: URL, name: String = "ocr") throws {
        try self.init(network: Network(directory: directory, name: name))
    }

    public init(network: Network) throws {
        guard let alphabetText = network.graph.meta["alphabet"]?.stringValue, !alphabetText.isEmpty else {
            throw VisionError.invalidModel("OCR meta.alphabet is missing")
        }
        let alphabet = Array(alphabetText)
        guard let logits = network.outputShapes["logits"], logits.channels == alphabet.count + 1, logits.height == 1 else {
            throw VisionError.invalidModel("OCR needs output 'logits' [\(alphabet.count + 1), 1, T] for a \(alphabet.count)-character alphabet")
        }
        guard [1, 3].contains(network.inputShape.channels) else {
            throw VisionError.invalidModel("OCR input must have 1 or 3 channels, has \(network.inputShape.channels)")
        }
        self.network = network
        self.alphabet = alphabet
        self.decoder = CTCDecoder(alphabet: alphabet)
        self.plateMargin = network.graph.meta["plate_margin"]?.doubleValue ?? network.graph.meta["crop_margin"]?.doubleValue ?? 0
        self.steps = logits.width
        self.probabilities = [Float](repeating: 0, count: logits.width * logits.channels)
    }

    /// Reads the plate whose corners (TL, TR, BR, BL) are given in `image` pixels.
    /// `formats` re-ranks the candidates and proposes look-alike variants that fit a format.
    public func read(_ image: RGBImage, corners: [ImagePoint], candidateCount: Int = 5,
                     formats: USPlateFormats? = .standard) throws -> Reading {
        lastViewCount = 1
        lastDeblurLength = 0
        try prepareInput(image, corners: corners)
        network.run()
        computeProbabilities()
        var first = hypotheses(candidateCount: candidateCount, formats: formats)
        var reading = rank(first, candidateCount: candidateCount, formats: formats)
        // A plate is judged on its reading as cut, so one the recogniser drops whatever its
        // text (under `secondLook.atLeast`) is not worth undoing a blur for.
        let blurLength = reading.confidence >= (secondLook?.atLeast ?? 0) ? blurLengthToUndo() : 0
        if blurLength > 0 {
            keepInput(in: &plainInput)
            Self.copy(probabilities, into: &plainProbabilities)
            undoBlur(length: blurLength)
            network.run()
            computeProbabilities()
            let deblurredFirst = hypotheses(candidateCount: candidateCount, formats: formats)
            let deblurred = rank(deblurredFirst, candidateCount: candidateCount, formats: formats)
            if deblurred.confidence > reading.confidence {
                first = deblurredFirst
                let asCut = reading
                reading = deblurred
                reading.firstLookConfidence = asCut.confidence
                reading.asCut = PlateCandidate(text: asCut.text, confidence: asCut.confidence)
                lastDeblurLength = blurLength
            } else {
                // The plate as cut reads surer: its input and probabilities back, as if alone.
                Self.copy(plainProbabilities, into: &probabilities)
                restoreInput(from: plainInput)
            }
        }
        guard let secondLook, secondLook.extraViews > 0, reading.confidence < secondLook.below,
              reading.firstLookConfidence >= secondLook.atLeast else { return reading }

        // Each view's probabilities are kept in a buffer of their own, allocated once.
        while viewProbabilities.count < secondLook.extraViews + 1 { viewProbabilities.append(probabilities) }
        keepProbabilities(asView: 0)
        let firstViewGain = lastExposureGain
        if secondLook.sharpen != nil { keepInput(in: &firstViewInput) }
        var proposals = first
        let movedViews = secondLook.offsets.count + secondLook.widths.count
        for view in 0 ..< movedViews {
            let moved = view < secondLook.offsets.count
                ? Self.shift(corners, alongHeight: secondLook.offsets[view])
                : Self.widen(corners, by: secondLook.widths[view - secondLook.offsets.count])
            do {
                try prepareInput(image, corners: moved)
            } catch VisionError.invalidImage {
                continue  // a degenerate moved quadrilateral: that view is left out
            }
            if lastDeblurLength > 0 { undoBlur(length: lastDeblurLength) }
            network.run()
            computeProbabilities()
            keepProbabilities(asView: lastViewCount)
            proposals += hypotheses(candidateCount: candidateCount, formats: formats)
            lastViewCount += 1
        }
        if let amount = secondLook.sharpen {
            // The first view again (the shifted views overwrote the input), as prepared.
            restoreInput(from: firstViewInput)
            lastExposureGain = firstViewGain
            unsharpMask(amount: amount)
            network.run()
            computeProbabilities()
            keepProbabilities(asView: lastViewCount)
            proposals += hypotheses(candidateCount: candidateCount, formats: formats)
            lastViewCount += 1
        }
        guard lastViewCount > 1 else { return reading }
        var second = Self.combine(proposals, views: viewProbabilities[0 ..< lastViewCount], steps: steps, decoder: decoder,
                                  candidateCount: candidateCount, formats: formats)
        second.firstLookConfidence = reading.firstLookConfidence
        second.asCut = reading.asCut
        return second
    }

    /// Copies the network input into `buffer` (sized on first use).
    private func keepInput(in buffer: inout [Float]) {
        network.withInput { input in
            if buffer.count != input.count { buffer = [Float](repeating: 0, count: input.count) }
            buffer.withUnsafeMutableBufferPointer { kept in _ = kept.update(fromContentsOf: input) }
        }
    }

    /// Writes a kept copy (`keepInput`) back into the network input.
    private func restoreInput(from buffer: [Float]) {
        network.withInput { input in
            buffer.withUnsafeBufferPointer { kept in _ = input.update(fromContentsOf: kept) }
        }
    }

    /// Copies `source` into `target` in place, sizing `target` on first use (a plain assignment
    /// would share the storage, and the next write to `source` would then allocate).
    private static func copy(_ source: [Float], into target: inout [Float]) {
        if target.count != source.count { target = [Float](repeating: 0, count: source.count) }
        target.withUnsafeMutableBufferPointer { kept in
            source.withUnsafeBufferPointer { current in _ = kept.update(fromContentsOf: current) }
        }
    }

    /// Sizes the two scratch planes `unsharpMask` and `undoBlur` share (allocated once).
    private func ensureScratchPlanes(_ plane: Int) {
        guard blurRows.count < plane else { return }
        blurRows = [Float](repeating: 0, count: plane)
        blurred = [Float](repeating: 0, count: plane)
    }

    /// The horizontal blur length `motionDeblur` would undo in the current input (its first
    /// plane), or 0.
    func blurLengthToUndo() -> Int {
        guard let motionDeblur else { return 0 }
        let shape = network.inputShape
        let length = network.withInput { input in
            MotionDeblur.estimatedLength(UnsafeBufferPointer(rebasing: input[0 ..< shape.planeSize]), width: shape.width,
                                         height: shape.height, maximumLength: motionDeblur.maximumLength)
        }
        return length >= motionDeblur.minimumLength ? length : 0
    }

    /// Undoes a horizontal box blur of `length` pixels in the network input, in place: each
    /// plane back to pixel values, each row multiplied by `MotionDeblur.deconvolution`, clamped
    /// to 0-255 and normalised again.
    func undoBlur(length: Int) {
        let shape = network.inputShape
        let width = shape.width, height = shape.height, plane = shape.planeSize
        let regularization = motionDeblur?.regularization ?? MotionDeblur().regularization
        if regularization != deblurRegularization {
            deblurMatrices = [:]
            deblurRegularization = regularization
        }
        if deblurMatrices[length] == nil {
            deblurMatrices[length] = MotionDeblur.deconvolution(length: length, width: width, regularization: regularization)
        }
        ensureScratchPlanes(plane)
        let mean = network.graph.input.mean, std = network.graph.input.std
        network.withInput { tensor in
            blurRows.withUnsafeMutableBufferPointer { pixels in
                blurred.withUnsafeMutableBufferPointer { output in
                    deblurMatrices[length]!.withUnsafeBufferPointer { matrix in
                        for channel in 0 ..< shape.channels {
                            let base = channel * plane
                            let meanValue = mean[min(channel, mean.count - 1)], stdValue = std[min(channel, std.count - 1)]
                            for i in 0 ..< plane { pixels[i] = (tensor[base + i] * stdValue + meanValue) * 255 }
                            MotionDeblur.apply(matrix, to: UnsafeBufferPointer(pixels), width: width, height: height, into: output)
                            for i in 0 ..< plane { tensor[base + i] = (min(max(output[i], 0), 255) / 255 - meanValue) / stdValue }
                        }
                    }
                }
            }
        }
    }

    private func keepProbabilities(asView view: Int) {
        probabilities.withUnsafeBufferPointer { source in
            viewProbabilities[view].withUnsafeMutableBufferPointer { target in
                for i in 0 ..< source.count { target[i] = source[i] }
            }
        }
    }

    /// Sharpens the network input in place: each plane becomes `x + amount * (x - blur(x))`,
    /// `blur` the separable 5×5 binomial filter (1 4 6 4 1)/16 with mirrored edges (OpenCV's
    /// `GaussianBlur(x, (5, 5), 0)` and `BORDER_REFLECT_101`), clamped to the input's range of
    /// pixel values 0-255. Linear, so it works on the normalised values directly.
    func unsharpMask(amount: Float) {
        let input = network.inputShape
        let width = input.width, height = input.height, plane = input.planeSize
        ensureScratchPlanes(plane)
        let mean = network.graph.input.mean, std = network.graph.input.std
        network.withInput { tensor in
            blurRows.withUnsafeMutableBufferPointer { rows in
                blurred.withUnsafeMutableBufferPointer { blur in
                    for channel in 0 ..< input.channels {
                        let base = channel * plane
                        for y in 0 ..< height {
                            for x in 0 ..< width {
                                var sum: Float = 0
                                for (k, weight) in Self.binomial5.enumerated() {
                                    sum += weight * tensor[base + y * width + Self.reflect101(x + k - 2, width)]
                                }
                                rows[y * width + x] = sum
                            }
                        }
                        for y in 0 ..< height {
                            for x in 0 ..< width {
                                var sum: Float = 0
                                for (k, weight) in Self.binomial5.enumerated() {
                                    sum += weight * rows[Self.reflect101(y + k - 2, height) * width + x]
                                }
                                blur[y * width + x] = sum
                            }
                        }
                        let meanValue = mean[min(channel, mean.count - 1)], stdValue = std[min(channel, std.count - 1)]
                        let lowest = (0 - meanValue) / stdValue, highest = (1 - meanValue) / stdValue
                        for i in 0 ..< plane {
                            let value = tensor[base + i]
                            tensor[base + i] = min(max(value + amount * (value - blur[i]), lowest), highest)
                        }
                    }
                }
            }
        }
    }

    static let binomial5: [Float] = [1 / 16, 4 / 16, 6 / 16, 4 / 16, 1 / 16]

    /// OpenCV's `BORDER_REFLECT_101` index: -1 reads 1, `count` reads `count - 2`.
    @inline(__always)
    static func reflect101(_ index: Int, _ count: Int) -> Int {
        guard count > 1 else { return 0 }
        var i = index
        while i < 0 || i >= count { i = i < 0 ? -i : 2 * (count - 1) - i }
        return i
    }

    /// The quadrilateral moved by `fraction` of its mean height vector (positive: down).
    static func shift(_ corners: [ImagePoint], alongHeight fraction: Double) -> [ImagePoint] {
        guard corners.count == 4 else { return corners }
        let (tl, tr, br, bl) = (corners[0], corners[1], corners[2], corners[3])
        let dx = ((bl.x - tl.x) + (br.x - tr.x)) / 2 * fraction, dy = ((bl.y - tl.y) + (br.y - tr.y)) / 2 * fraction
        return corners.map { ImagePoint(x: $0.x + dx, y: $0.y + dy) }
    }

    /// The quadrilateral with its left corners (TL, BL) moved back and its right ones (TR, BR)
    /// forward by `fraction` of its mean width vector (negative: narrowed).
    static func widen(_ corners: [ImagePoint], by fraction: Double) -> [ImagePoint] {
        guard corners.count == 4 else { return corners }
        let (tl, tr, br, bl) = (corners[0], corners[1], corners[2], corners[3])
        let dx = ((tr.x - tl.x) + (br.x - bl.x)) / 2 * fraction, dy = ((tr.y - tl.y) + (br.y - bl.y)) / 2 * fraction
        return [ImagePoint(x: tl.x - dx, y: tl.y - dy), ImagePoint(x: tr.x + dx, y: tr.y + dy),
                ImagePoint(x: br.x + dx, y: br.y + dy), ImagePoint(x: bl.x - dx, y: bl.y - dy)]
    }

    /// Writes the rectified, normalised plate into the network input (docs/model-format.md,
    /// "OCR rectification").
    func prepareInput(_ image: RGBImage, corners: [ImagePoint]) throws {
        let input = network.inputShape
        let width = Double(input.width), height = Double(input.height)
        let homography = try Homography.rectangle(width: width, height: height, to: Self.grow(corners, by: plateMargin))
        let mean = network.graph.input.mean, std = network.graph.input.std
        let correctsExposure = exposure != nil && input.channels == 1
        if correctsExposure { for level in 0 ..< 256 { levelHistogram[level] = 0 } }
        lastExposureGain = 1
        network.withInput { tensor in
            image.pixels.withUnsafeBufferPointer { pixels in
                levelHistogram.withUnsafeMutableBufferPointer { histogram in
                    for y in 0 ..< input.height {
                        for x in 0 ..< input.width {
                            // cv2.warpPerspective's convention: integer output pixels map through the
                            // transform straight to source sample positions.
                            let point = homography.apply(ImagePoint(x: Double(x), y: Double(y)))
                            let sx = point.x, sy = point.y
                            let index = y * input.width + x
                            if input.channels == 1 {
                                // Bilinear sampling is linear, so luma of the samples equals sampling the luma image.
                                let luma = Float(RGBImage.bilinearLuma(pixels, width: image.width, height: image.height, x: sx, y: sy))
                                if correctsExposure {
                                    tensor[index] = luma  // normalised below, once the gain is known
                                    histogram[Int(min(max(luma.rounded(), 0), 255))] += 1
                                } else {
                                    tensor[index] = (luma / 255 - mean[0]) / std[0]
                                }
                            } else {
                                for channel in 0 ..< 3 {
                                    let value = Float(RGBImage.bilinear(pixels, width: image.width, height: image.height, x: sx, y: sy, channel: channel))
                                    tensor[channel * input.planeSize + index] = (value / 255 - mean[channel]) / std[channel]
                                }
                            }
                        }
                    }
                }
            }
            guard correctsExposure, let exposure else { return }
            let gain = exposure.gain(histogram: levelHistogram)
            lastExposureGain = gain
            let scale = Float(gain)
            for index in 0 ..< input.planeSize {
                tensor[index] = (min(tensor[index] * scale, 255) / 255 - mean[0]) / std[0]
            }
        }
    }

    /// Moves each corner outwards by `margin` of the plate's mean width and height vectors
    /// (`grow_quad` in training/synth/ocr_set.py).
    static func grow(_ corners: [ImagePoint], by margin: Double) -> [ImagePoint] {
        guard margin != 0, corners.count == 4 else { return corners }
        let (tl, tr, br, bl) = (corners[0], corners[1], corners[2], corners[3])
        let dx = ImagePoint(x: ((tr.x - tl.x) + (br.x - bl.x)) / 2 * margin, y: ((tr.y - tl.y) + (br.y - bl.y)) / 2 * margin)
        let dy = ImagePoint(x: ((bl.x - tl.x) + (br.x - tr.x)) / 2 * margin, y: ((bl.y - tl.y) + (br.y - tr.y)) / 2 * margin)
        return [ImagePoint(x: tl.x - dx.x - dy.x, y: tl.y - dx.y - dy.y), ImagePoint(x: tr.x + dx.x - dy.x, y: tr.y + dx.y - dy.y),
                ImagePoint(x: br.x + dx.x + dy.x, y: br.y + dx.y + dy.y), ImagePoint(x: bl.x - dx.x + dy.x, y: bl.y - dx.y + dy.y)]
    }

    /// Softmax over classes for each time step, transposed from `[K, T]` to `[T][K]`.
    func computeProbabilities() {
        let classes = alphabet.count + 1, steps = self.steps
        _ = network.withOutput("logits") { logits, _ in
            probabilities.withUnsafeMutableBufferPointer { output in
                for t in 0 ..< steps {
                    var maximum = -Float.infinity
                    for k in 0 ..< classes { maximum = max(maximum, logits[k * steps + t]) }
                    var sum: Float = 0
                    for k in 0 ..< classes {
                        let e = expf(logits[k * steps + t] - maximum)
                        output[t * classes + k] = e
                        sum += e
                    }
                    for k in 0 ..< classes { output[t * classes + k] /= sum }
                }
            }
        }
    }

    /// The beam search's texts for the current probabilities, best first, plus look-alike
    /// variants of the best that fit a format.
    func hypotheses(candidateCount: Int, formats: USPlateFormats?) -> [CTCDecoder.Hypothesis] {
        Self.hypotheses(probabilities, steps: steps, decoder: decoder, candidateCount: candidateCount, formats: formats)
    }

    func rank(_ hypotheses: [CTCDecoder.Hypothesis], candidateCount: Int, formats: USPlateFormats?) -> Reading {
        Self.rank(hypotheses, candidateCount: candidateCount, formats: formats)
    }

    // The decoding below is a function of the probabilities alone; training/ctc_decode.py
    // mirrors it step for step (the test "the Python decoding mirror gives the engine's
    // readings" holds the two together).

    /// The beam search's texts for `probabilities` (`[steps][classes]`), best first, plus
    /// look-alike variants of the best that fit a format, each scored by its own probability.
    static func hypotheses(_ probabilities: [Float], steps: Int, decoder: CTCDecoder, candidateCount: Int,
                           formats: USPlateFormats?) -> [CTCDecoder.Hypothesis] {
        var search = decoder
        search.beamWidth = max(decoder.beamWidth, candidateCount)
        var hypotheses = search.beamSearch(probabilities, steps: steps, count: max(candidateCount, 1))
        guard let best = hypotheses.first else { return [] }
        if let formats {
            for variant in formats.lookAlikeVariants(of: best.text) where !hypotheses.contains(where: { $0.text == variant }) {
                let probability = decoder.probability(of: variant, probabilities, steps: steps)
                guard probability > 0 else { continue }
                hypotheses.append(.init(text: variant, confidence: probability,
                                        characterConfidences: variantConfidences(variant, original: best, probabilities,
                                                                                 steps: steps, alphabet: decoder.alphabet)))
            }
        }
        return hypotheses
    }

    /// The reading from hypotheses sorted best first: format re-ranking, then the top
    /// `candidateCount` non-empty texts, each as `USPlateFormats.written` writes it followed by
    /// the text as read where that differs (each text once, at its better place; a written
    /// text keeps the confidence of the reading it came from). The round glyph is the one
    /// character whose letter or digit no pixel decides, so the other spelling stays among
    /// the alternatives.
    static func rank(_ hypotheses: [CTCDecoder.Hypothesis], candidateCount: Int, formats: USPlateFormats?) -> Reading {
        guard let best = hypotheses.first else { return Reading(text: "", confidence: 0, characterConfidences: [], candidates: []) }
        var candidates = hypotheses.map { PlateCandidate(text: $0.text, confidence: $0.confidence) }
        if let formats { candidates = formats.rerank(candidates) }
        candidates = candidates.filter { !$0.text.isEmpty }
        guard let top = candidates.first, let chosen = hypotheses.first(where: { $0.text == top.text }) else {
            return Reading(text: "", confidence: best.confidence, characterConfidences: [], candidates: [])
        }
        var written: [PlateCandidate] = []
        for candidate in candidates {
            for text in [formats?.written(candidate.text) ?? candidate.text, candidate.text]
            where written.count < candidateCount && !written.contains(where: { $0.text == text }) {
                written.append(PlateCandidate(text: text, confidence: candidate.confidence))
            }
        }
        return Reading(text: formats?.written(chosen.text) ?? chosen.text, confidence: chosen.confidence,
                       characterConfidences: chosen.characterConfidences, candidates: written)
    }

    /// The second look's merge: every non-empty text the views proposed, once (with the
    /// character confidences of the view surest of it), scored by its probability averaged
    /// over all the views, best first (ties in the order proposed), then ranked.
    static func combine(_ proposals: [CTCDecoder.Hypothesis], views: ArraySlice<[Float]>, steps: Int, decoder: CTCDecoder,
                        candidateCount: Int, formats: USPlateFormats?) -> Reading {
        var merged: [CTCDecoder.Hypothesis] = []
        for proposal in proposals where !proposal.text.isEmpty {
            if let at = merged.firstIndex(where: { $0.text == proposal.text }) {
                if proposal.confidence > merged[at].confidence { merged[at] = proposal }
                continue
            }
            merged.append(proposal)
        }
        for index in merged.indices {
            var total: Float = 0
            for view in views { total += decoder.probability(of: merged[index].text, view, steps: steps) }
            merged[index].confidence = total / Float(views.count)
        }
        merged = merged.enumerated()
            .sorted { $0.element.confidence != $1.element.confidence ? $0.element.confidence > $1.element.confidence : $0.offset < $1.offset }
            .map(\.element)
        return rank(merged, candidateCount: candidateCount, formats: formats)
    }

    /// For a look-alike variant: the original's confidence where the character is unchanged,
    /// the substitute's best frame probability where it was swapped.
    private static func variantConfidences(_ variant: String, original: CTCDecoder.Hypothesis, _ probabilities: [Float],
                                           steps: Int, alphabet: [Character]) -> [Float] {
        let classes = alphabet.count + 1
        return zip(variant, zip(original.text, original.characterConfidences)).map { character, originalPair in
            guard character != originalPair.0, let index = alphabet.firstIndex(of: character) else { return originalPair.1 }
            return (0 ..< steps).map { probabilities[$0 * classes + index + 1] }.max() ?? 0
        }
    }
}
