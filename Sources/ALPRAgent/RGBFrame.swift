import ALPRCore
import Foundation

/// One video frame or still image: 8-bit RGB, rows top to bottom, pixels interleaved `R G B`,
/// stamped with the UTC instant it reached the agent.
public struct RGBFrame: Sendable, Equatable {
    public let width: Int
    public let height: Int
    public let pixels: [UInt8]
    public let capturedAt: Date

    public init(width: Int, height: Int, pixels: [UInt8], capturedAt: Date) throws(AgentError) {
        guard width > 0, height > 0 else {
            throw .image("frame size \(width)x\(height) is not positive")
        }
        guard pixels.count == width * height * 3 else {
            throw .image("\(pixels.count) bytes for a \(width)x\(height) RGB frame, expected \(width * height * 3)")
        }
        self.width = width
        self.height = height
        self.pixels = pixels
        self.capturedAt = capturedAt
    }

    public static func byteCount(width: Int, height: Int) -> Int { width * height * 3 }

    /// The pixels inside `box` (clipped to the frame), for the plate crop sent with a read.
    public func cropped(to box: PlateBox) throws(AgentError) -> RGBFrame {
        let x0 = max(Int(box.x.rounded(.down)), 0)
        let y0 = max(Int(box.y.rounded(.down)), 0)
        let x1 = min(Int((box.x + box.width).rounded(.up)), width)
        let y1 = min(Int((box.y + box.height).rounded(.up)), height)
        guard x1 > x0, y1 > y0 else {
            throw .image("plate box lies outside the \(width)x\(height) frame")
        }
        var result = [UInt8]()
        result.reserveCapacity((x1 - x0) * (y1 - y0) * 3)
        for y in y0..<y1 {
            let start = (y * width + x0) * 3
            result.append(contentsOf: pixels[start..<start + (x1 - x0) * 3])
        }
        return try RGBFrame(width: x1 - x0, height: y1 - y0, pixels: result, capturedAt: capturedAt)
    }
}
