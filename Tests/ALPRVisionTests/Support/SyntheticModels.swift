import Foundation
@testable import ALPRVision

/// Hand-set networks whose answers are known, so the detector and OCR decoding and the whole
/// recogniser can be checked end to end without trained weights.
///
/// - The detector's heatmap is the red channel averaged over each 4×4 cell, pushed through a
///   steep sigmoid; every cell predicts the same corner offsets (a 48×16 network-pixel box).
/// - The OCR averages each 4-pixel column band of the green channel and picks the class whose
///   "level" is nearest, so a plate painted with green stripes of known levels spells a text.
enum SyntheticModels {
    static let alphabet = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"
    static let classCount = alphabet.count + 1
    static let ocrSharpness: Float = 2000

    /// Normalised input value (green / 255 * 2 - 1) the OCR maps to class `k` (0 = blank).
    static func level(ofClass k: Int) -> Float { -1 + 2 * Float(k) / Float(classCount - 1) }

    /// Green value that encodes class `k`.
    static func green(forClass k: Int) -> UInt8 { UInt8((Float(k) * 255 / Float(classCount - 1)).rounded()) }

    static func classIndex(of character: Character) -> Int { Array(alphabet).firstIndex(of: character)! + 1 }

    /// A recogniser over the synthetic models in `directory` that reads each plate once, as
    /// sampled: the synthetic OCR reads absolute green levels on a black frame, which the
    /// exposure correction and the second look's moved and sharpened views change (its reads
    /// are 0.7 to 0.97 sure, where the second look would take them).
    static func firstLookRecognizer(_ directory: URL) throws -> PlateRecognizer {
        let recognizer = try PlateRecognizer(modelsDirectory: directory)
        recognizer.options.exposure = nil
        recognizer.options.secondLook = nil
        // The synthetic detector fires on red: the grey a turned view brings into its corners
        // would be a "plate" wherever the rules under test leave nothing.
        recognizer.options.turnedViews = nil
        return recognizer
    }

    static func ocr() -> TestGraph {
        var graph = TestGraph(channels: 3, height: 32, width: 96)
        graph.name = "ocr"
        graph.mean = [0.5, 0.5, 0.5]
        graph.std = [0.5, 0.5, 0.5]
        graph.node("bands", "avgpool2d", ["input"], ["kernel": [32, 4], "stride": [32, 4], "padding": [0, 0]])
        // logit_k = s (2 c_k v - c_k^2) = s (v^2 - (v - c_k)^2): largest for the nearest level.
        var weights = [Float](repeating: 0, count: classCount * 3)
        var bias = [Float](repeating: 0, count: classCount)
        for k in 0 ..< classCount {
            let c = level(ofClass: k)
            weights[k * 3 + 1] = 2 * ocrSharpness * c
            bias[k] = -ocrSharpness * c * c
        }
        graph.conv("logits", "bands", ReferenceConv(inChannels: 3, outChannels: classCount, kernelH: 1, kernelW: 1, height: 1, width: 24),
                   weights: weights, bias: bias)
        graph.outputs = ["logits"]
        graph.meta = ["alphabet": alphabet, "stride": 4]
        return graph
    }

    /// Writes the synthetic detector and OCR into `directory`, as a models folder.
    static func writeDetectorAndOCR(to directory: URL) throws {
        try detector().write(to: directory)
        try ocr().write(to: directory)
    }

    static func detector() -> TestGraph {
        var graph = TestGraph(channels: 3, height: 64, width: 96)
        graph.name = "detector"
        graph.node("cells", "avgpool2d", ["input"], ["kernel": [4, 4], "stride": [4, 4], "padding": [0, 0]])
        let pointwise = ReferenceConv(inChannels: 3, outChannels: 1, kernelH: 1, kernelW: 1, height: 16, width: 24)
        graph.conv("score", "cells", pointwise, weights: [40, 0, 0], bias: [-20])
        graph.node("heatmap", "sigmoid", ["score"])
        var geometryConv = pointwise
        geometryConv.outChannels = 8
        graph.conv("geometry", "cells", geometryConv, weights: [Float](repeating: 0, count: 24),
                   bias: [-24, -8, 24, -8, 24, 8, -24, 8])
        graph.outputs = ["heatmap", "geometry"]
        graph.meta = ["stride": 4, "corner_scale": 1, "threshold": 0.5]
        return graph
    }

