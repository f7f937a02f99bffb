import Foundation

/// The detector's input: the frame letterboxed into the network input, shrunk by area
/// averaging (or block means and halving where the factor allows), normalised.
extension PlateDetector {
    /// Writes the letterboxed, normalised frame into the network input (docs/model-format.md,
    /// "Detector letterbox"). Returns the horizontal and vertical scale from image to input.
    func prepareInput(_ image: RGBImage, network: Network) -> (Double, Double) {
        let input = network.inputShape
        let scale = min(Double(input.width) / Double(image.width), Double(input.height) / Double(image.height))
        let (fittedWidth, fittedHeight) = Self.fittedSize(of: image, in: input)
        let scaleX = Double(fittedWidth) / Double(image.width), scaleY = Double(fittedHeight) / Double(image.height)
        if scale < 1 {
            prepareShrunkInput(image, network: network, fittedWidth: fittedWidth, fittedHeight: fittedHeight)
            return (scaleX, scaleY)
        }

        columnLeft.removeAll(keepingCapacity: true)
        columnRight.removeAll(keepingCapacity: true)
        columnWeight.removeAll(keepingCapacity: true)
        for x in 0 ..< fittedWidth {
            let source = min(max((Double(x) + 0.5) / scaleX - 0.5, 0), Double(image.width - 1))
            let left = Int(source)
            columnLeft.append(left * 3)
            columnRight.append(min(left + 1, image.width - 1) * 3)
            columnWeight.append(Float(source - Double(left)))
        }
        let affine = letterboxAffine(network)
        let width = image.width
        network.withInput { tensor in
            image.pixels.withUnsafeBufferPointer { pixels in
                columnLeft.withUnsafeBufferPointer { left in
                    columnRight.withUnsafeBufferPointer { right in
                        columnWeight.withUnsafeBufferPointer { weight in
                            for channel in 0 ..< 3 {
                                let gain = affine.gain[channel], offset = affine.offset[channel], padding = affine.padding[channel]
                                let plane = tensor.baseAddress! + channel * input.planeSize
                                for y in 0 ..< input.height {
                                    let row = plane + y * input.width
                                    guard y < fittedHeight else {
                                        row.update(repeating: padding, count: input.width)
                                        continue
                                    }
                                    let sourceY = min(max((Double(y) + 0.5) / scaleY - 0.5, 0), Double(image.height - 1))
                                    let top = Int(sourceY), bottom = min(Int(sourceY) + 1, image.height - 1)
                                    let fy = Float(sourceY - Double(top))
                                    let topRow = top * width * 3 + channel, bottomRow = bottom * width * 3 + channel
                                    for x in 0 ..< fittedWidth {
                                        let fx = weight[x]
                                        let upper = Float(pixels[topRow + left[x]]) * (1 - fx) + Float(pixels[topRow + right[x]]) * fx
                                        let lower = Float(pixels[bottomRow + left[x]]) * (1 - fx) + Float(pixels[bottomRow + right[x]]) * fx
                                        row[x] = (upper * (1 - fy) + lower * fy) * gain + offset
                                    }
                                    for x in fittedWidth ..< input.width { row[x] = padding }
                                }
                            }
                        }
                    }
                }
            }
        }
        return (scaleX, scaleY)
    }

    /// The letterbox sizes of `image` in `input`: scale `min(W / w, H / h)`, rounded, at least 1.
    static func fittedSize(of image: RGBImage, in input: TensorShape) -> (width: Int, height: Int) {
        let scale = min(Double(input.width) / Double(image.width), Double(input.height) / Double(image.height))
        return (min(max(Int((Double(image.width) * scale).rounded()), 1), input.width),
                min(max(Int((Double(image.height) * scale).rounded()), 1), input.height))
    }

