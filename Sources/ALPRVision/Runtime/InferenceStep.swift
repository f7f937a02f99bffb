import Foundation

/// One planned operation of a loaded network. Steps read and write buffers chosen at load
/// time (slots) and never allocate: `buffers[slot]` is the slot's storage and `scratch` is a
/// shared work area sized for the largest im2col matrix.
protocol InferenceStep: AnyObject {
    func execute(buffers: UnsafePointer<UnsafeMutablePointer<Float>>, scratch: UnsafeMutablePointer<Float>)
}

/// Per-channel scale and shift, then an optional activation: the epilogue of conv and the
/// whole of a batch norm that could not be folded.
@inline(__always)
func applyChannelEpilogue(
    _ output: UnsafeMutablePointer<Float>, channels: Int, planeSize: Int,
    scale: UnsafePointer<Float>?, shift: UnsafePointer<Float>?, activation: Activation?
) {
    if scale != nil || shift != nil {
        for channel in 0 ..< channels {
            let plane = output + channel * planeSize
            let a = scale?[channel] ?? 1
            let b = shift?[channel] ?? 0
            for i in 0 ..< planeSize { plane[i] = plane[i] * a + b }
        }
    }
    activation?.apply(output, count: channels * planeSize)
}

final class ActivationStep: InferenceStep {
    let activation: Activation
    let input: Int, output: Int, count: Int

    init(activation: Activation, input: Int, output: Int, count: Int) {
        self.activation = activation
        self.input = input
        self.output = output
        self.count = count
    }

    func execute(buffers: UnsafePointer<UnsafeMutablePointer<Float>>, scratch: UnsafeMutablePointer<Float>) {
        if input != output { buffers[output].update(from: buffers[input], count: count) }
        activation.apply(buffers[output], count: count)
    }
}

/// A batch norm that does not follow a conv: `y = x * scale[c] + shift[c]`.
final class ChannelAffineStep: InferenceStep {
    let scale: [Float], shift: [Float]
    let shape: TensorShape
    let input: Int, output: Int

    init(scale: [Float], shift: [Float], shape: TensorShape, input: Int, output: Int) {
        self.scale = scale
        self.shift = shift
        self.shape = shape
        self.input = input
        self.output = output
    }

    func execute(buffers: UnsafePointer<UnsafeMutablePointer<Float>>, scratch: UnsafeMutablePointer<Float>) {
        if input != output { buffers[output].update(from: buffers[input], count: shape.count) }
        scale.withUnsafeBufferPointer { scale in
            shift.withUnsafeBufferPointer { shift in
                applyChannelEpilogue(buffers[output], channels: shape.channels, planeSize: shape.planeSize,
                                     scale: scale.baseAddress, shift: shift.baseAddress, activation: nil)
            }
        }
    }
}

final class AddStep: InferenceStep {
    let left: Int, right: Int, output: Int, count: Int

    init(left: Int, right: Int, output: Int, count: Int) {
        self.left = left
        self.right = right
        self.output = output
        self.count = count
    }

    func execute(buffers: UnsafePointer<UnsafeMutablePointer<Float>>, scratch: UnsafeMutablePointer<Float>) {
        let a = buffers[left], b = buffers[right], y = buffers[output]
        for i in 0 ..< count { y[i] = a[i] + b[i] }
    }
}

/// Channel concatenation: NCHW planes of one input are contiguous, so each input is one copy.
final class ConcatStep: InferenceStep {
    let inputs: [(slot: Int, count: Int)]
    let output: Int

    init(inputs: [(slot: Int, count: Int)], output: Int) {
        self.inputs = inputs
        self.output = output
    }

    func execute(buffers: UnsafePointer<UnsafeMutablePointer<Float>>, scratch: UnsafeMutablePointer<Float>) {
        var destination = buffers[output]
        for input in inputs {
            destination.update(from: buffers[input.slot], count: input.count)
            destination += input.count
        }
    }
}

/// `[C, H, W]` to `[C*H*W, 1, 1]`: the memory layout is unchanged, so this is a copy at most.
final class CopyStep: InferenceStep {
    let input: Int, output: Int, count: Int

    init(input: Int, output: Int, count: Int) {
        self.input = input
        self.output = output
        self.count = count
    }

    func execute(buffers: UnsafePointer<UnsafeMutablePointer<Float>>, scratch: UnsafeMutablePointer<Float>) {
        if input != output { buffers[output].update(from: buffers[input], count: count) }
    }
}

final class UpsampleNearestStep: InferenceStep {
    let inputShape: TensorShape
    let factor: Int
    let input: Int, output: Int

    init(inputShape: TensorShape, factor: Int, input: Int, output: Int) {
        self.inputShape = inputShape
        self.factor = factor
        self.input = input
        self.output = output
    }

