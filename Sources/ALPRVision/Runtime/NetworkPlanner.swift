import Foundation

/// What loading produces: the steps to run and the buffers they use.
struct NetworkPlan {
    var inputShape: TensorShape
    var outputShapes: [String: TensorShape]
    var steps: [any InferenceStep]
    var bufferCapacities: [Int]
    var outputBuffers: [String: Int]
    var scratchCount: Int
}

/// Turns a graph description and its weights into a `NetworkPlan`: validates every node and
/// tensor shape, folds batch norms, fuses activations, and assigns buffers by liveness.
struct NetworkPlanner {
    enum Kind {
        case conv(ConvGeometry, weights: [Float], bias: [Float], activation: Activation?)
        case batchNorm(scale: [Float], shift: [Float])
        case activation(Activation)
        case maxPool(PoolGeometry)
        case avgPool(PoolGeometry)
        case globalAvgPool
        case upsample(Int)
        /// `inputs[0] + upsample(inputs[1], factor)`: a nearest upsampling whose only reader is
        /// an add, fused into it.
        case upsampleAdd(Int)
        case concat
        case add
        case flatten
        case linear(weights: [Float], bias: [Float]?, inFeatures: Int, outFeatures: Int, activation: Activation?)
        case softmax

        /// Element-wise ops whose output may overwrite their first input.
        var canRunInPlace: Bool {
            switch self {
            case .batchNorm, .activation, .add, .upsampleAdd, .flatten, .softmax: true
            default: false
            }
        }
    }

    struct Layer {
        var name: String
        var inputs: [String]
        var kind: Kind
        var shape: TensorShape
    }

    let graph: GraphDescription
    let weights: SafeTensorsFile

    func plan() throws -> NetworkPlan {
        let input = graph.input
        guard input.channels > 0, input.height > 0, input.width > 0 else {
            throw VisionError.invalidGraph("input size \(input.channels)x\(input.height)x\(input.width) is not positive")
        }
        guard input.mean.count == input.channels, input.std.count == input.channels, input.std.allSatisfy({ $0 != 0 }) else {
            throw VisionError.invalidGraph("input mean/std need \(input.channels) values each, std non-zero")
        }
        let inputShape = TensorShape(channels: input.channels, height: input.height, width: input.width)
        var shapes = [input.name: inputShape]
        var layers: [Layer] = []
        for node in graph.nodes {
            guard shapes[node.name] == nil else { throw VisionError.invalidGraph("node name '\(node.name)' is used twice") }
            let inputShapes = try node.inputs.map { name in
                guard let shape = shapes[name] else {
                    throw VisionError.invalidGraph("node '\(node.name)' (\(node.op)): reads '\(name)', which no earlier node produces")
                }
                return shape
            }
            let layer = try makeLayer(node, inputShapes: inputShapes)
            shapes[node.name] = layer.shape
            layers.append(layer)
        }
        var outputShapes: [String: TensorShape] = [:]
        for name in graph.outputs {
            guard let shape = shapes[name] else { throw VisionError.invalidGraph("output '\(name)' is not a node") }
            outputShapes[name] = shape
        }
        layers = fuse(layers)
        return assignBuffers(layers, inputShape: inputShape, shapes: shapes, outputShapes: outputShapes)
    }

    // MARK: - Nodes

