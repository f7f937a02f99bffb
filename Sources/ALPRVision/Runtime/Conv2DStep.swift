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

/// Convolution with the bias (batch norm folded in) and activation applied in one epilogue.
///
/// Three kernels: pointwise convs multiply the input directly (`sgemm`, no im2col); depthwise
/// convs use a direct loop (a GEMM of one row per group would be all overhead); everything else
/// builds the im2col matrix in the shared scratch buffer and calls `sgemm` per group.
final class Conv2DStep: InferenceStep {
    enum Kernel { case pointwise, depthwise, im2col }

    let geometry: ConvGeometry
    let inputShape: TensorShape, outputShape: TensorShape
    let weights: [Float]  // [out, in/groups, kh, kw]
    let bias: [Float]
    let activation: Activation?
    let kernel: Kernel
    let input: Int, output: Int

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
    }

    /// Floats of scratch this step needs.
    var scratchCount: Int { kernel == .im2col ? geometry.columnRows * outputShape.planeSize : 0 }

    func execute(buffers: UnsafePointer<UnsafeMutablePointer<Float>>, scratch: UnsafeMutablePointer<Float>) {
        let x = buffers[input], y = buffers[output]
        weights.withUnsafeBufferPointer { w in
            let w = w.baseAddress!
            switch kernel {
            case .pointwise: runPointwise(x, w, y)
            case .depthwise: runDepthwise(x, w, y)
            case .im2col: runIm2col(x, w, y, scratch)
            }
        }
        bias.withUnsafeBufferPointer { b in
            applyChannelEpilogue(y, channels: outputShape.channels, planeSize: outputShape.planeSize,
                                 scale: nil, shift: b.baseAddress, activation: activation)
        }
    }

    private func runPointwise(_ x: UnsafeMutablePointer<Float>, _ w: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>) {
        let groups = geometry.groups
        let inPerGroup = geometry.inChannels / groups, outPerGroup = geometry.outChannels / groups
        let plane = outputShape.planeSize
        for group in 0 ..< groups {
            gemm(rows: outPerGroup, columns: plane, depth: inPerGroup,
                 a: w + group * outPerGroup * inPerGroup, b: x + group * inPerGroup * plane,
                 c: y + group * outPerGroup * plane)
        }
    }

    private func runIm2col(_ x: UnsafeMutablePointer<Float>, _ w: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>,
                           _ columns: UnsafeMutablePointer<Float>) {
        let groups = geometry.groups
        let inPerGroup = geometry.inChannels / groups, outPerGroup = geometry.outChannels / groups
        let depth = geometry.columnRows
        let plane = outputShape.planeSize
        for group in 0 ..< groups {
            fillColumns(x + group * inPerGroup * inputShape.planeSize, channels: inPerGroup, into: columns)
            gemm(rows: outPerGroup, columns: plane, depth: depth,
                 a: w + group * outPerGroup * depth, b: columns, c: y + group * outPerGroup * plane)
        }
    }

    /// Lays out every receptive field as a column: row `(c, ky, kx)`, column `(oy, ox)`.
    private func fillColumns(_ x: UnsafeMutablePointer<Float>, channels: Int, into columns: UnsafeMutablePointer<Float>) {
        let (kh, kw) = (geometry.kernel.first, geometry.kernel.second)
        let (sh, sw) = (geometry.stride.first, geometry.stride.second)
        let (ph, pw) = (geometry.padding.first, geometry.padding.second)
        let (dh, dw) = (geometry.dilation.first, geometry.dilation.second)
        let (height, width) = (inputShape.height, inputShape.width)
        let (outHeight, outWidth) = (outputShape.height, outputShape.width)
        var row = columns
        for c in 0 ..< channels {
            let plane = x + c * height * width
            for ky in 0 ..< kh {
                for kx in 0 ..< kw {
                    let offsetX = kx * dw - pw
                    let (first, end) = validRange(offset: offsetX, stride: sw, size: width, count: outWidth)
                    for oy in 0 ..< outHeight {
                        let iy = oy * sh - ph + ky * dh
                        let destination = row + oy * outWidth
                        if iy < 0 || iy >= height {
                            destination.update(repeating: 0, count: outWidth)
                            continue
                        }
                        let source = plane + iy * width + offsetX
                        for ox in 0 ..< first { destination[ox] = 0 }
                        if sw == 1 {
                            for ox in first ..< end { destination[ox] = source[ox] }
                        } else {
                            for ox in first ..< end { destination[ox] = source[ox * sw] }
                        }
                        for ox in end ..< outWidth { destination[ox] = 0 }
                    }
                    row += outHeight * outWidth
                }
            }
        }
    }

    /// Output columns `first ..< end` whose input column `o * stride + offset` is inside `0 ..< size`.
    @inline(__always)
    private func validRange(offset: Int, stride: Int, size: Int, count: Int) -> (Int, Int) {
        let first = offset >= 0 ? 0 : (-offset + stride - 1) / stride
        let last = size - 1 - offset  // largest o * stride allowed
        let end = last < 0 ? 0 : last / stride + 1
        return (min(first, count), max(min(end, count), min(first, count)))
    }

    private func runDepthwise(_ x: UnsafeMutablePointer<Float>, _ w: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>) {
        let (kh, kw) = (geometry.kernel.first, geometry.kernel.second)
        let (sh, sw) = (geometry.stride.first, geometry.stride.second)
        let (ph, pw) = (geometry.padding.first, geometry.padding.second)
        let (dh, dw) = (geometry.dilation.first, geometry.dilation.second)
        let (height, width) = (inputShape.height, inputShape.width)
        let (outHeight, outWidth) = (outputShape.height, outputShape.width)
        y.update(repeating: 0, count: outputShape.count)
        // Accumulate one kernel tap at a time over whole output rows: the inner loop is a
        // contiguous (for stride 1) multiply-add the compiler vectorises.
        for c in 0 ..< geometry.outChannels {
            let plane = x + c * inputShape.planeSize
            let outPlane = y + c * outputShape.planeSize
            let filter = w + c * kh * kw
            for ky in 0 ..< kh {
                for kx in 0 ..< kw {
                    let tap = filter[ky * kw + kx]
                    let offsetX = kx * dw - pw
                    let (first, end) = validRange(offset: offsetX, stride: sw, size: width, count: outWidth)
                    if first >= end { continue }
                    for oy in 0 ..< outHeight {
                        let iy = oy * sh - ph + ky * dh
                        if iy < 0 || iy >= height { continue }
                        let source = plane + iy * width + offsetX
                        let destination = outPlane + oy * outWidth
                        if sw == 1 {
                            for ox in first ..< end { destination[ox] += tap * source[ox] }
                        } else {
                            for ox in first ..< end { destination[ox] += tap * source[ox * sw] }
                        }
                    }
                }
            }
        }
    }

    @inline(__always)
    private func gemm(rows: Int, columns: Int, depth: Int, a: UnsafePointer<Float>, b: UnsafePointer<Float>,
                      c: UnsafeMutablePointer<Float>) {
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, Int32(rows), Int32(columns), Int32(depth),
                    1, a, Int32(depth), b, Int32(columns), 0, c, Int32(columns))
    }
}
