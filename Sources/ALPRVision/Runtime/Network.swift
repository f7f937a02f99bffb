import CBLAS
import Foundation

/// A network loaded from `NAME.json` + `NAME.safetensors` and planned for its fixed input size.
///
/// Loading folds batch norms into the preceding convs, fuses activations into the producing
/// conv or linear layer, and assigns every intermediate tensor to a buffer reused once the
/// tensor is dead. `run()` then performs no allocation.
///
/// Not thread-safe: a `Network` owns its buffers, so use one instance per thread.
public final class Network {
    public let graph: GraphDescription
    public let inputShape: TensorShape
    /// The weights the network was planned from (kept so that `replanned` can share them).
    public let weights: SafeTensorsFile
    /// Shapes of the graph outputs, by name.
    public let outputShapes: [String: TensorShape]

    let steps: [any InferenceStep]
    private let buffers: UnsafeMutablePointer<UnsafeMutablePointer<Float>>
    private let bufferCapacities: [Int]
    private let scratch: UnsafeMutablePointer<Float>
    private let scratchCapacity: Int
    private let outputBuffers: [String: Int]
    static let inputBuffer = 0

    /// Loads `directory/NAME.json` and `directory/NAME.safetensors`.
    public convenience init(directory: URL, name: String) throws {
        let graphURL = directory.appendingPathComponent("\(name).json")
        let weightsURL = directory.appendingPathComponent("\(name).safetensors")
        guard let graphData = try? Data(contentsOf: graphURL) else {
            throw VisionError.modelNotFound(graphURL.path)
        }
        try self.init(graphJSON: graphData, weights: try SafeTensorsFile(contentsOf: weightsURL))
    }

    public convenience init(graphJSON: Data, weights: SafeTensorsFile) throws {
        try self.init(graph: GraphDescription.decode(graphJSON), weights: weights)
    }

    public init(graph: GraphDescription, weights: SafeTensorsFile) throws {
        BLASThreading.applyDefaultOnce()
        let plan = try NetworkPlanner(graph: graph, weights: weights).plan()
        self.graph = graph
        self.weights = weights
        self.inputShape = plan.inputShape
        self.outputShapes = plan.outputShapes
        self.steps = plan.steps
        self.bufferCapacities = plan.bufferCapacities
        self.outputBuffers = plan.outputBuffers
        buffers = .allocate(capacity: plan.bufferCapacities.count)
        for (index, capacity) in plan.bufferCapacities.enumerated() {
            let storage = UnsafeMutablePointer<Float>.allocate(capacity: max(capacity, 1))
            storage.initialize(repeating: 0, count: max(capacity, 1))
            (buffers + index).initialize(to: storage)
        }
        scratchCapacity = max(plan.scratchCount, 1)
        scratch = .allocate(capacity: scratchCapacity)
        scratch.initialize(repeating: 0, count: scratchCapacity)
    }

    deinit {
        for index in bufferCapacities.indices { buffers[index].deallocate() }
        buffers.deallocate()
        scratch.deallocate()
    }

    /// The same graph and weights planned for another input size (fully convolutional graphs
    /// only: a graph whose shapes depend on the input size, such as a linear layer after a
    /// flatten, fails to plan). The new network has its own buffers.
    public func replanned(height: Int, width: Int) throws -> Network {
        var graph = self.graph
        graph.input.height = height
        graph.input.width = width
        return try Network(graph: graph, weights: weights)
    }

    /// Total floats held by activation buffers and scratch; reported by tools, checked by tests.
    public var plannedFloatCount: Int { bufferCapacities.reduce(0, +) + scratchCapacity }

    /// Fills the input tensor (`[C, H, W]`, already normalised). The contents survive `run()`.
    public func withInput<Result>(_ body: (UnsafeMutableBufferPointer<Float>) throws -> Result) rethrows -> Result {
        try body(UnsafeMutableBufferPointer(start: buffers[Self.inputBuffer], count: inputShape.count))
    }

    /// Runs every step on the current input.
    public func run() {
        let buffers = UnsafePointer(self.buffers)
        for step in steps { step.execute(buffers: buffers, scratch: scratch) }
    }

    /// Reads a graph output after `run()`. Returns nil for a name that is not an output.
    public func withOutput<Result>(_ name: String, _ body: (UnsafeBufferPointer<Float>, TensorShape) throws -> Result) rethrows -> Result? {
        guard let slot = outputBuffers[name], let shape = outputShapes[name] else { return nil }
        return try body(UnsafeBufferPointer(start: buffers[slot], count: shape.count), shape)
    }

    /// Copies a graph output out (convenient in tests and tools; allocates).
    public func output(_ name: String) -> [Float]? {
        withOutput(name) { values, _ in Array(values) }
    }

    /// Copies `values` in, runs, and returns every output. Allocates: for tests and tools.
    public func callAsFunction(_ values: [Float]) throws -> [String: [Float]] {
        guard values.count == inputShape.count else {
            throw VisionError.invalidGraph("input has \(values.count) values, the network takes \(inputShape)")
        }
        withInput { buffer in _ = buffer.update(fromContentsOf: values) }
        run()
        var result: [String: [Float]] = [:]
        for name in outputShapes.keys { result[name] = output(name) }
        return result
    }
}

/// OpenBLAS threading. Recognition runs one inference per core, so BLAS itself gets one thread
/// unless the process chooses otherwise before the first network loads.
public enum BLASThreading {
    private static let defaultApplied: Void = { openblas_set_num_threads(1) }()

    static func applyDefaultOnce() { _ = defaultApplied }

    /// Sets the OpenBLAS thread count for the whole process.
    public static func setThreadCount(_ count: Int) {
        applyDefaultOnce()
        openblas_set_num_threads(Int32(max(count, 1)))
    }
}
