import CBLAS
import Foundation

/// Horizontal motion blur on an OCR input: how long it is, and undoing it.
///
/// A car crossing a camera's view during a slow shutter is smeared along its travel, close to
/// the plate's own horizontal axis: each row of the rectified plate becomes its sharp row
/// averaged over a window of `length` pixels. That turns the horizontal differences of the
/// image into differences of two copies of the sharp image `length` apart, whose
/// autocorrelation has its deepest trough at that lag (Yitzhaky and Kopeika's estimate).
/// `estimatedLength` finds it; `deconvolution` is the regularised inverse of the box blur
/// (Tikhonov: `(1 + λ)(HᵀH + λI)⁻¹Hᵀ`, `H` the blur with the row's end pixels repeated), applied
/// to each row by one `sgemm`.
///
/// A sharp plate's strokes are 2-5 px wide at the OCR's input size, and the estimate sees their
/// edges as a short blur, so shorter lengths than `minimumLength` are left alone; the OCR reads
/// blurs that short as they are (training/README: the OCR's training blurs a share of its crops).
public struct MotionDeblur: Sendable, Equatable {
    /// Estimated blurs shorter than this, in OCR input pixels, are not undone.
    public var minimumLength: Int = 6
    /// The longest lag the estimate considers.
    public var maximumLength: Int = 20
    /// λ above: larger keeps more of the blur and amplifies less noise.
    public var regularization: Double = 0.01

    public init(minimumLength: Int = 6, maximumLength: Int = 20, regularization: Double = 0.01) {
        self.minimumLength = minimumLength
        self.maximumLength = maximumLength
        self.regularization = regularization
    }

    /// The lag from 2 to `maximumLength` (at most `width - 2`) at which the autocorrelation of
    /// the plane's horizontal differences, each row's mean removed, is lowest (the first on a
    /// tie); 0 for a plane with no horizontal change or too narrow to tell.
    public static func estimatedLength(_ plane: UnsafeBufferPointer<Float>, width: Int, height: Int, maximumLength: Int) -> Int {
        let lags = min(maximumLength, width - 2)
        guard lags >= 2, plane.count >= width * height else { return 0 }
        let count = width - 1
        return withUnsafeTemporaryAllocation(of: Double.self, capacity: lags + 1 + count) { scratch in
            let correlation = UnsafeMutableBufferPointer(rebasing: scratch[0 ... lags])
            let differences = UnsafeMutableBufferPointer(rebasing: scratch[(lags + 1)...])
            correlation.initialize(repeating: 0)
            for y in 0 ..< height {
                let row = y * width
                var sum = 0.0
                for x in 0 ..< count {
                    differences[x] = Double(plane[row + x + 1] - plane[row + x])
                    sum += differences[x]
                }
                let mean = sum / Double(count)
                for x in 0 ..< count { differences[x] -= mean }
                for lag in 0 ... lags {
                    var total = 0.0
                    for x in 0 ..< count - lag { total += differences[x] * differences[x + lag] }
                    correlation[lag] += total
                }
            }
            guard correlation[0] > 0 else { return 0 }
            var best = 2
            for lag in stride(from: 3, through: lags, by: 1) where correlation[lag] < correlation[best] { best = lag }
            return best
        }
    }

    /// The `width`×`width` row-major matrix `M` with `deblurred row = M · blurred row` for a box
    /// blur of `length` pixels: `(1 + λ)(HᵀH + λI)⁻¹Hᵀ`, where row `x` of `H` averages the pixels
    /// `x - length/2 ..< x - length/2 + length`, indices past either end reading the end pixel.
    /// The factor `1 + λ` keeps a flat row's level away from its ends, where the regularised
    /// inverse alone would scale it by `1 / (1 + λ)`.
    public static func deconvolution(length: Int, width: Int, regularization: Double) -> [Float] {
        let n = width
        var blur = [Double](repeating: 0, count: n * n)
        for x in 0 ..< n {
            for k in 0 ..< length {
                let j = min(max(x + k - length / 2, 0), n - 1)
                blur[x * n + j] += 1 / Double(length)
            }
        }
        // A = HᵀH + λI, symmetric positive definite: its Cholesky factor, lower triangle.
        var a = [Double](repeating: 0, count: n * n)
        for i in 0 ..< n {
            for j in 0 ... i {
                var total = 0.0
                for r in 0 ..< n { total += blur[r * n + i] * blur[r * n + j] }
                a[i * n + j] = total + (i == j ? regularization : 0)
            }
        }
        for j in 0 ..< n {
            var diagonal = a[j * n + j]
            for k in 0 ..< j { diagonal -= a[j * n + k] * a[j * n + k] }
            let root = diagonal.squareRoot()
            a[j * n + j] = root
            for i in j + 1 ..< n {
                var total = a[i * n + j]
                for k in 0 ..< j { total -= a[i * n + k] * a[j * n + k] }
                a[i * n + j] = total / root
            }
        }
        // Column c of A⁻¹Hᵀ solves A x = column c of Hᵀ, which is row c of H.
        var result = [Float](repeating: 0, count: n * n)
        var column = [Double](repeating: 0, count: n)
        for c in 0 ..< n {
            for i in 0 ..< n { column[i] = blur[c * n + i] }
            for i in 0 ..< n {  // L y = b
                var total = column[i]
                for k in 0 ..< i { total -= a[i * n + k] * column[k] }
                column[i] = total / a[i * n + i]
            }
            for i in stride(from: n - 1, through: 0, by: -1) {  // Lᵀ x = y
                var total = column[i]
                for k in i + 1 ..< n { total -= a[k * n + i] * column[k] }
                column[i] = total / a[i * n + i]
            }
            for i in 0 ..< n { result[i * n + c] = Float((1 + regularization) * column[i]) }
        }
        return result
    }

    /// `output = plane · Mᵀ`: each of the `height` rows of `width` values multiplied by
    /// `matrix` (`deconvolution`).
    static func apply(_ matrix: UnsafeBufferPointer<Float>, to plane: UnsafeBufferPointer<Float>, width: Int, height: Int,
                      into output: UnsafeMutableBufferPointer<Float>) {
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, Int32(height), Int32(width), Int32(width),
                    1, plane.baseAddress, Int32(width), matrix.baseAddress, Int32(width), 0, output.baseAddress, Int32(width))
    }
}
