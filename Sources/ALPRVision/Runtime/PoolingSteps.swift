/// Window geometry shared by the pooling steps; output size follows PyTorch (floor mode).
struct PoolGeometry: Equatable {
    var kernel: IntPair
    var stride: IntPair
    var padding: IntPair

    func outputSize(height: Int, width: Int) -> (height: Int, width: Int) {
        ((height + 2 * padding.first - kernel.first) / stride.first + 1,
         (width + 2 * padding.second - kernel.second) / stride.second + 1)
    }
}

final class MaxPoolStep: InferenceStep {
    let geometry: PoolGeometry
    let inputShape: TensorShape, outputShape: TensorShape
    let input: Int, output: Int

    init(geometry: PoolGeometry, inputShape: TensorShape, outputShape: TensorShape, input: Int, output: Int) {
        self.geometry = geometry
        self.inputShape = inputShape
        self.outputShape = outputShape
        self.input = input
        self.output = output
    }

    /// Windows that tile the input (kernel = stride, no padding: the OCR's 2x2 and 2x1 pools)
    /// take `executeTiled`, which reads each input row once and, for 1-wide windows, runs
    /// over whole rows, without the general loop's per-output window bounds; 2x2 and 1-wide
    /// windows go eight outputs at a time.
    var isTiled: Bool { geometry.kernel == geometry.stride && geometry.padding == IntPair(0, 0) }

    func execute(buffers: UnsafePointer<UnsafeMutablePointer<Float>>, scratch: UnsafeMutablePointer<Float>) {
        if isTiled {
            executeTiled(buffers[input], buffers[output])
        } else {
            executeGeneral(buffers[input], buffers[output])
        }
    }

    private func executeTiled(_ x: UnsafeMutablePointer<Float>, _ y: UnsafeMutablePointer<Float>) {
        let (kh, kw) = (geometry.kernel.first, geometry.kernel.second)
        let width = inputShape.width, outWidth = outputShape.width
        for c in 0 ..< inputShape.channels {
            let plane = x + c * inputShape.planeSize
            let outPlane = y + c * outputShape.planeSize
            for oy in 0 ..< outputShape.height {
                let destination = outPlane + oy * outWidth
                let firstRow = plane + oy * kh * width
                if kw == 1 {
                    destination.update(from: firstRow, count: outWidth)
                    for ky in 1 ..< kh {
                        Self.maxInPlace(destination, firstRow + ky * width, count: outWidth)
                    }
                } else if kw == 2, kh == 2 {
                    Self.max2x2(destination, firstRow, firstRow + width, count: outWidth)
                } else {
                    for ky in 0 ..< kh {
                        let row = firstRow + ky * width
                        for ox in 0 ..< outWidth {
                            let window = row + ox * kw
                            var best = ky == 0 ? window[0] : max(destination[ox], window[0])
                            for kx in 1 ..< kw { best = max(best, window[kx]) }
                            destination[ox] = best
                        }
                    }
                }
            }
        }
    }

    /// `destination[i] = max(destination[i], row[i])`, eight at a time.
    @inline(__always)
    static func maxInPlace(_ destination: UnsafeMutablePointer<Float>, _ row: UnsafePointer<Float>, count: Int) {
        typealias V = SIMD8<Float>
        var i = 0
        while i + 8 <= count {
            var best = UnsafeRawPointer(destination + i).loadUnaligned(as: V.self)
            let value = UnsafeRawPointer(row + i).loadUnaligned(as: V.self)
            best.replace(with: value, where: value .> best)
            UnsafeMutableRawPointer(destination + i).storeBytes(of: best, as: V.self)
            i += 8
        }
        while i < count { destination[i] = max(destination[i], row[i]); i += 1 }
    }

    /// One output row of a 2x2 pool of stride 2 over input rows `top` and `bottom`: the two
    /// rows' maximum sixteen columns at a time, then the maximum of its even and odd columns.
    @inline(__always)
    static func max2x2(_ destination: UnsafeMutablePointer<Float>, _ top: UnsafePointer<Float>, _ bottom: UnsafePointer<Float>,
                       count: Int) {
        var ox = 0
        while ox + 8 <= count {
            var best = UnsafeRawPointer(top + 2 * ox).loadUnaligned(as: SIMD16<Float>.self)
            let other = UnsafeRawPointer(bottom + 2 * ox).loadUnaligned(as: SIMD16<Float>.self)
            best.replace(with: other, where: other .> best)
            var even = best.evenHalf
            let odd = best.oddHalf
            even.replace(with: odd, where: odd .> even)
            UnsafeMutableRawPointer(destination + ox).storeBytes(of: even, as: SIMD8<Float>.self)
            ox += 8
        }
        while ox < count {
            destination[ox] = max(max(top[2 * ox], top[2 * ox + 1]), max(bottom[2 * ox], bottom[2 * ox + 1]))
            ox += 1
        }
    }

