import Foundation

/// Depthwise convs (`Kernel.depthwise`): one filter per channel, no GEMM.
extension Conv2DStep {
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
    func runDepthwise(_ x: UnsafeMutablePointer<Float>, _ w: UnsafePointer<Float>, _ b: UnsafePointer<Float>,
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
    func runUnstrided3x3(_ x: UnsafeMutablePointer<Float>, _ w: UnsafePointer<Float>, _ b: UnsafePointer<Float>,
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
    func runHalving3x3(_ x: UnsafeMutablePointer<Float>, _ w: UnsafePointer<Float>, _ b: UnsafePointer<Float>,
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
}
