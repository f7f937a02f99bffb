import CBLAS

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

    /// Rows of one group's im2col matrix.
    var columnRows: Int { inChannels / groups * kernel.first * kernel.second }
}

/// Convolution with the bias (batch norm folded in) and the fused activation.
///
/// Three kernels: pointwise convs multiply the input directly (`sgemm`, no im2col), a band of
/// pixels at a time; depthwise convs use a direct loop (a GEMM of one row per group would be
/// all overhead); everything else builds the im2col matrix in the shared scratch buffer and
/// calls `sgemm` per group, a band of output rows at a time so that the matrix stays in cache
/// between being written and being packed.
///
/// The GEMM kernels start from the bias and accumulate (`beta = 1`): OpenBLAS would otherwise
/// clear the output first and the bias would need a pass of its own. Every kernel sets the
/// bias and applies the activation band by band (the depthwise one row by row), while the
/// outputs are still in cache.
final class Conv2DStep: InferenceStep {
    enum Kernel { case pointwise, depthwise, im2col }

    let geometry: ConvGeometry
    let inputShape: TensorShape, outputShape: TensorShape
    let weights: [Float]  // [out, in/groups, kh, kw]
    let bias: [Float]
    let activation: Activation?
    let kernel: Kernel
    let input: Int, output: Int
    /// Depthwise only, fixed by the geometry so that `execute` allocates nothing: per
    /// horizontal tap, its valid output columns and where its input for output column 0 sits
    /// relative to the start of an input row (of the plane, or of the stride phases).
    private let tapColumns: [(first: Int, end: Int)]
    private let tapOffsets: [Int]
    /// Depthwise only: output columns where every horizontal tap is inside the input.
    private let interiorColumns: Range<Int>

    init(geometry: ConvGeometry, inputShape: TensorShape, outputShape: TensorShape, weights: [Float], bias: [Float],
         activation: Activation?, input: Int, output: Int) {
        self.geometry = geometry
        self.inputShape = inputShape
        self.outputShape = outputShape
        self.weights = weights
        self.bias = bias
        self.activation = activation
        self.kernel = geometry.isPointwise ? .pointwise : geometry.isDepthwise ? .depthwise : .im2col
        self.input = input
        self.output = output
        let (stride, width) = (geometry.stride.second, inputShape.width)
        let phaseSize = inputShape.height * ((width + stride - 1) / stride)
        var tapColumns: [(first: Int, end: Int)] = [], tapOffsets: [Int] = []
        for kx in 0 ..< geometry.kernel.second {
            let offset = kx * geometry.dilation.second - geometry.padding.second
            tapColumns.append(Self.validRange(offset: offset, stride: stride, size: width, count: outputShape.width))
            let phase = ((offset % stride) + stride) % stride
            tapOffsets.append(phase * phaseSize + (offset - phase) / stride)
        }
        self.tapColumns = tapColumns
        self.tapOffsets = tapOffsets
        let interiorStart = tapColumns.map(\.first).max() ?? 0, interiorEnd = tapColumns.map(\.end).min() ?? 0
        interiorColumns = interiorStart ..< max(interiorStart, interiorEnd)
    }