    func execute(buffers: UnsafePointer<UnsafeMutablePointer<Float>>, scratch: UnsafeMutablePointer<Float>) {
        let source = buffers[input], destination = buffers[output]
        let width = inputShape.width, outWidth = width * factor, outHeight = inputShape.height * factor
        // Each source row is widened once, then copied to the other rows it covers: no
        // division per element, and the copies are plain memcpy.
        for channel in 0 ..< inputShape.channels {
            let sourcePlane = source + channel * inputShape.planeSize
            let destinationPlane = destination + channel * outWidth * outHeight
            for sourceY in 0 ..< inputShape.height {
                let firstRow = destinationPlane + sourceY * factor * outWidth
                Self.widen(sourcePlane + sourceY * width, count: width, factor: factor, into: firstRow)
                for repeatIndex in 1 ..< factor { (firstRow + repeatIndex * outWidth).update(from: firstRow, count: outWidth) }
            }
        }
    }

    /// `destination[x * factor + r] = source[x]` for `x < count`, `r < factor`: one row widened,
    /// four source values at a time for the usual factor of 2.
    static func widen(_ source: UnsafePointer<Float>, count: Int, factor: Int, into destination: UnsafeMutablePointer<Float>) {
        var column = 0
        if factor == 2 {
            while column + 4 <= count {
                let v = UnsafeRawPointer(source + column).loadUnaligned(as: SIMD4<Float>.self)
                let widened = SIMD8<Float>(v[0], v[0], v[1], v[1], v[2], v[2], v[3], v[3])
                UnsafeMutableRawPointer(destination + 2 * column).storeBytes(of: widened, as: SIMD8<Float>.self)
                column += 4
            }
        }
        for column in column ..< count {
            let value = source[column]
            for repeatIndex in 0 ..< factor { destination[column * factor + repeatIndex] = value }
        }
    }
}

/// `input + upsample_nearest(source, factor)` in one pass: each row of `source` is widened
/// once into the scratch buffer (`UpsampleNearestStep.widen`), then added to the `factor` rows
/// of `input` it covers, eight at a time. The output may be `input`'s buffer
/// (each element is read before it is written).
final class UpsampleAddStep: InferenceStep {
    let sourceShape: TensorShape
    let factor: Int
    let input: Int, source: Int, output: Int

    init(sourceShape: TensorShape, factor: Int, input: Int, source: Int, output: Int) {
        self.sourceShape = sourceShape
        self.factor = factor
        self.input = input
        self.source = source
        self.output = output
    }

    /// One widened source row.
    var scratchCount: Int { sourceShape.width * factor }

    func execute(buffers: UnsafePointer<UnsafeMutablePointer<Float>>, scratch: UnsafeMutablePointer<Float>) {
        let x = buffers[input], small = buffers[source], y = buffers[output]
        let width = sourceShape.width, outWidth = width * factor, outPlane = outWidth * sourceShape.height * factor
        for channel in 0 ..< sourceShape.channels {
            for sourceY in 0 ..< sourceShape.height {
                UpsampleNearestStep.widen(small + channel * sourceShape.planeSize + sourceY * width, count: width,
                                          factor: factor, into: scratch)
                for repeatIndex in 0 ..< factor {
                    let offset = channel * outPlane + (sourceY * factor + repeatIndex) * outWidth
                    let (a, b) = (x + offset, y + offset)
                    var i = 0
                    while i + 8 <= outWidth {
                        let sum = UnsafeRawPointer(a + i).loadUnaligned(as: SIMD8<Float>.self)
                            + UnsafeRawPointer(scratch + i).loadUnaligned(as: SIMD8<Float>.self)
                        UnsafeMutableRawPointer(b + i).storeBytes(of: sum, as: SIMD8<Float>.self)
                        i += 8
                    }
                    for i in i ..< outWidth { b[i] = a[i] + scratch[i] }
                }
            }
        }
    }
}

/// Softmax across channels at each spatial position (`axis == 1`).
final class ChannelSoftmaxStep: InferenceStep {
    let shape: TensorShape
    let input: Int, output: Int

    init(shape: TensorShape, input: Int, output: Int) {
        self.shape = shape
        self.input = input
        self.output = output
    }

    func execute(buffers: UnsafePointer<UnsafeMutablePointer<Float>>, scratch: UnsafeMutablePointer<Float>) {
        let x = buffers[input], y = buffers[output]
        let plane = shape.planeSize
        for position in 0 ..< plane {
            var maximum = -Float.infinity
            for c in 0 ..< shape.channels { maximum = max(maximum, x[c * plane + position]) }
            var sum: Float = 0
            for c in 0 ..< shape.channels {
                let e = expf(x[c * plane + position] - maximum)
                y[c * plane + position] = e
                sum += e
            }
            let inverse = 1 / sum
            for c in 0 ..< shape.channels { y[c * plane + position] *= inverse }
        }
    }
}
