/// Brightens under-exposed images before recognition, as a camera's auto-exposure would.
///
/// The detector and the OCR learnt from images whose highlights sit near white; in a dark frame
/// (night, tunnel, a camera set for the sky) a plate's contrast is a fraction of that and the
/// detector misses it. An image whose `percentile` brightness is below `targetHighlight` is
/// scaled so that it reaches the target, by at most `maximumGain`, clipped at 255; images
/// bright enough are left exactly as they are.
///
/// The recogniser applies it twice: to the whole frame for the detector and the corner
/// refiner (channel means on a sparse grid of pixels), and to each OCR input on its own (its
/// luma), so a well-lit plate in a dark scene is read as it is rather than blown out by the
/// frame's gain. `training/pipeline.py` (`exposure_gain`, `correct_exposure`,
/// `correct_crop_exposure`) does the same.
public struct ExposureCorrection: Sendable, Equatable {
    public var targetHighlight: Double = 160
    public var percentile: Double = 0.9
    public var maximumGain: Double = 4
    /// Every `sampleStep`-th pixel of every `sampleStep`-th row is measured.
    public var sampleStep = 4

    public init() {}

    /// The gain for `image`; exactly 1 when it needs none.
    public func gain(for image: RGBImage) -> Double {
        var histogram = [Int](repeating: 0, count: 256)
        let step = max(sampleStep, 1)
        image.pixels.withUnsafeBufferPointer { rgb in
            for y in Swift.stride(from: 0, to: image.height, by: step) {
                for x in Swift.stride(from: 0, to: image.width, by: step) {
                    let i = (y * image.width + x) * 3
                    histogram[(Int(rgb[i]) + Int(rgb[i + 1]) + Int(rgb[i + 2]) + 1) / 3] += 1  // the rounded channel mean
                }
            }
        }
        return gain(histogram: histogram)
    }

    /// The gain for a histogram of brightness levels 0...255 (256 counts); 1 when its
    /// `percentile` level reaches the target or it is empty.
    public func gain(histogram: [Int]) -> Double {
        let samples = histogram.reduce(0, +)
        guard samples > 0 else { return 1 }
        // The smallest level with at least `percentile` of the samples at or below it.
        let needed = Int((Double(samples) * percentile).rounded(.up))
        var seen = 0, level = 255
        for value in 0 ..< histogram.count {
            seen += histogram[value]
            if seen >= needed { level = value; break }
        }
        guard Double(level) < targetHighlight else { return 1 }
        return min(targetHighlight / Double(max(level, 1)), maximumGain)
    }

    /// `image` scaled by `gain` (rounded, clipped at 255), written into `output`'s storage when
    /// it has the same size, so a caller that keeps `output` allocates once.
    ///
    /// The value of each byte comes from a 256-entry table computed in `Double`. Where single
    /// precision gives the same 256 values (checked first: almost every gain), the frame is
    /// scaled arithmetically instead, which vectorises; a table look-up per byte does not.
    public static func apply(gain: Double, to image: RGBImage, into output: inout RGBImage?) -> RGBImage {
        let table = scaleTable(gain: gain)
        var result: RGBImage
        if let reused = output, reused.width == image.width, reused.height == image.height {
            result = reused
            output = nil  // hand the buffer over without a copy
        } else {
            result = RGBImage(width: image.width, height: image.height)
        }
        let scale = Float(gain)
        let arithmetic = singlePrecisionMatches(table, scale: scale)
        image.pixels.withUnsafeBufferPointer { source in
            table.withUnsafeBufferPointer { lut in
                result.pixels.withUnsafeMutableBufferPointer { target in
                    if arithmetic {
                        for i in 0 ..< source.count { target[i] = scaled(source[i], by: scale) }
                    } else {
                        for i in 0 ..< source.count { target[i] = lut[Int(source[i])] }
                    }
                }
            }
        }
        output = result
        return result
    }

    /// `min(round(v × gain), 255)` for every byte value v, in `Double`.
    static func scaleTable(gain: Double) -> [UInt8] {
        (0 ..< 256).map { UInt8(min((Double($0) * gain).rounded(), 255)) }
    }

    /// Whether `scaled(_:by: scale)` gives `table`'s value for every byte.
    static func singlePrecisionMatches(_ table: [UInt8], scale: Float) -> Bool {
        (0 ..< 256).allSatisfy { scaled(UInt8($0), by: scale) == table[$0] }
    }

    /// `min(⌊v × scale + 0.5⌋, 255)` in single precision (for v × scale ≥ 0 the same rounding
    /// as `Double.rounded()`, written so that it vectorises).
    @inline(__always)
    static func scaled(_ value: UInt8, by scale: Float) -> UInt8 {
        UInt8(min((Float(value) * scale + 0.5).rounded(.down), 255))
    }
}
