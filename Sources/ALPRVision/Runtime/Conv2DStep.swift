import CBLAS
import Foundation

/// Geometry of a 2-D convolution, as in `torch.nn.Conv2d`.
struct ConvGeometry: Equatable {
    var inChannels: Int
    var outChannels: Int
    var kernel: IntPair
    var stride: IntPair
    var padding: IntPair
    var dilation: IntPair
    var groups: Int

    func outputSize(height: Int, width: Int) -> (height: Int, width: Int) {
        ((height + 2 * padding.first - dilation.first * (kernel.first - 1) - 1) / stride.first + 1,
         (width + 2 * padding.second - dilation.second * (kernel.second - 1) - 1) / stride.second + 1)
    }

    var isPointwise: Bool {
        kernel == IntPair(1, 1) && stride == IntPair(1, 1) && padding == IntPair(0, 0)
    }

    var isDepthwise: Bool { groups == inChannels && groups == outChannels && groups > 1 }

    /// A dense 3x3 conv of stride 1, padding 1 and no dilation, over at least
    /// `Conv2DStep.winogradMinimumInChannels` input channels: the OCR's and the refiner's
    /// inner convs, which `Conv2DStep` runs as Winograd F(2x2, 3x3).
    var isWinogradShape: Bool {
        kernel == IntPair(3, 3) && stride == IntPair(1, 1) && padding == IntPair(1, 1) && dilation == IntPair(1, 1)
            && groups == 1 && inChannels >= Conv2DStep.winogradMinimumInChannels
    }

    /// Rows of one group's im2col matrix.
    var columnRows: Int { inChannels / groups * kernel.first * kernel.second }
}

/// Convolution with the bias (batch norm folded in) and the fused activation.
///
/// Four kernels: pointwise convs multiply the input directly (`sgemm`, no im2col), a band of
/// pixels at a time; depthwise convs use a direct loop (a GEMM of one row per group would be
/// all overhead); Winograd convs (below); everything else builds the im2col matrix in the shared scratch buffer and
/// calls `sgemm` per group, a band of output rows at a time so that the matrix stays in cache
/// between being written and being packed. im2col convs, and depthwise convs other than 3x3 of
/// stride 1 or the detector's 3x3 of stride 2 (which read their input in place), first copy
/// their input planes with the zero padding, in stride phases (`fillPadded`), so every tap
/// reads a contiguous run without bounds checks or strided loads.
///
/// Dense 3x3 convs of stride 1 and padding 1 over 8 or more input channels (the OCR's and the
/// refiner's inner layers) run as Winograd F(2x2, 3x3) (`runWinograd`): 16 GEMMs of
/// the input channels' depth instead of one of nine times that depth, 2.25 times fewer
/// multiplications, for two cheap transforms of the input and the output.
///
/// The GEMM kernels write their products with `beta = 0`, and one pass then adds the bias and
/// applies the activation (`addBias`), band by band while the outputs are still in cache (the
/// depthwise kernel starts from the bias, row by row). Setting the outputs to the bias first
/// and accumulating onto them (`beta = 1`) cost a pass of stores more: OpenBLAS's small-matrix
/// kernels, which take most of the bands, have a `beta = 0` variant that writes the output
/// without reading it.
final class Conv2DStep: InferenceStep {
    enum Kernel { case pointwise, depthwise, im2col, winograd }

    /// Fewer input channels than this leave a Winograd GEMM too shallow to pay for the
    /// transforms (the OCR's first conv has one).
    static let winogradMinimumInChannels = 8

    let geometry: ConvGeometry
    let inputShape: TensorShape, outputShape: TensorShape
    let weights: [Float]  // [out, in/groups, kh, kw]
    let bias: [Float]
    let activation: Activation?
    /// How `execute` runs the conv: chosen from the geometry. A Winograd conv may be set to
    /// `.im2col` (the tests check both paths; its scratch fits either).
    var kernel: Kernel {
        didSet { precondition(kernel == oldValue || (geometry.isWinogradShape && [.im2col, .winograd].contains(kernel))) }
    }
    let input: Int, output: Int
    /// Winograd only: the filters transformed (`G g Gᵀ`), as 16 matrices of `[out, in]`, one
    /// per element of the 4x4 transformed tile.
    private let winogradWeights: [Float]
    /// Whether the GEMM kernels write with `beta = 0` and add the bias after, or start from
    /// the bias (`gemmOverwritesByDefault`; the tests run both).
    var gemmOverwrites = Conv2DStep.gemmOverwritesByDefault
    /// Fixed by the geometry so that `execute` allocates nothing: where tap `kx`'s input for
    /// output column 0 sits relative to the start of a row of the padded input (`fillPadded`):
    /// its stride phase's offset plus its column within the phase.
    private let tapOffsets: [Int]

    init(geometry: ConvGeometry, inputShape: TensorShape, outputShape: TensorShape, weights: [Float], bias: [Float],
         activation: Activation?, input: Int, output: Int) {
        self.geometry = geometry
        self.inputShape = inputShape
        self.outputShape = outputShape
        self.weights = weights
        self.bias = bias
        self.activation = activation
        self.kernel = geometry.isPointwise ? .pointwise : geometry.isDepthwise ? .depthwise
            : geometry.isWinogradShape ? .winograd : .im2col
        self.winogradWeights = geometry.isWinogradShape
            ? Self.winogradFilters(weights, outChannels: geometry.outChannels, inChannels: geometry.inChannels) : []
        self.input = input
        self.output = output
        let stride = geometry.stride.second
        let phaseSize = (inputShape.height + 2 * geometry.padding.first)
            * ((inputShape.width + 2 * geometry.padding.second + stride - 1) / stride)
        tapOffsets = (0 ..< geometry.kernel.second).map { kx in
            let column = kx * geometry.dilation.second
            return (column % stride) * phaseSize + column / stride
        }
    }

