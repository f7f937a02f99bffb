import Foundation
import Testing
@testable import ALPRVision

@Suite("CTC decoding")
struct CTCDecoderTests {
    let decoder = CTCDecoder(alphabet: Array("AB"))

    /// Rows of [blank, A, B] per time step.
    func matrix(_ rows: [[Float]]) -> [Float] { rows.flatMap { $0 } }

    @Test("greedy merges repeats and drops blanks, keeping a blank-separated repeat")
    func greedy() {
        let p = matrix([[0.1, 0.8, 0.1], [0.2, 0.7, 0.1], [0.9, 0.05, 0.05], [0.1, 0.6, 0.3], [0.1, 0.2, 0.7]])
        let result = decoder.greedy(p, steps: 5)
        #expect(result.text == "AAB")
        #expect(result.characterConfidences == [0.8, 0.6, 0.7])
    }

    @Test("beam search sums alignments: it finds the text greedy misses")
    func beamBeatsGreedy() {
        // Best path is blank, blank (0.36), but "A" has 0.4·0.6 + 0.6·0.4 + 0.4·0.4 = 0.64.
        let p = matrix([[0.6, 0.4, 0], [0.6, 0.4, 0]])
        #expect(decoder.greedy(p, steps: 2).text == "")
        let beams = decoder.beamSearch(p, steps: 2, count: 2)
        #expect(beams.map(\.text) == ["A", ""])
        #expect(abs(beams[0].confidence - 0.64) < 1e-6)
        #expect(abs(beams[1].confidence - 0.36) < 1e-6)
    }

    @Test("beam confidences equal the forward-algorithm probability, and all texts sum to one")
    func probabilitiesAreExact() {
        var random = SeededRandom(seed: 71)
        let steps = 4
        var p: [Float] = []
        for _ in 0 ..< steps {
            let raw = random.floats(3, in: 0.05 ... 1)
            let sum = raw.reduce(0, +)
            p += raw.map { $0 / sum }
        }
        var wide = decoder
        wide.beamWidth = 200
        wide.pruneBelow = 0
        let beams = wide.beamSearch(p, steps: steps, count: 200)
        for beam in beams {
            #expect(abs(beam.confidence - decoder.probability(of: beam.text, p, steps: steps)) < 1e-5, "\(beam.text)")
        }
        #expect(abs(beams.map(\.confidence).reduce(0, +) - 1) < 1e-5)
        #expect(decoder.probability(of: "C", p, steps: steps) == 0)
    }

    /// Random rows, some peaked (one class takes most of the mass) so that prefixes drop out
    /// of the beam and are reached again later, as on real plates.
    static func randomMatrix(_ random: inout SeededRandom, steps: Int, classes: Int) -> [Float] {
        var p: [Float] = []
        for _ in 0 ..< steps {
            var raw = random.floats(classes, in: 0 ... 1).map { $0 * $0 * $0 }
            if random.next() % 2 == 0 { raw[Int(random.next() % UInt64(classes))] += 3 }
            let sum = raw.reduce(0, +)
            p += raw.map { $0 / sum }
        }
        return p
    }

    @Test("beam search gives the plain dictionary search's texts, probabilities and confidences",
          arguments: [(3, 2, 6), (3, 2, 16), (3, 3, 20), (4, 3, 16), (5, 4, 12), (6, 10, 24), (37, 10, 32), (4, 1, 9)])
    func matchesReference(classes: Int, width: Int, steps: Int) {
        var random = SeededRandom(seed: UInt64(classes * 1000 + width * 100 + steps))
        let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789".prefix(classes - 1))
        for trial in 0 ..< (classes > 10 ? 20 : 200) {
            let p = Self.randomMatrix(&random, steps: steps, classes: classes)
            var decoder = CTCDecoder(alphabet: alphabet, beamWidth: width)
            decoder.pruneBelow = trial % 3 == 0 ? 0 : 1e-3
            let reference = ReferenceBeamSearch(classCount: classes, beamWidth: width, pruneBelow: decoder.pruneBelow)
                .search(p, steps: steps, count: width)
            let beams = decoder.beamSearch(p, steps: steps, count: width)
            #expect(beams.map(\.text) == reference.map { String($0.labels.map { alphabet[$0 - 1] }) }, "trial \(trial)")
            for (beam, expected) in zip(beams, reference) {
                #expect(abs(Double(beam.confidence) - expected.confidence) <= 1e-6 * max(1, expected.confidence), "trial \(trial) \(beam.text)")
                #expect(beam.characterConfidences == expected.confidences, "trial \(trial) \(beam.text)")
            }
        }
    }

    @Test("no time steps leave the empty text with probability one")
    func noSteps() {
        let beams = decoder.beamSearch([], steps: 0, count: 3)
        #expect(beams.map(\.text) == [""])
        #expect(beams.first?.confidence == 1)
    }
}

@Suite("US plate formats")
struct USPlateFormatsTests {
    let formats = USPlateFormats.standard

