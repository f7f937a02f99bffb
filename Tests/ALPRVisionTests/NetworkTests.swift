import Foundation
import Testing
@testable import ALPRVision

@Suite("Whole networks")
struct NetworkTests {
    /// conv-bn-relu, maxpool, a residual depthwise/pointwise block, upsample, concat, then two
    /// heads (sigmoid and linear): the shapes of the real detector and OCR in miniature.
    struct SmallNetwork {
        var graph: TestGraph
        var reference: ([Float]) -> (heat: [Float], logits: [Float])
    }

    static func makeSmallNetwork(seed: UInt64) -> SmallNetwork {
        var random = SeededRandom(seed: seed)
        let (h, w) = (12, 16)
        var graph = TestGraph(channels: 3, height: h, width: w)
        graph.mean = [0.5, 0.4, 0.3]
        graph.std = [0.2, 0.25, 0.3]
        let stem = ReferenceConv(inChannels: 3, outChannels: 8, kernelH: 3, kernelW: 3, padH: 1, padW: 1, height: h, width: w)
        let stemW = random.floats(stem.weightCount), stemB = random.floats(8)
        let bn = ReferenceBatchNorm(channels: 8, random: &random)
        graph.conv("stem", "input", stem, weights: stemW, bias: stemB)
        graph.batchNorm("stem_bn", "stem", bn)
        graph.node("stem_act", "relu", ["stem_bn"])
        graph.node("pool", "maxpool2d", ["stem_act"], ["kernel": [2, 2], "stride": [2, 2], "padding": [0, 0]])
        let dw = ReferenceConv(inChannels: 8, outChannels: 8, kernelH: 3, kernelW: 3, padH: 1, padW: 1, groups: 8, height: 6, width: 8)
        let dwW = random.floats(dw.weightCount), dwB = random.floats(8)
        graph.conv("dw", "pool", dw, weights: dwW, bias: dwB)
        graph.node("dw_act", "hardswish", ["dw"])
        let pw = ReferenceConv(inChannels: 8, outChannels: 8, kernelH: 1, kernelW: 1, height: 6, width: 8)
        let pwW = random.floats(pw.weightCount), pwB = random.floats(8)
        graph.conv("pw", "dw_act", pw, weights: pwW, bias: pwB)
        graph.node("res", "add", ["pw", "pool"])
        graph.node("up", "upsample_nearest", ["res"], ["scale": 2])
        graph.node("cat", "concat", ["up", "stem_act"], ["axis": 1])
        let head = ReferenceConv(inChannels: 16, outChannels: 1, kernelH: 3, kernelW: 3, padH: 1, padW: 1, height: h, width: w)
        let headW = random.floats(head.weightCount), headB = random.floats(1)
        graph.conv("head", "cat", head, weights: headW, bias: headB)
        graph.node("heat", "sigmoid", ["head"])
        graph.node("gap", "global_avgpool", ["res"])
        graph.node("flat", "flatten", ["gap"])
        let fcW = random.floats(5 * 8), fcB = random.floats(5)
        graph.tensor("fc.weight", [5, 8], fcW)
        graph.tensor("fc.bias", [5], fcB)
        graph.node("logits", "linear", ["flat"], ["in_features": 8, "out_features": 5, "weight": "fc.weight", "bias": "fc.bias"])
        graph.outputs = ["heat", "logits"]

        let reference: ([Float]) -> (heat: [Float], logits: [Float]) = { x in
            let s = bn.apply(stem.apply(x, weights: stemW, bias: stemB), planeSize: h * w).map { max($0, 0) }
            let p = ReferencePool(kernelH: 2, kernelW: 2, strideH: 2, strideW: 2, padH: 0, padW: 0, channels: 8, height: h, width: w)
                .apply(s, max: true)
            let d = dw.apply(p, weights: dwW, bias: dwB).map { ReferenceActivation.hardswish.apply($0) }
            let r = zip(pw.apply(d, weights: pwW, bias: pwB), p).map { $0 + $1 }
            let u = referenceUpsample(r, channels: 8, height: 6, width: 8, factor: 2)
            let heat = head.apply(u + s, weights: headW, bias: headB).map { ReferenceActivation.sigmoid.apply($0) }
            let g = (0 ..< 8).map { c in r[(c * 48) ..< ((c + 1) * 48)].reduce(0, +) / 48 }
            return (heat, referenceLinear(g, weights: fcW, bias: fcB, inFeatures: 8, outFeatures: 5))
        }
        return SmallNetwork(graph: graph, reference: reference)
    }

