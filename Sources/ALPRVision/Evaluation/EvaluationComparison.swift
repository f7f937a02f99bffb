import Foundation

/// Two evaluations of the same annotated images compared plate by plate: which plates a change
/// (new weights, an engine option) read exactly or found that the baseline did not, and which
/// it lost. `alpr evaluate --baseline FILE` prints it against an earlier `--json --mistakes`
/// report, so that a change is judged by the plates it moves, not only by its totals (which a
/// different draw of frames moves by a few plates either way).
public struct EvaluationComparison: Sendable, Equatable {
    /// One annotated plate of one image, as the mistake lists name it.
    public struct Plate: Sendable, Hashable, Comparable {
        public var file: String
        public var plate: String

        public init(file: String, plate: String) {
            self.file = file
            self.plate = plate
        }

        public static func < (a: Plate, b: Plate) -> Bool { (a.file, a.plate) < (b.file, b.plate) }
    }

    /// What happened to a plate in one evaluation.
    public enum Outcome: Sendable, Equatable {
        case exact
        /// Found, best text `read` (nil when the list did not say).
        case misread(String?)
        case missed

        var found: Bool { if case .missed = self { false } else { true } }
        var isExact: Bool { if case .exact = self { true } else { false } }
    }

    /// A plate whose outcome changed.
    public struct Change: Sendable, Equatable {
        public var plate: Plate
        public var before: Outcome
        public var after: Outcome
    }

    /// Plates read exactly now and not in the baseline, and the reverse.
    public var gained: [Change] = []
    public var lost: [Change] = []
    /// Plates found now and missed in the baseline, and the reverse.
    public var foundGained: [Change] = []
    public var foundLost: [Change] = []
    public var falsePlatesBefore = 0
    public var falsePlatesAfter = 0

    /// McNemar's exact test on the plates read exactly: the two-sided probability that a
    /// change which helps and hurts alike would move at least as lopsided a share of plates as
    /// `gained` against `lost` (1 when none moved). It counts the plates as independent; the
    /// same plates pasted into several draws of frames are not, so read it as too small there.
    public var exactChangeProbability: Double { Self.mcNemarExact(gained.count, lost.count) }

    /// The exact two-sided McNemar (sign) test for `b` changes one way and `c` the other:
    /// twice the probability of at most min(b, c) heads in b + c fair coin tosses, at most 1.
    public static func mcNemarExact(_ b: Int, _ c: Int) -> Double {
        let n = b + c, k = min(b, c)
        guard n > 0 else { return 1 }
        // Sum C(n, i) / 2^n for i <= k in logarithms, so that thousands of plates cannot overflow.
        let logHalfPower = Double(n) * log(0.5)
        var tail = 0.0
        for i in 0 ... k {
            tail += exp(lgamma(Double(n + 1)) - lgamma(Double(i + 1)) - lgamma(Double(n - i + 1)) + logHalfPower)
        }
        return min(1, 2 * tail)
    }

    /// Compares the mistake lists of two evaluations of the same annotated images (every
    /// annotated plate not in a list was read exactly). A plate is its image and its annotated
    /// text; an image with the same text annotated twice counts that text's mistakes in order.
    public init(baseline: [(file: String, mistake: Evaluation.Mistake)], current: [(file: String, mistake: Evaluation.Mistake)]) {
        func outcomes(_ list: [(file: String, mistake: Evaluation.Mistake)]) -> (byPlate: [Plate: [Outcome]], falsePlates: Int) {
            var byPlate: [Plate: [Outcome]] = [:], falsePlates = 0
            for (file, mistake) in list {
                guard let expected = mistake.expected else {
                    falsePlates += mistake.kind == .falsePlate ? 1 : 0
                    continue
                }
                let outcome: Outcome = mistake.kind == .missed ? .missed : .misread(mistake.read.first)
                byPlate[Plate(file: file, plate: expected), default: []].append(outcome)
            }
            return (byPlate, falsePlates)
        }
        let before = outcomes(baseline), after = outcomes(current)
        falsePlatesBefore = before.falsePlates
        falsePlatesAfter = after.falsePlates
        for plate in Set(before.byPlate.keys).union(after.byPlate.keys).sorted() {
            let was = before.byPlate[plate] ?? [], now = after.byPlate[plate] ?? []
            // The k-th mistake of a text in an image against the k-th; missing ones were exact.
            for k in 0 ..< max(was.count, now.count) {
                let change = Change(plate: plate, before: k < was.count ? was[k] : .exact, after: k < now.count ? now[k] : .exact)
                if !change.before.isExact && change.after.isExact { gained.append(change) }
                if change.before.isExact && !change.after.isExact { lost.append(change) }
                if !change.before.found && change.after.found { foundGained.append(change) }
                if change.before.found && !change.after.found { foundLost.append(change) }
            }
        }
    }
}
