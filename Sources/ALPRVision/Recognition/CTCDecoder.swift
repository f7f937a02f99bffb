/// Connectionist temporal classification decoding of the OCR output.
///
/// Input is a `[T][K]` matrix of per-time-step class probabilities (each row sums to 1),
/// class 0 the blank and class `i >= 1` the character `alphabet[i - 1]`.
public struct CTCDecoder: Sendable {
    public struct Hypothesis: Sendable, Equatable {
        public var text: String
        /// Probability of the label sequence (summed over every alignment).
        public var confidence: Float
        /// Per character, the highest probability that character had at a frame emitting it.
        public var characterConfidences: [Float]
    }

    public let alphabet: [Character]
    public var beamWidth: Int
    /// Characters below this probability at a frame do not extend beams there (pruning).
    public var pruneBelow: Float = 1e-3

    public init(alphabet: [Character], beamWidth: Int = 10) {
        self.alphabet = alphabet
        self.beamWidth = max(beamWidth, 1)
    }

    var classCount: Int { alphabet.count + 1 }

    /// Best path: the arg-max class per frame, repeats merged, blanks dropped.
    public func greedy(_ probabilities: [Float], steps: Int) -> Hypothesis {
        let k = classCount
        var text = "", confidences: [Float] = [], path: Float = 1
        var previous = 0
        for t in 0 ..< steps {
            let row = probabilities[(t * k) ..< ((t + 1) * k)]
            let best = row.indices.max { row[$0] < row[$1] }! - t * k
            let p = row[t * k + best]
            path *= p
            if best != 0 {
                if best != previous {
                    text.append(alphabet[best - 1])
                    confidences.append(p)
                } else {
                    confidences[confidences.count - 1] = max(confidences[confidences.count - 1], p)
                }
            }
            previous = best
        }
        return Hypothesis(text: text, confidence: path, characterConfidences: confidences)
    }

    struct Beam {
        var blank: Double = 0       // probability of the prefix over paths ending in blank
        var nonBlank: Double = 0    // ... over paths ending in its last character
        var confidences: [Float] = []
        var total: Double { blank + nonBlank }
    }

    /// Most probable first; ties broken by the label sequence so results never depend on
    /// dictionary order.
    static func ranked(_ beams: [[Int]: Beam]) -> [(key: [Int], value: Beam)] {
        beams.sorted { a, b in
            a.value.total != b.value.total ? a.value.total > b.value.total : a.key.lexicographicallyPrecedes(b.key)
        }
    }

    /// Prefix beam search; returns up to `count` distinct texts, most probable first.
    public func beamSearch(_ probabilities: [Float], steps: Int, count: Int) -> [Hypothesis] {
        let k = classCount
        // Several paths reach the same prefix; merging their per-character confidences by
        // element-wise maximum keeps the result independent of the order they arrive in.
        func merge(_ entry: inout Beam, _ confidences: [Float]) {
            if entry.confidences.isEmpty { entry.confidences = confidences; return }
            for i in entry.confidences.indices { entry.confidences[i] = max(entry.confidences[i], confidences[i]) }
        }
        var beams: [[Int]: Beam] = [[]: Beam(blank: 1)]
        for t in 0 ..< steps {
            let row = t * k
            var next: [[Int]: Beam] = [:]
            for (prefix, beam) in beams {
                // Blank: the prefix is unchanged.
                var same = next[prefix, default: Beam()]
                same.blank += beam.total * Double(probabilities[row])
                merge(&same, beam.confidences)
                if let last = prefix.last {
                    // The last character again without a blank in between: still the same prefix.
                    let p = probabilities[row + last]
                    same.nonBlank += beam.nonBlank * Double(p)
                    var repeated = beam.confidences
                    repeated[repeated.count - 1] = max(repeated[repeated.count - 1], p)
                    merge(&same, repeated)
                }
                next[prefix] = same
                for c in 1 ..< k {
                    let p = probabilities[row + c]
                    if p < pruneBelow { continue }
                    // A repeated character needs a blank between, so only blank-ending paths extend.
                    let mass = c == prefix.last ? beam.blank : beam.total
                    if mass == 0 { continue }
                    let extended = prefix + [c]
                    var entry = next[extended, default: Beam()]
                    entry.nonBlank += mass * Double(p)
                    merge(&entry, beam.confidences + [p])
                    next[extended] = entry
                }
            }
            beams = Dictionary(uniqueKeysWithValues: Self.ranked(next).prefix(beamWidth).map { ($0.key, $0.value) })
        }
        return Self.ranked(beams).prefix(count).map { prefix, beam in
            Hypothesis(text: String(prefix.map { alphabet[$0 - 1] }), confidence: Float(beam.total), characterConfidences: beam.confidences)
        }
    }

    /// Exact probability of `text` under the CTC model (forward algorithm over all alignments).
    /// Returns 0 for text containing characters outside the alphabet.
    public func probability(of text: String, _ probabilities: [Float], steps: Int) -> Float {
        let k = classCount
        var labels: [Int] = []
        for character in text {
            guard let index = alphabet.firstIndex(of: character) else { return 0 }
            labels.append(index + 1)
        }
        // Extended sequence: blank, l1, blank, l2, ..., blank.
        let extended = [0] + labels.flatMap { [$0, 0] }
        let s = extended.count
        var alpha = [Double](repeating: 0, count: s)
        alpha[0] = Double(probabilities[0])
        if s > 1 { alpha[1] = Double(probabilities[extended[1]]) }
        for t in 1 ..< max(steps, 1) {
            var next = [Double](repeating: 0, count: s)
            for i in 0 ..< s {
                var sum = alpha[i]
                if i >= 1 { sum += alpha[i - 1] }
                if i >= 2, extended[i] != 0, extended[i] != extended[i - 2] { sum += alpha[i - 2] }
                next[i] = sum * Double(probabilities[t * k + extended[i]])
            }
            alpha = next
        }
        return Float(alpha[s - 1] + (s > 1 ? alpha[s - 2] : 0))
    }
}
