import ALPRVision
import ArgumentParser

/// The switches `alpr evaluate` takes to turn a part of the engine off or move one of its
/// thresholds, so that what each part gives can be measured on the same folders
/// (docs/accuracy.md). Without any of them the engine runs as `alpr read` runs it.
struct EngineSwitches: ParsableArguments {
    @Option(name: .customLong("detection-threshold"), help: "Detector heatmap score for a plate (default: the model's).")
    var detectionThreshold: Float?

    @Flag(name: .customLong("no-refine"), help: "Use the detector's corners as they are (skip the corner refiner).")
    var noRefine = false

    @Flag(name: .customLong("no-coarse-pass"), help: "Run the detector at its main input size only (skip the coarse pass for wide plates).")
    var noCoarsePass = false

    @Flag(name: .customLong("no-exposure"), help: "Read dark frames as they are (skip the exposure correction).")
    var noExposure = false

    @Flag(name: .customLong("no-second-look"), help: "Read every plate once (skip the shifted re-reads of unsure plates).")
    var noSecondLook = false

    @Flag(name: .customLong("no-sharpened-view"), help: "Leave the sharpened view out of the second look.")
    var noSharpenedView = false

    @Flag(name: .customLong("no-width-views"), help: "Leave the views with the cut widened and narrowed out of the second look.")
    var noWidthViews = false

    @Flag(name: .customLong("no-motion-deblur"), help: "Read plates smeared sideways as they are (skip the second reading with the motion blur undone).")
    var noMotionDeblur = false

    @Option(name: .customLong("motion-deblur-from"), help: "Undo horizontal motion blurs at least this long, in OCR input pixels, from 2 to 20 (default: the engine's, 6).")
    var motionDeblurFrom: Int?

    @Option(name: .customLong("second-look-below"), help: "Read again (second look) the plates whose first read is less sure than this, from 0 to 1 (default: the engine's, 0.97).")
    var secondLookBelow: Float?

    @Flag(name: .customLong("no-unsure-detections"), help: "Read only detections at the detection threshold (skip the lower-scoring ones the OCR must confirm).")
    var noUnsureDetections = false

    @Flag(name: .customLong("no-confident-detections"), help: "Hold plates the detector is very sure of to the usual read confidence (drop them when the OCR is unsure of their text).")
    var noConfidentDetections = false

    @Flag(name: .long, help: "Keep two- and three-character reads the OCR is unsure of (skip the short-read check).")
    var keepShortReads = false

    @Flag(name: .long, help: "Keep reads of mostly I and 1 the OCR is unsure of, and reads of nothing but I and 1 (skip the stroke-read checks).")
    var keepStrokeReads = false

    @Flag(name: .customLong("no-tight-crops"), help: "Read an image with no plate found once only (skip reading it again as a plate cut out tight).")
    var noTightCrops = false

    @Flag(name: .customLong("no-large-tight-crops"), help: "Read only images of 1024 px or less again as plates cut out tight (skip shrinking larger ones to read them so).")
    var noLargeTightCrops = false

    @Flag(name: .customLong("no-turned-views"), help: "Read an image with no plate found without turning it (skip the views turned 30 degrees either way).")
    var noTurnedViews = false

    @Option(name: .customLong("min-candidate-confidence"), help: "Leave out alternatives less probable than this (the best reading is kept).")
    var minCandidateConfidence: Float?

    @Flag(name: .customLong("letter-o-outside-formats"), help: "Report a round glyph as the OCR read it, O or 0, in reads that fit no serial format (skip writing it 0).")
    var letterOOutsideFormats = false

    func validate() throws {
        if let detectionThreshold, !(detectionThreshold > 0 && detectionThreshold < 1) {
            throw ValidationError("--detection-threshold must be between 0 and 1 (exclusive), got \(detectionThreshold).")
        }
        if let secondLookBelow, !(secondLookBelow > 0 && secondLookBelow <= 1) {
            throw ValidationError("--second-look-below must be more than 0 and at most 1, got \(secondLookBelow).")
        }
        if let minCandidateConfidence, !(minCandidateConfidence >= 0 && minCandidateConfidence <= 1) {
            throw ValidationError("--min-candidate-confidence must be between 0 and 1, got \(minCandidateConfidence).")
        }
        if secondLookBelow != nil && noSecondLook {
            throw ValidationError("--second-look-below and --no-second-look contradict each other: give one.")
        }
        if noSecondLook && (noSharpenedView || noWidthViews) {
            throw ValidationError("--no-second-look leaves every view out: --no-sharpened-view and --no-width-views say nothing more.")
        }
        if let motionDeblurFrom, !(2 ... MotionDeblur().maximumLength).contains(motionDeblurFrom) {
            throw ValidationError("--motion-deblur-from must be from 2 to \(MotionDeblur().maximumLength), got \(motionDeblurFrom).")
        }
        if motionDeblurFrom != nil && noMotionDeblur {
            throw ValidationError("--motion-deblur-from and --no-motion-deblur contradict each other: give one.")
        }
    }

    /// The engine's options with these switches applied.
    func apply(to options: inout PlateRecognizer.Options) {
        options.detectionThreshold = detectionThreshold
        options.refineCorners = !noRefine
        options.coarsePass = !noCoarsePass
        if noExposure { options.exposure = nil }
        if noSecondLook { options.secondLook = nil }
        if noSharpenedView { options.secondLook?.sharpen = nil }
        if noWidthViews { options.secondLook?.widths = [] }
        if let secondLookBelow { options.secondLook?.below = secondLookBelow }
        if noMotionDeblur { options.motionDeblur = nil }
        if let motionDeblurFrom { options.motionDeblur?.minimumLength = motionDeblurFrom }
        if noUnsureDetections { options.unsureDetections = nil }
        if noConfidentDetections { options.confidentDetections = nil }
        if keepShortReads { options.shortReads = nil }
        if keepStrokeReads { options.strokeReads = nil }
        if noTightCrops { options.tightCrops = nil }
        if noLargeTightCrops { options.tightCrops?.shrinksLargerImages = false }
        if noTurnedViews { options.turnedViews = nil }
        if let minCandidateConfidence { options.minimumCandidateConfidence = minCandidateConfidence }
        if letterOOutsideFormats { options.formats?.zeroOutsideFormats = false }
    }
}
