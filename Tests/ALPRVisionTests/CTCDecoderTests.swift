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
    }
}
