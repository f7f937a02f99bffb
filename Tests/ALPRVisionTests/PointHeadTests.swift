import Foundation
import Testing
@testable import ALPRVision

@Suite("Heads evaluated at chosen cells")
struct PointHeadTests {
    /// A shared trunk, a heatmap-like branch and a corner-like head: `kernel`×`kernel` depthwise
    /// conv (dilated) + batch norm + relu, 1×1 conv + relu, 1×1 conv to four channels.
    /// With `leading`, a 3x3 conv + relu that only the head reads comes before it (`g0`).
    static func headGraph(kernel: Int, dilation: Int, seed: UInt64, leading: Bool = false) -> TestGraph {
        var random = SeededRandom(seed: seed)
        let (h, w) = (9, 13)
        var graph = TestGraph(channels: 3, height: h, width: w)
        let stem = ReferenceConv(inChannels: 3, outChannels: 6, kernelH: 3, kernelW: 3, padH: 1, padW: 1, height: h, width: w)
        graph.conv("stem", "input", stem, weights: random.floats(stem.weightCount), bias: random.floats(6))
        graph.node("shared", "relu", ["stem"])
        let score = ReferenceConv(inChannels: 6, outChannels: 1, kernelH: 1, kernelW: 1, height: h, width: w)
        graph.conv("score", "shared", score, weights: random.floats(6), bias: random.floats(1))
        graph.node("heat", "sigmoid", ["score"])
        var headInput = "shared"
        if leading {
            let before = ReferenceConv(inChannels: 6, outChannels: 6, kernelH: 3, kernelW: 3, padH: 1, padW: 1, height: h, width: w)
            graph.conv("g0", "shared", before, weights: random.floats(before.weightCount), bias: random.floats(6))
            graph.node("g0_act", "relu", ["g0"])
            headInput = "g0_act"
        }
        let pad = dilation * (kernel - 1) / 2
        let spatial = ReferenceConv(inChannels: 6, outChannels: 6, kernelH: kernel, kernelW: kernel, padH: pad, padW: pad,
                                    dilationH: dilation, dilationW: dilation, groups: 6, height: h, width: w)
        graph.conv("g1", headInput, spatial, weights: random.floats(spatial.weightCount), bias: random.floats(6))
        graph.batchNorm("g1_bn", "g1", ReferenceBatchNorm(channels: 6, random: &random))
        graph.node("g1_act", "relu", ["g1_bn"])
        let mix = ReferenceConv(inChannels: 6, outChannels: 6, kernelH: 1, kernelW: 1, height: h, width: w)
        graph.conv("g2", "g1_act", mix, weights: random.floats(36), bias: random.floats(6))
        graph.node("g2_act", "silu", ["g2"])
        let out = ReferenceConv(inChannels: 6, outChannels: 4, kernelH: 1, kernelW: 1, height: h, width: w)
        graph.conv("corners", "g2_act", out, weights: random.floats(24), bias: random.floats(4))
        graph.outputs = ["heat", "corners"]
        return graph
    }

    @Test("a head split off the graph gives the whole network's output at every cell, borders included",
          arguments: [(3, 1, false), (3, 2, false), (5, 1, false), (1, 1, false), (3, 1, true), (1, 1, true)])
    func headMatchesWholeNetwork(kernel: Int, dilation: Int, leading: Bool) throws {
        let graph = Self.headGraph(kernel: kernel, dilation: dilation, seed: UInt64(10 * kernel + dilation), leading: leading)
        let whole = try graph.load()
        let split = try #require(whole.graph.splittingPointHead("corners"))
        // The head starts at the conv nearest the output that looks around: g1, or g0 when g1
        // is 1x1 and g0 comes before it.
        let startsAtG0 = leading && kernel == 1
        let cut = leading && !startsAtG0 ? "g0_act" : "shared"
        #expect(split.cut == cut)
        let radius = startsAtG0 ? 1 : dilation * (kernel - 1) / 2
        #expect(split.radius == (radius, radius))
        #expect(split.head.nodes.map(\.name) == (startsAtG0 ? ["g0", "g0_act"] : []) + ["g1", "g1_bn", "g1_act", "g2", "g2_act", "corners"])
        let trunk = try Network(graph: split.trunk, weights: whole.weights)
        let head = try PointHead(split, weights: whole.weights)
        #expect(head.channels == 4)
        #expect(Set(trunk.outputShapes.keys) == ["heat", cut])

        var random = SeededRandom(seed: 99)
        let input = random.floats(whole.inputShape.count, in: -1 ... 1)
        let expected = try whole(input)
        let actual = try trunk(input)
        #expect(actual["heat"] == expected["heat"])
        let reference = try #require(expected["corners"])
        let cutValues = try #require(actual[cut])
        let shape = try #require(trunk.outputShapes[cut])
        let misses = Self.mismatches(head, cut: cutValues, shape: shape, expected: reference) { actual, want in
            abs(actual - want) / max(1, abs(want)) < 1e-5
        }
        #expect(misses == 0, "\(misses) of \(reference.count) values differ from the whole network's")
    }

    /// Runs `head` at every cell of `cut` and counts its values that `agree` does not accept
    /// against `expected` (the whole output, `[C, H, W]`).
    static func mismatches(_ head: PointHead, cut: [Float], shape: TensorShape, expected: [Float],
                           agree: (_ actual: Float, _ expected: Float) -> Bool) -> Int {
        var misses = 0
        cut.withUnsafeBufferPointer { cut in
            for row in 0 ..< shape.height {
                for column in 0 ..< shape.width {
                    head.evaluate(row: row, column: column, of: cut, shape: shape) { values in
                        for k in 0 ..< head.channels where !agree(values[k], expected[k * shape.planeSize + row * shape.width + column]) {
                            misses += 1
                        }
                    }
                }
            }
        }
        return misses
    }