    /// Floats of scratch this step needs: one band of the im2col matrix and the zero-padded input
    /// planes; for a depthwise conv one zero-padded input plane, or a row of zeros for those that
    /// read their input in place.
    var scratchCount: Int {
        switch kernel {
        case .pointwise: 0
        case .im2col, .winograd: max(im2colScratchCount, geometry.isWinogradShape ? winogradScratchCount : 0)
        case .depthwise: copiesPaddedInput ? paddedPlaneSize : inputShape.width
        }
    }

    private var im2colScratchCount: Int {
        geometry.columnRows * bandRows * outputShape.width + geometry.inChannels * paddedPlaneSize
    }

    /// Output rows per im2col band: the band's column matrix stays near 16 Ki floats (64 KB,
    /// about L1 size), but each `sgemm` still gets at least 256 columns, below which it is
    /// mostly call and packing overhead. The first detector conv (27 x 61,440 columns unbanded)
    /// takes half the time this way; 64 KB bands beat 256 KB and 1 MB ones there.
    var bandRows: Int {
        let width = outputShape.width, height = outputShape.height
        let byCache = (16 * 1024) / max(geometry.columnRows * width, 1)
        let byEfficiency = (256 + width - 1) / width
        return min(height, max(byCache, byEfficiency, 1))
    }

    /// Depthwise only: whether `runDepthwise` copies each input plane with its padding or reads
    /// it where it is (3x3 of stride 1, and the detector's 3x3 of stride 2 padded by 1).
    var copiesPaddedInput: Bool {
        !(geometry.kernel == IntPair(3, 3) && geometry.stride == IntPair(1, 1)) && !isHalving3x3
    }

    /// A 3x3 kernel of stride 2, padding 1, no dilation: the detector's downsampling depthwise convs.
    var isHalving3x3: Bool {
        geometry.kernel == IntPair(3, 3) && geometry.stride == IntPair(2, 2) && geometry.padding == IntPair(1, 1)
            && geometry.dilation == IntPair(1, 1)
    }

    /// Floats of one zero-padded input plane in its stride phases (see `fillPadded`).
    var paddedPlaneSize: Int { geometry.stride.second * paddedHeight * phaseWidth }

    /// Rows of the zero-padded input plane (see `runDepthwise`).
    var paddedHeight: Int { inputShape.height + 2 * geometry.padding.first }

    /// Columns per stride phase of the zero-padded input plane (see `runDepthwise`).
    var phaseWidth: Int {
        (inputShape.width + 2 * geometry.padding.second + geometry.stride.second - 1) / geometry.stride.second
    }

    func execute(buffers: UnsafePointer<UnsafeMutablePointer<Float>>, scratch: UnsafeMutablePointer<Float>) {
        let x = buffers[input], y = buffers[output]
        weights.withUnsafeBufferPointer { w in
            bias.withUnsafeBufferPointer { b in
                let w = w.baseAddress!, b = b.baseAddress!
                switch kernel {
                case .pointwise:
                    runPointwise(x, w, b, y)
                case .depthwise:
                    runDepthwise(x, w, b, y, scratch)
                case .im2col:
                    runIm2col(x, w, b, y, scratch)
                case .winograd:
                    winogradWeights.withUnsafeBufferPointer { u in runWinograd(x, u.baseAddress!, b, y, scratch) }
                }
            }
        }
    }

    /// Output columns (pixels) per pointwise band: the band's input and output rows together
    /// stay near 48 Ki floats (192 KB, inside L2), at least 256 columns. The GEMM and the pass
    /// adding the bias and applying the activation then touch the band while it is in cache;
    /// over whole planes (2 MB each at the detector's 96x160 stages) each pass streamed the
    /// output through memory.
    var pointwiseBandColumns: Int {
        let perColumn = geometry.inChannels / geometry.groups + geometry.outChannels / geometry.groups
        let columns = max(256, (48 * 1024 / max(perColumn, 1)) / 64 * 64)
        return min(columns, outputShape.planeSize)
    }

    private func runPointwise(_ x: UnsafeMutablePointer<Float>, _ w: UnsafePointer<Float>, _ b: UnsafePointer<Float>,
                              _ y: UnsafeMutablePointer<Float>) {
        let groups = geometry.groups
        let inPerGroup = geometry.inChannels / groups, outPerGroup = geometry.outChannels / groups
        let plane = outputShape.planeSize, band = pointwiseBandColumns
        for first in stride(from: 0, to: plane, by: band) {
            let count = min(band, plane - first)
            for group in 0 ..< groups {
                gemmWithBias(rows: outPerGroup, columns: count, depth: inPerGroup,
                             a: w + group * outPerGroup * inPerGroup, b: x + group * inPerGroup * plane + first, bStride: plane,
                             c: y + group * outPerGroup * plane + first, cStride: plane, bias: b + group * outPerGroup)
            }
        }
    }

    /// Band by band of output rows: im2col, the GEMM, then the bias and the activation while
    /// the band is still in cache.
    private func runIm2col(_ x: UnsafeMutablePointer<Float>, _ w: UnsafePointer<Float>, _ b: UnsafePointer<Float>,
                           _ y: UnsafeMutablePointer<Float>, _ columns: UnsafeMutablePointer<Float>) {
        let groups = geometry.groups
        let inPerGroup = geometry.inChannels / groups, outPerGroup = geometry.outChannels / groups
        let depth = geometry.columnRows
        let plane = outputShape.planeSize, outHeight = outputShape.height, outWidth = outputShape.width
        let band = bandRows
        let padded = columns + depth * band * outWidth
        for c in 0 ..< geometry.inChannels {
            fillPadded(x + c * inputShape.planeSize, into: padded + c * paddedPlaneSize)
        }
        for group in 0 ..< groups {
            for firstRow in stride(from: 0, to: outHeight, by: band) {
                let rows = firstRow ..< min(firstRow + band, outHeight)
                let bandColumns = rows.count * outWidth
                fillColumns(padded + group * inPerGroup * paddedPlaneSize, channels: inPerGroup, outputRows: rows, into: columns)
                // The band's outputs are rows `rows` of each output plane: same leading
                // dimension as the whole plane, shifted start.
                let bandStart = y + group * outPerGroup * plane + firstRow * outWidth
                gemmWithBias(rows: outPerGroup, columns: bandColumns, depth: depth,
                             a: w + group * outPerGroup * depth, b: columns, bStride: bandColumns,
                             c: bandStart, cStride: plane, bias: b + group * outPerGroup)
            }
        }
    }