    private func executeGeneral(_ x: UnsafeMutablePointer<Float>, _ y: UnsafeMutablePointer<Float>) {
        let (kh, kw) = (geometry.kernel.first, geometry.kernel.second)
        let (sh, sw) = (geometry.stride.first, geometry.stride.second)
        let (ph, pw) = (geometry.padding.first, geometry.padding.second)
        let (height, width) = (inputShape.height, inputShape.width)
        for c in 0 ..< inputShape.channels {
            let plane = x + c * inputShape.planeSize
            let outPlane = y + c * outputShape.planeSize
            for oy in 0 ..< outputShape.height {
                let y0 = max(oy * sh - ph, 0), y1 = min(oy * sh - ph + kh, height)
                for ox in 0 ..< outputShape.width {
                    let x0 = max(ox * sw - pw, 0), x1 = min(ox * sw - pw + kw, width)
                    // Padding never wins a max, as in PyTorch (implicit -inf).
                    var best = -Float.infinity
                    for iy in y0 ..< y1 {
                        let row = plane + iy * width
                        for ix in x0 ..< x1 { best = max(best, row[ix]) }
                    }
                    outPlane[oy * outputShape.width + ox] = best
                }
            }
        }
    }
}

/// Average pooling with `count_include_pad=True`: the divisor is always the window area.
final class AvgPoolStep: InferenceStep {
    let geometry: PoolGeometry
    let inputShape: TensorShape, outputShape: TensorShape
    let input: Int, output: Int

    init(geometry: PoolGeometry, inputShape: TensorShape, outputShape: TensorShape, input: Int, output: Int) {
        self.geometry = geometry
        self.inputShape = inputShape
        self.outputShape = outputShape
        self.input = input
        self.output = output
    }

    func execute(buffers: UnsafePointer<UnsafeMutablePointer<Float>>, scratch: UnsafeMutablePointer<Float>) {
        let x = buffers[input], y = buffers[output]
        let (kh, kw) = (geometry.kernel.first, geometry.kernel.second)
        let (sh, sw) = (geometry.stride.first, geometry.stride.second)
        let (ph, pw) = (geometry.padding.first, geometry.padding.second)
        let (height, width) = (inputShape.height, inputShape.width)
        let inverseArea = 1 / Float(kh * kw)
        for c in 0 ..< inputShape.channels {
            let plane = x + c * inputShape.planeSize
            let outPlane = y + c * outputShape.planeSize
            for oy in 0 ..< outputShape.height {
                let y0 = max(oy * sh - ph, 0), y1 = min(oy * sh - ph + kh, height)
                for ox in 0 ..< outputShape.width {
                    let x0 = max(ox * sw - pw, 0), x1 = min(ox * sw - pw + kw, width)
                    var sum: Float = 0
                    for iy in y0 ..< y1 {
                        let row = plane + iy * width
                        for ix in x0 ..< x1 { sum += row[ix] }
                    }
                    outPlane[oy * outputShape.width + ox] = sum * inverseArea
                }
            }
        }
    }
}

final class GlobalAvgPoolStep: InferenceStep {
    let inputShape: TensorShape
    let input: Int, output: Int

    init(inputShape: TensorShape, input: Int, output: Int) {
        self.inputShape = inputShape
        self.input = input
        self.output = output
    }

    func execute(buffers: UnsafePointer<UnsafeMutablePointer<Float>>, scratch: UnsafeMutablePointer<Float>) {
        let x = buffers[input], y = buffers[output]
        let plane = inputShape.planeSize
        for c in 0 ..< inputShape.channels {
            var sum: Float = 0
            let values = x + c * plane
            for i in 0 ..< plane { sum += values[i] }
            y[c] = sum / Float(plane)
        }
    }
}