    /// Letterboxes `image` into `network` by area-shrinking the letterboxed content already in
    /// `source`'s input (normalisation is per-channel affine, so it commutes with averaging).
    /// Returns the scale from image to `network`'s input, as `prepareInput(_:network:)`.
    func prepareInput(_ image: RGBImage, network: Network, from source: Network) -> (Double, Double) {
        let input = network.inputShape, sourceShape = source.inputShape
        let fitted = Self.fittedSize(of: image, in: input), sourceFitted = Self.fittedSize(of: image, in: sourceShape)
        guard fitted.width <= sourceFitted.width, fitted.height <= sourceFitted.height else {
            return prepareInput(image, network: network)
        }
        // Rows first, as `prepareShrunkInput`: whole source rows summed (contiguous floats),
        // then the columns of that one row.
        Self.fillAreaTable(&horizontalArea, source: sourceFitted.width, destination: fitted.width)
        Self.fillAreaTable(&verticalArea, source: sourceFitted.height, destination: fitted.height)
        if shrinkBuffer.count < sourceFitted.width { shrinkBuffer = [Float](repeating: 0, count: sourceFitted.width) }
        // The source is normalised already: no gain, and the padding as the letterbox's.
        let padding = letterboxAffine(network).padding
        let sourceWidth = sourceFitted.width
        network.withInput { tensor in
            shrinkBuffer.withUnsafeMutableBufferPointer { buffer in
                let row = buffer.baseAddress!
                source.withInput { from in
                    verticalArea.withTable { rowStarts, sourceRows, rowWeights in
                        horizontalArea.withTable { starts, sources, weights in
                            for channel in 0 ..< 3 {
                                let sourcePlane = from.baseAddress! + channel * sourceShape.planeSize
                                let plane = tensor.baseAddress! + channel * input.planeSize
                                for y in 0 ..< fitted.height {
                                    let first = rowStarts[y]
                                    var sourceRow = sourcePlane + sourceRows[first] * sourceShape.width
                                    var w = rowWeights[first]
                                    for i in 0 ..< sourceWidth { row[i] = sourceRow[i] * w }
                                    for entry in first + 1 ..< rowStarts[y + 1] {
                                        sourceRow = sourcePlane + sourceRows[entry] * sourceShape.width
                                        w = rowWeights[entry]
                                        for i in 0 ..< sourceWidth { row[i] += sourceRow[i] * w }
                                    }
                                    let out = plane + y * input.width
                                    for x in 0 ..< fitted.width {
                                        var sum: Float = 0
                                        for entry in starts[x] ..< starts[x + 1] { sum += row[sources[entry]] * weights[entry] }
                                        out[x] = sum
                                    }
                                    (out + fitted.width).update(repeating: padding[channel], count: input.width - fitted.width)
                                }
                                (plane + fitted.height * input.width).update(repeating: padding[channel],
                                                                             count: (input.height - fitted.height) * input.width)
                            }
                        }
                    }
                }
            }
        }
        return (Double(fitted.width) / Double(image.width), Double(fitted.height) / Double(image.height))
    }

    /// Downscaling uses area averaging (`cv2.INTER_AREA`), as the training letterbox does:
    /// bilinear sampling would alias a 1080p frame shrunk three times.
    private func prepareShrunkInput(_ image: RGBImage, network: Network, fittedWidth: Int, fittedHeight: Int) {
        if image.width == 2 * fittedWidth, image.height == 2 * fittedHeight {
            prepareHalvedInput(image, network: network)
            return
        }
        let factor = image.width / fittedWidth
        if factor > 2, image.width == factor * fittedWidth, image.height == factor * fittedHeight {
            prepareBlockInput(image, network: network, factor: factor)
            return
        }
        // Rows first: each input row is a weighted sum of whole source rows (contiguous bytes,
        // vectorised), then its columns are summed along the row. Every source byte is read
        // about once, and the gathers run on the already shrunk row.
        Self.fillAreaTable(&horizontalArea, source: image.width, destination: fittedWidth)
        Self.fillAreaTable(&verticalArea, source: image.height, destination: fittedHeight)
        let sourceRowLength = image.width * 3
        if shrinkBuffer.count < sourceRowLength { shrinkBuffer = [Float](repeating: 0, count: sourceRowLength) }
        let (gain, offset, padding) = letterboxAffine(network)
        let input = network.inputShape
        network.withInput { tensor in
            let planes = (tensor.baseAddress!, tensor.baseAddress! + input.planeSize, tensor.baseAddress! + 2 * input.planeSize)
            shrinkBuffer.withUnsafeMutableBufferPointer { buffer in
                let row = buffer.baseAddress!
                image.pixels.withUnsafeBufferPointer { pixels in
                    verticalArea.withTable { rowStarts, sourceRows, rowWeights in
                        horizontalArea.withTable { starts, sources, weights in
                            for y in 0 ..< fittedHeight {
                                let first = rowStarts[y]
                                var source = pixels.baseAddress! + sourceRows[first] * sourceRowLength
                                var w = rowWeights[first]
                                for i in 0 ..< sourceRowLength { row[i] = Float(source[i]) * w }
                                for entry in first + 1 ..< rowStarts[y + 1] {
                                    source = pixels.baseAddress! + sourceRows[entry] * sourceRowLength
                                    w = rowWeights[entry]
                                    for i in 0 ..< sourceRowLength { row[i] += Float(source[i]) * w }
                                }
                                let at = y * input.width
                                for x in 0 ..< fittedWidth {
                                    var r: Float = 0, g: Float = 0, b: Float = 0
                                    for entry in starts[x] ..< starts[x + 1] {
                                        let i = sources[entry] * 3, w = weights[entry]
                                        r += row[i] * w
                                        g += row[i + 1] * w
                                        b += row[i + 2] * w
                                    }
                                    planes.0[at + x] = r * gain[0] + offset[0]
                                    planes.1[at + x] = g * gain[1] + offset[1]
                                    planes.2[at + x] = b * gain[2] + offset[2]
                                }
                                Self.pad(planes.0 + at, planes.1 + at, planes.2 + at, columns: fittedWidth ..< input.width, with: padding)
                            }
                        }
                    }
                }
            }
            // The rows under the content, as one run of each plane.
            let at = fittedHeight * input.width
            Self.pad(planes.0 + at, planes.1 + at, planes.2 + at, columns: 0 ..< (input.height - fittedHeight) * input.width, with: padding)
        }
    }

