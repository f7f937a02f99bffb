import Testing
@testable import ALPRVision

@Suite("Convolution against the reference")
struct ConvolutionTests {
    static let cases: [ReferenceConv] = [
        ReferenceConv(inChannels: 3, outChannels: 8, kernelH: 3, kernelW: 3, padH: 1, padW: 1, height: 7, width: 9),
        ReferenceConv(inChannels: 4, outChannels: 6, kernelH: 3, kernelW: 3, strideH: 2, strideW: 2, padH: 1, padW: 1, height: 11, width: 13),
        ReferenceConv(inChannels: 2, outChannels: 5, kernelH: 5, kernelW: 3, strideH: 1, strideW: 2, padH: 2, padW: 1, height: 9, width: 10),
        ReferenceConv(inChannels: 3, outChannels: 4, kernelH: 3, kernelW: 3, padH: 2, padW: 2, dilationH: 2, dilationW: 2, height: 8, width: 7),
        ReferenceConv(inChannels: 4, outChannels: 6, kernelH: 3, kernelW: 3, padH: 1, padW: 1, groups: 2, height: 6, width: 5),
        // Depthwise (direct kernel), plain and strided and dilated.
        ReferenceConv(inChannels: 6, outChannels: 6, kernelH: 3, kernelW: 3, padH: 1, padW: 1, groups: 6, height: 9, width: 11),
        ReferenceConv(inChannels: 5, outChannels: 5, kernelH: 3, kernelW: 3, strideH: 2, strideW: 2, padH: 1, padW: 1, groups: 5, height: 10, width: 7),
        ReferenceConv(inChannels: 3, outChannels: 3, kernelH: 5, kernelW: 5, strideH: 1, strideW: 2, padH: 4, padW: 3, dilationH: 2, dilationW: 1, groups: 3, height: 6, width: 9, hasBias: false),
        // Depthwise rows wide enough for the fused three-tap interior: dilated, and strided
        // (stride phases) with a dilation, odd width and a stride of 3.
        ReferenceConv(inChannels: 4, outChannels: 4, kernelH: 3, kernelW: 3, padH: 2, padW: 2, dilationH: 2, dilationW: 2, groups: 4, height: 12, width: 21),
        ReferenceConv(inChannels: 3, outChannels: 3, kernelH: 3, kernelW: 3, strideH: 2, strideW: 2, padH: 2, padW: 2, dilationH: 2, dilationW: 2, groups: 3, height: 11, width: 23),
        ReferenceConv(inChannels: 2, outChannels: 2, kernelH: 3, kernelW: 3, strideH: 1, strideW: 3, padH: 1, padW: 1, groups: 2, height: 7, width: 26),
        // Stride 2 over rows wide enough for the eight-wide even/odd split of the padded copy
        // (Conv2DStep.splitEvenOdd), with a remainder: im2col (the detector's first conv) and depthwise.
        ReferenceConv(inChannels: 3, outChannels: 16, kernelH: 3, kernelW: 3, strideH: 2, strideW: 2, padH: 1, padW: 1, height: 9, width: 41),
        ReferenceConv(inChannels: 3, outChannels: 3, kernelH: 3, kernelW: 3, strideH: 2, strideW: 2, padH: 1, padW: 1, groups: 3, height: 8, width: 37),
        // Depthwise with a channel multiplier goes through im2col.
        ReferenceConv(inChannels: 4, outChannels: 8, kernelH: 3, kernelW: 3, padH: 1, padW: 1, groups: 4, height: 5, width: 6),
        // Pointwise (no im2col), grouped pointwise, and strided 1x1 (im2col).
        ReferenceConv(inChannels: 7, outChannels: 5, kernelH: 1, kernelW: 1, height: 5, width: 3),
        ReferenceConv(inChannels: 6, outChannels: 4, kernelH: 1, kernelW: 1, groups: 2, height: 4, width: 4, hasBias: false),
        ReferenceConv(inChannels: 3, outChannels: 4, kernelH: 1, kernelW: 1, strideH: 2, strideW: 2, height: 7, width: 7),
        // im2col in several bands of output rows, the last one short; grouped too.
        ReferenceConv(inChannels: 8, outChannels: 4, kernelH: 3, kernelW: 3, padH: 1, padW: 1, height: 40, width: 40),
        ReferenceConv(inChannels: 4, outChannels: 6, kernelH: 3, kernelW: 3, strideH: 2, strideW: 2, padH: 1, padW: 1, groups: 2, height: 90, width: 90),
        // The OCR's context layers: 1x3 along a one-row sequence, dilated along the width only.
        ReferenceConv(inChannels: 6, outChannels: 5, kernelH: 1, kernelW: 3, padH: 0, padW: 4, dilationH: 4, dilationW: 4, height: 1, width: 13),
        ReferenceConv(inChannels: 4, outChannels: 4, kernelH: 1, kernelW: 3, padH: 0, padW: 2, dilationH: 2, dilationW: 2, height: 1, width: 3, hasBias: false),
        // Kernel wider than the input; padding larger than the kernel reach on one axis.
        ReferenceConv(inChannels: 2, outChannels: 3, kernelH: 3, kernelW: 3, padH: 1, padW: 1, height: 1, width: 1),
        ReferenceConv(inChannels: 2, outChannels: 3, kernelH: 3, kernelW: 1, strideH: 3, strideW: 1, padH: 2, padW: 3, height: 5, width: 2),
    ]

