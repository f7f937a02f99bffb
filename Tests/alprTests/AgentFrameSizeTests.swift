import ALPRAgent
import ArgumentParser
import Testing
@testable import alpr

/// The size the reader agent reads a camera's pictures at (`AgentCommand.frameSize`).
@Suite("Reader agent frame size")
struct AgentFrameSizeTests {
    static let required = ["--server", "http://127.0.0.1:9", "--credential-file", "credential",
                           "--source", "file:clip.mp4", "--queue-dir", "queue"]

    @Test("a camera's own size up to 4K, scaled down only beyond; --width and --height fix a size")
    func frameSize() throws {
        let native = try AgentCommand.parse(Self.required).frameSize
        #expect(native.width == 3840 && native.height == 2160 && native.fit == .within)
        // A 4K camera keeps its pixels; a 12 MP picture is scaled down to fit.
        #expect(FrameFit.sizeWithin(width: 3840, height: 2160, maximumWidth: native.width, maximumHeight: native.height) == (3840, 2160))
        #expect(FrameFit.sizeWithin(width: 1920, height: 1080, maximumWidth: native.width, maximumHeight: native.height) == (1920, 1080))
        #expect(FrameFit.sizeWithin(width: 4032, height: 3024, maximumWidth: native.width, maximumHeight: native.height) == (2880, 2160))

        let fixed = try AgentCommand.parse(Self.required + ["--width", "1280", "--height", "720"]).frameSize
        #expect(fixed.width == 1280 && fixed.height == 720 && fixed.fit == .exactly)
    }
}