    /// Area-halving (1280x720 into 640x360, 1920x1080 into 960x540): each input pixel is the
    /// sum of a 2x2 block over 4, the value the general two-pass area shrink computes (its
    /// weights are halves, exact on 0–255 values), in one pass that sums bytes as integers
    /// and writes the three planes directly. The general path's per-entry table loops cost
    /// about three times as much.
    private func prepareHalvedInput(_ image: RGBImage, network: Network) {
        let input = network.inputShape
        let (fittedWidth, fittedHeight) = (image.width / 2, image.height / 2)
        let (gain, offset, padding) = letterboxAffine(network)
        let quarterGain = gain * 0.25  // exact: (sum / 4) * gain rounds once either way
        let rowBytes = image.width * 3
        network.withInput { tensor in
            image.pixels.withUnsafeBufferPointer { pixels in
                let red = tensor.baseAddress!, green = red + input.planeSize, blue = green + input.planeSize
                for y in 0 ..< input.height {
                    let start = y * input.width
                    guard y < fittedHeight else {
                        Self.pad(red + start, green + start, blue + start, columns: 0 ..< input.width, with: padding)
                        continue
                    }
                    let top = pixels.baseAddress! + 2 * y * rowBytes, bottom = top + rowBytes
                    let (r, g, b) = (red + start, green + start, blue + start)
                    for x in 0 ..< fittedWidth {
                        let i = 6 * x
                        let sumR = UInt16(top[i]) &+ UInt16(top[i + 3]) &+ UInt16(bottom[i]) &+ UInt16(bottom[i + 3])
                        let sumG = UInt16(top[i + 1]) &+ UInt16(top[i + 4]) &+ UInt16(bottom[i + 1]) &+ UInt16(bottom[i + 4])
                        let sumB = UInt16(top[i + 2]) &+ UInt16(top[i + 5]) &+ UInt16(bottom[i + 2]) &+ UInt16(bottom[i + 5])
                        r[x] = Float(sumR) * quarterGain.x + offset.x
                        g[x] = Float(sumG) * quarterGain.y + offset.y
                        b[x] = Float(sumB) * quarterGain.z + offset.z
                    }
                    Self.pad(r, g, b, columns: fittedWidth ..< input.width, with: padding)
                }
            }
        }
    }

    /// Area shrink by a whole factor k > 2 (3840x2160 into 960x540, k = 4): each input pixel
    /// is the mean of a k×k block, what the general two-pass shrink computes (every weight
    /// 1/k), summed as integers a block row at a time, without the general path's per-entry
    /// table loops: the engine takes about 5 ms less per 4K frame (64 -> 59 ms, one core).
    private func prepareBlockInput(_ image: RGBImage, network: Network, factor k: Int) {
        let input = network.inputShape
        let (fittedWidth, fittedHeight) = (image.width / k, image.height / k)
        let (gain, offset, padding) = letterboxAffine(network)
        let blockGain = gain * (1 / Float(k * k))
        let rowBytes = image.width * 3, sumCount = fittedWidth * 3
        if blockSums.count < sumCount { blockSums = [UInt32](repeating: 0, count: sumCount) }
        network.withInput { tensor in
            image.pixels.withUnsafeBufferPointer { pixels in
                blockSums.withUnsafeMutableBufferPointer { sums in
                    let red = tensor.baseAddress!, green = red + input.planeSize, blue = green + input.planeSize
                    for y in 0 ..< input.height {
                        let start = y * input.width
                        let (r, g, b) = (red + start, green + start, blue + start)
                        guard y < fittedHeight else {
                            Self.pad(r, g, b, columns: 0 ..< input.width, with: padding)
                            continue
                        }
                        for i in 0 ..< sumCount { sums[i] = 0 }
                        for dy in 0 ..< k {
                            let source = pixels.baseAddress! + (k * y + dy) * rowBytes
                            for x in 0 ..< fittedWidth {
                                var sumR: UInt32 = 0, sumG: UInt32 = 0, sumB: UInt32 = 0
                                let block = source + 3 * k * x
                                for dx in 0 ..< k {
                                    sumR &+= UInt32(block[3 * dx])
                                    sumG &+= UInt32(block[3 * dx + 1])
                                    sumB &+= UInt32(block[3 * dx + 2])
                                }
                                sums[3 * x] &+= sumR
                                sums[3 * x + 1] &+= sumG
                                sums[3 * x + 2] &+= sumB
                            }
                        }
                        for x in 0 ..< fittedWidth {
                            r[x] = Float(sums[3 * x]) * blockGain.x + offset.x
                            g[x] = Float(sums[3 * x + 1]) * blockGain.y + offset.y
                            b[x] = Float(sums[3 * x + 2]) * blockGain.z + offset.z
                        }
                        Self.pad(r, g, b, columns: fittedWidth ..< input.width, with: padding)
                    }
                }
            }
        }
    }

