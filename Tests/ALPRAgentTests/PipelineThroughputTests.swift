@testable import ALPRAgent
import Foundation
import Testing

@Suite struct PipelineThroughputTests {
    @Test func rateRunsFromTheFirstFramesStartToTheLastFramesEnd() {
        var throughput = PipelineThroughput()
        #expect(throughput.framesPerSecond == 0)
        let start = Date(timeIntervalSince1970: 1_750_000_000)
        var generator = SystemRandomNumberGenerator()
        let frames = Int.random(in: 5...50, using: &generator)
        let perFrame = Double.random(in: 0.01...0.5, using: &generator)
        for index in 0..<frames {
            let begin = start.addingTimeInterval(Double(index) * perFrame)
            throughput.frameStarted(at: begin)
            throughput.frameFinished(at: begin.addingTimeInterval(perFrame * 0.9))
        }
        let elapsed = Double(frames - 1) * perFrame + perFrame * 0.9
        #expect(throughput.frames == frames)
        // Dates near 2025 carry about 0.1 µs of precision.
        let expected = Double(frames) / elapsed
        #expect(abs(throughput.framesPerSecond - expected) / expected < 1e-5)
    }
}
