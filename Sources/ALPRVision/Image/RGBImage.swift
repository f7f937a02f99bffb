import Foundation

/// An 8-bit RGB image, rows top to bottom, pixels interleaved `R G B`.
public struct RGBImage: Sendable, Equatable {
    public let width: Int
    public let height: Int
    public var pixels: [UInt8]

    public init(width: Int, height: Int, pixels: [UInt8]) throws {
        guard width > 0, height > 0 else { throw VisionError.invalidImage("size \(width)x\(height) is not positive") }
        guard pixels.count == width * height * 3 else {
            throw VisionError.invalidImage("\(pixels.count) bytes for a \(width)x\(height) RGB image, expected \(width * height * 3)")
        }
        self.width = width
        self.height = height
        self.pixels = pixels
    }

    /// A uniformly coloured image.
    public init(width: Int, height: Int, red: UInt8 = 0, green: UInt8 = 0, blue: UInt8 = 0) {
        precondition(width > 0 && height > 0, "image size must be positive")
        self.width = width
        self.height = height
        var pixels = [UInt8](repeating: 0, count: width * height * 3)
        for i in stride(from: 0, to: pixels.count, by: 3) {
            pixels[i] = red
            pixels[i + 1] = green
            pixels[i + 2] = blue
        }
        self.pixels = pixels
    }

    public subscript(x: Int, y: Int) -> (red: UInt8, green: UInt8, blue: UInt8) {
        get {
            let i = (y * width + x) * 3
            return (pixels[i], pixels[i + 1], pixels[i + 2])
        }
        set {
            let i = (y * width + x) * 3
            pixels[i] = newValue.red
            pixels[i + 1] = newValue.green
            pixels[i + 2] = newValue.blue
        }
    }

    /// The part of the image inside `rect`, clipped to the image. Throws if nothing is left.
    public func cropped(to rect: PixelRect) throws -> RGBImage {
        let x0 = max(rect.x, 0), y0 = max(rect.y, 0)
        let x1 = min(rect.x + rect.width, width), y1 = min(rect.y + rect.height, height)
        guard x1 > x0, y1 > y0 else { throw VisionError.invalidImage("crop \(rect) lies outside the \(width)x\(height) image") }
        var result = [UInt8]()
        result.reserveCapacity((x1 - x0) * (y1 - y0) * 3)
        for y in y0 ..< y1 {
            let start = (y * width + x0) * 3
            result.append(contentsOf: pixels[start ..< start + (x1 - x0) * 3])
        }
        return try RGBImage(width: x1 - x0, height: y1 - y0, pixels: result)
    }

    /// Copies `part` into this image with its top-left corner at (`x`, `y`); it must fit.
    public mutating func paste(_ part: RGBImage, x: Int, y: Int) {
        precondition(x >= 0 && y >= 0 && x + part.width <= width && y + part.height <= height, "part must fit the image")
        for row in 0 ..< part.height {
            let source = row * part.width * 3, target = ((y + row) * width + x) * 3
            pixels.replaceSubrange(target ..< target + part.width * 3, with: part.pixels[source ..< source + part.width * 3])
        }
    }

    /// Luma as in `cv2.COLOR_RGB2GRAY` (ITU-R BT.601 weights), rounded.
    public func grayscale() -> GrayImage {
        var luma = [UInt8](repeating: 0, count: width * height)
        pixels.withUnsafeBufferPointer { rgb in
            for i in 0 ..< width * height {
                let value = 0.299 * Float(rgb[3 * i]) + 0.587 * Float(rgb[3 * i + 1]) + 0.114 * Float(rgb[3 * i + 2])
                luma[i] = UInt8(min(max(value.rounded(), 0), 255))
            }
        }
        return try! GrayImage(width: width, height: height, pixels: luma)  // sizes match by construction
    }
}

/// An 8-bit single-channel image.
public struct GrayImage: Sendable, Equatable {
    public let width: Int
    public let height: Int
    public var pixels: [UInt8]

    public init(width: Int, height: Int, pixels: [UInt8]) throws {
        guard width > 0, height > 0 else { throw VisionError.invalidImage("size \(width)x\(height) is not positive") }
        guard pixels.count == width * height else {
            throw VisionError.invalidImage("\(pixels.count) bytes for a \(width)x\(height) grey image, expected \(width * height)")
        }
        self.width = width
        self.height = height
        self.pixels = pixels
    }

    public subscript(x: Int, y: Int) -> UInt8 {
        get { pixels[y * width + x] }
        set { pixels[y * width + x] = newValue }
    }

    /// The same picture with R = G = B.
    public func rgb() -> RGBImage {
        var result = [UInt8](repeating: 0, count: pixels.count * 3)
        for (index, value) in pixels.enumerated() {
            result[3 * index] = value
            result[3 * index + 1] = value
            result[3 * index + 2] = value
        }
        return try! RGBImage(width: width, height: height, pixels: result)  // sizes match by construction
    }
}

/// An integer rectangle in pixel coordinates.
public struct PixelRect: Sendable, Equatable, CustomStringConvertible {
    public var x: Int, y: Int, width: Int, height: Int

    public init(x: Int, y: Int, width: Int, height: Int) {
        self.x = x
        self.y = y
        self.width = width
        self.height = height
    }

    public var description: String { "(\(x), \(y), \(width)x\(height))" }
}

/// A point in continuous image coordinates (pixel centres at +0.5).
public struct ImagePoint: Sendable, Equatable, Codable {
    public var x: Double
    public var y: Double

    public init(x: Double, y: Double) {
        self.x = x
        self.y = y
    }
}

extension RGBImage {
    /// The image turned as EXIF orientation `orientation` says it should be shown: 1 as it is,
    /// 2 mirrored left to right, 3 turned 180°, 4 mirrored top to bottom, 5 transposed, 6 turned
    /// 90° clockwise, 7 transversed, 8 turned 90° anticlockwise. Other values change nothing.
    public func oriented(_ orientation: Int) -> RGBImage {
        guard (2 ... 8).contains(orientation) else { return self }
        let swaps = orientation >= 5
        let outWidth = swaps ? height : width, outHeight = swaps ? width : height
        var result = [UInt8](repeating: 0, count: pixels.count)
        pixels.withUnsafeBufferPointer { source in
            result.withUnsafeMutableBufferPointer { destination in
                for y in 0 ..< outHeight {
                    for x in 0 ..< outWidth {
                        // The source pixel shown at (x, y).
                        let (sx, sy): (Int, Int) = switch orientation {
                        case 2: (width - 1 - x, y)
                        case 3: (width - 1 - x, height - 1 - y)
                        case 4: (x, height - 1 - y)
                        case 5: (y, x)
                        case 6: (y, height - 1 - x)
                        case 7: (width - 1 - y, height - 1 - x)
                        default: (width - 1 - y, x)  // 8
                        }
                        let from = (sy * width + sx) * 3, to = (y * outWidth + x) * 3
                        destination[to] = source[from]
                        destination[to + 1] = source[from + 1]
                        destination[to + 2] = source[from + 2]
                    }
                }
            }
        }
        // The same pixels in a width x height that multiplies to the same count: cannot fail.
        return (try? RGBImage(width: outWidth, height: outHeight, pixels: result)) ?? self
    }
}