    /// Winograd only: output tiles of 2x2 down and across, and the floats from one tile row to
    /// the next in the transformed planes (the tiles across, rounded up to eight so that the
    /// transforms run eight tiles at a time; the extra tiles read zeros and are never written out).
    var winogradTiles: (high: Int, wide: Int, pitch: Int) {
        let wide = (outputShape.width + 1) / 2
        return ((outputShape.height + 1) / 2, wide, (wide + 7) / 8 * 8)
    }

    /// Winograd only: floats of one half (even or odd padded columns) of a split input row; one
    /// more than the tile pitch, since a tile reads the column pair after its own.
    private var winogradSplitPitch: Int { winogradTiles.pitch + 8 }

    /// Winograd only: floats of one input plane split (`runWinograd`): its padded rows, one
    /// more pair than the tiles cover, each an even and an odd half.
    private var winogradSplitPlane: Int { (2 * winogradTiles.high + 2) * 2 * winogradSplitPitch }

    /// Winograd only: floats of the transformed input and the products per tile column.
    private var winogradFloatsPerColumn: Int { 16 * (geometry.inChannels + geometry.outChannels) }

    /// Winograd only: rows of tiles transformed and multiplied at a time, so that a band's
    /// transformed input and products stay within `winogradBandFloats`, but each GEMM still
    /// gets at least 64 columns. The OCR's and the refiner's layers fit in one band (smaller
    /// bands measured no faster there); the bound keeps the scratch of a large input to a few MB.
    var winogradBandTileRows: Int {
        let tiles = winogradTiles
        let perTileRow = winogradFloatsPerColumn * tiles.pitch
        let byMemory = winogradBandFloats / max(perTileRow, 1)
        let byEfficiency = (64 + tiles.pitch - 1) / tiles.pitch
        return min(tiles.high, max(byMemory, byEfficiency, 1))
    }

    static let defaultWinogradBandFloats = 512 * 1024

    /// Winograd only: the bound on one band's transformed input and products, in floats. It may
    /// be lowered after planning (the tests do, to run several bands), not raised.
    var winogradBandFloats = Conv2DStep.defaultWinogradBandFloats {
        didSet { precondition(winogradBandFloats <= oldValue) }
    }

    /// Winograd only: the split input planes, one band's transformed input (16 x in x columns)
    /// and products (16 x out x columns), and two output rows.
    private var winogradScratchCount: Int {
        let tiles = winogradTiles
        return geometry.inChannels * winogradSplitPlane + winogradFloatsPerColumn * winogradBandTileRows * tiles.pitch + 4 * tiles.pitch
    }

    /// `G g Gᵀ` for every 3x3 filter `g` of `weights` ([out, in, 3, 3]), with G the F(2x2, 3x3)
    /// filter transform ([1, 0, 0], [½, ½, ½], [½, -½, ½], [0, 0, 1]); element `e = 4i + j` of
    /// the 4x4 result goes to matrix `e`, row `out`, column `in`.
    static func winogradFilters(_ weights: [Float], outChannels: Int, inChannels: Int) -> [Float] {
        let g: [[Double]] = [[1, 0, 0], [0.5, 0.5, 0.5], [0.5, -0.5, 0.5], [0, 0, 1]]
        var result = [Float](repeating: 0, count: 16 * outChannels * inChannels)
        for o in 0 ..< outChannels {
            for i in 0 ..< inChannels {
                let filter = (o * inChannels + i) * 9
                for row in 0 ..< 4 {
                    // (G g)[row][column], then times Gᵀ.
                    let left = (0 ..< 3).map { column in
                        (0 ..< 3).reduce(0.0) { $0 + g[row][$1] * Double(weights[filter + $1 * 3 + column]) }
                    }
                    for column in 0 ..< 4 {
                        let value = (0 ..< 3).reduce(0.0) { $0 + left[$1] * g[column][$1] }
                        result[((row * 4 + column) * outChannels + o) * inChannels + i] = Float(value)
                    }
                }
            }
        }
        return result
    }

