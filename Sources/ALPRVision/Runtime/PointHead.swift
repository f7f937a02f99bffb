import Foundation

/// A graph output that is read only at a few cells, computed at those cells alone.
///
/// A dense head (the detector's corner offsets) costs as much as the rest of the output
/// resolution's layers, but its values are read only where another output peaks. When the
/// output is computed from one tensor of the graph (the *cut*) by a chain of nodes that
/// nothing else reads, at most the first of them a spatial conv (stride 1, zero padding that
/// keeps the size) and the others per-cell ops (1×1 convs, batch norm, activations), its
/// value at a cell depends only on the cut's window around that cell.
/// `GraphDescription.splittingPointHead` splits such a graph into the trunk (every other
/// output, plus the cut) and the head; `PointHead` runs the head on one window, zero
/// outside the map as the conv's padding is, and gives the output's channels at that cell.
public struct PointHeadSplit: Sendable {
    /// The graph without the head's nodes; its outputs are the others and the cut.
    public var trunk: GraphDescription
    /// The head's nodes as a graph whose input is a window of the cut and whose output is 1×1.
    public var head: GraphDescription
    /// The output the head computes.
    public var output: String
    /// The tensor the head reads.
    public var cut: String
    /// Cells of the cut on each side of the centre that the head's spatial conv reads.
    public var radius: (rows: Int, columns: Int)
}

extension GraphDescription {
    /// Ops that map each cell's channels on their own.
    static let perCellOps: Set<String> = ["batchnorm2d", "relu", "relu6", "leaky_relu", "sigmoid", "tanh", "hardswish", "silu"]

    /// Whether `node` computes each cell from the same cell of its input alone.
    static func isPerCell(_ node: Node) -> Bool {
        perCellOps.contains(node.op)
            || (node.op == "conv2d" && (node.kernel ?? IntPair(1, 1)) == IntPair(1, 1) && (node.stride ?? IntPair(1, 1)) == IntPair(1, 1)
                && (node.padding ?? IntPair(0, 0)) == IntPair(0, 0))
    }

    /// Splits off the nodes that compute `output` alone, when they can be evaluated cell by
    /// cell (`PointHeadSplit`): walking back from `output` through per-cell nodes that nothing
    /// else reads, up to and including the first node that looks beyond its cell. The head
    /// starts there, and the tensor it reads is the cut (also where the walk meets a tensor
    /// something else reads, or a node with several inputs). nil when that first node is not a
    /// stride-1, size-keeping conv (a strided conv, a pooling or resampling op) or when
    /// `output` is not a graph output or is read by another node.
    public func splittingPointHead(_ output: String) -> PointHeadSplit? {
        guard outputs.contains(output), !nodes.contains(where: { $0.inputs.contains(output) }) else { return nil }
        let byName = Dictionary(nodes.map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first })
        func readers(_ name: String) -> Int {
            nodes.reduce(0) { $0 + $1.inputs.filter { $0 == name }.count } + outputs.filter { $0 == name }.count
        }
        guard var current = byName[output] else { return nil }
        var chain = [current]
        var cut: String
        while true {
            guard current.inputs.count == 1 else { return nil }
            let source = current.inputs[0]
            guard Self.isPerCell(current), let producer = byName[source], producer.inputs.count == 1, readers(source) == 1 else {
                cut = source
                break
            }
            chain.append(producer)
            current = producer
        }
        chain.reverse()
        guard cut != input.name, var first = chain.first, first.op == "conv2d", let channels = first.inChannels else { return nil }

        var radius = (rows: 0, columns: 0)
        for (index, node) in chain.enumerated() where !Self.isPerCell(node) {
            // Only the first node looks around (the walk stops there), and it must be a
            // stride-1 conv padded to keep the size: its zero padding is then exactly the
            // zeros the window holds outside the map.
            guard index == 0, node.op == "conv2d", node.stride ?? IntPair(1, 1) == IntPair(1, 1), let kernel = node.kernel else { return nil }
            let dilation = node.dilation ?? IntPair(1, 1), padding = node.padding ?? IntPair(0, 0)
            guard kernel.first % 2 == 1, kernel.second % 2 == 1,
                  padding == IntPair(dilation.first * (kernel.first - 1) / 2, dilation.second * (kernel.second - 1) / 2) else {
                return nil
            }
            radius = (padding.first, padding.second)
        }

        var trunk = self
        let headNames = Set(chain.map(\.name))
        trunk.nodes.removeAll { headNames.contains($0.name) }
        trunk.outputs.removeAll { $0 == output }
        if !trunk.outputs.contains(cut) { trunk.outputs.append(cut) }

        var head = self
        first.padding = IntPair(0, 0)
        chain[0] = first
        head.name = "\(name).\(output)"
        head.input.name = cut
        head.input.channels = channels
        head.input.height = 2 * radius.rows + 1
        head.input.width = 2 * radius.columns + 1
        head.input.mean = [Float](repeating: 0, count: channels)
        head.input.std = [Float](repeating: 1, count: channels)
        head.nodes = chain
        head.outputs = [output]
        return PointHeadSplit(trunk: trunk, head: head, output: output, cut: cut, radius: radius)
    }
}

/// The head of a `PointHeadSplit`, planned: evaluates the output at one cell of the cut.
/// Not thread-safe (it owns its network's buffers).
public final class PointHead {
    public let output: String
    public let cut: String
    public let radius: (rows: Int, columns: Int)
    /// Channels of the output.
    public let channels: Int
    let network: Network

    public init(_ split: PointHeadSplit, weights: SafeTensorsFile) throws {
        network = try Network(graph: split.head, weights: weights)
        guard let shape = network.outputShapes[split.output], shape.height == 1, shape.width == 1 else {
            throw VisionError.invalidGraph("head '\(split.output)' does not reduce its window to one cell")
        }
        output = split.output
        cut = split.cut
        radius = split.radius
        channels = shape.channels
    }

    /// Runs the head on the window of `tensor` (the cut, `[C, H, W]`) centred on `row`,
    /// `column` and hands `body` the output's channels there.
    public func evaluate<Result>(row: Int, column: Int, of tensor: UnsafeBufferPointer<Float>, shape: TensorShape,
                                 _ body: (UnsafeBufferPointer<Float>) throws -> Result) rethrows -> Result {
        let window = network.inputShape
        precondition(shape.channels == window.channels && tensor.count >= shape.count, "the cut has \(shape), the head reads \(window.channels) channels")
        network.withInput { input in
            var at = 0
            for channel in 0 ..< window.channels {
                let plane = tensor.baseAddress! + channel * shape.planeSize
                for y in row - radius.rows ... row + radius.rows {
                    for x in column - radius.columns ... column + radius.columns {
                        input[at] = y >= 0 && y < shape.height && x >= 0 && x < shape.width ? plane[y * shape.width + x] : 0
                        at += 1
                    }
                }
            }
        }
        network.run()
        return try network.withOutput(output) { values, _ in try body(values) }!
    }
}
