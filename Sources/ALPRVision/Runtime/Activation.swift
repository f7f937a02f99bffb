import Foundation

/// Element-wise activation functions, applied in place over a buffer.
enum Activation: Equatable {
    case relu
    case relu6
    case leakyReLU(negativeSlope: Float)
    case sigmoid
    case tanh
    case hardswish
    case silu

    init?(op: String, negativeSlope: Double?) {
        switch op {
        case "relu": self = .relu
        case "relu6": self = .relu6
        case "leaky_relu": self = .leakyReLU(negativeSlope: Float(negativeSlope ?? 0.01))
        case "sigmoid": self = .sigmoid
        case "tanh": self = .tanh
        case "hardswish": self = .hardswish
        case "silu": self = .silu
        default: return nil
        }
    }

    /// The switch sits outside the loop so each loop is a tight, vectorisable body.
    func apply(_ values: UnsafeMutablePointer<Float>, count: Int) {
        switch self {
        case .relu:
            for i in 0 ..< count { values[i] = max(values[i], 0) }
        case .relu6:
            for i in 0 ..< count { values[i] = min(max(values[i], 0), 6) }
        case .leakyReLU(let slope):
            for i in 0 ..< count { let x = values[i]; values[i] = x < 0 ? x * slope : x }
        case .sigmoid:
            for i in 0 ..< count { values[i] = 1 / (1 + expf(-values[i])) }
        case .tanh:
            for i in 0 ..< count { values[i] = tanhf(values[i]) }
        case .hardswish:
            for i in 0 ..< count { let x = values[i]; values[i] = x * min(max(x + 3, 0), 6) / 6 }
        case .silu:
            for i in 0 ..< count { let x = values[i]; values[i] = x / (1 + expf(-x)) }
        }
    }
}