    /// Winograd F(2x2, 3x3): each 2x2 block of outputs comes from the 4x4 block of padded input
    /// around it as `Aᵀ [(G g Gᵀ) ⊙ (Bᵀ d B)] A`, summed over the input channels. The sum over
    /// channels of each of the 16 elementwise products is a GEMM (`winogradFilters` times the
    /// transformed input), so the conv is 16 GEMMs of depth `in` instead of one of depth 9 `in`.
    /// The padded input rows are first split into their even and odd columns, so that the
    /// transforms read and write eight tiles at a time, contiguously.
    private func runWinograd(_ x: UnsafeMutablePointer<Float>, _ u: UnsafePointer<Float>, _ b: UnsafePointer<Float>,
                             _ y: UnsafeMutablePointer<Float>, _ scratch: UnsafeMutablePointer<Float>) {
        typealias V = SIMD8<Float>
        let (height, width) = (inputShape.height, inputShape.width)
        let inChannels = geometry.inChannels, outChannels = geometry.outChannels
        let tiles = winogradTiles, band = winogradBandTileRows, bandColumns = band * tiles.pitch
        let half = winogradSplitPitch, splitRow = 2 * half, splitPlane = winogradSplitPlane
        let split = scratch
        let transformed = split + inChannels * splitPlane          // [16][in][band columns]
        let products = transformed + 16 * inChannels * bandColumns  // [16][out][band columns]
        let rowBuffers = products + 16 * outChannels * bandColumns  // two output rows of 2 * pitch
        @inline(__always) func load(_ p: UnsafePointer<Float>, _ at: Int) -> V {
            UnsafeRawPointer(p + at).loadUnaligned(as: V.self)
        }
        @inline(__always) func store(_ value: V, _ p: UnsafeMutablePointer<Float>, _ at: Int) {
            UnsafeMutableRawPointer(p + at).storeBytes(of: value, as: V.self)
        }

        // Padded row r is input row r - 1, padded column p input column p - 1. Even padded
        // columns 2q (input 2q - 1) go to the first half of a split row, odd ones 2q + 1
        // (input 2q) to the second; both halves are zero past the input.
        for c in 0 ..< inChannels {
            let plane = x + c * height * width, target = split + c * splitPlane
            for r in 0 ..< 2 * tiles.high + 2 {
                let even = target + r * splitRow, odd = even + half
                let iy = r - 1
                guard iy >= 0, iy < height else {
                    even.update(repeating: 0, count: splitRow)
                    continue
                }
                even[0] = 0
                Self.splitEvenOdd(plane + iy * width, count: width, even: odd, odd: even + 1)
                let oddInputs = width / 2, evenInputs = (width + 1) / 2
                (even + 1 + oddInputs).update(repeating: 0, count: half - 1 - oddInputs)
                (odd + evenInputs).update(repeating: 0, count: half - evenInputs)
            }
        }

        // Band by band of tile rows: transform the band's input, multiply, transform back.
        for firstTileRow in stride(from: 0, to: tiles.high, by: band) {
            let tileRows = firstTileRow ..< min(firstTileRow + band, tiles.high)
            let columns = tileRows.count * tiles.pitch
            // Bᵀ d B for every tile, B the F(2x2, 3x3) input transform: rows first, (d0 - d2,
            // d1 + d2, d2 - d1, d1 - d3), then columns the same way. Tile column tx reads padded
            // columns 2tx ... 2tx + 3: even[tx], odd[tx], even[tx + 1], odd[tx + 1].
            let elementStride = inChannels * columns
            for c in 0 ..< inChannels {
                let base = split + c * splitPlane
                for ty in tileRows {
                    let e0 = base + 2 * ty * splitRow, e1 = e0 + splitRow, e2 = e1 + splitRow, e3 = e2 + splitRow
                    let o0 = e0 + half, o1 = e1 + half, o2 = e2 + half, o3 = e3 + half
                    let out = transformed + c * columns + (ty - tileRows.lowerBound) * tiles.pitch
                    var tx = 0
                    while tx < tiles.pitch {
                        @inline(__always) func rows(_ r0: V, _ r1: V, _ r2: V, _ r3: V) -> (V, V, V, V) {
                            (r0 - r2, r1 + r2, r2 - r1, r1 - r3)
                        }
                        let j0 = rows(load(e0, tx), load(e1, tx), load(e2, tx), load(e3, tx))
                        let j1 = rows(load(o0, tx), load(o1, tx), load(o2, tx), load(o3, tx))
                        let j2 = rows(load(e0, tx + 1), load(e1, tx + 1), load(e2, tx + 1), load(e3, tx + 1))
                        let j3 = rows(load(o0, tx + 1), load(o1, tx + 1), load(o2, tx + 1), load(o3, tx + 1))
                        @inline(__always) func across(_ i: Int, _ t0: V, _ t1: V, _ t2: V, _ t3: V) {
                            let row = out + 4 * i * elementStride
                            store(t0 - t2, row, tx)
                            store(t1 + t2, row + elementStride, tx)
                            store(t2 - t1, row + 2 * elementStride, tx)
                            store(t1 - t3, row + 3 * elementStride, tx)
                        }
                        across(0, j0.0, j1.0, j2.0, j3.0)
                        across(1, j0.1, j1.1, j2.1, j3.1)
                        across(2, j0.2, j1.2, j2.2, j3.2)
                        across(3, j0.3, j1.3, j2.3, j3.3)
                        tx += 8
                    }
                }
            }

            for element in 0 ..< 16 {
                cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, Int32(outChannels), Int32(columns), Int32(inChannels),
                            1, u + element * outChannels * inChannels, Int32(inChannels),
                            transformed + element * inChannels * columns, Int32(columns),
                            0, products + element * outChannels * columns, Int32(columns))
            }

            // Aᵀ m A, A the output transform: rows (m0 + m1 + m2, m1 - m2 - m3), then columns the
            // same way; the two columns of each tile are interleaved into a row buffer, and the
            // rows inside the output copied out with the bias and the activation.
            let productStride = outChannels * columns
            let upper = rowBuffers, lower = rowBuffers + 2 * tiles.pitch
            for k in 0 ..< outChannels {
                let outPlane = y + k * height * width
                for ty in tileRows {
                    let m = products + k * columns + (ty - tileRows.lowerBound) * tiles.pitch
                    var tx = 0
                    while tx < tiles.pitch {
                        @inline(__always) func column(_ j: Int) -> (V, V) {
                            let m0 = load(m + j * productStride, tx), m1 = load(m + (4 + j) * productStride, tx)
                            let m2 = load(m + (8 + j) * productStride, tx), m3 = load(m + (12 + j) * productStride, tx)
                            return (m0 + m1 + m2, m1 - m2 - m3)
                        }
                        let (s00, s10) = column(0), (s01, s11) = column(1), (s02, s12) = column(2), (s03, s13) = column(3)
                        var top = SIMD16<Float>(), bottom = SIMD16<Float>()
                        top.evenHalf = s00 + s01 + s02
                        top.oddHalf = s01 - s02 - s03
                        bottom.evenHalf = s10 + s11 + s12
                        bottom.oddHalf = s11 - s12 - s13
                        UnsafeMutableRawPointer(upper + 2 * tx).storeBytes(of: top, as: SIMD16<Float>.self)
                        UnsafeMutableRawPointer(lower + 2 * tx).storeBytes(of: bottom, as: SIMD16<Float>.self)
                        tx += 8
                    }
                    for i in 0 ..< min(2, height - 2 * ty) {
                        let row = outPlane + (2 * ty + i) * width
                        Self.copy(row, i == 0 ? upper : lower, count: width)
                        Self.addBias(b[k], activation, row, count: width)
                    }
                }
            }
        }
    }

    /// Lays out every receptive field of the output rows `outputRows` as a column: row
    /// `(c, ky, kx)`, column `(oy - outputRows.lowerBound, ox)`. `padded` holds the input planes
    /// copied with their padding in stride phases (`fillPadded`), so each row of the matrix is
    /// one contiguous run of a padded phase row.
    private func fillColumns(_ padded: UnsafePointer<Float>, channels: Int, outputRows: Range<Int>,
                             into columns: UnsafeMutablePointer<Float>) {
        let (kh, kw) = (geometry.kernel.first, geometry.kernel.second)
        let rowStep = geometry.stride.first * phaseWidth, kernelRowStep = geometry.dilation.first * phaseWidth
        let outWidth = outputShape.width, planeSize = paddedPlaneSize
        var row = columns
        for c in 0 ..< channels {
            let plane = padded + c * planeSize
            for ky in 0 ..< kh {
                for kx in 0 ..< kw {
                    let tap = plane + ky * kernelRowStep + tapOffsets[kx]
                    for oy in outputRows {
                        Self.copy(row + (oy - outputRows.lowerBound) * outWidth, tap + oy * rowStep, count: outWidth)
                    }
                    row += outputRows.count * outWidth
                }
            }
        }
    }

    /// Channel by channel, output row by output row. A 3x3 kernel of stride 1 (most of the
    /// detector's depthwise layers) reads the input plane where it is: kernel rows above or
    /// below it read a row of zeros, the columns whose taps all lie inside the input are summed
    /// in one pass (`nineTaps`: bias, nine taps and activation while the values sit in
    /// registers), and the few border columns one by one, their outside taps reading zero; the
    /// 3x3 of stride 2 and padding 1 likewise (`runHalving3x3`).
    /// Other depthwise convs first copy the input plane with its zero padding into the scratch
    /// buffer (`fillPadded`), so every tap lies inside it; with a horizontal stride s > 1 the
    /// padded plane is stored as s phases (phase p holds padded columns p, p + s, p + 2s, ...),
    /// so padded column `s * ox + k` is element `ox + k / s` of phase `k mod s` and every tap
    /// reads contiguously (strided reads defeat vectorisation). A 3x3 kernel then sums its nine
    /// taps in one pass per row; other kernels add one tap at a time over the row.
    private func runDepthwise(_ x: UnsafeMutablePointer<Float>, _ w: UnsafePointer<Float>, _ b: UnsafePointer<Float>,
                              _ y: UnsafeMutablePointer<Float>, _ scratch: UnsafeMutablePointer<Float>) {
        if isHalving3x3 { return runHalving3x3(x, w, b, y, zeroRow: scratch) }
        guard copiesPaddedInput else { return runUnstrided3x3(x, w, b, y, zeroRow: scratch) }
        let (kh, kw) = (geometry.kernel.first, geometry.kernel.second)
        let (sh, dh) = (geometry.stride.first, geometry.dilation.first)
        let (outHeight, outWidth) = (outputShape.height, outputShape.width)
        let pitch = phaseWidth
        let nineTaps = kh == 3 && kw == 3
        let fusedReLU = activation == .relu
        for c in 0 ..< geometry.outChannels {
            fillPadded(x + c * inputShape.planeSize, into: scratch)
            let outPlane = y + c * outputShape.planeSize
            let filter = w + c * kh * kw
            for oy in 0 ..< outHeight {
                let destination = outPlane + oy * outWidth
                let top = scratch + oy * sh * pitch
                if nineTaps {
                    Self.nineTaps(destination, rows: top, top + dh * pitch, top + 2 * dh * pitch,
                                  offsets: (tapOffsets[0], tapOffsets[1], tapOffsets[2]),
                                  filter: filter, bias: b[c], count: outWidth, relu: fusedReLU)
                    if !fusedReLU { activation?.apply(destination, count: outWidth) }
                    continue
                }
                destination.update(repeating: b[c], count: outWidth)
                for ky in 0 ..< kh {
                    let row = top + ky * dh * pitch
                    for kx in 0 ..< kw {
                        let tap = filter[ky * kw + kx], source = row + tapOffsets[kx]
                        for ox in 0 ..< outWidth { destination[ox] += tap * source[ox] }
                    }
                }
                activation?.apply(destination, count: outWidth)
            }
        }
    }

    /// The 3x3, stride-1 case of `runDepthwise`, without copying the input. `zeroRow` holds at
    /// least one input row's width of floats (set to zero here).
    private func runUnstrided3x3(_ x: UnsafeMutablePointer<Float>, _ w: UnsafePointer<Float>, _ b: UnsafePointer<Float>,
                                 _ y: UnsafeMutablePointer<Float>, zeroRow: UnsafeMutablePointer<Float>) {
        let (ph, pw) = (geometry.padding.first, geometry.padding.second)
        let (dh, dw) = (geometry.dilation.first, geometry.dilation.second)
        let (height, width) = (inputShape.height, inputShape.width)
        let (outHeight, outWidth) = (outputShape.height, outputShape.width)
        let fusedReLU = activation == .relu
        zeroRow.update(repeating: 0, count: width)
        // Output columns whose three taps, at columns ox - pw + (0, 1, 2) * dw, are all inside.
        let interiorStart = min(pw, outWidth)
        let interiorEnd = max(interiorStart, min(outWidth, width + pw - 2 * dw))
        let offsets = (-pw, dw - pw, 2 * dw - pw)
        let sameBorders = pw == dw && outWidth == width && width > 2 * dw
        for c in 0 ..< geometry.outChannels {
            let plane = x + c * inputShape.planeSize
            let outPlane = y + c * outputShape.planeSize
            let filter = w + c * 9
            let bias = b[c]
            for oy in 0 ..< outHeight {
                let destination = outPlane + oy * outWidth
                func row(_ ky: Int) -> UnsafePointer<Float> {
                    let iy = oy - ph + ky * dh
                    return iy >= 0 && iy < height ? UnsafePointer(plane + iy * width) : UnsafePointer(zeroRow)
                }
                let (r0, r1, r2) = (row(0), row(1), row(2))
                Self.nineTaps(destination + interiorStart, rows: r0 + interiorStart, r1 + interiorStart, r2 + interiorStart,
                              offsets: offsets, filter: filter, bias: bias, count: interiorEnd - interiorStart,
                              relu: fusedReLU)
                // Border columns: the same sums, taps outside the row reading zero.
                func border(_ ox: Int) {
                    destination[ox] = Self.checkedNineTaps(rows: r0, r1, r2, columns: (ox + offsets.0, ox + offsets.1, ox + offsets.2),
                                                           width: width, filter: filter, bias: bias, relu: fusedReLU)
                }
                if sameBorders {
                    // Padding equal to the dilation, the output as wide as the input: the left
                    // columns miss only their left taps, the right ones only their right taps.
                    // Leaving out a tap that reads zero changes no sum.
                    let (f0, f1, f2, f3, f4) = (filter[0], filter[1], filter[2], filter[3], filter[4])
                    let (f5, f6, f7, f8) = (filter[5], filter[6], filter[7], filter[8])
                    for ox in 0 ..< dw {
                        var value = bias
                        value += f1 * r0[ox] + f2 * r0[ox + dw]
                        value += f4 * r1[ox] + f5 * r1[ox + dw]
                        value += f7 * r2[ox] + f8 * r2[ox + dw]
                        destination[ox] = fusedReLU ? max(value, 0) : value
                    }
                    for ox in width - dw ..< width {
                        var value = bias
                        value += f0 * r0[ox - dw] + f1 * r0[ox]
                        value += f3 * r1[ox - dw] + f4 * r1[ox]
                        value += f6 * r2[ox - dw] + f7 * r2[ox]
                        destination[ox] = fusedReLU ? max(value, 0) : value
                    }
                } else {
                    for ox in 0 ..< interiorStart { border(ox) }
                    for ox in interiorEnd ..< outWidth { border(ox) }
                }
                if !fusedReLU { activation?.apply(destination, count: outWidth) }
            }
        }
    }

    /// The 3x3, stride-2, padding-1 case of `runDepthwise`, without copying the input: output
    /// column `ox` reads input columns `2ox - 1`, `2ox`, `2ox + 1`. Eight outputs at a time take
    /// the sixteen input columns from `2ox` (their even lanes are the middle taps, the odd ones
    /// the right taps) and the sixteen from `2ox - 2` (odd lanes: the left taps), the sums in
    /// `nineTaps`' order; the first column and any the loads would overrun go one by one, their
    /// outside taps reading zero. Kernel rows above or below the input read `zeroRow` (at least
    /// an input row's width, set to zero here).
    private func runHalving3x3(_ x: UnsafeMutablePointer<Float>, _ w: UnsafePointer<Float>, _ b: UnsafePointer<Float>,
                               _ y: UnsafeMutablePointer<Float>, zeroRow: UnsafeMutablePointer<Float>) {
        let (height, width) = (inputShape.height, inputShape.width)
        let (outHeight, outWidth) = (outputShape.height, outputShape.width)
        let fusedReLU = activation == .relu
        zeroRow.update(repeating: 0, count: width)
        // Chunks start at column 1 or later (the left taps from 2ox - 2 >= 0) and end where the
        // sixteen-column loads stay inside the row (2ox + 16 <= width).
        let vectorStart = 1, vectorEnd = max(1, min(outWidth, (width - 16) / 2 + 8))
        let vectorCount = width >= 18 ? vectorEnd - vectorStart : 0
        typealias V = SIMD8<Float>
        @inline(__always) func load(_ p: UnsafePointer<Float>, _ at: Int) -> SIMD16<Float> {
            UnsafeRawPointer(p + at).loadUnaligned(as: SIMD16<Float>.self)
        }
        for c in 0 ..< geometry.outChannels {
            let plane = x + c * inputShape.planeSize
            let outPlane = y + c * outputShape.planeSize
            let filter = w + c * 9
            let bias = b[c]
            let (f0, f1, f2) = (V(repeating: filter[0]), V(repeating: filter[1]), V(repeating: filter[2]))
            let (f3, f4, f5) = (V(repeating: filter[3]), V(repeating: filter[4]), V(repeating: filter[5]))
            let (f6, f7, f8) = (V(repeating: filter[6]), V(repeating: filter[7]), V(repeating: filter[8]))
            let start = V(repeating: bias), zero = V(repeating: 0)
            for oy in 0 ..< outHeight {
                let destination = outPlane + oy * outWidth
                func row(_ ky: Int) -> UnsafePointer<Float> {
                    let iy = 2 * oy - 1 + ky
                    return iy >= 0 && iy < height ? UnsafePointer(plane + iy * width) : UnsafePointer(zeroRow)
                }
                let (r0, r1, r2) = (row(0), row(1), row(2))
                func single(_ ox: Int) {
                    destination[ox] = Self.checkedNineTaps(rows: r0, r1, r2, columns: (2 * ox - 1, 2 * ox, 2 * ox + 1),
                                                           width: width, filter: filter, bias: bias, relu: fusedReLU)
                }
                guard vectorCount >= 8 else {
                    for ox in 0 ..< outWidth { single(ox) }
                    if !fusedReLU { activation?.apply(destination, count: outWidth) }
                    continue
                }
                for ox in 0 ..< vectorStart { single(ox) }
                for ox in vectorEnd ..< outWidth { single(ox) }
                var ox = vectorStart
                while true {
                    let at = min(ox, vectorEnd - 8)
                    let (a0, b0) = (load(r0, 2 * at), load(r0, 2 * at - 2))
                    let (a1, b1) = (load(r1, 2 * at), load(r1, 2 * at - 2))
                    let (a2, b2) = (load(r2, 2 * at), load(r2, 2 * at - 2))
                    var value = start
                    value += f0 * b0.oddHalf + f1 * a0.evenHalf + f2 * a0.oddHalf
                    value += f3 * b1.oddHalf + f4 * a1.evenHalf + f5 * a1.oddHalf
                    value += f6 * b2.oddHalf + f7 * a2.evenHalf + f8 * a2.oddHalf
                    if fusedReLU { value.replace(with: zero, where: value .< zero) }
                    UnsafeMutableRawPointer(destination + at).storeBytes(of: value, as: V.self)
                    if at + 8 >= vectorEnd { break }
                    ox += 8
                }
                if !fusedReLU { activation?.apply(destination, count: outWidth) }
            }
        }
    }

    /// Copies one input plane into `padded`: `paddedHeight` rows of the stride phases, each
    /// `phaseWidth` wide, the padding and any unused phase columns set to zero.
    private func fillPadded(_ plane: UnsafePointer<Float>, into padded: UnsafeMutablePointer<Float>) {
        let (ph, pw, sw) = (geometry.padding.first, geometry.padding.second, geometry.stride.second)
        let (height, width) = (inputShape.height, inputShape.width)
        let pitch = phaseWidth, rows = paddedHeight, phaseSize = rows * pitch
        for phase in 0 ..< sw {
            let start = padded + phase * phaseSize
            start.update(repeating: 0, count: ph * pitch)
            (start + (ph + height) * pitch).update(repeating: 0, count: (rows - ph - height) * pitch)
        }
        for iy in 0 ..< height {
            let source = plane + iy * width, rowStart = padded + (ph + iy) * pitch
            // Input column i is padded column i + pw: phase (i + pw) mod sw, element (i + pw) / sw.
            for phase in 0 ..< sw {
                let first = ((phase - pw) % sw + sw) % sw  // first input column of this phase
                let count = first < width ? (width - first + sw - 1) / sw : 0
                let at = (first + pw) / sw
                let row = rowStart + phase * phaseSize
                row.update(repeating: 0, count: at)
                (row + at + count).update(repeating: 0, count: pitch - at - count)
                if sw == 1 {
                    (row + at).update(from: source, count: count)
                } else if sw > 2 {
                    for j in 0 ..< count { row[at + j] = source[first + j * sw] }
                }
            }
            if sw == 2 {
                // Even input columns go to phase pw mod 2, odd ones to the other.
                let evenPhase = pw % 2
                Self.splitEvenOdd(source, count: width,
                                  even: rowStart + evenPhase * phaseSize + pw / 2,
                                  odd: rowStart + (1 - evenPhase) * phaseSize + (pw + 1) / 2)
            }
        }
    }

    /// One 3x3 depthwise output next to a border: the bias plus the nine taps at `columns` of
    /// rows `r0`, `r1`, `r2`, a column outside `0 ..< width` reading zero, summed in
    /// `nineTaps`' order (so a border output equals what the padded copy would give), with a
    /// ReLU when `relu`.
    @inline(__always)
    static func checkedNineTaps(rows r0: UnsafePointer<Float>, _ r1: UnsafePointer<Float>, _ r2: UnsafePointer<Float>,
                                columns: (Int, Int, Int), width: Int, filter: UnsafePointer<Float>, bias: Float,
                                relu: Bool) -> Float {
        @inline(__always) func tap(_ r: UnsafePointer<Float>, _ column: Int) -> Float {
            column >= 0 && column < width ? r[column] : 0
        }
        let (i0, i1, i2) = columns
        var value = bias
        value += filter[0] * tap(r0, i0) + filter[1] * tap(r0, i1) + filter[2] * tap(r0, i2)
        value += filter[3] * tap(r1, i0) + filter[4] * tap(r1, i1) + filter[5] * tap(r1, i2)
        value += filter[6] * tap(r2, i0) + filter[7] * tap(r2, i1) + filter[8] * tap(r2, i2)
        return relu ? max(value, 0) : value
    }

    /// One 3x3 depthwise output row: `destination[ox]` for `ox < count` is the bias plus the
    /// nine taps over input rows `r0`, `r1`, `r2` (tap `kx`'s input for column `ox` at
    /// `row + offsets.kx + ox`, all inside the rows), summed as `((bias + row 0) + row 1) +
    /// row 2`, each kernel row as `(t0 + t1) + t2`. Eight columns at a time, with a ReLU applied
    /// before the store when `relu`; a last group of eight overlaps the one before it rather
    /// than leaving a scalar remainder (each output is computed afresh, so computing one twice
    /// changes nothing). Rows narrower than eight columns take the scalar loop.
    @inline(__always)
    static func nineTaps(_ destination: UnsafeMutablePointer<Float>, rows r0: UnsafePointer<Float>, _ r1: UnsafePointer<Float>,
                         _ r2: UnsafePointer<Float>, offsets: (Int, Int, Int), filter: UnsafePointer<Float>, bias: Float,
                         count: Int, relu: Bool) {
        let (a0, a1, a2) = (r0 + offsets.0, r0 + offsets.1, r0 + offsets.2)
        let (b0, b1, b2) = (r1 + offsets.0, r1 + offsets.1, r1 + offsets.2)
        let (c0, c1, c2) = (r2 + offsets.0, r2 + offsets.1, r2 + offsets.2)
        let (f0, f1, f2, f3, f4) = (filter[0], filter[1], filter[2], filter[3], filter[4])
        let (f5, f6, f7, f8) = (filter[5], filter[6], filter[7], filter[8])
        guard count >= 8 else {
            for ox in 0 ..< count {
                var value = bias
                value += f0 * a0[ox] + f1 * a1[ox] + f2 * a2[ox]
                value += f3 * b0[ox] + f4 * b1[ox] + f5 * b2[ox]
                value += f6 * c0[ox] + f7 * c1[ox] + f8 * c2[ox]
                destination[ox] = relu ? max(value, 0) : value
            }
            return
        }
        typealias V = SIMD8<Float>
        let (v0, v1, v2, v3, v4) = (V(repeating: f0), V(repeating: f1), V(repeating: f2), V(repeating: f3), V(repeating: f4))
        let (v5, v6, v7, v8) = (V(repeating: f5), V(repeating: f6), V(repeating: f7), V(repeating: f8))
        let start = V(repeating: bias)
        @inline(__always) func load(_ p: UnsafePointer<Float>, _ ox: Int) -> V {
            UnsafeRawPointer(p + ox).loadUnaligned(as: V.self)
        }
        @inline(__always) func sum(_ at: Int) -> V {
            var value = start
            value += v0 * load(a0, at) + v1 * load(a1, at) + v2 * load(a2, at)
            value += v3 * load(b0, at) + v4 * load(b1, at) + v5 * load(b2, at)
            value += v6 * load(c0, at) + v7 * load(c1, at) + v8 * load(c2, at)
            return value
        }
        @inline(__always) func store(_ value: V, _ at: Int) {
            UnsafeMutableRawPointer(destination + at).storeBytes(of: value, as: V.self)
        }
        let last = count - 8
        if relu {
            let zero = V(repeating: 0)
            var ox = 0
            while ox < last {
                var value = sum(ox)
                value.replace(with: zero, where: value .< zero)
                store(value, ox)
                ox += 8
            }
            var value = sum(last)
            value.replace(with: zero, where: value .< zero)
            store(value, last)
        } else {
            var ox = 0
            while ox < last {
                store(sum(ox), ox)
                ox += 8
            }
            store(sum(last), last)
        }
    }

    /// `destination[0 ..< count] = source[0 ..< count]` (not overlapping), eight at a time with
    /// a last group of eight overlapping the one before: the rows copied are short (32 to 320
    /// floats) and many, where a `memmove` call costs as much as the copy.
    @inline(__always)
    static func copy(_ destination: UnsafeMutablePointer<Float>, _ source: UnsafePointer<Float>, count: Int) {
        guard count >= 8 else {
            for i in 0 ..< count { destination[i] = source[i] }
            return
        }
        var i = 0
        while true {
            let at = min(i, count - 8)
            let values = UnsafeRawPointer(source + at).loadUnaligned(as: SIMD8<Float>.self)
            UnsafeMutableRawPointer(destination + at).storeBytes(of: values, as: SIMD8<Float>.self)
            if at + 8 >= count { break }
            i += 8
        }
    }

    /// The even elements of `source[0 ..< count]` into `even`, the odd ones into `odd`.
    @inline(__always)
    static func splitEvenOdd(_ source: UnsafePointer<Float>, count: Int, even: UnsafeMutablePointer<Float>, odd: UnsafeMutablePointer<Float>) {
        var j = 0
        let raw = UnsafeRawPointer(source)
        while 2 * j + 16 <= count {
            let values = raw.loadUnaligned(fromByteOffset: 8 * j, as: SIMD16<Float>.self)
            UnsafeMutableRawPointer(even + j).storeBytes(of: values.evenHalf, as: SIMD8<Float>.self)
            UnsafeMutableRawPointer(odd + j).storeBytes(of: values.oddHalf, as: SIMD8<Float>.self)
            j += 8
        }
        while 2 * j < count {
            even[j] = source[2 * j]
            if 2 * j + 1 < count { odd[j] = source[2 * j + 1] }
            j += 1
        }
    }

    /// Whether OpenBLAS writes a `beta = 0` product straight into the output. Its small-matrix
    /// kernels, which take most of our bands, do so, but only for its AVX-512 cores (SkylakeX
    /// and later); elsewhere (Haswell and Zen kernels) `beta = 0` first clears the output in
    /// a separate pass (`sgemm_beta`). There the GEMM convs set the outputs to the bias and
    /// accumulate onto them (`beta = 1`), and apply the activation after.
    /// `ALPR_GEMM_OVERWRITES=0/1` overrides it for measurements.
    static let gemmOverwritesByDefault: Bool = {
        if let forced = ProcessInfo.processInfo.environment["ALPR_GEMM_OVERWRITES"] { return forced == "1" }
        guard let name = openblas_get_corename() else { return false }
        return ["skylakex", "cooperlake", "sapphirerapids"].contains(String(cString: name).lowercased())
    }()

    /// `c = activation(a * b + bias)`, one bias per row of `c`: with `beta = 0` and the bias
    /// added after where OpenBLAS writes such a product directly (`gemmOverwrites`), else
    /// starting `c` from the bias and accumulating onto it; the activation follows in one pass
    /// per row while the band is in cache.
    @inline(__always)
    private func gemmWithBias(rows: Int, columns: Int, depth: Int, a: UnsafePointer<Float>, b: UnsafePointer<Float>, bStride: Int,
                              c: UnsafeMutablePointer<Float>, cStride: Int, bias: UnsafePointer<Float>) {
        let overwrites = gemmOverwrites
        if !overwrites {
            for row in 0 ..< rows { (c + row * cStride).update(repeating: bias[row], count: columns) }
        }
        gemm(rows: rows, columns: columns, depth: depth, a: a, b: b, bStride: bStride, c: c, cStride: cStride, beta: overwrites ? 0 : 1)
        if overwrites || activation != nil {
            for row in 0 ..< rows { Self.addBias(overwrites ? bias[row] : 0, activation, c + row * cStride, count: columns) }
        }
    }

    /// `c += a * b` (row major; `a` is `rows` x `depth`, `b` is `depth` x `columns`).
    @inline(__always)
    private func gemm(rows: Int, columns: Int, depth: Int, a: UnsafePointer<Float>, b: UnsafePointer<Float>, bStride: Int,
                      c: UnsafeMutablePointer<Float>, cStride: Int, beta: Float = 1) {
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, Int32(rows), Int32(columns), Int32(depth),
                    1, a, Int32(depth), b, Int32(bStride), beta, c, Int32(cStride))
    }

    /// `values[i] = activation(values[i] + bias)` for `i < count`, in one pass; a ReLU, or no
    /// activation, eight at a time.
    @inline(__always)
    static func addBias(_ bias: Float, _ activation: Activation?, _ values: UnsafeMutablePointer<Float>, count: Int) {
        typealias V = SIMD8<Float>
        let relu = activation == .relu
        guard relu || activation == nil else {
            for i in 0 ..< count { values[i] += bias }
            activation?.apply(values, count: count)
            return
        }
        let shift = V(repeating: bias), zero = V(repeating: 0)
        var i = 0
        while i + 8 <= count {
            var value = UnsafeRawPointer(values + i).loadUnaligned(as: V.self) + shift
            if relu { value.replace(with: zero, where: value .< zero) }
            UnsafeMutableRawPointer(values + i).storeBytes(of: value, as: V.self)
            i += 8
        }
        while i < count {
            let value = values[i] + bias
            values[i] = relu ? max(value, 0) : value
            i += 1
        }
    }
}