    /// Sets how every conv of `network` runs its GEMMs (`Conv2DStep.gemmOverwrites`): both
    /// ways are checked, whichever OpenBLAS core this machine picks.
    static func gemm(overwrites: Bool, in network: Network) {
        for case let conv as Conv2DStep in network.steps { conv.gemmOverwrites = overwrites }
    }

    /// Random input, weights and bias (where the conv has one) for `conv`, seeded by its
    /// description and `salt`.
    static func randomTensors(for conv: ReferenceConv, salt: UInt64) -> (x: [Float], w: [Float], b: [Float]?) {
        var random = SeededRandom(seed: conv.description.utf8.reduce(salt) { $0 &* 31 &+ UInt64($1) })
        let x = random.floats(conv.inChannels * conv.height * conv.width)
        let w = random.floats(conv.weightCount)
        return (x, w, conv.hasBias ? random.floats(conv.outChannels) : nil)
    }

    @Test("conv2d matches the naive loop", arguments: cases, [false, true])
    func matchesReference(conv: ReferenceConv, gemmOverwrites: Bool) throws {
        let (x, w, b) = Self.randomTensors(for: conv, salt: 17)
        var graph = TestGraph(channels: conv.inChannels, height: conv.height, width: conv.width)
        graph.conv("c", "input", conv, weights: w, bias: b)
        graph.outputs = ["c"]
        let network = try graph.load()
        Self.gemm(overwrites: gemmOverwrites, in: network)
        #expect(network.outputShapes["c"] == TensorShape(channels: conv.outChannels, height: conv.outHeight, width: conv.outWidth))
        let actual = try #require(try network(x)["c"])
        let expected = conv.apply(x, weights: w, bias: b)
        expectClose(actual, expected)
        // A Winograd conv (the band-by-band im2col case) also checked through im2col.
        for case let step as Conv2DStep in network.steps where step.kernel == .winograd { step.kernel = .im2col }
        expectClose(try #require(try network(x)["c"]), expected)
    }

    /// Dense 3x3 convs of stride 1 and padding 1 over 8 or more channels (`Conv2DStep.runWinograd`):
    /// odd and even heights and widths, an input of one pixel, a row of tiles that is not a
    /// whole number of eight-tile groups, more tile rows than one band holds (when bands are
    /// made small), and the OCR's and the refiner's input shapes (with few output channels:
    /// the reference loop is slow in a debug build).
    static let winogradCases: [ReferenceConv] = [
        ReferenceConv(inChannels: 8, outChannels: 5, kernelH: 3, kernelW: 3, padH: 1, padW: 1, height: 7, width: 9),
        ReferenceConv(inChannels: 9, outChannels: 4, kernelH: 3, kernelW: 3, padH: 1, padW: 1, height: 1, width: 1),
        ReferenceConv(inChannels: 8, outChannels: 3, kernelH: 3, kernelW: 3, padH: 1, padW: 1, height: 2, width: 2),
        ReferenceConv(inChannels: 10, outChannels: 6, kernelH: 3, kernelW: 3, padH: 1, padW: 1, height: 5, width: 35),
        ReferenceConv(inChannels: 8, outChannels: 4, kernelH: 3, kernelW: 3, padH: 1, padW: 1, height: 41, width: 12),
        ReferenceConv(inChannels: 16, outChannels: 6, kernelH: 3, kernelW: 3, padH: 1, padW: 1, height: 24, width: 64),
        ReferenceConv(inChannels: 64, outChannels: 5, kernelH: 3, kernelW: 3, padH: 1, padW: 1, height: 6, width: 32),
        ReferenceConv(inChannels: 32, outChannels: 4, kernelH: 3, kernelW: 3, padH: 1, padW: 1, height: 16, width: 32, hasBias: false),
    ]

    @Test("Winograd 3x3 convs match the naive loop and im2col, with the activation fused or after",
          arguments: winogradCases, [ReferenceActivation.relu, .leaky_relu])
    func winogradMatchesReference(conv: ReferenceConv, activation: ReferenceActivation) throws {
        let (x, w, b) = Self.randomTensors(for: conv, salt: 3)
        var graph = TestGraph(channels: conv.inChannels, height: conv.height, width: conv.width)
        graph.conv("c", "input", conv, weights: w, bias: b)
        graph.node("act", activation.rawValue, ["c"], activation == .leaky_relu ? ["negative_slope": 0.1] : [:])
        graph.outputs = ["act"]
        let network = try graph.load()
        let convs = network.steps.compactMap { $0 as? Conv2DStep }
        #expect(convs.map(\.kernel) == [.winograd])
        let expected = conv.apply(x, weights: w, bias: b).map { activation.apply($0) }
        #expect(expected.contains { $0 != activation.apply(0) }, "the case must not be all zeros")
        let winograd = try #require(try network(x)["act"])
        expectClose(winograd, expected, tolerance: 1e-5)
        convs[0].kernel = .im2col
        let im2col = try #require(try network(x)["act"])
        expectClose(im2col, expected, tolerance: 1e-5)
        // The same input twice gives the same output: nothing is left over in the scratch.
        convs[0].kernel = .winograd
        #expect(try network(x)["act"] == winograd)
        // Band by band of the fewest tile rows a band may hold, the last band short where
        // the rows do not divide.
        convs[0].winogradBandFloats = 1
        #expect(convs[0].winogradBandTileRows < convs[0].winogradTiles.high || conv.height <= 16)
        expectClose(try #require(try network(x)["act"]), expected, tolerance: 1e-5)
    }

    @Test("only dense 3x3 convs of stride 1, padding 1 and 8 or more input channels run as Winograd")
    func winogradChoice() throws {
        let shapes: [(ReferenceConv, Conv2DStep.Kernel)] = [
            (ReferenceConv(inChannels: 8, outChannels: 4, kernelH: 3, kernelW: 3, padH: 1, padW: 1, height: 6, width: 6), .winograd),
            (ReferenceConv(inChannels: 7, outChannels: 4, kernelH: 3, kernelW: 3, padH: 1, padW: 1, height: 6, width: 6), .im2col),
            (ReferenceConv(inChannels: 8, outChannels: 4, kernelH: 3, kernelW: 3, strideH: 2, strideW: 2, padH: 1, padW: 1, height: 6, width: 6), .im2col),
            (ReferenceConv(inChannels: 8, outChannels: 4, kernelH: 3, kernelW: 3, padH: 2, padW: 2, dilationH: 2, dilationW: 2, height: 6, width: 6), .im2col),
            (ReferenceConv(inChannels: 8, outChannels: 4, kernelH: 3, kernelW: 3, padH: 0, padW: 0, height: 6, width: 6), .im2col),
            (ReferenceConv(inChannels: 8, outChannels: 4, kernelH: 3, kernelW: 3, padH: 1, padW: 1, groups: 2, height: 6, width: 6), .im2col),
            (ReferenceConv(inChannels: 8, outChannels: 8, kernelH: 3, kernelW: 3, padH: 1, padW: 1, groups: 8, height: 6, width: 6), .depthwise),
        ]
        for (conv, kernel) in shapes {
            var random = SeededRandom(seed: 4)
            var graph = TestGraph(channels: conv.inChannels, height: conv.height, width: conv.width)
            graph.conv("c", "input", conv, weights: random.floats(conv.weightCount), bias: random.floats(conv.outChannels))
            graph.outputs = ["c"]
            let network = try graph.load()
            #expect(network.steps.compactMap { ($0 as? Conv2DStep)?.kernel } == [kernel], "\(conv.description)")
        }
    }

    static let bandedCases: [ReferenceConv] = [
        // 64 + 48 floats per pixel: 384-pixel bands (Conv2DStep.pointwiseBandColumns), the last short.
        ReferenceConv(inChannels: 64, outChannels: 48, kernelH: 1, kernelW: 1, height: 30, width: 31),
        // One output row per im2col band, grouped.
        ReferenceConv(inChannels: 8, outChannels: 6, kernelH: 3, kernelW: 3, padH: 1, padW: 1, groups: 2, height: 12, width: 300),
    ]

    @Test("convs run band by band set the bias and apply the fused activation in every band", arguments: bandedCases, [false, true])
    func bandedActivation(conv: ReferenceConv, gemmOverwrites: Bool) throws {
        var random = SeededRandom(seed: 9)
        let x = random.floats(conv.inChannels * conv.height * conv.width)
        let w = random.floats(conv.weightCount), b = random.floats(conv.outChannels)
        var graph = TestGraph(channels: conv.inChannels, height: conv.height, width: conv.width)
        graph.conv("c", "input", conv, weights: w, bias: b)
        graph.node("act", "leaky_relu", ["c"], ["negative_slope": 0.1])
        graph.outputs = ["act"]
        let expected = conv.apply(x, weights: w, bias: b).map { ReferenceActivation.leaky_relu.apply($0) }
        let network = try graph.load()
        Self.gemm(overwrites: gemmOverwrites, in: network)
        expectClose(try #require(try network(x)["act"]), expected, tolerance: 1e-4)
    }

    /// Every path of the depthwise kernel (`Conv2DStep.runDepthwise`): 3x3 of stride 1 read in
    /// place (rows wide enough for eight-wide groups with an overlapping last group, an
    /// interior narrower than eight, no padding, padding wider than the kernel's reach, kernel
    /// rows above and below the input), 3x3 of stride 2 and padding 1 read in place (odd and
    /// even widths and heights, a row too narrow for the sixteen-column loads), and the padded
    /// copy (stride 2 with padding 2, and a 5x5 kernel).
    static let depthwiseActivationCases: [ReferenceConv] = [
        ReferenceConv(inChannels: 3, outChannels: 3, kernelH: 3, kernelW: 3, padH: 1, padW: 1, groups: 3, height: 6, width: 30),
        ReferenceConv(inChannels: 2, outChannels: 2, kernelH: 3, kernelW: 3, padH: 2, padW: 2, dilationH: 2, dilationW: 2, groups: 2, height: 5, width: 5),
        ReferenceConv(inChannels: 2, outChannels: 2, kernelH: 3, kernelW: 3, groups: 2, height: 5, width: 19),
        ReferenceConv(inChannels: 2, outChannels: 2, kernelH: 3, kernelW: 3, padH: 3, padW: 2, groups: 2, height: 4, width: 17),
        ReferenceConv(inChannels: 3, outChannels: 3, kernelH: 3, kernelW: 3, strideH: 2, strideW: 2, padH: 1, padW: 1, groups: 3, height: 9, width: 37),
        ReferenceConv(inChannels: 2, outChannels: 2, kernelH: 3, kernelW: 3, strideH: 2, strideW: 2, padH: 1, padW: 1, groups: 2, height: 7, width: 32),
        ReferenceConv(inChannels: 2, outChannels: 2, kernelH: 3, kernelW: 3, strideH: 2, strideW: 2, padH: 1, padW: 1, groups: 2, height: 4, width: 17),
        ReferenceConv(inChannels: 2, outChannels: 2, kernelH: 3, kernelW: 3, strideH: 2, strideW: 2, padH: 2, padW: 2, groups: 2, height: 6, width: 40),
        ReferenceConv(inChannels: 2, outChannels: 2, kernelH: 5, kernelW: 5, padH: 2, padW: 2, groups: 2, height: 7, width: 12),
    ]

    @Test("depthwise convs fuse ReLU and apply other activations on every path",
          arguments: depthwiseActivationCases, [ReferenceActivation.relu, .leaky_relu, .sigmoid])
    func depthwiseActivation(conv: ReferenceConv, activation: ReferenceActivation) throws {
        var random = SeededRandom(seed: conv.description.utf8.reduce(5) { $0 &* 31 &+ UInt64($1) })
        let x = random.floats(conv.inChannels * conv.height * conv.width)
        let w = random.floats(conv.weightCount), b = random.floats(conv.outChannels)
        var graph = TestGraph(channels: conv.inChannels, height: conv.height, width: conv.width)
        graph.conv("c", "input", conv, weights: w, bias: b)
        graph.node("act", activation.rawValue, ["c"], activation == .leaky_relu ? ["negative_slope": 0.1] : [:])
        graph.outputs = ["act"]
        let network = try graph.load()
        #expect(network.outputShapes["act"] == TensorShape(channels: conv.outChannels, height: conv.outHeight, width: conv.outWidth))
        let expected = conv.apply(x, weights: w, bias: b).map { activation.apply($0) }
        #expect(expected.contains { $0 != activation.apply(0) }, "the case must not be all zeros")
        expectClose(try #require(try network(x)["act"]), expected, tolerance: 1e-5)
    }

    @Test("batch norm folds into the conv and the activation fuses, with the same result")
    func foldedBatchNormMatches() throws {
        var random = SeededRandom(seed: 7)
        let conv = ReferenceConv(inChannels: 3, outChannels: 5, kernelH: 3, kernelW: 3, strideH: 2, strideW: 2, padH: 1, padW: 1, height: 9, width: 8)
        let x = random.floats(3 * 9 * 8)
        let w = random.floats(conv.weightCount), b = random.floats(5)
        let bn = ReferenceBatchNorm(channels: 5, random: &random)
        var graph = TestGraph(channels: 3, height: 9, width: 8)
        graph.conv("c", "input", conv, weights: w, bias: b)
        graph.batchNorm("bn", "c", bn)
        graph.node("act", "relu6", ["bn"])
        graph.outputs = ["act"]
        let network = try graph.load()
        let plane = conv.outHeight * conv.outWidth
        let expected = bn.apply(conv.apply(x, weights: w, bias: b), planeSize: plane).map { ReferenceActivation.relu6.apply($0) }
        let actual = try #require(try network(x)["act"])
        expectClose(actual, expected)
    }

    @Test("a conv with two consumers keeps its own output and the batch norm runs on its own")
    func unfoldedBatchNorm() throws {
        var random = SeededRandom(seed: 8)
        let conv = ReferenceConv(inChannels: 2, outChannels: 3, kernelH: 3, kernelW: 3, padH: 1, padW: 1, height: 5, width: 6)
        let x = random.floats(2 * 5 * 6)
        let w = random.floats(conv.weightCount), b = random.floats(3)
        let bn = ReferenceBatchNorm(channels: 3, random: &random)
        var graph = TestGraph(channels: 2, height: 5, width: 6)
        graph.conv("c", "input", conv, weights: w, bias: b)
        graph.batchNorm("bn", "c", bn)
        graph.node("sum", "add", ["bn", "c"])
        graph.outputs = ["sum", "c"]
        let network = try graph.load()
        let convOut = conv.apply(x, weights: w, bias: b)
        let expected = zip(bn.apply(convOut, planeSize: 30), convOut).map { $0 + $1 }
        let outputs = try network(x)
        expectClose(try #require(outputs["sum"]), expected)
        expectClose(try #require(outputs["c"]), convOut)
    }

    @Test("a batch norm straight on the input is applied as a per-channel affine")
    func batchNormOnInput() throws {
        var random = SeededRandom(seed: 9)
        let bn = ReferenceBatchNorm(channels: 4, random: &random)
        let x = random.floats(4 * 3 * 5)
        var graph = TestGraph(channels: 4, height: 3, width: 5)
        graph.batchNorm("bn", "input", bn)
        graph.outputs = ["bn"]
        let actual = try #require(try graph.load()(x)["bn"])
        expectClose(actual, bn.apply(x, planeSize: 15))
    }
}

extension ReferenceConv: CustomTestStringConvertible {
    var testDescription: String { description }
}