    @Test("patterns match letters and digits by position")
    func matching() {
        #expect(formats.matches("ABC123"))
        #expect(formats.matches("123ABC"))
        #expect(formats.matches("ABC1234"))
        #expect(formats.matches("7ABC123"))
        #expect(!formats.matches("AB1234"))
        #expect(!formats.matches("ABC12O"))
        #expect(!formats.matches("HELLO"))
        // New York for-hire (a literal T and C around six digits), commercial, New Jersey.
        #expect(formats.matches("T752794C"))
        #expect(!formats.matches("T75279AC"))
        #expect(!formats.matches("X752794C"))
        #expect(formats.matches("54273MN"))
        #expect(formats.matches("A12BCD"))
    }

    @Test("a fitting candidate is boosted, but a much more confident misfit still wins")
    func rerankNeverForces() {
        let close = [PlateCandidate(text: "ABC12O", confidence: 0.5), PlateCandidate(text: "ABC120", confidence: 0.4)]
        #expect(formats.rerank(close).map(\.text) == ["ABC120", "ABC12O"])
        #expect(formats.rerank(close).first?.confidence == 0.4)
        let vanity = [PlateCandidate(text: "GOVIKES", confidence: 0.9), PlateCandidate(text: "GOV1234", confidence: 0.05)]
        #expect(formats.rerank(vanity).map(\.text) == ["GOVIKES", "GOV1234"])
    }

    @Test("look-alike variants swap only where the pattern wants the other kind")
    func lookAlikes() {
        #expect(formats.lookAlikeVariants(of: "ABC12O") == ["ABC120"])
        #expect(formats.lookAlikeVariants(of: "8BC123") == ["BBC123"])
        #expect(formats.lookAlikeVariants(of: "ABC123").isEmpty)
        #expect(formats.lookAlikeVariants(of: "AB").isEmpty)
        // A literal is kept, never swapped: only the digits of a for-hire plate are.
        #expect(formats.lookAlikeVariants(of: "T75279BC") == ["T752798C"])
        #expect(formats.lookAlikeVariants(of: "175279BC").isEmpty)
    }

    @Test("outside every format a round glyph is written 0; inside one the position decides")
    func zeroOutsideFormats() {
        #expect(formats.written("YOSPEED") == "Y0SPEED")
        #expect(formats.written("GOOD2GO") == "G00D2G0")
        #expect(formats.written("WH6KO") == "WH6K0")
        #expect(formats.written("Y0SPEED") == "Y0SPEED")
        #expect(formats.written("SPEEDY") == "SPEEDY")
        // Letter positions of a serial format keep their O.
        #expect(formats.written("NOX218") == "NOX218")
        #expect(formats.written("471NZO") == "471NZO")
        #expect(formats.written("ORZ466") == "ORZ466")
        var letters = formats
        letters.zeroOutsideFormats = false
        #expect(letters.written("YOSPEED") == "YOSPEED")
    }

    @Test("a reading and its candidates are written out, each text once, in rank order")
    func rankWritesCandidates() throws {
        let ocr = try PlateOCR(network: RandomModels.ocr(seed: 41).load())
        let hypotheses = [
            CTCDecoder.Hypothesis(text: "YOSPEED", confidence: 0.5, characterConfidences: [0.9, 0.4, 0.9, 0.9, 0.9, 0.9, 0.9]),
            CTCDecoder.Hypothesis(text: "Y0SPEED", confidence: 0.3, characterConfidences: [0.9, 0.3, 0.9, 0.9, 0.9, 0.9, 0.9]),
            CTCDecoder.Hypothesis(text: "YDSPEED", confidence: 0.1, characterConfidences: [0.9, 0.1, 0.9, 0.9, 0.9, 0.9, 0.9]),
            CTCDecoder.Hypothesis(text: "NOX218", confidence: 0.06, characterConfidences: [Float](repeating: 0.5, count: 6)),
        ]
        let reading = ocr.rank(hypotheses, candidateCount: 4, formats: .standard)
        #expect(reading.text == "Y0SPEED")
        #expect(reading.confidence == 0.5)
        #expect(reading.characterConfidences == hypotheses[0].characterConfidences)
        // The text as read follows its written form; Y0SPEED as read is then already there.
        // NOX218 fits a format: boosted past YDSPEED, and written as it is.
        #expect(reading.candidates.map(\.text) == ["Y0SPEED", "YOSPEED", "NOX218", "YDSPEED"])
        #expect(reading.candidates.map(\.confidence) == [0.5, 0.5, 0.06, 0.1])
        #expect(ocr.rank(hypotheses, candidateCount: 1, formats: .standard).candidates.map(\.text) == ["Y0SPEED"])
        let unformatted = ocr.rank(hypotheses, candidateCount: 3, formats: nil)
        #expect(unformatted.text == "YOSPEED")
        #expect(unformatted.candidates.map(\.text) == ["YOSPEED", "Y0SPEED", "YDSPEED"])
    }
}

