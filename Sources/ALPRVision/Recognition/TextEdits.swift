/// The fewest single-character edits between two plate texts (Levenshtein): how
/// `alpr evaluate --confusions` aligns a misread plate with its label, and how the reader
/// agent's tracker tells a plate read again in the next frame from another plate. Plates are
/// at most ten characters, so the quadratic table costs nothing worth optimising.
public enum TextEdits {
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

    /// How many edits turn `a` into `b`: the Levenshtein distance.
    public static func distance(_ a: String, _ b: String) -> Int {
        edits(from: a, to: b).count
    }
}
