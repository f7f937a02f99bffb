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

    /// Prefix beam search; returns up to `count` distinct texts, most probable first (ties
    /// broken by the label sequence, so results never depend on evaluation order).
    ///
    /// Prefixes live in a trie (parent, last label) that grows by at most `beamWidth` nodes per
    /// time step, and every candidate's state sits in flat buffers allocated once per call,
    /// so the search allocates a fixed handful of arrays per plate, not one per prefix.
    /// Extending beam A by character c can only reach a prefix another beam B already holds
    /// when B without its last label is A's prefix and that label is c; that is checked up
    /// front, so label sequences are never hashed.
    public func beamSearch(_ probabilities: [Float], steps: Int, count: Int) -> [Hypothesis] {
        let k = classCount, width = beamWidth
        let maxDepth = max(steps, 1)
        // Trie of prefixes: node 0 is the empty prefix.
        var parent = [Int32](repeating: -1, count: 1), label = [Int32](repeating: 0, count: 1)
        var depth = [Int32](repeating: 0, count: 1)
        parent.reserveCapacity(width * maxDepth + 1); label.reserveCapacity(width * maxDepth + 1)
        depth.reserveCapacity(width * maxDepth + 1)

        // Current beams: node, probability mass ending in blank / in the last label, and
        // per-character confidences (beam i's row at i * maxDepth, depth[node] entries).
        var beamNode = [Int](repeating: 0, count: width), beamBlank = [Double](repeating: 0, count: width)
        var beamNonBlank = [Double](repeating: 0, count: width)
        var beamConfidences = [Float](repeating: 0, count: width * maxDepth)
        var beamCount = 1
        beamBlank[0] = 1
        var nextNode = beamNode, nextBlank = beamBlank, nextNonBlank = beamNonBlank, nextConfidences = beamConfidences

        // Candidates of one step: the beams themselves, then extensions (parent beam, label).
        let capacity = width * k
        var candidateNode = [Int](repeating: 0, count: capacity)       // existing node, or -1 for a new one
        var candidateFrom = [Int](repeating: 0, count: capacity)       // beam extended (new nodes)
        var candidateLabel = [Int](repeating: 0, count: capacity)
        var candidateBlank = [Double](repeating: 0, count: capacity)
        var candidateNonBlank = [Double](repeating: 0, count: capacity)
        var candidateConfidences = [Float](repeating: 0, count: capacity * maxDepth)
        var candidateHasConfidences = [Bool](repeating: false, count: capacity)
        var order = [Int](repeating: 0, count: capacity)
        // For beam j: the beam whose prefix is beam j's prefix plus one label (-1 if none), per label.
        var childBeam = [Int](repeating: -1, count: width * k)

        func labels(ofNode node: Int) -> [Int] {
            var out = [Int](repeating: 0, count: Int(depth[node]))
            var n = node
            while n > 0 { out[Int(depth[n]) - 1] = Int(label[n]); n = Int(parent[n]) }
            return out
        }
        func candidateLabels(_ i: Int) -> [Int] {
            candidateNode[i] >= 0 ? labels(ofNode: candidateNode[i]) : labels(ofNode: beamNode[candidateFrom[i]]) + [candidateLabel[i]]
        }
        // Two nodes of equal depth spell the same prefix (a prefix dropped from the beams and
        // reached again later gets a new node, so one prefix can have several).
        func samePrefix(_ x: Int, _ y: Int) -> Bool {
            var x = x, y = y
            while x != y {
                if label[x] != label[y] { return false }
                x = Int(parent[x]); y = Int(parent[y])
            }
            return true
        }
        // Several paths reach the same prefix; merging their per-character confidences by
        // element-wise maximum keeps the result independent of the order they arrive in.
        // The candidate's confidences are the beam's first `length - 1` and `last`.
        func mergeConfidences(into candidate: Int, from beam: Int, length: Int, last: Float) {
            let target = candidate * maxDepth, source = beam * maxDepth
            if !candidateHasConfidences[candidate] {
                for i in 0 ..< length - 1 { candidateConfidences[target + i] = beamConfidences[source + i] }
                candidateConfidences[target + length - 1] = last
                candidateHasConfidences[candidate] = true
            } else {
                for i in 0 ..< length - 1 { candidateConfidences[target + i] = max(candidateConfidences[target + i], beamConfidences[source + i]) }
                candidateConfidences[target + length - 1] = max(candidateConfidences[target + length - 1], last)
            }
        }

        for t in 0 ..< steps {
            let row = t * k
            for i in 0 ..< beamCount * k { childBeam[i] = -1 }
            for j in 0 ..< beamCount where beamNode[j] != 0 {
                let up = Int(parent[beamNode[j]])
                if let a = (0 ..< beamCount).first(where: { depth[beamNode[$0]] == depth[up] && samePrefix(beamNode[$0], up) }) {
                    childBeam[a * k + Int(label[beamNode[j]])] = j
                }
            }
            // The beams' own prefixes first (candidate j is beam j).
            for j in 0 ..< beamCount {
                let node = beamNode[j], length = Int(depth[node]), total = beamBlank[j] + beamNonBlank[j]
                candidateNode[j] = node
                candidateHasConfidences[j] = false
                candidateBlank[j] = total * Double(probabilities[row])     // blank: prefix unchanged
                candidateNonBlank[j] = 0
                if node != 0 {
                    // The last character again without a blank in between: still the same prefix.
                    let p = probabilities[row + Int(label[node])]
                    candidateNonBlank[j] = beamNonBlank[j] * Double(p)
                    let previous = beamConfidences[j * maxDepth + length - 1]
                    mergeConfidences(into: j, from: j, length: length, last: max(previous, p))
                } else {
                    candidateHasConfidences[j] = true
                }
            }
            var candidateCount = beamCount
            for j in 0 ..< beamCount {
                let node = beamNode[j], length = Int(depth[node]), total = beamBlank[j] + beamNonBlank[j]
                let last = node == 0 ? -1 : Int(label[node])
                for c in 1 ..< k {
                    let p = probabilities[row + c]
                    if p < pruneBelow { continue }
                    // A repeated character needs a blank between, so only blank-ending paths extend.
                    let mass = c == last ? beamBlank[j] : total
                    if mass == 0 { continue }
                    let target: Int
                    if childBeam[j * k + c] >= 0 {
                        target = childBeam[j * k + c]
                    } else {
                        target = candidateCount
                        candidateCount += 1
                        candidateNode[target] = -1
                        candidateFrom[target] = j
                        candidateLabel[target] = c
                        candidateBlank[target] = 0
                        candidateNonBlank[target] = 0
                        candidateHasConfidences[target] = false
                    }
                    candidateNonBlank[target] += mass * Double(p)
                    mergeConfidences(into: target, from: j, length: length + 1, last: p)
                }
            }
            // Keep the `width` most probable.
            for i in 0 ..< candidateCount { order[i] = i }
            order.withUnsafeMutableBufferPointer { buffer in
                buffer[0 ..< candidateCount].sort { a, b in
                    let ta = candidateBlank[a] + candidateNonBlank[a], tb = candidateBlank[b] + candidateNonBlank[b]
                    return ta != tb ? ta > tb : candidateLabels(a).lexicographicallyPrecedes(candidateLabels(b))
                }
            }
            let kept = min(width, candidateCount)
            for r in 0 ..< kept {
                let i = order[r]
                if candidateNode[i] >= 0 {
                    nextNode[r] = candidateNode[i]
                } else {
                    let from = beamNode[candidateFrom[i]]
                    parent.append(Int32(from)); label.append(Int32(candidateLabel[i])); depth.append(depth[from] + 1)
                    nextNode[r] = parent.count - 1
                }
                nextBlank[r] = candidateBlank[i]
                nextNonBlank[r] = candidateNonBlank[i]
                let length = Int(depth[nextNode[r]])
                for d in 0 ..< length { nextConfidences[r * maxDepth + d] = candidateConfidences[i * maxDepth + d] }
            }
            swap(&beamNode, &nextNode)
            swap(&beamBlank, &nextBlank)
            swap(&beamNonBlank, &nextNonBlank)
            swap(&beamConfidences, &nextConfidences)
            beamCount = kept
        }
        // Beams are sorted already; with no steps there is only the empty prefix.
        return (0 ..< min(count, beamCount)).map { j in
            let node = beamNode[j], length = Int(depth[node])
            return Hypothesis(text: String(labels(ofNode: node).map { alphabet[$0 - 1] }),
                              confidence: Float(beamBlank[j] + beamNonBlank[j]),
                              characterConfidences: Array(beamConfidences[(j * maxDepth) ..< (j * maxDepth + length)]))
        }
    }

    /// Exact probability of `text` under the CTC model (forward algorithm over all alignments).
    /// Returns 0 for text containing characters outside the alphabet.
    public func probability(of text: String, _ probabilities: [Float], steps: Int) -> Float {
        let k = classCount
        // Extended sequence: blank, l1, blank, l2, ..., blank. Its labels and the two rows of
        // the forward recursion live in temporary (stack) buffers: the second look calls this
        // for every text of every view, and arrays per time step made it the engine's main
        // source of allocations.
        let s = 2 * text.count + 1
        return withUnsafeTemporaryAllocation(of: Int.self, capacity: s) { extended -> Float in
            extended[0] = 0
            var position = 1
            for character in text {
                guard let index = alphabet.firstIndex(of: character) else { return 0 }
                extended[position] = index + 1
                extended[position + 1] = 0
                position += 2
            }
            return withUnsafeTemporaryAllocation(of: Double.self, capacity: 2 * s) { rows -> Float in
                var alpha = rows.baseAddress!, next = alpha + s
                alpha.update(repeating: 0, count: s)
                alpha[0] = Double(probabilities[0])
                if s > 1 { alpha[1] = Double(probabilities[extended[1]]) }
                for t in 1 ..< max(steps, 1) {
                    for i in 0 ..< s {
                        var sum = alpha[i]
                        if i >= 1 { sum += alpha[i - 1] }
                        if i >= 2, extended[i] != 0, extended[i] != extended[i - 2] { sum += alpha[i - 2] }
                        next[i] = sum * Double(probabilities[t * k + extended[i]])
                    }
                    swap(&alpha, &next)
                }
                return Float(alpha[s - 1] + (s > 1 ? alpha[s - 2] : 0))
            }
        }
    }
}
