@testable import ALPRVision

/// Prefix beam search written the plain way (a dictionary from label sequence to beam), to
/// check `CTCDecoder.beamSearch` against on random inputs.
struct ReferenceBeamSearch {
    var classCount: Int
    var beamWidth: Int
    var pruneBelow: Float

    struct Beam {
        var blank: Double = 0
        var nonBlank: Double = 0
        var confidences: [Float] = []
        var total: Double { blank + nonBlank }
    }

    static func ranked(_ beams: [[Int]: Beam]) -> [(key: [Int], value: Beam)] {
        beams.sorted { a, b in
            a.value.total != b.value.total ? a.value.total > b.value.total : a.key.lexicographicallyPrecedes(b.key)
        }
    }

    /// (labels, probability, per-character confidences), most probable first.
    func search(_ probabilities: [Float], steps: Int, count: Int) -> [(labels: [Int], confidence: Double, confidences: [Float])] {
        let k = classCount
        func merge(_ entry: inout Beam, _ confidences: [Float]) {
            if entry.confidences.isEmpty { entry.confidences = confidences; return }
            for i in entry.confidences.indices { entry.confidences[i] = max(entry.confidences[i], confidences[i]) }
        }
        var beams: [[Int]: Beam] = [[]: Beam(blank: 1)]
        for t in 0 ..< steps {
            let row = t * k
            var next: [[Int]: Beam] = [:]
            for (prefix, beam) in beams {
                var same = next[prefix, default: Beam()]
                same.blank += beam.total * Double(probabilities[row])
                merge(&same, beam.confidences)
                if let last = prefix.last {
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
                    let mass = c == prefix.last ? beam.blank : beam.total
                    if mass == 0 { continue }
                    var entry = next[prefix + [c], default: Beam()]
                    entry.nonBlank += mass * Double(p)
                    merge(&entry, beam.confidences + [p])
                    next[prefix + [c]] = entry
                }
            }
            beams = Dictionary(uniqueKeysWithValues: Self.ranked(next).prefix(beamWidth).map { ($0.key, $0.value) })
        }
        return Self.ranked(beams).prefix(count).map { ($0.key, $0.value.total, $0.value.confidences) }
    }
}
