/// Which characters the engine gets wrong: each misread plate's best reading aligned with its
/// label by the fewest edits (Levenshtein), and every character read as another, missed or read
/// in excess counted, with a few plates it happened on. `alpr evaluate --confusions` prints it,
/// so that a change or a training round can be judged by the kind of mistakes it removes (a
/// round glyph written `0` against a label's `O`, a character read from beside the plate) and
/// not only by how many.
public struct CharacterConfusions: Sendable, Equatable {
    /// One kind of edit and how often it was needed.
    public struct Entry: Sendable, Equatable, Codable {
        /// The label's character; empty for a character the reading has in excess.
        public var expected: String
        /// The reading's character; empty for a label's character it lacks.
        public var read: String
        public var count: Int
        /// Up to `exampleLimit` plates it happened on, as `LABEL as READING`, in the order met.
        public var examples: [String]
    }

    /// Plates added (misread plates with a reading).
    public private(set) var plates = 0
    /// Plates by the edits between label and reading: one, two, three or more.
    public private(set) var byEdits = [0, 0, 0]
    /// Every edit met, the commonest first (ties in the order of their first plate).
    public var entries: [Entry] {
        let met = order.map { entriesByKey[$0]! }
        return met.indices.sorted { met[$0].count != met[$1].count ? met[$0].count > met[$1].count : $0 < $1 }.map { met[$0] }
    }

    public static let exampleLimit = 3

    private var entriesByKey: [String: Entry] = [:]
    private var order: [String] = []

    public init() {}

    /// Counts the edits from `expected` (a label) to `read` (the engine's reading of it). Equal
    /// texts add nothing.
    public mutating func add(expected: String, read: String) {
        let edits = Self.edits(from: expected, to: read)
        guard !edits.isEmpty else { return }
        plates += 1
        byEdits[min(edits.count, 3) - 1] += 1
        let example = "\(expected) as \(read)"
        for edit in edits {
            let expectedText = edit.expected.map(String.init) ?? "", readText = edit.read.map(String.init) ?? ""
            let key = expectedText + "\u{1F}" + readText
            if var entry = entriesByKey[key] {
                entry.count += 1
                if entry.examples.count < Self.exampleLimit, !entry.examples.contains(example) { entry.examples.append(example) }
                entriesByKey[key] = entry
            } else {
                entriesByKey[key] = Entry(expected: expectedText, read: readText, count: 1, examples: [example])
                order.append(key)
            }
        }
    }

    /// The fewest single-character edits that turn `expected` into `read`, left to right: a
    /// substitution (both characters), a character `read` lacks (`read` nil) or one it has in
    /// excess (`expected` nil). Among alignments of equal length the one that pairs characters
    /// from the right end first is taken, so `XO706` / `X0706` is one substitution and
    /// `URSAE` / `HURSAE` one excess `H`.
    public static func edits(from expected: String, to read: String) -> [(expected: Character?, read: Character?)] {
        let a = Array(expected), b = Array(read)
        let columns = b.count + 1
        // distance[i * columns + j]: edits between a's first i characters and b's first j.
        var distance = [Int](repeating: 0, count: (a.count + 1) * columns)
        for i in 0 ... a.count { distance[i * columns] = i }
        for j in 0 ... b.count { distance[j] = j }
        if !a.isEmpty && !b.isEmpty {
            for i in 1 ... a.count {
                for j in 1 ... b.count {
                    let substitution = distance[(i - 1) * columns + j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1)
                    distance[i * columns + j] = min(substitution, distance[(i - 1) * columns + j] + 1, distance[i * columns + j - 1] + 1)
                }
            }
        }
        // Walk back from the end, taking a match or substitution where it is on a shortest path.
        var edits: [(expected: Character?, read: Character?)] = []
        var i = a.count, j = b.count
        while i > 0 || j > 0 {
            let here = distance[i * columns + j]
            if i > 0, j > 0, distance[(i - 1) * columns + j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1) == here {
                if a[i - 1] != b[j - 1] { edits.append((a[i - 1], b[j - 1])) }
                i -= 1
                j -= 1
            } else if i > 0, distance[(i - 1) * columns + j] + 1 == here {
                edits.append((a[i - 1], nil))
                i -= 1
            } else {
                edits.append((nil, b[j - 1]))
                j -= 1
            }
        }
        return edits.reversed()
    }
}
