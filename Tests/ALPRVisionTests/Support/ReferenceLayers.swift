import Foundation

// Plain loop implementations in Double, written straight from the PyTorch definitions, to
// check the optimised kernels against. Tensors are [C, H, W] flattened row-major.

struct ReferenceConv: Sendable, CustomStringConvertible {
    var inChannels: Int, outChannels: Int
    var kernelH: Int, kernelW: Int
    var strideH = 1, strideW = 1
    var padH = 0, padW = 0
    var dilationH = 1, dilationW = 1
    var groups = 1
    var height: Int, width: Int
    var hasBias = true

    var weightShape: [Int] { [outChannels, inChannels / groups, kernelH, kernelW] }
    var weightCount: Int { weightShape.reduce(1, *) }
    var outHeight: Int { (height + 2 * padH - dilationH * (kernelH - 1) - 1) / strideH + 1 }
    var outWidth: Int { (width + 2 * padW - dilationW * (kernelW - 1) - 1) / strideW + 1 }
    var description: String {
        "conv \(inChannels)->\(outChannels) k\(kernelH)x\(kernelW) s\(strideH)x\(strideW) p\(padH)x\(padW) d\(dilationH)x\(dilationW) g\(groups) on \(height)x\(width)"
    }

    func apply(_ x: [Float], weights w: [Float], bias b: [Float]?) -> [Float] {
        let inPerGroup = inChannels / groups, outPerGroup = outChannels / groups
        var y = [Float](repeating: 0, count: outChannels * outHeight * outWidth)
        for oc in 0 ..< outChannels {
            let group = oc / outPerGroup
            for oy in 0 ..< outHeight {
                for ox in 0 ..< outWidth {
                    var sum = Double(b?[oc] ?? 0)
                    for icg in 0 ..< inPerGroup {
                        let ic = group * inPerGroup + icg
                        for ky in 0 ..< kernelH {
                            for kx in 0 ..< kernelW {
                                let iy = oy * strideH - padH + ky * dilationH
                                let ix = ox * strideW - padW + kx * dilationW
                                guard iy >= 0, iy < height, ix >= 0, ix < width else { continue }
                                let weight = w[((oc * inPerGroup + icg) * kernelH + ky) * kernelW + kx]
                                sum += Double(weight) * Double(x[(ic * height + iy) * width + ix])
                            }
                        }
                    }
                    y[(oc * outHeight + oy) * outWidth + ox] = Float(sum)
                }
            }
        }
        return y
    }
}

struct ReferenceBatchNorm {
    var gamma: [Float], beta: [Float], mean: [Float], variance: [Float]
    var eps: Float = 1e-5

    init(channels: Int, random: inout SeededRandom) {
        gamma = random.floats(channels, in: 0.5 ... 1.5)
        beta = random.floats(channels)
        mean = random.floats(channels)
        variance = random.floats(channels, in: 0.2 ... 2)
    }

    func apply(_ x: [Float], planeSize: Int) -> [Float] {
        x.enumerated().map { index, value in
            let c = index / planeSize
            return Float((Double(value) - Double(mean[c])) / (Double(variance[c]) + Double(eps)).squareRoot()
                * Double(gamma[c]) + Double(beta[c]))
        }
    }
}

enum ReferenceActivation: String, CaseIterable, Sendable {
    case relu, relu6, leaky_relu, sigmoid, tanh, hardswish, silu

    func apply(_ x: Float, slope: Double = 0.1) -> Float {
        let v = Double(x)
        let result: Double = switch self {
        case .relu: max(v, 0)
        case .relu6: min(max(v, 0), 6)
        case .leaky_relu: v >= 0 ? v : v * slope
        case .sigmoid: 1 / (1 + Foundation.exp(-v))
        case .tanh: Foundation.tanh(v)
        case .hardswish: v <= -3 ? 0 : v >= 3 ? v : v * (v + 3) / 6
        case .silu: v / (1 + Foundation.exp(-v))
        }
        return Float(result)
    }
}

struct ReferencePool: Sendable, CustomStringConvertible {
    var kernelH: Int, kernelW: Int, strideH: Int, strideW: Int, padH: Int, padW: Int
    var channels: Int, height: Int, width: Int

    var outHeight: Int { (height + 2 * padH - kernelH) / strideH + 1 }
    var outWidth: Int { (width + 2 * padW - kernelW) / strideW + 1 }
    var description: String { "pool k\(kernelH)x\(kernelW) s\(strideH)x\(strideW) p\(padH)x\(padW) on \(channels)x\(height)x\(width)" }

    /// `max == false` is average pooling with padding counted (PyTorch's default).
    func apply(_ x: [Float], max isMax: Bool) -> [Float] {
        var y: [Float] = []
        for c in 0 ..< channels {
            for oy in 0 ..< outHeight {
                for ox in 0 ..< outWidth {
                    var best = -Double.infinity, sum = 0.0
                    for ky in 0 ..< kernelH {
                        for kx in 0 ..< kernelW {
                            let iy = oy * strideH - padH + ky, ix = ox * strideW - padW + kx
                            guard iy >= 0, iy < height, ix >= 0, ix < width else { continue }
                            let v = Double(x[(c * height + iy) * width + ix])
                            best = Swift.max(best, v)
                            sum += v
                        }
                    }
                    y.append(Float(isMax ? best : sum / Double(kernelH * kernelW)))
                }
            }
        }
        return y
    }
}

func referenceUpsample(_ x: [Float], channels: Int, height: Int, width: Int, factor: Int) -> [Float] {
    var y: [Float] = []
    for c in 0 ..< channels {
        for oy in 0 ..< height * factor {
            for ox in 0 ..< width * factor { y.append(x[(c * height + oy / factor) * width + ox / factor]) }
        }
    }
    return y
}

func referenceLinear(_ x: [Float], weights: [Float], bias: [Float]?, inFeatures: Int, outFeatures: Int) -> [Float] {
    (0 ..< outFeatures).map { o in
        var sum = Double(bias?[o] ?? 0)
        for i in 0 ..< inFeatures { sum += Double(weights[o * inFeatures + i]) * Double(x[i]) }
        return Float(sum)
    }
}

func referenceChannelSoftmax(_ x: [Float], channels: Int, planeSize: Int) -> [Float] {
    var y = x
    for p in 0 ..< planeSize {
        let values = (0 ..< channels).map { Double(x[$0 * planeSize + p]) }
        let total = values.map { Foundation.exp($0) }.reduce(0, +)
        for c in 0 ..< channels { y[c * planeSize + p] = Float(Foundation.exp(values[c]) / total) }
    }
    return y
}