    /// Writes the letterbox padding into `columns` of one row of each of the three planes.
    @inline(__always)
    private static func pad(_ red: UnsafeMutablePointer<Float>, _ green: UnsafeMutablePointer<Float>, _ blue: UnsafeMutablePointer<Float>,
                            columns: Range<Int>, with padding: SIMD3<Float>) {
        guard !columns.isEmpty else { return }
        (red + columns.lowerBound).update(repeating: padding.x, count: columns.count)
        (green + columns.lowerBound).update(repeating: padding.y, count: columns.count)
        (blue + columns.lowerBound).update(repeating: padding.z, count: columns.count)
    }

    /// Per channel: the map from 0–255 values to the network input (`v * gain + offset`), and
    /// the letterbox padding (grey 114) in input units.
    private func letterboxAffine(_ network: Network) -> (gain: SIMD3<Float>, offset: SIMD3<Float>, padding: SIMD3<Float>) {
        let mean = network.graph.input.mean, std = network.graph.input.std
        var gain = SIMD3<Float>(), offset = SIMD3<Float>()
        for channel in 0 ..< 3 {
            gain[channel] = 1 / (255 * std[channel])
            offset[channel] = -mean[channel] / std[channel]
        }
        return (gain, offset, 114 * gain + offset)
    }

    /// Source pixels and weights of each destination pixel for area downscaling, following
    /// OpenCV's `computeResizeAreaTab` (fractional coverage at both ends of each cell).
    static func fillAreaTable(_ table: inout AreaTable, source: Int, destination: Int) {
        table.starts.removeAll(keepingCapacity: true)
        table.sources.removeAll(keepingCapacity: true)
        table.weights.removeAll(keepingCapacity: true)
        let scale = Double(source) / Double(destination)
        for d in 0 ..< destination {
            table.starts.append(table.sources.count)
            let start = Double(d) * scale, end = start + scale
            let cell = min(scale, Double(source) - start)
            var first = Int(start.rounded(.up)), last = Int(end.rounded(.down))
            last = min(last, source - 1)
            first = min(first, last)
            if Double(first) - start > 1e-3 {
                table.sources.append(first - 1)
                table.weights.append(Float((Double(first) - start) / cell))
            }
            for s in first ..< last {
                table.sources.append(s)
                table.weights.append(Float(1 / cell))
            }
            if end - Double(last) > 1e-3 {
                table.sources.append(last)
                table.weights.append(Float(min(min(end - Double(last), 1), cell) / cell))
            }
        }
        table.starts.append(table.sources.count)
    }

    /// Where a cell's eight corner offsets come from.
    enum CornerOffsets {
        /// The `geometry` output, `[8, H, W]`, computed for every cell.
        case map(UnsafeBufferPointer<Float>, planeSize: Int)
        /// The head computing it, run on the cut tensor at the cell.
        case head(PointHead, cut: UnsafeBufferPointer<Float>, shape: TensorShape)

        func at(row: Int, column: Int, width: Int) -> SIMD8<Float> {
            var offsets = SIMD8<Float>()
            switch self {
            case .map(let geometry, let plane):
                for k in 0 ..< 8 { offsets[k] = geometry[k * plane + row * width + column] }
            case .head(let head, let cut, let shape):
                head.evaluate(row: row, column: column, of: cut, shape: shape) { values in
                    for k in 0 ..< 8 { offsets[k] = values[k] }
                }
            }
            return offsets
        }
    }
}

/// Reusable lookup for area resampling: destination `i` averages `sources[starts[i] ..< starts[i + 1]]`.
struct AreaTable {
    var starts: [Int] = []
    var sources: [Int] = []
    var weights: [Float] = []

    func withTable<Result>(_ body: (UnsafeBufferPointer<Int>, UnsafeBufferPointer<Int>, UnsafeBufferPointer<Float>) -> Result) -> Result {
        starts.withUnsafeBufferPointer { s in sources.withUnsafeBufferPointer { i in weights.withUnsafeBufferPointer { w in body(s, i, w) } } }
    }
}
