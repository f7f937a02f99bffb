import Foundation
import Testing
@testable import ALPRVision

@Suite("Resampling and homography")
struct GeometryTests {
    @Test("bilinear resize uses half-pixel centres like cv2.INTER_LINEAR")
    func resizeMatchesHandComputation() throws {
        let image = try RGBImage(width: 2, height: 1, pixels: [0, 0, 0, 255, 255, 255])
        let wide = try image.resized(width: 4, height: 1)
        // Source x = (x + 0.5) / 2 - 0.5 = -0.25 (clamped to 0), 0.25, 0.75, 1.25 (clamped to 1).
        #expect(wide.pixels.enumerated().filter { $0.offset % 3 == 0 }.map(\.element) == [0, 64, 191, 255])
        // Downscaling 4 -> 2 samples at 0.5 and 2.5: the means of neighbouring pairs.
        let row = try RGBImage(width: 4, height: 1, pixels: [0, 0, 0, 100, 100, 100, 200, 200, 200, 40, 40, 40])
        #expect(try row.resized(width: 2, height: 1).pixels == [50, 50, 50, 120, 120, 120])
    }

    @Test("luma of a bilinear sample equals luma of the three channels' samples, edges included", arguments: [UInt64(1), 2, 3])
    func bilinearLuma(seed: UInt64) throws {
        var random = SeededRandom(seed: seed)
        let width = 7 + Int(seed), height = 5
        let pixels = (0 ..< width * height * 3).map { _ in UInt8.random(in: 0 ... 255, using: &random) }
        pixels.withUnsafeBufferPointer { buffer in
            for _ in 0 ..< 200 {
                let x = Double.random(in: -2 ... Double(width) + 1, using: &random)
                let y = Double.random(in: -2 ... Double(height) + 1, using: &random)
                let channels = (0 ..< 3).map { RGBImage.bilinear(buffer, width: width, height: height, x: x, y: y, channel: $0) }
                let expected = 0.299 * channels[0] + 0.587 * channels[1] + 0.114 * channels[2]
                #expect(abs(RGBImage.bilinearLuma(buffer, width: width, height: height, x: x, y: y) - expected) < 1e-9)
            }
        }
    }

    @Test("an area shrink gives each block's rounded mean, leaving out the columns and rows under one block", arguments: [UInt64(1), 2, 3])
    func shrink(seed: UInt64) throws {
        var random = SeededRandom(seed: seed)
        for factor in [1, 2, 3, 4, 7] {
            let width = factor * Int.random(in: 1 ... 9, using: &random) + Int.random(in: 0 ..< factor, using: &random)
            let height = factor * Int.random(in: 1 ... 9, using: &random) + Int.random(in: 0 ..< factor, using: &random)
            let pixels = (0 ..< width * height * 3).map { _ in UInt8.random(in: 0 ... 255, using: &random) }
            let image = try RGBImage(width: width, height: height, pixels: pixels)
            let small = try image.shrunk(by: factor)
            #expect(small.width == width / factor && small.height == height / factor)
            // The plain definition: the mean of the block's values, rounded half up.
            for y in 0 ..< small.height {
                for x in 0 ..< small.width {
                    for channel in 0 ..< 3 {
                        var sum = 0
                        for dy in 0 ..< factor {
                            for dx in 0 ..< factor { sum += Int(pixels[((y * factor + dy) * width + x * factor + dx) * 3 + channel]) }
                        }
                        let mean = (Double(sum) / Double(factor * factor) + 0.5).rounded(.down)
                        #expect(Int(small.pixels[(y * small.width + x) * 3 + channel]) == Int(mean), "factor \(factor) at \(x),\(y)")
                    }
                }
            }
        }
        let image = RGBImage(width: 5, height: 3, red: 1, green: 2, blue: 3)
        #expect(throws: VisionError.self) { try image.shrunk(by: 4) }
        #expect(throws: VisionError.self) { try image.shrunk(by: 0) }
    }

