import Foundation

/// Bilinear resampling with half-pixel centres, the convention of `cv2.INTER_LINEAR` that the
/// training pipeline uses (docs/model-format.md, "Pre-processing").
extension RGBImage {
    /// The image scaled to `width` × `height`.
    public func resized(width newWidth: Int, height newHeight: Int) throws -> RGBImage {
        guard newWidth > 0, newHeight > 0 else { throw VisionError.invalidImage("resize to \(newWidth)x\(newHeight)") }
        let scaleX = Double(newWidth) / Double(width), scaleY = Double(newHeight) / Double(height)
        var result = [UInt8](repeating: 0, count: newWidth * newHeight * 3)
        pixels.withUnsafeBufferPointer { source in
            result.withUnsafeMutableBufferPointer { destination in
                for y in 0 ..< newHeight {
                    let sy = (Double(y) + 0.5) / scaleY - 0.5
                    for x in 0 ..< newWidth {
                        let sx = (Double(x) + 0.5) / scaleX - 0.5
                        let base = (y * newWidth + x) * 3
                        for channel in 0 ..< 3 {
                            let value = Self.bilinear(source, width: width, height: height, x: sx, y: sy, channel: channel)
                            destination[base + channel] = UInt8(min(max(value.rounded(), 0), 255))
                        }
                    }
                }
            }
        }
        return try RGBImage(width: newWidth, height: newHeight, pixels: result)
    }

    /// The least whole factor that brings a `width`×`height` image's longer side to
    /// `maximumSide` or under for `shrunk(by:)` (1 when it is already there); nil when
    /// `maximumSide` is not positive or the factor would leave the shorter side under
    /// `minimumSide`.
    public static func shrinkFactor(width: Int, height: Int, toFit maximumSide: Int, keeping minimumSide: Int) -> Int? {
        guard maximumSide > 0 else { return nil }
        let longer = max(width, height)
        if longer <= maximumSide { return 1 }
        let factor = (longer + maximumSide - 1) / maximumSide
        return min(width, height) / factor >= minimumSide ? factor : nil
    }

    /// The image shrunk `factor` times each way, every pixel the rounded mean of a
    /// `factor`×`factor` block (an area shrink, free of the aliasing a bilinear one leaves at
    /// large factors); the last `width % factor` columns and `height % factor` rows, under one
    /// block, are left out, so a point's coordinates here are exactly its own over `factor`.
    public func shrunk(by factor: Int) throws -> RGBImage {
        guard factor >= 1, width / factor > 0, height / factor > 0 else {
            throw VisionError.invalidImage("shrink \(width)x\(height) by \(factor)")
        }
        if factor == 1 { return self }
        let newWidth = width / factor, newHeight = height / factor
        let area = UInt32(factor * factor)
        var result = [UInt8](repeating: 0, count: newWidth * newHeight * 3)
        var sums = [UInt32](repeating: 0, count: newWidth * 3)
        pixels.withUnsafeBufferPointer { source in
            result.withUnsafeMutableBufferPointer { destination in
                sums.withUnsafeMutableBufferPointer { sums in
                    for y in 0 ..< newHeight {
                        sums.update(repeating: 0)
                        for row in y * factor ..< (y + 1) * factor {
                            let line = row * width * 3
                            for x in 0 ..< newWidth {
                                var start = line + x * factor * 3
                                for _ in 0 ..< factor {
                                    sums[3 * x] &+= UInt32(source[start])
                                    sums[3 * x + 1] &+= UInt32(source[start + 1])
                                    sums[3 * x + 2] &+= UInt32(source[start + 2])
                                    start += 3
                                }
                            }
                        }
                        let base = y * newWidth * 3
                        for index in 0 ..< newWidth * 3 {
                            destination[base + index] = UInt8((sums[index] + area / 2) / area)
                        }
                    }
                }
            }
        }
        return try RGBImage(width: newWidth, height: newHeight, pixels: result)
    }

    /// The image turned `degrees` about its centre, clockwise as shown (y pointing down), at
    /// the same size: each pixel is the bilinear sample of the source at
    /// `sourcePoint(of:turnedBy:)` of its centre, and `fill` grey where that falls outside
    /// (the corners the turn brings in).
    public func turned(by degrees: Double, fill: UInt8 = 128) throws -> RGBImage {
        let radians = degrees * .pi / 180
        let (cosine, sine) = (cos(radians), sin(radians))
        let (centreX, centreY) = (Double(width) / 2, Double(height) / 2)
        var result = [UInt8](repeating: fill, count: width * height * 3)
        let fillValue = Double(fill)
        pixels.withUnsafeBufferPointer { source in
            result.withUnsafeMutableBufferPointer { destination in
                for y in 0 ..< height {
                    // Source = centre + R(-angle) (point - centre); along a row it moves by (cos, -sin).
                    let dy = Double(y) + 0.5 - centreY
                    let dx0 = 0.5 - centreX
                    var sx = centreX + dx0 * cosine + dy * sine - 0.5
                    var sy = centreY - dx0 * sine + dy * cosine - 0.5
                    for x in 0 ..< width {
                        defer { sx += cosine; sy -= sine }
                        guard sx > -1, sy > -1, sx < Double(width), sy < Double(height) else { continue }
                        let x0 = Int(sx.rounded(.down)), y0 = Int(sy.rounded(.down))
                        let fx = sx - Double(x0), fy = sy - Double(y0)
                        let base = (y * width + x) * 3
                        for channel in 0 ..< 3 {
                            @inline(__always) func at(_ px: Int, _ py: Int) -> Double {
                                px >= 0 && py >= 0 && px < width && py < height ? Double(source[(py * width + px) * 3 + channel]) : fillValue
                            }
                            let top = at(x0, y0) * (1 - fx) + at(x0 + 1, y0) * fx
                            let bottom = at(x0, y0 + 1) * (1 - fx) + at(x0 + 1, y0 + 1) * fx
                            destination[base + channel] = UInt8(min(max((top * (1 - fy) + bottom * fy).rounded(), 0), 255))
                        }
                    }
                }
            }
        }
        return try RGBImage(width: width, height: height, pixels: result)
    }