    private func makeLayer(_ node: GraphDescription.Node, inputShapes: [TensorShape]) throws -> Layer {
        func fail(_ reason: String) -> VisionError { .invalidGraph("node '\(node.name)' (\(node.op)): \(reason)") }
        func single() throws -> TensorShape {
            guard inputShapes.count == 1 else { throw fail("expects one input, has \(inputShapes.count)") }
            return inputShapes[0]
        }
        func required<T>(_ value: T?, _ attribute: String) throws -> T {
            guard let value else { throw fail("missing '\(attribute)'") }
            return value
        }
        func layer(_ kind: Kind, _ shape: TensorShape) -> Layer {
            Layer(name: node.name, inputs: node.inputs, kind: kind, shape: shape)
        }

        switch node.op {
        case "conv2d":
            let x = try single()
            let geometry = ConvGeometry(
                inChannels: try required(node.inChannels, "in_channels"), outChannels: try required(node.outChannels, "out_channels"),
                kernel: try required(node.kernel, "kernel"), stride: node.stride ?? IntPair(1, 1),
                padding: node.padding ?? IntPair(0, 0), dilation: node.dilation ?? IntPair(1, 1), groups: node.groups ?? 1)
            guard geometry.inChannels == x.channels else { throw fail("in_channels \(geometry.inChannels) but input has \(x.channels)") }
            guard geometry.groups > 0, geometry.inChannels % geometry.groups == 0, geometry.outChannels % geometry.groups == 0 else {
                throw fail("groups \(geometry.groups) must divide in and out channels")
            }
            guard min(geometry.kernel.first, geometry.kernel.second, geometry.stride.first, geometry.stride.second,
                      geometry.dilation.first, geometry.dilation.second) > 0,
                  min(geometry.padding.first, geometry.padding.second) >= 0 else {
                throw fail("kernel, stride and dilation must be positive and padding non-negative")
            }
            let size = geometry.outputSize(height: x.height, width: x.width)
            guard size.height > 0, size.width > 0 else { throw fail("output would be empty for input \(x)") }
            let weightShape = [geometry.outChannels, geometry.inChannels / geometry.groups, geometry.kernel.first, geometry.kernel.second]
            let w = try weights.floats(try required(node.weight, "weight"), shape: weightShape)
            let b = try node.bias.map { try weights.floats($0, shape: [geometry.outChannels]) }
                ?? [Float](repeating: 0, count: geometry.outChannels)
            return layer(.conv(geometry, weights: w, bias: b, activation: nil),
                         TensorShape(channels: geometry.outChannels, height: size.height, width: size.width))

        case "batchnorm2d":
            let x = try single()
            let c = [x.channels]
            let gamma = try node.weight.map { try weights.floats($0, shape: c) } ?? [Float](repeating: 1, count: x.channels)
            let beta = try node.bias.map { try weights.floats($0, shape: c) } ?? [Float](repeating: 0, count: x.channels)
            let mean = try weights.floats(try required(node.runningMean, "running_mean"), shape: c)
            let variance = try weights.floats(try required(node.runningVar, "running_var"), shape: c)
            let eps = Float(node.eps ?? 1e-5)
            let scale = (0 ..< x.channels).map { gamma[$0] / (variance[$0] + eps).squareRoot() }
            let shift = (0 ..< x.channels).map { beta[$0] - mean[$0] * scale[$0] }
            return layer(.batchNorm(scale: scale, shift: shift), x)

        case "relu", "relu6", "leaky_relu", "sigmoid", "tanh", "hardswish", "silu":
            let x = try single()
            return layer(.activation(Activation(op: node.op, negativeSlope: node.negativeSlope)!), x)

        case "maxpool2d", "avgpool2d":
            let x = try single()
            let kernel = try required(node.kernel, "kernel")
            let geometry = PoolGeometry(kernel: kernel, stride: node.stride ?? kernel, padding: node.padding ?? IntPair(0, 0))
            guard min(kernel.first, kernel.second, geometry.stride.first, geometry.stride.second) > 0,
                  geometry.padding.first >= 0, geometry.padding.second >= 0,
                  geometry.padding.first * 2 <= kernel.first, geometry.padding.second * 2 <= kernel.second else {
                throw fail("kernel and stride must be positive, padding at most half the kernel")
            }
            let size = geometry.outputSize(height: x.height, width: x.width)
            guard size.height > 0, size.width > 0 else { throw fail("output would be empty for input \(x)") }
            let shape = TensorShape(channels: x.channels, height: size.height, width: size.width)
            return layer(node.op == "maxpool2d" ? .maxPool(geometry) : .avgPool(geometry), shape)

        case "global_avgpool":
            let x = try single()
            return layer(.globalAvgPool, TensorShape(channels: x.channels, height: 1, width: 1))

        case "upsample_nearest":
            let x = try single()
            let scale = try required(node.scale, "scale")
            guard scale >= 1, scale == scale.rounded() else { throw fail("scale must be a positive integer, got \(scale)") }
            let factor = Int(scale)
            return layer(.upsample(factor), TensorShape(channels: x.channels, height: x.height * factor, width: x.width * factor))

        case "concat":
            guard (node.axis ?? 1) == 1 else { throw fail("only axis 1 (channels) is supported") }
            guard let first = inputShapes.first else { throw fail("has no inputs") }
            guard inputShapes.allSatisfy({ $0.height == first.height && $0.width == first.width }) else {
                throw fail("inputs differ in height or width: \(inputShapes)")
            }
            return layer(.concat, TensorShape(channels: inputShapes.map(\.channels).reduce(0, +), height: first.height, width: first.width))

        case "add":
            guard inputShapes.count == 2, inputShapes[0] == inputShapes[1] else {
                throw fail("needs two inputs of the same shape, got \(inputShapes)")
            }
            return layer(.add, inputShapes[0])

        case "flatten":
            let x = try single()
            return layer(.flatten, TensorShape(channels: x.count, height: 1, width: 1))

        case "linear":
            let x = try single()
            let inFeatures = try required(node.inFeatures, "in_features")
            let outFeatures = try required(node.outFeatures, "out_features")
            guard x.count == inFeatures else { throw fail("in_features \(inFeatures) but input has \(x.count) values") }
            let w = try weights.floats(try required(node.weight, "weight"), shape: [outFeatures, inFeatures])
            let b = try node.bias.map { try weights.floats($0, shape: [outFeatures]) }
            return layer(.linear(weights: w, bias: b, inFeatures: inFeatures, outFeatures: outFeatures, activation: nil),
                         TensorShape(channels: outFeatures, height: 1, width: 1))

        case "softmax":
            let x = try single()
            guard (node.axis ?? 1) == 1 else { throw fail("only axis 1 (channels) is supported") }
            return layer(.softmax, x)

        default:
            throw fail("unsupported op")
        }
    }