    /// Floats of scratch this step needs: one band of the im2col matrix, or the stride phases
    /// of one input plane for a strided depthwise conv.
    var scratchCount: Int {
        switch kernel {
        case .pointwise: 0
        case .im2col: geometry.columnRows * bandRows * outputShape.width
        case .depthwise: geometry.stride.second == 1 ? 0 : geometry.stride.second * inputShape.height * phaseWidth
        }
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

    /// Input columns per stride phase (see `runDepthwise`).
    var phaseWidth: Int { (inputShape.width + geometry.stride.second - 1) / geometry.stride.second }

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
                }
            }
        }
    }

    /// Output columns (pixels) per pointwise band: the band's input and output rows together
    /// stay near 48 Ki floats (192 KB, inside L2), at least 256 columns. Setting the bias, the
    /// GEMM and the activation then touch the band while it is in cache; over whole planes
    /// (2 MB each at the detector's 96x160 stages) each of the three streamed the output
    /// through memory.
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
            for channel in 0 ..< outputShape.channels {
                (y + channel * plane + first).update(repeating: b[channel], count: count)
            }
            for group in 0 ..< groups {
                gemm(rows: outPerGroup, columns: count, depth: inPerGroup,
                     a: w + group * outPerGroup * inPerGroup, b: x + group * inPerGroup * plane + first, bStride: plane,
                     c: y + group * outPerGroup * plane + first, cStride: plane)
            }
            if let activation {
                for channel in 0 ..< outputShape.channels { activation.apply(y + channel * plane + first, count: count) }
            }
        }
    }

    /// Band by band of output rows: im2col, then each of the group's output channels is set
    /// to its bias over the band, the GEMM accumulates onto it, and the activation runs while
    /// the band is still in cache.
    private func runIm2col(_ x: UnsafeMutablePointer<Float>, _ w: UnsafePointer<Float>, _ b: UnsafePointer<Float>,
                           _ y: UnsafeMutablePointer<Float>, _ columns: UnsafeMutablePointer<Float>) {
        let groups = geometry.groups
        let inPerGroup = geometry.inChannels / groups, outPerGroup = geometry.outChannels / groups
        let depth = geometry.columnRows
        let plane = outputShape.planeSize, outHeight = outputShape.height, outWidth = outputShape.width
        let band = bandRows
        for group in 0 ..< groups {
            for firstRow in stride(from: 0, to: outHeight, by: band) {
                let rows = firstRow ..< min(firstRow + band, outHeight)
                let bandColumns = rows.count * outWidth
                fillColumns(x + group * inPerGroup * inputShape.planeSize, channels: inPerGroup, outputRows: rows, into: columns)
                // The band's outputs are rows `rows` of each output plane: same leading
                // dimension as the whole plane, shifted start.
                let bandStart = y + group * outPerGroup * plane + firstRow * outWidth
                for channel in 0 ..< outPerGroup {
                    (bandStart + channel * plane).update(repeating: b[group * outPerGroup + channel], count: bandColumns)
                }
                gemm(rows: outPerGroup, columns: bandColumns, depth: depth,
                     a: w + group * outPerGroup * depth, b: columns, bStride: bandColumns,
                     c: bandStart, cStride: plane)
                if let activation {
                    for channel in 0 ..< outPerGroup { activation.apply(bandStart + channel * plane, count: bandColumns) }
                }
            }
        }
    }

    /// Lays out every receptive field of the output rows `outputRows` as a column: row
    /// `(c, ky, kx)`, column `(oy - outputRows.lowerBound, ox)`.
    private func fillColumns(_ x: UnsafeMutablePointer<Float>, channels: Int, outputRows: Range<Int>,
                             into columns: UnsafeMutablePointer<Float>) {
        let (kh, kw) = (geometry.kernel.first, geometry.kernel.second)
        let (sh, sw) = (geometry.stride.first, geometry.stride.second)
        let (ph, pw) = (geometry.padding.first, geometry.padding.second)
        let (dh, dw) = (geometry.dilation.first, geometry.dilation.second)
        let (height, width) = (inputShape.height, inputShape.width)
        let outWidth = outputShape.width
        var row = columns
        for c in 0 ..< channels {
            let plane = x + c * height * width
            for ky in 0 ..< kh {
                for kx in 0 ..< kw {
                    let offsetX = kx * dw - pw
                    let (first, end) = Self.validRange(offset: offsetX, stride: sw, size: width, count: outWidth)
                    for oy in outputRows {
                        let iy = oy * sh - ph + ky * dh
                        let destination = row + (oy - outputRows.lowerBound) * outWidth
                        if iy < 0 || iy >= height {
                            destination.update(repeating: 0, count: outWidth)
                            continue
                        }
                        let source = plane + iy * width + offsetX
                        for ox in 0 ..< first { destination[ox] = 0 }
                        if sw == 1 {
                            for ox in first ..< end { destination[ox] = source[ox] }
                        } else if sw == 2 {
                            Self.copyEven(destination + first, source + 2 * first, count: end - first,
                                          readable: width - offsetX - 2 * first)
                        } else {
                            for ox in first ..< end { destination[ox] = source[ox * sw] }
                        }
                        for ox in end ..< outWidth { destination[ox] = 0 }
                    }
                    row += outputRows.count * outWidth
                }
            }
        }
    }

    /// Output columns `first ..< end` whose input column `o * stride + offset` is inside `0 ..< size`.
    @inline(__always)
    private static func validRange(offset: Int, stride: Int, size: Int, count: Int) -> (first: Int, end: Int) {
        let first = offset >= 0 ? 0 : (-offset + stride - 1) / stride
        let last = size - 1 - offset  // largest o * stride allowed
        let end = last < 0 ? 0 : last / stride + 1
        return (min(first, count), max(min(end, count), min(first, count)))
    }

    /// Output row by output row: the row is set to the bias, each kernel row adds its taps
    /// times input row segments, then the activation runs, all while the row sits in L1.
    /// (Accumulating one tap over the whole plane instead streams the plane through the cache
    /// once per tap.) For the usual 3-wide kernel the three taps of a kernel row are summed in
    /// one pass over the columns where all three are inside the input; the border columns, and
    /// other kernel widths, take one pass per tap. A 3x3 kernel whose three rows are all inside
    /// the input sums its nine taps in one pass (the output row is read and written once, not
    /// three times).
    ///
    /// With a horizontal stride s > 1 each input plane is first split into s phases (phase p
    /// holds columns p, p + s, p + 2s, ...), so input column `s * ox + o` is element `ox + q` of
    /// phase `o mod s` (q = floor(o / s)) and every tap reads contiguously; strided reads
    /// defeat vectorisation and took most of the time of the stride-2 layers.
    private func runDepthwise(_ x: UnsafeMutablePointer<Float>, _ w: UnsafePointer<Float>, _ b: UnsafePointer<Float>,
                              _ y: UnsafeMutablePointer<Float>, _ phases: UnsafeMutablePointer<Float>) {
        let (kh, kw) = (geometry.kernel.first, geometry.kernel.second)
        let (sh, sw) = (geometry.stride.first, geometry.stride.second)
        let (ph, dh) = (geometry.padding.first, geometry.dilation.first)
        let (height, width) = (inputShape.height, inputShape.width)
        let (outHeight, outWidth) = (outputShape.height, outputShape.width)
        let phaseWidth = self.phaseWidth, phaseSize = height * phaseWidth
        let rowPitch = sw == 1 ? width : phaseWidth
        let (fusedStart, fusedEnd) = (interiorColumns.lowerBound, interiorColumns.upperBound)
        let fuseThreeTaps = kw == 3 && !interiorColumns.isEmpty
        let fuseNineTaps = fuseThreeTaps && kh == 3
        for c in 0 ..< geometry.outChannels {
            var rows = x + c * inputShape.planeSize
            if sw == 2 {
                for iy in 0 ..< height {
                    Self.splitEvenOdd(rows + iy * width, count: width,
                                      even: phases + iy * phaseWidth, odd: phases + phaseSize + iy * phaseWidth)
                }
                rows = phases
            } else if sw > 1 {
                for phase in 0 ..< sw {
                    let count = (width - phase + sw - 1) / sw
                    for iy in 0 ..< height {
                        let source = rows + iy * width + phase, destination = phases + phase * phaseSize + iy * phaseWidth
                        for j in 0 ..< count { destination[j] = source[j * sw] }
                    }
                }
                rows = phases
            }
            let outPlane = y + c * outputShape.planeSize
            let filter = w + c * kh * kw
            for oy in 0 ..< outHeight {
                let destination = outPlane + oy * outWidth
                destination.update(repeating: b[c], count: outWidth)
                let topRow = oy * sh - ph
                if fuseNineTaps, topRow >= 0, topRow + 2 * dh < height {
                    // All three kernel rows inside the input: the border columns tap by tap,
                    // then the interior in one pass over the nine taps. Each output sums
                    // its taps in the same order as the row-by-row loop below.
                    for ky in 0 ..< 3 {
                        let sourceRow = rows + (topRow + ky * dh) * rowPitch
                        for kx in 0 ..< 3 {
                            let (first, end) = tapColumns[kx]
                            Self.accumulate(destination, sourceRow + tapOffsets[kx], filter[ky * 3 + kx],
                                            first ..< end, outside: interiorColumns)
                        }
                    }
                    let r0 = rows + topRow * rowPitch, r1 = r0 + dh * rowPitch, r2 = r1 + dh * rowPitch
                    let (o0, o1, o2) = (tapOffsets[0], tapOffsets[1], tapOffsets[2])
                    let (a0, a1, a2) = (r0 + o0, r0 + o1, r0 + o2)
                    let (b0, b1, b2) = (r1 + o0, r1 + o1, r1 + o2)
                    let (c0, c1, c2) = (r2 + o0, r2 + o1, r2 + o2)
                    let (f0, f1, f2, f3, f4) = (filter[0], filter[1], filter[2], filter[3], filter[4])
                    let (f5, f6, f7, f8) = (filter[5], filter[6], filter[7], filter[8])
                    for ox in fusedStart ..< fusedEnd {
                        var value = destination[ox]
                        value += f0 * a0[ox] + f1 * a1[ox] + f2 * a2[ox]
                        value += f3 * b0[ox] + f4 * b1[ox] + f5 * b2[ox]
                        value += f6 * c0[ox] + f7 * c1[ox] + f8 * c2[ox]
                        destination[ox] = value
                    }
                    activation?.apply(destination, count: outWidth)
                    continue
                }
                for ky in 0 ..< kh {
                    let iy = oy * sh - ph + ky * dh
                    if iy < 0 || iy >= height { continue }
                    let sourceRow = rows + iy * rowPitch
                    let taps = filter + ky * kw
                    for kx in 0 ..< kw {
                        let (first, end) = tapColumns[kx]
                        let source = sourceRow + tapOffsets[kx]
                        if fuseThreeTaps {
                            Self.accumulate(destination, source, taps[kx], first ..< end, outside: interiorColumns)
                        } else {
                            Self.accumulate(destination, source, taps[kx], first ..< end)
                        }
                    }
                    if fuseThreeTaps {
                        let (t0, t1, t2) = (taps[0], taps[1], taps[2])
                        let s0 = sourceRow + tapOffsets[0], s1 = sourceRow + tapOffsets[1], s2 = sourceRow + tapOffsets[2]
                        for ox in fusedStart ..< fusedEnd { destination[ox] += t0 * s0[ox] + t1 * s1[ox] + t2 * s2[ox] }
                    }
                }
                activation?.apply(destination, count: outWidth)
            }
        }
    }

    /// `destination[j] = source[2 * j]` for `j < count`, eight at a time (a strided scalar loop
    /// does not vectorise). `readable`: floats that may be read from `source` on.
    @inline(__always)
    static func copyEven(_ destination: UnsafeMutablePointer<Float>, _ source: UnsafePointer<Float>, count: Int, readable: Int) {
        var j = 0
        let raw = UnsafeRawPointer(source)
        while j + 8 <= count, 2 * j + 16 <= readable {
            let values = raw.loadUnaligned(fromByteOffset: 8 * j, as: SIMD16<Float>.self)
            UnsafeMutableRawPointer(destination + j).storeBytes(of: values.evenHalf, as: SIMD8<Float>.self)
            j += 8
        }
        while j < count { destination[j] = source[2 * j]; j += 1 }
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

    /// `accumulate` over the part of `columns` before `interior` and the part after it (the
    /// border columns of a fused kernel row, whose interior is summed in one pass).
    @inline(__always)
    private static func accumulate(_ destination: UnsafeMutablePointer<Float>, _ source: UnsafeMutablePointer<Float>, _ tap: Float,
                                   _ columns: Range<Int>, outside interior: Range<Int>) {
        accumulate(destination, source, tap, columns.lowerBound ..< min(columns.upperBound, interior.lowerBound))
        accumulate(destination, source, tap, max(columns.lowerBound, interior.upperBound) ..< columns.upperBound)
    }

    /// `destination[ox] += tap * source[ox]` over `columns`.
    @inline(__always)
    private static func accumulate(_ destination: UnsafeMutablePointer<Float>, _ source: UnsafeMutablePointer<Float>, _ tap: Float,
                                   _ columns: Range<Int>) {
        for ox in columns { destination[ox] += tap * source[ox] }
    }

    /// `c += a * b` (row major; `a` is `rows` x `depth`, `b` is `depth` x `columns`).
    @inline(__always)
    private func gemm(rows: Int, columns: Int, depth: Int, a: UnsafePointer<Float>, b: UnsafePointer<Float>, bStride: Int,
                      c: UnsafeMutablePointer<Float>, cStride: Int) {
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, Int32(rows), Int32(columns), Int32(depth),
                    1, a, Int32(depth), b, Int32(bStride), 1, c, Int32(cStride))
    }
}
