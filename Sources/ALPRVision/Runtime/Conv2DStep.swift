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
    /// Winograd only: the bound on one band's transformed input and products, in floats. It may
    /// be lowered after planning (the tests do, to run several bands), not raised.
    var winogradBandFloats = Conv2DStep.defaultWinogradBandFloats {
        didSet { precondition(winogradBandFloats <= oldValue) }
    }
    /// Fixed by the geometry so that `execute` allocates nothing: where tap `kx`'s input for
    /// output column 0 sits relative to the start of a row of the padded input (`fillPadded`):
    /// its stride phase's offset plus its column within the phase.
    let tapOffsets: [Int]

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

    /// Copies one input plane into `padded`: `paddedHeight` rows of the stride phases, each
    /// `phaseWidth` wide, the padding and any unused phase columns set to zero.
    func fillPadded(_ plane: UnsafePointer<Float>, into padded: UnsafeMutablePointer<Float>) {
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
    func gemmWithBias(rows: Int, columns: Int, depth: Int, a: UnsafePointer<Float>, b: UnsafePointer<Float>, bStride: Int,
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
    func gemm(rows: Int, columns: Int, depth: Int, a: UnsafePointer<Float>, b: UnsafePointer<Float>, bStride: Int,
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