    // MARK: - Fusion

    /// Folds batch norm into the conv before it and activations into the conv or linear layer
    /// before them, when that producer feeds nothing else. The fused layer takes the name of
    /// the last node it absorbed, so later references still resolve. Then a nearest upsampling
    /// read only by an add is fused into the add (`upsampleAdd`), which reads the small tensor
    /// directly instead of a written-out upsampled copy.
    private func fuse(_ input: [Layer]) -> [Layer] {
        fuseUpsamplingIntoAdds(fuseIntoProducers(input))
    }

    private func fuseUpsamplingIntoAdds(_ input: [Layer]) -> [Layer] {
        var layers = input
        var index = 0
        while index < layers.count {
            let layer = layers[index]
            // The first side of the add that is an upsampling read by nothing else.
            var fusable: (side: Int, producer: Int, factor: Int)?
            if case .add = layer.kind {
                for side in layer.inputs.indices {
                    if let producer = layers[..<index].lastIndex(where: { $0.name == layer.inputs[side] }),
                       case .upsample(let factor) = layers[producer].kind, consumerCount(layer.inputs[side], in: layers) == 1 {
                        fusable = (side, producer, factor)
                        break
                    }
                }
            }
            guard let (side, producerIndex, factor) = fusable else {
                index += 1
                continue
            }
            let other = layer.inputs[1 - side], small = layers[producerIndex].inputs[0]
            layers[index] = Layer(name: layer.name, inputs: [other, small], kind: .upsampleAdd(factor), shape: layer.shape)
            layers.remove(at: producerIndex)
        }
        return layers
    }

    /// Readers of `name`: inputs of layers, and the graph's outputs.
    private func consumerCount(_ name: String, in layers: [Layer]) -> Int {
        layers.reduce(0) { $0 + $1.inputs.filter { $0 == name }.count } + graph.outputs.filter { $0 == name }.count
    }

    private func fuseIntoProducers(_ input: [Layer]) -> [Layer] {
        var layers = input
        var index = 0
        while index < layers.count {
            let layer = layers[index]
            guard layer.inputs.count == 1,
                  let producerIndex = layers[..<index].lastIndex(where: { $0.name == layer.inputs[0] }),
                  consumerCount(layer.inputs[0], in: layers) == 1 else {
                index += 1
                continue
            }
            var producer = layers[producerIndex]
            var fused = true
            switch (producer.kind, layer.kind) {
            case (.conv(let geometry, var w, var b, nil), .batchNorm(let scale, let shift)):
                let perChannel = w.count / geometry.outChannels
                for channel in 0 ..< geometry.outChannels {
                    for i in 0 ..< perChannel { w[channel * perChannel + i] *= scale[channel] }
                    b[channel] = b[channel] * scale[channel] + shift[channel]
                }
                producer.kind = .conv(geometry, weights: w, bias: b, activation: nil)
            case (.conv(let geometry, let w, let b, nil), .activation(let activation)):
                producer.kind = .conv(geometry, weights: w, bias: b, activation: activation)
            case (.linear(let w, let b, let inFeatures, let outFeatures, nil), .activation(let activation)):
                producer.kind = .linear(weights: w, bias: b, inFeatures: inFeatures, outFeatures: outFeatures, activation: activation)
            default:
                fused = false
            }
            if fused {
                producer.name = layer.name
                layers[producerIndex] = producer
                layers.remove(at: index)
            } else {
                index += 1
            }
        }
        return layers
    }

    // MARK: - Buffers

