import Testing
@testable import ALPRVision

@Suite("Layers other than convolution against the reference")
struct LayerTests {
    @Test("activation matches its definition", arguments: ReferenceActivation.allCases)
    func activation(kind: ReferenceActivation) throws {
        var random = SeededRandom(seed: 11)
        // Include the kinks and saturation points of every function.
        var x = random.floats(2 * 5 * 7, in: -8 ... 8)
        x.replaceSubrange(0 ..< 8, with: [0, -3, 3, 6, -6, 1e-7, -1e-7, 20])
        var graph = TestGraph(channels: 2, height: 5, width: 7)
        graph.node("a", kind.rawValue, ["input"], kind == .leaky_relu ? ["negative_slope": 0.1] : [:])
        graph.outputs = ["a"]
        let actual = try #require(try graph.load()(x)["a"])
        let expected = x.map { kind.apply($0) }
        expectClose(actual, expected, tolerance: 1e-5)
    }

    static let pools: [ReferencePool] = [
        ReferencePool(kernelH: 2, kernelW: 2, strideH: 2, strideW: 2, padH: 0, padW: 0, channels: 3, height: 8, width: 6),
        ReferencePool(kernelH: 3, kernelW: 3, strideH: 2, strideW: 2, padH: 1, padW: 1, channels: 2, height: 9, width: 7),
        ReferencePool(kernelH: 3, kernelW: 2, strideH: 1, strideW: 2, padH: 1, padW: 1, channels: 2, height: 5, width: 5),
        ReferencePool(kernelH: 2, kernelW: 2, strideH: 2, strideW: 2, padH: 0, padW: 0, channels: 1, height: 7, width: 5),
        // Windows that tile the input (MaxPoolStep.isTiled): 1-wide, 1-high, 3x3 with leftovers.
        ReferencePool(kernelH: 2, kernelW: 1, strideH: 2, strideW: 1, padH: 0, padW: 0, channels: 2, height: 9, width: 6),
        ReferencePool(kernelH: 1, kernelW: 2, strideH: 1, strideW: 2, padH: 0, padW: 0, channels: 2, height: 4, width: 7),
        ReferencePool(kernelH: 3, kernelW: 3, strideH: 3, strideW: 3, padH: 0, padW: 0, channels: 2, height: 10, width: 11),
        // Rows wide enough for the vector paths (MaxPoolStep.max2x2, maxInPlace), with leftovers.
        ReferencePool(kernelH: 2, kernelW: 2, strideH: 2, strideW: 2, padH: 0, padW: 0, channels: 2, height: 5, width: 37),
        ReferencePool(kernelH: 2, kernelW: 1, strideH: 2, strideW: 1, padH: 0, padW: 0, channels: 2, height: 6, width: 21),
    ]

    @Test("max and average pooling match the naive loop", arguments: pools)
    func pooling(pool: ReferencePool) throws {
        var random = SeededRandom(seed: 12)
        // All-negative inputs make sure padding never wins a max.
        let x = random.floats(pool.channels * pool.height * pool.width, in: -2 ... -0.1)
        for (op, isMax) in [("maxpool2d", true), ("avgpool2d", false)] {
            var graph = TestGraph(channels: pool.channels, height: pool.height, width: pool.width)
            graph.node("p", op, ["input"], ["kernel": [pool.kernelH, pool.kernelW], "stride": [pool.strideH, pool.strideW],
                                           "padding": [pool.padH, pool.padW]])
            graph.outputs = ["p"]
            let network = try graph.load()
            #expect(network.outputShapes["p"] == TensorShape(channels: pool.channels, height: pool.outHeight, width: pool.outWidth))
            let actual = try #require(try network(x)["p"])
            expectClose(actual, pool.apply(x, max: isMax))
        }
    }

    @Test("global average pool, upsample, concat, add, flatten, linear and softmax")
    func tensorOps() throws {
        var random = SeededRandom(seed: 13)
        let (c, h, w) = (3, 5, 3)
        let x = random.floats(c * h * w)
        let linearWeights = random.floats(4 * c * h * w), linearBias = random.floats(4)
        var graph = TestGraph(channels: c, height: h, width: w)
        graph.node("gap", "global_avgpool", ["input"])
        graph.node("up", "upsample_nearest", ["input"], ["scale": 2])
        graph.node("cat", "concat", ["input", "input"], ["axis": 1])
        graph.node("sum", "add", ["input", "input"])
        graph.node("flat", "flatten", ["input"])
        graph.tensor("fc.weight", [4, c * h * w], linearWeights)
        graph.tensor("fc.bias", [4], linearBias)
        graph.node("fc", "linear", ["flat"], ["in_features": c * h * w, "out_features": 4, "weight": "fc.weight", "bias": "fc.bias"])
        graph.node("prob", "softmax", ["input"], ["axis": 1])
        graph.node("fcprob", "softmax", ["fc"], ["axis": 1])
        graph.outputs = ["gap", "up", "cat", "sum", "flat", "fc", "prob", "fcprob"]
        let outputs = try graph.load()(x)

        let means = (0 ..< c).map { ch in x[(ch * h * w) ..< ((ch + 1) * h * w)].reduce(0, +) / Float(h * w) }
        expectClose(try #require(outputs["gap"]), means)
        #expect(try #require(outputs["up"]) == referenceUpsample(x, channels: c, height: h, width: w, factor: 2))
        #expect(try #require(outputs["cat"]) == x + x)
        #expect(try #require(outputs["sum"]) == x.map { $0 + $0 })
        #expect(try #require(outputs["flat"]) == x)
        let fc = referenceLinear(x, weights: linearWeights, bias: linearBias, inFeatures: c * h * w, outFeatures: 4)
        expectClose(try #require(outputs["fc"]), fc)
        expectClose(try #require(outputs["prob"]), referenceChannelSoftmax(x, channels: c, planeSize: h * w), tolerance: 1e-5)
        expectClose(try #require(outputs["fcprob"]), referenceChannelSoftmax(fc, channels: 4, planeSize: 1), tolerance: 1e-5)
    }

    @Test("linear followed by an activation fuses and matches, without bias too")
    func linearActivation() throws {
        var random = SeededRandom(seed: 14)
        let x = random.floats(6)
        let weights = random.floats(3 * 6)
        var graph = TestGraph(channels: 6, height: 1, width: 1)
        graph.tensor("fc.weight", [3, 6], weights)
        graph.node("fc", "linear", ["input"], ["in_features": 6, "out_features": 3, "weight": "fc.weight"])
        graph.node("act", "tanh", ["fc"])
        graph.outputs = ["act"]
        let actual = try #require(try graph.load()(x)["act"])
        let expected = referenceLinear(x, weights: weights, bias: nil, inFeatures: 6, outFeatures: 3).map { ReferenceActivation.tanh.apply($0) }
        expectClose(actual, expected)
    }
}

extension ReferencePool: CustomTestStringConvertible {
    var testDescription: String { description }
}