/// training/ctc_decode.py decodes the OCR's probabilities as the engine does, so that the
/// Python pipeline's reads and the trainer's scores are the engine's. Its golden cases
/// (`python training/ctc_decode.py --golden`: unsure plate-like readings, some with four
/// views) must decode here to the same texts, confidences and candidates.
@Suite("Python decoding mirror")
struct PythonDecodingMirrorTests {
    struct Golden: Decodable {
        struct Hypothesis: Decodable { var text: String; var confidence: Double; var characters: [Double] }
        struct Reading: Decodable { var text: String; var confidence: Double; var characters: [Double]; var candidates: [[Candidate]] }
        enum Candidate: Decodable {
            case text(String), confidence(Double)
            init(from decoder: any Decoder) throws {
                let container = try decoder.singleValueContainer()
                if let text = try? container.decode(String.self) { self = .text(text) } else { self = .confidence(try container.decode(Double.self)) }
            }
        }
        struct Case: Decodable {
            var weights: [[Int]]
            var beams: [Hypothesis]
            var hypotheses: [Hypothesis]
            var reading: Reading
            var unformatted: Reading
            var combined: Reading?
        }
        var alphabet: String
        var beam_width: Int
        var candidates: Int
        var steps: Int
        var scale: Int
        var cases: [Case]
    }

    static func golden() throws -> Golden {
        let url = GoldenModelTests.fixtures.appendingPathComponent("ctc_decoding.golden.json")
        return try JSONDecoder().decode(Golden.self, from: Data(contentsOf: url))
    }

    func expectSame(_ actual: [CTCDecoder.Hypothesis], _ expected: [Golden.Hypothesis], _ label: String) {
        #expect(actual.map(\.text) == expected.map(\.text), "\(label)")
        for (a, e) in zip(actual, expected) {
            #expect(abs(Double(a.confidence) - e.confidence) <= 1e-6 * e.confidence, "\(label) \(a.text)")
            #expect(a.characterConfidences == e.characters.map(Float.init), "\(label) \(a.text)")
        }
    }

    func expectSame(_ actual: PlateOCR.Reading, _ expected: Golden.Reading, _ label: String) {
        #expect(actual.text == expected.text, "\(label)")
        #expect(abs(Double(actual.confidence) - expected.confidence) <= 1e-6 * expected.confidence, "\(label)")
        #expect(actual.characterConfidences == expected.characters.map(Float.init), "\(label)")
        let texts = expected.candidates.compactMap { pair -> String? in if case .text(let t) = pair.first { t } else { nil } }
        let confidences = expected.candidates.compactMap { pair -> Double? in if case .confidence(let c) = pair.last { c } else { nil } }
        #expect(actual.candidates.map(\.text) == texts, "\(label)")
        for (a, e) in zip(actual.candidates.map(\.confidence), confidences) {
            #expect(abs(Double(a) - e) <= 1e-6 * e, "\(label)")
        }
    }

    @Test("the Python decoding mirror gives the engine's readings")
    func mirror() throws {
        let golden = try Self.golden()
        #expect(golden.cases.count >= 40)
        #expect(golden.cases.contains { $0.combined != nil })
        let alphabet = Array(golden.alphabet), classes = alphabet.count + 1
        let decoder = CTCDecoder(alphabet: alphabet, beamWidth: golden.beam_width)
        let options = PlateRecognizer.Options()
        #expect(golden.beam_width == options.beamWidth)
        #expect(golden.candidates == options.candidateCount)
        for (index, item) in golden.cases.enumerated() {
            let views: [[Float]] = try item.weights.map { triples in
                try #require(triples.count % 3 == 0)
                var p = [Float](repeating: 0, count: golden.steps * classes)
                for i in stride(from: 0, to: triples.count, by: 3) {
                    p[triples[i] * classes + triples[i + 1]] = Float(triples[i + 2]) / Float(golden.scale)
                }
                return p
            }
            let label = "case \(index)"
            expectSame(decoder.beamSearch(views[0], steps: golden.steps, count: golden.beam_width), item.beams, label + " beams")
            let found = PlateOCR.hypotheses(views[0], steps: golden.steps, decoder: decoder, candidateCount: golden.candidates, formats: .standard)
            expectSame(found, item.hypotheses, label + " hypotheses")
            expectSame(PlateOCR.rank(found, candidateCount: golden.candidates, formats: .standard), item.reading, label + " reading")
            let plain = PlateOCR.hypotheses(views[0], steps: golden.steps, decoder: decoder, candidateCount: golden.candidates, formats: nil)
            expectSame(PlateOCR.rank(plain, candidateCount: golden.candidates, formats: nil), item.unformatted, label + " unformatted")
            if let combined = item.combined {
                var proposals = found
                for view in views.dropFirst() {
                    proposals += PlateOCR.hypotheses(view, steps: golden.steps, decoder: decoder, candidateCount: golden.candidates, formats: .standard)
                }
                let reading = PlateOCR.combine(proposals, views: views[...], steps: golden.steps, decoder: decoder,
                                               candidateCount: golden.candidates, formats: .standard)
                expectSame(reading, combined, label + " combined")
            }
        }
    }
}