    private func assignBuffers(_ layers: [Layer], inputShape: TensorShape, shapes: [String: TensorShape],
                               outputShapes: [String: TensorShape]) -> NetworkPlan {
        let inputName = graph.input.name
        let outputNames = Set(graph.outputs)
        var lastUse: [String: Int] = [:]
        for (index, layer) in layers.enumerated() {
            for name in layer.inputs { lastUse[name] = index }
        }
        for name in outputNames { lastUse[name] = Int.max }

        // Buffer 0 is the input and is never reused, so callers may run twice on one input.
        var capacities = [inputShape.count]
        var freeBuffers: [Int] = []
        var bufferOf = [inputName: Network.inputBuffer]
        func acquire(_ count: Int) -> Int {
            if let best = freeBuffers.filter({ capacities[$0] >= count }).min(by: { capacities[$0] < capacities[$1] })
                ?? freeBuffers.max(by: { capacities[$0] < capacities[$1] }) {
                freeBuffers.removeAll { $0 == best }
                capacities[best] = max(capacities[best], count)
                return best
            }
            capacities.append(count)
            return capacities.count - 1
        }

        var steps: [any InferenceStep] = []
        var scratchCount = 0
        for (index, layer) in layers.enumerated() {
            let inputBuffers = layer.inputs.map { bufferOf[$0]! }
            let first = layer.inputs.first
            let output: Int
            if layer.kind.canRunInPlace, let first, first != inputName, lastUse[first] == index {
                output = bufferOf[first]!
            } else {
                output = acquire(layer.shape.count)
            }
            bufferOf[layer.name] = output
            for name in Set(layer.inputs) where lastUse[name] == index && name != inputName && bufferOf[name] != output {
                freeBuffers.append(bufferOf[name]!)
            }
            if lastUse[layer.name] == nil { freeBuffers.append(output) }  // computed but never read

            let inputShapes = layer.inputs.map { shapes[$0]! }
            let step: any InferenceStep
            switch layer.kind {
            case .conv(let geometry, let w, let b, let activation):
                let conv = Conv2DStep(geometry: geometry, inputShape: inputShapes[0], outputShape: layer.shape, weights: w, bias: b,
                                      activation: activation, input: inputBuffers[0], output: output)
                scratchCount = max(scratchCount, conv.scratchCount)
                step = conv
            case .batchNorm(let scale, let shift):
                step = ChannelAffineStep(scale: scale, shift: shift, shape: layer.shape, input: inputBuffers[0], output: output)
            case .activation(let activation):
                step = ActivationStep(activation: activation, input: inputBuffers[0], output: output, count: layer.shape.count)
            case .maxPool(let geometry):
                step = MaxPoolStep(geometry: geometry, inputShape: inputShapes[0], outputShape: layer.shape, input: inputBuffers[0], output: output)
            case .avgPool(let geometry):
                step = AvgPoolStep(geometry: geometry, inputShape: inputShapes[0], outputShape: layer.shape, input: inputBuffers[0], output: output)
            case .globalAvgPool:
                step = GlobalAvgPoolStep(inputShape: inputShapes[0], input: inputBuffers[0], output: output)
            case .upsample(let factor):
                step = UpsampleNearestStep(inputShape: inputShapes[0], factor: factor, input: inputBuffers[0], output: output)
            case .upsampleAdd(let factor):
                let fused = UpsampleAddStep(sourceShape: inputShapes[1], factor: factor, input: inputBuffers[0],
                                            source: inputBuffers[1], output: output)
                scratchCount = max(scratchCount, fused.scratchCount)
                step = fused
            case .concat:
                step = ConcatStep(inputs: zip(inputBuffers, inputShapes).map { ($0, $1.count) }, output: output)
            case .add:
                step = AddStep(left: inputBuffers[0], right: inputBuffers[1], output: output, count: layer.shape.count)
            case .flatten:
                step = CopyStep(input: inputBuffers[0], output: output, count: layer.shape.count)
            case .linear(let w, let b, let inFeatures, let outFeatures, let activation):
                step = LinearStep(weights: w, bias: b, inFeatures: inFeatures, outFeatures: outFeatures, activation: activation,
                                  input: inputBuffers[0], output: output)
            case .softmax:
                step = ChannelSoftmaxStep(shape: layer.shape, input: inputBuffers[0], output: output)
            }
            steps.append(step)
        }
        var outputBuffers: [String: Int] = [:]
        for name in outputNames { outputBuffers[name] = bufferOf[name]! }
        return NetworkPlan(inputShape: inputShape, outputShapes: outputShapes, steps: steps, bufferCapacities: capacities,
                           outputBuffers: outputBuffers, scratchCount: scratchCount)
    }
}
