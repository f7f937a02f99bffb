@testable import ALPRAgent
import ALPRVision
import Testing

@Suite("The engine as the agent runs it")
struct VisionFrameRecognizerTests {
    @Test("a camera frame with no plate is read once: the engine's defaults without the tight-crop and turned readings")
    func optionsForFrames() {
        let options = VisionFrameRecognizer.options
        #expect(options.tightCrops == nil && options.turnedViews == nil)
        var defaults = PlateRecognizer.Options()
        #expect(defaults.tightCrops != nil && defaults.turnedViews != nil, "the engine's default reads a plate-free image again")
        defaults.tightCrops = nil
        defaults.turnedViews = nil
        #expect(options == defaults, "nothing else differs from the engine's defaults")
    }
}