    /// A 192×128 frame with a plate 96×32 at (36, 28): green stripes spelling `steps` (one
    /// character or blank per 2-pixel... per 4-pixel band of the plate), and a red 8×8 square
    /// on the cell the detector should fire on.
    static func plateImage(steps: [Character?], redSquareAt origin: (x: Int, y: Int) = (80, 40)) -> RGBImage {
        var image = RGBImage(width: 192, height: 128)
        for (index, step) in steps.enumerated() {
            let g = green(forClass: step.map(classIndex) ?? 0)
            for x in 36 + index * 4 ..< 36 + index * 4 + 4 {
                for y in 28 ..< 60 { image[x, y] = (0, g, 0) }
            }
        }
        for x in origin.x ..< origin.x + 8 {
            for y in origin.y ..< origin.y + 8 { image[x, y].red = 255 }
        }
        return image
    }

    /// Time steps spelling `text` with a blank after every character.
    static func steps(spelling text: String) -> [Character?] {
        var steps: [Character?] = [nil]
        for character in text { steps += [character, nil] }
        return Array(steps.prefix(24))
    }
}

/// Random-weight models with the documented shapes (for exercising the pipeline, not accuracy).
enum RandomModels {
    static func detector(seed: UInt64) -> TestGraph {
        var random = SeededRandom(seed: seed)
        var graph = TestGraph(channels: 3, height: 96, width: 160)
        graph.name = "detector"
        graph.mean = [0.485, 0.456, 0.406]
        graph.std = [0.229, 0.224, 0.225]
        let c1 = ReferenceConv(inChannels: 3, outChannels: 8, kernelH: 3, kernelW: 3, strideH: 2, strideW: 2, padH: 1, padW: 1, height: 96, width: 160)
        graph.conv("c1", "input", c1, weights: random.floats(c1.weightCount, in: -0.5 ... 0.5), bias: random.floats(8))
        graph.batchNorm("b1", "c1", ReferenceBatchNorm(channels: 8, random: &random))
        graph.node("r1", "relu", ["b1"])
        let c2 = ReferenceConv(inChannels: 8, outChannels: 16, kernelH: 3, kernelW: 3, strideH: 2, strideW: 2, padH: 1, padW: 1, height: 48, width: 80)
        graph.conv("c2", "r1", c2, weights: random.floats(c2.weightCount, in: -0.3 ... 0.3), bias: random.floats(16))
        graph.node("r2", "silu", ["c2"])
        let head = ReferenceConv(inChannels: 16, outChannels: 1, kernelH: 1, kernelW: 1, height: 24, width: 40)
        graph.conv("hm", "r2", head, weights: random.floats(16), bias: [0])
        graph.node("heatmap", "sigmoid", ["hm"])
        var geometry = head
        geometry.outChannels = 8
        graph.conv("geometry", "r2", geometry, weights: random.floats(128), bias: [-2, -1, 2, -1, 2, 1, -2, 1])
        graph.outputs = ["heatmap", "geometry"]
        graph.meta = ["stride": 4, "corner_scale": 16, "threshold": 0.5]
        return graph
    }

    static func ocr(seed: UInt64) -> TestGraph {
        var random = SeededRandom(seed: seed)
        var graph = TestGraph(channels: 1, height: 32, width: 128)
        graph.name = "ocr"
        graph.mean = [0.5]
        graph.std = [0.5]
        let c1 = ReferenceConv(inChannels: 1, outChannels: 8, kernelH: 3, kernelW: 3, strideH: 2, strideW: 2, padH: 1, padW: 1, height: 32, width: 128)
        graph.conv("c1", "input", c1, weights: random.floats(c1.weightCount), bias: random.floats(8))
        graph.node("r1", "relu", ["c1"])
        graph.node("p1", "maxpool2d", ["r1"], ["kernel": [2, 2], "stride": [2, 2], "padding": [0, 0]])
        graph.node("p2", "avgpool2d", ["p1"], ["kernel": [8, 1], "stride": [8, 1], "padding": [0, 0]])
        let head = ReferenceConv(inChannels: 8, outChannels: SyntheticModels.classCount, kernelH: 1, kernelW: 1, height: 1, width: 32)
        graph.conv("logits", "p2", head, weights: random.floats(head.weightCount, in: -3 ... 3), bias: random.floats(SyntheticModels.classCount))
        graph.outputs = ["logits"]
        graph.meta = ["alphabet": SyntheticModels.alphabet, "stride": 4]
        return graph
    }
}
