import ALPRVision
import ArgumentParser
import Testing
@testable import alpr

/// `alpr evaluate`'s engine switches: none given leaves the engine as `alpr read` runs it, and
/// each one changes its own part of the options and nothing else.
@Suite("alpr evaluate engine switches")
struct EngineSwitchesTests {
    static func options(_ arguments: [String]) throws -> PlateRecognizer.Options {
        var options = PlateRecognizer.Options()
        try EngineSwitches.parse(arguments).apply(to: &options)
        return options
    }

    @Test("no switch: the engine's own options")
    func noSwitch() throws {
        #expect(try Self.options([]) == PlateRecognizer.Options())
    }

    @Test("each switch changes its part of the options, and only that part")
    func eachSwitch() throws {
        let defaults = PlateRecognizer.Options()
        let expected: [([String], (inout PlateRecognizer.Options) -> Void)] = [
            (["--detection-threshold", "0.4"], { $0.detectionThreshold = 0.4 }),
            (["--no-refine"], { $0.refineCorners = false }),
            (["--no-coarse-pass"], { $0.coarsePass = false }),
            (["--no-exposure"], { $0.exposure = nil }),
            (["--no-second-look"], { $0.secondLook = nil }),
            (["--no-sharpened-view"], { $0.secondLook?.sharpen = nil }),
            (["--no-width-views"], { $0.secondLook?.widths = [] }),
            (["--second-look-below", "0.8"], { $0.secondLook?.below = 0.8 }),
            (["--no-motion-deblur"], { $0.motionDeblur = nil }),
            (["--motion-deblur-from", "9"], { $0.motionDeblur?.minimumLength = 9 }),
            (["--no-unsure-detections"], { $0.unsureDetections = nil }),
            (["--no-confident-detections"], { $0.confidentDetections = nil }),
            (["--keep-short-reads"], { $0.shortReads = nil }),
            (["--keep-stroke-reads"], { $0.strokeReads = nil }),
            (["--no-tight-crops"], { $0.tightCrops = nil }),
            (["--no-large-tight-crops"], { $0.tightCrops?.shrinksLargerImages = false }),
            (["--no-turned-views"], { $0.turnedViews = nil }),
            (["--min-candidate-confidence", "0.05"], { $0.minimumCandidateConfidence = 0.05 }),
            (["--letter-o-outside-formats"], { $0.formats?.zeroOutsideFormats = false }),
        ]
        for (arguments, change) in expected {
            var wanted = defaults
            change(&wanted)
            #expect(wanted != defaults, "\(arguments) must change something the engine does by default")
            #expect(try Self.options(arguments) == wanted, "\(arguments)")
        }
        // Together, as evaluate's ablation runs give them.
        let both = try Self.options(["--no-sharpened-view", "--no-motion-deblur"])
        #expect(both.secondLook?.sharpen == nil && both.secondLook?.widths == defaults.secondLook?.widths && both.motionDeblur == nil)
    }

    @Test("contradicting or out-of-range switches are refused with the switch named")
    func refused() {
        for arguments in [["--detection-threshold", "1"], ["--second-look-below", "0"], ["--second-look-below", "0.9", "--no-second-look"],
                          ["--no-second-look", "--no-width-views"], ["--motion-deblur-from", "1"],
                          ["--motion-deblur-from", "8", "--no-motion-deblur"], ["--min-candidate-confidence", "2"]] {
            do {
                _ = try EngineSwitches.parse(arguments)
                Issue.record("\(arguments) was accepted")
            } catch {
                #expect(EngineSwitches.message(for: error).contains(arguments[0]), "\(arguments): \(EngineSwitches.message(for: error))")
            }
        }
    }
}