    @Test("a small network written to files loads and matches the reference")
    func smallNetworkFromFiles() throws {
        let small = Self.makeSmallNetwork(seed: 21)
        let directory = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        try small.graph.write(to: directory)
        let network = try Network(directory: directory, name: small.graph.name)
        var random = SeededRandom(seed: 22)
        let x = random.floats(network.inputShape.count)
        let outputs = try network(x)
        let expected = small.reference(x)
        let heat = try #require(outputs["heat"]), logits = try #require(outputs["logits"])
        expectClose(heat, expected.heat)
        expectClose(logits, expected.logits)
    }

    @Test("running twice on the same input gives the same outputs (the input survives a run)")
    func runIsRepeatable() throws {
        let network = try Self.makeSmallNetwork(seed: 23).graph.load()
        var random = SeededRandom(seed: 24)
        let x = random.floats(network.inputShape.count)
        network.withInput { _ = $0.update(fromContentsOf: x) }
        network.run()
        let first = try #require(network.output("heat"))
        network.run()
        #expect(network.output("heat") == first)
        #expect(network.withInput { Array($0) } == x)
    }

    @Test("buffers are reused: a long chain needs far fewer floats than one buffer per node")
    func buffersAreReused() throws {
        var graph = TestGraph(channels: 4, height: 16, width: 16)
        let conv = ReferenceConv(inChannels: 4, outChannels: 4, kernelH: 3, kernelW: 3, padH: 1, padW: 1, height: 16, width: 16)
        var random = SeededRandom(seed: 25)
        var previous = "input"
        var expected = random.floats(4 * 16 * 16)
        let x = expected
        for index in 0 ..< 10 {
            let w = random.floats(conv.weightCount, in: -0.3 ... 0.3), b = random.floats(4)
            graph.conv("c\(index)", previous, conv, weights: w, bias: b)
            graph.node("a\(index)", "tanh", ["c\(index)"])
            previous = "a\(index)"
            expected = conv.apply(expected, weights: w, bias: b).map { ReferenceActivation.tanh.apply($0) }
        }
        graph.outputs = [previous]
        let network = try graph.load()
        let tensor = 4 * 16 * 16
        // Input, two ping-pong buffers and the scratch (the im2col matrix and the input planes
        // with their padding), instead of 21 tensors.
        #expect(network.plannedFloatCount <= 3 * tensor + 36 * 256 + 4 * 18 * 18)
        expectClose(try #require(try network(x)[previous]), expected)
    }

    @Test("an upsampling read only by an add is fused into it, either side, any factor; one read twice is not",
          arguments: [2, 3])
    func upsamplingFusesIntoAdd(factor: Int) throws {
        var random = SeededRandom(seed: 40 + UInt64(factor))
        let (h, w) = (2 * factor, 11 * factor)  // 11 source columns: the eight-wide paths and a remainder
        var graph = TestGraph(channels: 3, height: h, width: w)
        let full = ReferenceConv(inChannels: 3, outChannels: 4, kernelH: 1, kernelW: 1, height: h, width: w)
        let fullW = random.floats(full.weightCount), fullB = random.floats(4)
        graph.conv("full", "input", full, weights: fullW, bias: fullB)
        graph.node("pool", "maxpool2d", ["input"], ["kernel": [factor, factor], "stride": [factor, factor], "padding": [0, 0]])
        let small = ReferenceConv(inChannels: 3, outChannels: 4, kernelH: 1, kernelW: 1, height: 2, width: 11)
        let smallW = random.floats(small.weightCount), smallB = random.floats(4)
        graph.conv("small", "pool", small, weights: smallW, bias: smallB)
        graph.node("up1", "upsample_nearest", ["small"], ["scale": factor])
        graph.node("sum1", "add", ["up1", "full"])  // upsampling on the left
        graph.node("up2", "upsample_nearest", ["small"], ["scale": factor])
        graph.node("sum2", "add", ["sum1", "up2"])  // on the right, onto a tensor read nowhere else
        graph.node("up3", "upsample_nearest", ["small"], ["scale": factor])
        graph.node("sum3", "add", ["up3", "full"])
        graph.outputs = ["sum2", "sum3", "up3"]  // up3 is read twice: kept as it is
        let network = try graph.load()
        #expect(network.steps.filter { $0 is UpsampleAddStep }.count == 2)
        #expect(network.steps.filter { $0 is UpsampleNearestStep }.count == 1)

        let x = random.floats(3 * h * w)
        let f = full.apply(x, weights: fullW, bias: fullB)
        let pooled = ReferencePool(kernelH: factor, kernelW: factor, strideH: factor, strideW: factor, padH: 0, padW: 0,
                                   channels: 3, height: h, width: w).apply(x, max: true)
        let up = referenceUpsample(small.apply(pooled, weights: smallW, bias: smallB), channels: 4, height: 2, width: 11, factor: factor)
        let outputs = try network(x)
        expectClose(try #require(outputs["sum2"]), zip(zip(up, f).map { $0 + $1 }, up).map { $0 + $1 })
        expectClose(try #require(outputs["sum3"]), zip(up, f).map { $0 + $1 })
        expectClose(try #require(outputs["up3"]), up)
    }

    @Test("graph errors name the problem")
    func graphErrors() throws {
        var graph = TestGraph(channels: 2, height: 4, width: 4)
        graph.node("a", "relu", ["missing"])
        graph.outputs = ["a"]
        #expect(throws: VisionError.invalidGraph("node 'a' (relu): reads 'missing', which no earlier node produces")) {
            _ = try graph.load()
        } 

        var unknown = TestGraph(channels: 2, height: 4, width: 4)
        unknown.node("a", "gelu_fancy", ["input"])
        unknown.outputs = ["a"]
        #expect(throws: VisionError.invalidGraph("node 'a' (gelu_fancy): unsupported op")) { _ = try unknown.load() }

        var wrongShape = TestGraph(channels: 2, height: 4, width: 4)
        let conv = ReferenceConv(inChannels: 2, outChannels: 3, kernelH: 3, kernelW: 3, height: 4, width: 4)
        wrongShape.tensor("c.weight", [3, 2, 1, 1], [Float](repeating: 0, count: 6))
        wrongShape.node("c", "conv2d", ["input"], ["in_channels": 2, "out_channels": 3, "kernel": [3, 3], "weight": "c.weight"])
        wrongShape.outputs = ["c"]
        _ = conv
        #expect(throws: VisionError.tensorShapeMismatch(name: "c.weight", expected: [3, 2, 3, 3], actual: [3, 2, 1, 1])) {
            _ = try wrongShape.load()
        }

        var missingTensor = TestGraph(channels: 2, height: 4, width: 4)
        missingTensor.node("c", "conv2d", ["input"], ["in_channels": 2, "out_channels": 3, "kernel": [1, 1], "weight": "nope"])
        missingTensor.outputs = ["c"]
        #expect(throws: VisionError.missingTensor("nope")) { _ = try missingTensor.load() }

        #expect(throws: VisionError.self) { _ = try GraphDescription.decode(Data("{\"name\": 3}".utf8)) }
    }
}