    @Test("heads that cannot be evaluated cell by cell are not split off")
    func unsplittable() throws {
        // A strided conv in the head.
        var strided = Self.headGraph(kernel: 3, dilation: 1, seed: 1)
        strided.nodes[4]["stride"] = [2, 2]
        #expect(try GraphDescription.decode(strided.graphJSON()).splittingPointHead("corners") == nil)
        // A strided conv later in the chain: the head starts there, and cannot be a window.
        var late = Self.headGraph(kernel: 1, dilation: 1, seed: 2)
        late.nodes[7]["kernel"] = [3, 3]
        late.nodes[7]["padding"] = [1, 1]
        late.nodes[7]["stride"] = [2, 2]
        #expect(try GraphDescription.decode(late.graphJSON()).splittingPointHead("corners") == nil)
        // Unstrided, the same conv is where the head starts; the per-cell nodes before it stay
        // in the trunk.
        late.nodes[7]["stride"] = [1, 1]
        let lateSplit = try GraphDescription.decode(late.graphJSON()).splittingPointHead("corners")
        #expect(lateSplit?.cut == "g1_act")
        #expect(lateSplit?.head.nodes.map(\.name) == ["g2", "g2_act", "corners"])
        // Padding that changes the size.
        var shrinking = Self.headGraph(kernel: 3, dilation: 1, seed: 3)
        shrinking.nodes[4]["padding"] = [0, 0]
        #expect(try GraphDescription.decode(shrinking.graphJSON()).splittingPointHead("corners") == nil)
        // An output another node reads, and a name that is not an output.
        var read = Self.headGraph(kernel: 3, dilation: 1, seed: 4)
        read.node("after", "relu", ["corners"])
        read.outputs.append("after")
        #expect(try GraphDescription.decode(read.graphJSON()).splittingPointHead("corners") == nil)
        #expect(try GraphDescription.decode(read.graphJSON()).splittingPointHead("g2") == nil)
        // A head through pooling (the cut is where the chain meets a shared tensor or a node
        // with several inputs: a concat is a cut, not a reason to refuse).
        let small = try GraphDescription.decode(NetworkTests.makeSmallNetwork(seed: 5).graph.graphJSON())
        #expect(small.splittingPointHead("logits") == nil)
        #expect(small.splittingPointHead("heat")?.cut == "cat")
    }

    @Test("the detector finds the same plates with its corner head at the peaks only")
    func detectorSameDetections() throws {
        let graph = RandomModels.detector(seed: 21)
        let sparse = try PlateDetector(network: graph.load())
        let dense = try PlateDetector(network: graph.load(), geometryAtPeaksOnly: false)
        #expect(sparse.geometryHead != nil && dense.geometryHead == nil)
        #expect(sparse.network.outputShapes["geometry"] == nil)
        for detector in [sparse, dense] { detector.threshold = 0.05; detector.coarseThreshold = 0.05 }
        var random = SeededRandom(seed: 22)
        for (width, height) in [(320, 192), (1280, 720), (500, 700)] {
            let frame = try RGBImage(width: width, height: height,
                                     pixels: (0 ..< width * height * 3).map { _ in UInt8.random(in: 0 ... 255, using: &random) })
            let (a, b) = (sparse.detect(frame), dense.detect(frame))
            #expect(!a.isEmpty)
            #expect(a.count == b.count)
            for (x, y) in zip(a, b) {
                #expect(x.score == y.score)
                for (p, q) in zip(x.corners, y.corners) { #expect(abs(p.x - q.x) < 1e-3 && abs(p.y - q.y) < 1e-3) }
            }
        }
    }

    @Test("the shipped detector's corner head, cell by cell, matches PyTorch on the golden input",
          .enabled(if: GoldenModelTests.modelExists("detector"), "Models/detector.safetensors not exported yet"))
    func shippedDetectorHead() throws {
        let detector = try PlateDetector(directory: GoldenModelTests.modelsDirectory)
        let head = try #require(detector.geometryHead, "the shipped detector's corner head should split off")
        let golden = try JSONDecoder().decode(GoldenModelTests.Golden.self,
                                              from: Data(contentsOf: GoldenModelTests.fixtures.appendingPathComponent("detector.golden.json")))
        let network = detector.network
        let pixels = try #require(Data(base64Encoded: golden.input.data_base64))
        try #require(pixels.count == network.inputShape.count)
        let plane = network.inputShape.planeSize
        let mean = network.graph.input.mean, std = network.graph.input.std
        let outputs = try network(pixels.enumerated().map { index, value in (Float(value) / 255 - mean[index / plane]) / std[index / plane] })
        let expected = try #require(golden.outputs["geometry"].flatMap { Data(base64Encoded: $0.data_base64) })
            .withUnsafeBytes { Array($0.bindMemory(to: Float.self)) }
        let cut = try #require(outputs[head.cut]), shape = try #require(network.outputShapes[head.cut])
        try #require(expected.count == 8 * shape.planeSize)
        let failures = Self.mismatches(head, cut: cut, shape: shape, expected: expected) { actual, want in
            abs(actual - want) <= golden.tolerance.absolute + golden.tolerance.relative * abs(want)
        }
        #expect(failures == 0, "\(failures) of \(expected.count) corner offsets outside PyTorch's tolerance")
    }
}
