/// Which characters the engine gets wrong: each misread plate's best reading aligned with its
/// label by the fewest edits (`TextEdits`), and every character read as another, missed or read
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
        let edits = TextEdits.edits(from: expected, to: read)
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
}