    @Test("a turned image samples the source where sourcePoint says, grey outside", arguments: [UInt64(1), 2, 3])
    func turned(seed: UInt64) throws {
        var random = SeededRandom(seed: seed)
        let width = Int.random(in: 5 ... 23, using: &random), height = Int.random(in: 5 ... 23, using: &random)
        let pixels = (0 ..< width * height * 3).map { _ in UInt8.random(in: 0 ... 255, using: &random) }
        let image = try RGBImage(width: width, height: height, pixels: pixels)
        #expect(try image.turned(by: 0) == image)
        for degrees in [-30.0, 17, 90, Double.random(in: -180 ... 180, using: &random)] {
            let view = try image.turned(by: degrees, fill: 77)
            #expect(view.width == width && view.height == height)
            for y in 0 ..< height {
                for x in 0 ..< width {
                    // The plain definition: bilinear between the four pixels around the source
                    // point, a pixel outside the image counting as the fill.
                    let source = image.sourcePoint(of: ImagePoint(x: Double(x) + 0.5, y: Double(y) + 0.5), turnedBy: degrees)
                    let (sx, sy) = (source.x - 0.5, source.y - 0.5)
                    let (x0, y0) = (Int(sx.rounded(.down)), Int(sy.rounded(.down)))
                    let (fx, fy) = (sx - Double(x0), sy - Double(y0))
                    for channel in 0 ..< 3 {
                        func at(_ px: Int, _ py: Int) -> Double {
                            (0 ..< width).contains(px) && (0 ..< height).contains(py) ? Double(pixels[(py * width + px) * 3 + channel]) : 77
                        }
                        let expected = sx <= -1 || sy <= -1 || sx >= Double(width) || sy >= Double(height) ? 77
                            : (at(x0, y0) * (1 - fx) + at(x0 + 1, y0) * fx) * (1 - fy) + (at(x0, y0 + 1) * (1 - fx) + at(x0 + 1, y0 + 1) * fx) * fy
                        #expect(abs(Double(view.pixels[(y * width + x) * 3 + channel]) - expected) <= 1, "\(degrees)° at \(x),\(y)")
                    }
                }
            }
        }
        // A quarter turn of a square moves the top-left pixel to the top-right, clockwise.
        let square = try RGBImage(width: 4, height: 4, pixels: (0 ..< 48).map { $0 < 3 ? 200 : 10 })
        let quarter = try square.turned(by: 90)
        #expect(quarter[3, 0] == (200, 200, 200) && quarter[0, 0] == (10, 10, 10))
        let corner = square.sourcePoint(of: ImagePoint(x: 3.5, y: 0.5), turnedBy: 90)
        #expect(abs(corner.x - 0.5) < 1e-9 && abs(corner.y - 0.5) < 1e-9)
    }

    @Test("letterbox scales to fit, places the image top-left and pads grey")
    func letterbox() throws {
        let image = RGBImage(width: 4, height: 2, red: 10, green: 20, blue: 30)
        let (boxed, scale) = try image.letterboxed(width: 8, height: 8)
        #expect(scale == 2)
        #expect(boxed[7, 3] == (10, 20, 30))
        #expect(boxed[0, 4] == (114, 114, 114))
        #expect(boxed[7, 7] == (114, 114, 114))
    }

    @Test("crop clips to the image and rejects empty crops")
    func crop() throws {
        var image = RGBImage(width: 5, height: 4)
        image[4, 3] = (1, 2, 3)
        let crop = try image.cropped(to: PixelRect(x: 3, y: 2, width: 10, height: 10))
        #expect(crop.width == 2 && crop.height == 2)
        #expect(crop[1, 1] == (1, 2, 3))
        #expect(throws: VisionError.self) { try image.cropped(to: PixelRect(x: 6, y: 0, width: 2, height: 2)) }
    }

    @Test("homography maps each of four random point pairs exactly", arguments: 0 ..< 5)
    func homographyMapsPoints(seed: Int) throws {
        var random = SeededRandom(seed: UInt64(51 + seed))
        let source = [(0.0, 0.0), (100.0, 0.0), (100.0, 40.0), (0.0, 40.0)].map { ImagePoint(x: $0.0, y: $0.1) }
        let destination = source.map {
            ImagePoint(x: $0.x * 2 + Double.random(in: -15 ... 15, using: &random) + 30,
                       y: $0.y * 1.5 + Double.random(in: -10 ... 10, using: &random) + 20)
        }
        let h = try Homography(from: source, to: destination)
        for (s, d) in zip(source, destination) {
            let mapped = h.apply(s)
            #expect(abs(mapped.x - d.x) < 1e-7 && abs(mapped.y - d.y) < 1e-7)
        }
        // Straight lines stay straight: the midpoint of an edge maps onto the image of that edge.
        let mid = h.apply(ImagePoint(x: 50, y: 0))
        let cross = (destination[1].x - destination[0].x) * (mid.y - destination[0].y) - (destination[1].y - destination[0].y) * (mid.x - destination[0].x)
        #expect(abs(cross) < 1e-6)
    }

    @Test("rectifying an axis-aligned quadrilateral equals cropping it")
    func rectifyEqualsCrop() throws {
        var random = SeededRandom(seed: 61)
        let image = try RGBImage(width: 20, height: 10, pixels: (0 ..< 600).map { _ in UInt8.random(in: 0 ... 255, using: &random) })
        let corners = [ImagePoint(x: 4, y: 2), ImagePoint(x: 12, y: 2), ImagePoint(x: 12, y: 7), ImagePoint(x: 4, y: 7)]
        let rectified = try image.rectified(corners: corners, width: 8, height: 5)
        #expect(rectified == (try image.cropped(to: PixelRect(x: 4, y: 2, width: 8, height: 5))))
    }

    @Test("collinear corners are rejected")
    func degenerate() {
        let line = (0 ..< 4).map { ImagePoint(x: Double($0), y: Double($0)) }
        #expect(throws: VisionError.self) { try Homography.rectangle(width: 10, height: 5, to: line) }
    }
}