    /// Where a point of `turned(by: degrees)`'s image lies in this image (continuous pixel
    /// coordinates, the top-left corner of pixel (0, 0) at the origin).
    public func sourcePoint(of point: ImagePoint, turnedBy degrees: Double) -> ImagePoint {
        let radians = degrees * .pi / 180
        let (centreX, centreY) = (Double(width) / 2, Double(height) / 2)
        let (dx, dy) = (point.x - centreX, point.y - centreY)
        return ImagePoint(x: centreX + dx * cos(radians) + dy * sin(radians), y: centreY - dx * sin(radians) + dy * cos(radians))
    }

    /// Where the image lands inside a letterboxed `width` × `height` canvas: scaled to fit,
    /// placed at the top-left corner.
    public func letterboxScale(width canvasWidth: Int, height canvasHeight: Int) -> Double {
        min(Double(canvasWidth) / Double(width), Double(canvasHeight) / Double(height))
    }

    /// The image letterboxed onto a grey (114) canvas of `width` × `height`.
    public func letterboxed(width canvasWidth: Int, height canvasHeight: Int) throws -> (image: RGBImage, scale: Double) {
        let scale = letterboxScale(width: canvasWidth, height: canvasHeight)
        let fittedWidth = max(1, min(canvasWidth, Int((Double(width) * scale).rounded())))
        let fittedHeight = max(1, min(canvasHeight, Int((Double(height) * scale).rounded())))
        let fitted = try resized(width: fittedWidth, height: fittedHeight)
        var canvas = RGBImage(width: canvasWidth, height: canvasHeight, red: 114, green: 114, blue: 114)
        canvas.paste(fitted, x: 0, y: 0)
        return (canvas, scale)
    }

    /// Bilinear sample at continuous source coordinates (pixel centres at integers here),
    /// clamped at the border.
    @inline(__always)
    static func bilinear(_ pixels: UnsafeBufferPointer<UInt8>, width: Int, height: Int, x: Double, y: Double, channel: Int) -> Double {
        let cx = min(max(x, 0), Double(width - 1)), cy = min(max(y, 0), Double(height - 1))
        let x0 = Int(cx), y0 = Int(cy)
        let x1 = min(x0 + 1, width - 1), y1 = min(y0 + 1, height - 1)
        let fx = cx - Double(x0), fy = cy - Double(y0)
        let p00 = Double(pixels[(y0 * width + x0) * 3 + channel]), p01 = Double(pixels[(y0 * width + x1) * 3 + channel])
        let p10 = Double(pixels[(y1 * width + x0) * 3 + channel]), p11 = Double(pixels[(y1 * width + x1) * 3 + channel])
        return (p00 * (1 - fx) + p01 * fx) * (1 - fy) + (p10 * (1 - fx) + p11 * fx) * fy
    }

    /// Luma (BT.601 weights) of the bilinear sample at (`x`, `y`): the same value as luma of the
    /// three channels' `bilinear` samples, as sampling is linear, with the weights and
    /// neighbours found once instead of once per channel.
    static func bilinearLuma(_ pixels: UnsafeBufferPointer<UInt8>, width: Int, height: Int, x: Double, y: Double) -> Double {
        let cx = min(max(x, 0), Double(width - 1)), cy = min(max(y, 0), Double(height - 1))
        let x0 = Int(cx), y0 = Int(cy)
        let x1 = min(x0 + 1, width - 1), y1 = min(y0 + 1, height - 1)
        let fx = cx - Double(x0), fy = cy - Double(y0)
        @inline(__always) func luma(_ i: Int) -> Double {
            0.299 * Double(pixels[i]) + 0.587 * Double(pixels[i + 1]) + 0.114 * Double(pixels[i + 2])
        }
        let p00 = luma((y0 * width + x0) * 3), p01 = luma((y0 * width + x1) * 3)
        let p10 = luma((y1 * width + x0) * 3), p11 = luma((y1 * width + x1) * 3)
        return (p00 * (1 - fx) + p01 * fx) * (1 - fy) + (p10 * (1 - fx) + p11 * fx) * fy
    }

    /// The quadrilateral `corners` (TL, TR, BR, BL) mapped onto a `width` × `height` rectangle.
    public func rectified(corners: [ImagePoint], width outWidth: Int, height outHeight: Int) throws -> RGBImage {
        let homography = try Homography.rectangle(width: Double(outWidth), height: Double(outHeight), to: corners)
        var result = [UInt8](repeating: 0, count: outWidth * outHeight * 3)
        pixels.withUnsafeBufferPointer { source in
            for y in 0 ..< outHeight {
                for x in 0 ..< outWidth {
                    let point = homography.apply(ImagePoint(x: Double(x) + 0.5, y: Double(y) + 0.5))
                    for channel in 0 ..< 3 {
                        let value = Self.bilinear(source, width: width, height: height, x: point.x - 0.5, y: point.y - 0.5, channel: channel)
                        result[(y * outWidth + x) * 3 + channel] = UInt8(min(max(value.rounded(), 0), 255))
                    }
                }
            }
        }
        return try RGBImage(width: outWidth, height: outHeight, pixels: result)
    }
}
