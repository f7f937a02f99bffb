import Foundation
import Testing
@testable import ALPRVision

/// Runs the shipped models on the inputs `training/export.py --golden` saved with PyTorch's
/// outputs. Skipped (with the reason shown) only while a model file has not been exported.
@Suite("Shipped models against PyTorch")
struct GoldenModelTests {
    static let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    static let modelsDirectory = packageRoot.appendingPathComponent("Models")
    static let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures")

    static func modelExists(_ name: String) -> Bool {
        FileManager.default.fileExists(atPath: modelsDirectory.appendingPathComponent("\(name).safetensors").path)
    }

    struct Golden: Decodable {
        struct Tolerance: Decodable { var relative: Float; var absolute: Float }
        struct Array: Decodable { var shape: [Int]; var dtype: String; var data_base64: String }
        var name: String
        var tolerance: Tolerance
        var input: Array
        var outputs: [String: Array]
    }

    @Test("detector matches PyTorch on the golden input", .enabled(if: modelExists("detector"), "Models/detector.safetensors not exported yet"))
    func detector() throws { try check("detector") }

    @Test("OCR matches PyTorch on the golden input", .enabled(if: modelExists("ocr"), "Models/ocr.safetensors not exported yet"))
    func ocr() throws { try check("ocr") }

    @Test("corner refiner matches PyTorch on the golden input", .enabled(if: modelExists("refiner"), "Models/refiner.safetensors not exported yet"))
    func refiner() throws { try check("refiner") }

    func check(_ name: String) throws {
        let goldenURL = Self.fixtures.appendingPathComponent("\(name).golden.json")
        // The model is there, so its golden file must be too: a missing one is a failure.
        let golden = try JSONDecoder().decode(Golden.self, from: Data(contentsOf: goldenURL))
        let network = try Network(directory: Self.modelsDirectory, name: name)
        let pixels = try #require(Data(base64Encoded: golden.input.data_base64))
        #expect(golden.input.shape == [1, network.inputShape.channels, network.inputShape.height, network.inputShape.width])
        try #require(pixels.count == network.inputShape.count)
        let plane = network.inputShape.planeSize
        let mean = network.graph.input.mean, std = network.graph.input.std
        let input = pixels.enumerated().map { index, value in (Float(value) / 255 - mean[index / plane]) / std[index / plane] }
        let outputs = try network(input)
        for (outputName, expected) in golden.outputs {
            let bytes = try #require(Data(base64Encoded: expected.data_base64))
            let reference = bytes.withUnsafeBytes { Swift.Array($0.bindMemory(to: Float.self)) }
            let actual = try #require(outputs[outputName], "output \(outputName) missing")
            try #require(actual.count == reference.count, "\(outputName): \(actual.count) values, PyTorch has \(reference.count)")
            var worst: (index: Int, excess: Float) = (0, -.infinity)
            for i in actual.indices {
                let excess = abs(actual[i] - reference[i]) - (golden.tolerance.absolute + golden.tolerance.relative * abs(reference[i]))
                if excess > worst.excess { worst = (i, excess) }
            }
            #expect(worst.excess <= 0, "\(name).\(outputName)[\(worst.index)]: \(actual[worst.index]) vs PyTorch \(reference[worst.index])")
        }
    }
}
