@testable import ALPRAgent
import ALPRVision
import Testing

@Suite("The engine as the agent runs it")
struct VisionFrameRecognizerTests {
    @Test("a camera frame with no plate is read once: the engine's defaults without the tight-crop reading")
    func optionsForFrames() {
        let options = VisionFrameRecognizer.options
        #expect(options.tightCrops == nil)
        var defaults = PlateRecognizer.Options()
        #expect(defaults.tightCrops != nil, "the engine's default reads a plate-free image again")
        defaults.tightCrops = nil
        #expect(options == defaults, "nothing else differs from the engine's defaults")
    }
}
