import Foundation
@testable import ALPRVision

/// Builds a graph JSON and its safetensors weights in memory, as `training/export.py` would.
struct TestGraph {
    var channels: Int
    var height: Int
    var width: Int
    var mean: [Float]? = nil
    var std: [Float]? = nil
    var nodes: [[String: Any]] = []
    var tensors: [SafeTensorsWriter.Tensor] = []
    var outputs: [String] = []
    var meta: [String: Any] = [:]
    var name = "test"

    init(channels: Int, height: Int, width: Int) {
        self.channels = channels
        self.height = height
        self.width = width
    }

    mutating func tensor(_ name: String, _ shape: [Int], _ values: [Float]) {
        tensors.append(.init(name: name, shape: shape, values: values))
    }

    mutating func node(_ name: String, _ op: String, _ inputs: [String], _ attributes: [String: Any] = [:]) {
        var node: [String: Any] = ["name": name, "op": op, "inputs": inputs]
        node.merge(attributes) { $1 }
        nodes.append(node)
    }

    mutating func conv(_ name: String, _ input: String, _ conv: ReferenceConv, weights: [Float], bias: [Float]?) {
        tensor("\(name).weight", conv.weightShape, weights)
        var attributes: [String: Any] = [
            "in_channels": conv.inChannels, "out_channels": conv.outChannels,
            "kernel": [conv.kernelH, conv.kernelW], "stride": [conv.strideH, conv.strideW],
            "padding": [conv.padH, conv.padW], "dilation": [conv.dilationH, conv.dilationW],
            "groups": conv.groups, "weight": "\(name).weight",
        ]
        if let bias {
            tensor("\(name).bias", [conv.outChannels], bias)
            attributes["bias"] = "\(name).bias"
        }
        node(name, "conv2d", [input], attributes)
    }

    mutating func batchNorm(_ name: String, _ input: String, _ bn: ReferenceBatchNorm) {
        let c = [bn.gamma.count]
        tensor("\(name).weight", c, bn.gamma)
        tensor("\(name).bias", c, bn.beta)
        tensor("\(name).running_mean", c, bn.mean)
        tensor("\(name).running_var", c, bn.variance)
        node(name, "batchnorm2d", [input], ["eps": Double(bn.eps), "weight": "\(name).weight", "bias": "\(name).bias",
                                            "running_mean": "\(name).running_mean", "running_var": "\(name).running_var"])
    }

    func graphJSON() throws -> Data {
        var document: [String: Any] = [
            "name": name, "version": 1,
            "input": ["name": "input", "channels": channels, "height": height, "width": width,
                      "mean": mean ?? Array(repeating: Float(0), count: channels),
                      "std": std ?? Array(repeating: Float(1), count: channels)],
            "nodes": nodes, "outputs": outputs,
        ]
        if !meta.isEmpty { document["meta"] = meta }
        return try JSONSerialization.data(withJSONObject: document, options: [.sortedKeys])
    }

    func load() throws -> Network {
        try Network(graphJSON: graphJSON(), weights: SafeTensorsFile(data: SafeTensorsWriter.encode(tensors)))
    }

    /// Writes `NAME.json` and `NAME.safetensors` into `directory`.
    func write(to directory: URL) throws {
        try graphJSON().write(to: directory.appendingPathComponent("\(name).json"))
        try SafeTensorsWriter.encode(tensors).write(to: directory.appendingPathComponent("\(name).safetensors"))
    }
}

/// A fresh temporary directory, removed by the caller.
func makeTemporaryDirectory() throws -> URL {
    let url = FileManager.default.temporaryDirectory.appendingPathComponent("alpr-vision-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    return url
}
