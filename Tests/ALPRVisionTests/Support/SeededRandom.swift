import ALPRCore
import Testing

/// Deterministic generator so a failing random test fails the same way every run: ALPRCore's
/// `SeededGenerator` (SplitMix64), with a helper for random network inputs.
struct SeededRandom: RandomNumberGenerator {
    private var generator: SeededGenerator

    init(seed: UInt64) { generator = SeededGenerator(seed: seed) }

    mutating func next() -> UInt64 { generator.next() }

    mutating func floats(_ count: Int, in range: ClosedRange<Float> = -1 ... 1) -> [Float] {
        (0 ..< count).map { _ in Float.random(in: range, using: &self) }
    }
}

/// True when every pair agrees within `tolerance` relative to the larger of 1 and |expected|.
func allClose(_ actual: [Float], _ expected: [Float], tolerance: Float = 1e-4) -> Bool {
    actual.count == expected.count && zip(actual, expected).allSatisfy { a, e in
        abs(a - e) <= tolerance * max(1, abs(e))
    }
}

func maxDifference(_ actual: [Float], _ expected: [Float]) -> Float {
    zip(actual, expected).map { abs($0 - $1) }.max() ?? .infinity
}

/// Records one concise issue (sizes and worst element) instead of printing both arrays.
func expectClose(_ actual: [Float], _ expected: [Float], tolerance: Float = 1e-4, sourceLocation: SourceLocation = #_sourceLocation) {
    guard actual.count == expected.count else {
        Issue.record("count \(actual.count) != expected \(expected.count)", sourceLocation: sourceLocation)
        return
    }
    let worst = zip(actual, expected).enumerated().max { a, b in
        abs(a.element.0 - a.element.1) / max(1, abs(a.element.1)) < abs(b.element.0 - b.element.1) / max(1, abs(b.element.1))
    }
    if let worst, !allClose(actual, expected, tolerance: tolerance) {
        Issue.record("element \(worst.offset): \(worst.element.0) vs expected \(worst.element.1) (tolerance \(tolerance))",
                     sourceLocation: sourceLocation)
    }
}
