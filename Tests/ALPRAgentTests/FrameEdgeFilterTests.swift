@testable import ALPRAgent
import ALPRCore
import Testing

@Suite struct FrameEdgeFilterTests {
    /// Compared with a plain check, one edge at a time, on random boxes around the edges.
    @Test func keepsExactlyTheBoxesClearOfEveryEdge() {
        var generator = SystemRandomNumberGenerator()
        for _ in 0..<200 {
            let width = Int.random(in: 64...1920, using: &generator)
            let height = Int.random(in: 48...1080, using: &generator)
            let detections = (0..<12).map { _ in
                let boxWidth = Double.random(in: 1...Double(width) / 4, using: &generator)
                let boxHeight = Double.random(in: 1...Double(height) / 4, using: &generator)
                let box = PlateBox(
                    x: Double.random(in: -5...(Double(width) - boxWidth + 5), using: &generator),
                    y: Double.random(in: -5...(Double(height) - boxHeight + 5), using: &generator),
                    width: boxWidth, height: boxHeight
                )
                return PlateDetection(text: "ABC123", confidence: 0.9, box: box)
            }
            let margin = FrameEdgeFilter.margin(frameWidth: width)
            var expected: [PlateBox] = []
            for detection in detections {
                let box = detection.box
                if box.x < margin { continue }
                if box.y < margin { continue }
                if box.x + box.width > Double(width) - margin { continue }
                if box.y + box.height > Double(height) - margin { continue }
                expected.append(box)
            }
            let kept = FrameEdgeFilter.fullyInView(detections, frameWidth: width, frameHeight: height).map(\.box)
            #expect(kept == expected)
        }
    }

    @Test func aPlateTouchingTheLeftEdgeIsLeftOut() {
        let cut = PlateDetection(text: "4827", confidence: 0.99, box: PlateBox(x: 0, y: 560, width: 90, height: 80))
        let whole = PlateDetection(text: "KTN4827", confidence: 0.99, box: PlateBox(x: 52, y: 560, width: 200, height: 90))
        #expect(FrameEdgeFilter.fullyInView([cut, whole], frameWidth: 1280, frameHeight: 720).map(\.text) == ["KTN4827"])
    }
}
