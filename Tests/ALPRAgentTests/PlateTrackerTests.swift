@testable import ALPRAgent
import ALPRCore
import Foundation
import Testing

/// Synthetic detection sequences: a car crossing the frame, a parked car, two cars crossing.
@Suite struct PlateTrackerTests {
    let start = Date(timeIntervalSince1970: 1_700_000_000)

    func box(x: Double, y: Double = 300) -> PlateBox { PlateBox(x: x, y: y, width: 80, height: 24) }

    /// Replaces the character at `position` (a misread).
    func misread(_ text: String, at position: Int, as character: Character) -> String {
        var characters = Array(text)
        characters[position] = character
        return String(characters)
    }

    @Test func noisyPassingCarIsVotedIntoOneCorrectRead() {
        var tracker = PlateTracker()
        var generator = SeededGenerator(seed: 7)
        let truth = "7ABC123"
        var passes: [VehiclePass] = []
        // 12 frames at 10 fps, moving 40 px per frame; every frame has one random misread
        // character with low confidence at a random position.
        for frame in 0..<12 {
            let position = Int.random(in: 0..<truth.count, using: &generator)
            let text = misread(truth, at: position, as: "Q")
            var confidences = Array(repeating: 0.9, count: truth.count)
            confidences[position] = 0.3
            let detection = PlateDetection(text: text, confidence: 0.7, characterConfidences: confidences, box: box(x: 100 + Double(frame) * 40))
            passes += tracker.observe([detection], at: start.addingTimeInterval(Double(frame) * 0.1))
        }
        #expect(passes.isEmpty, "a moving car is reported when it leaves, not while it is in view")
        passes += tracker.observe([], at: start.addingTimeInterval(3))
        #expect(passes.count == 1)
        #expect(passes.first?.text == truth)
        #expect(passes.first?.observationCount == 12)
        #expect(passes.first?.firstSeenAt == start)
        #expect(passes.first?.lastSeenAt == start.addingTimeInterval(1.1))
        #expect(tracker.activeTrackCount == 0)
    }

    @Test func parkedCarIsReportedOnceWhileItStaysInView() {
        var tracker = PlateTracker()
        var passes: [VehiclePass] = []
        // Ten minutes at 2 fps, same place.
        for frame in 0..<1200 {
            let detection = PlateDetection(text: "PARK42", confidence: 0.8, box: box(x: 500 + Double(frame % 3)))
            passes += tracker.observe([detection], at: start.addingTimeInterval(Double(frame) * 0.5))
        }
        #expect(passes.count == 1)
        #expect(passes.first?.text == "PARK42")
        #expect(passes.first?.isReemission == false)
        // Leaving does not report it a second time.
        passes += tracker.observe([], at: start.addingTimeInterval(700))
        #expect(passes.count == 1)
    }

    @Test func parkedCarIsReportedAgainOnlyAfterTheReemitInterval() {
        var configuration = PlateTracker.Configuration()
        configuration.reemitInterval = 120
        var tracker = PlateTracker(configuration: configuration)
        var passes: [VehiclePass] = []
        for frame in 0..<600 {  // 300 s at 2 fps
            passes += tracker.observe([PlateDetection(text: "PARK42", confidence: 0.8, box: box(x: 500))], at: start.addingTimeInterval(Double(frame) * 0.5))
        }
        // First report after emitAfter (3 s), then at 123 s and 243 s.
        #expect(passes.count == 3)
        #expect(passes.map(\.isReemission) == [false, true, true])
    }

    @Test func twoCarsCrossingKeepTheirOwnPlates() {
        var tracker = PlateTracker()
        var passes: [VehiclePass] = []
        // Car A drives right, car B drives left on nearly the same row; they overlap mid-way.
        for frame in 0..<20 {
            let time = start.addingTimeInterval(Double(frame) * 0.1)
            let a = PlateDetection(text: frame == 10 ? "AAA1Z1" : "AAA111", confidence: 0.8, box: box(x: 100 + Double(frame) * 50, y: 300))
            let b = PlateDetection(text: frame == 9 ? "BBB2Z2" : "BBB222", confidence: 0.8, box: box(x: 1100 - Double(frame) * 50, y: 310))
            passes += tracker.observe(frame.isMultiple(of: 2) ? [a, b] : [b, a], at: time)
        }
        passes += tracker.observe([], at: start.addingTimeInterval(5))
        #expect(passes.map(\.text).sorted() == ["AAA111", "BBB222"])
        #expect(passes.allSatisfy { $0.observationCount == 20 })
    }

    @Test func differentPlatesInTheSamePlaceAreDifferentTracks() {
        var tracker = PlateTracker()
        _ = tracker.observe([PlateDetection(text: "XYZ789", confidence: 0.9, box: box(x: 200))], at: start)
        _ = tracker.observe([PlateDetection(text: "KLM456", confidence: 0.9, box: box(x: 200))], at: start.addingTimeInterval(0.1))
        let passes = tracker.observe([], at: start.addingTimeInterval(5))
        #expect(passes.map(\.text).sorted() == ["KLM456", "XYZ789"])
    }

    @Test func detectionFarFromThePredictedPositionStartsANewTrack() {
        var tracker = PlateTracker()
        _ = tracker.observe([PlateDetection(text: "XYZ789", confidence: 0.9, box: box(x: 100))], at: start)
        _ = tracker.observe([PlateDetection(text: "XYZ789", confidence: 0.9, box: box(x: 1500))], at: start.addingTimeInterval(0.1))
        #expect(tracker.activeTrackCount == 2)
    }

    @Test func trackSurvivesAShortGapButNotALongOne() {
        var tracker = PlateTracker()  // maximumGap 1 s
        let detection = PlateDetection(text: "GAP123", confidence: 0.9, box: box(x: 300))
        _ = tracker.observe([detection], at: start)
        _ = tracker.observe([], at: start.addingTimeInterval(0.6))
        var passes = tracker.observe([detection], at: start.addingTimeInterval(0.8))
        #expect(passes.isEmpty)
        #expect(tracker.activeTrackCount == 1)
        passes = tracker.observe([], at: start.addingTimeInterval(2.0))
        #expect(passes.count == 1)
        #expect(passes.first?.observationCount == 2)
    }

    @Test func bestObservationKeepsTheMostConfidentFrame() throws {
        var tracker = PlateTracker()
        let frames = try (0..<3).map { index in
            try RGBFrame(width: 4, height: 4, pixels: Array(repeating: UInt8(index), count: 48), capturedAt: start.addingTimeInterval(Double(index) * 0.1))
        }
        for (index, confidence) in [0.5, 0.95, 0.6].enumerated() {
            _ = tracker.observe([PlateDetection(text: "BEST1", confidence: confidence, box: box(x: 10))], at: frames[index].capturedAt, frame: frames[index])
        }
        let pass = try #require(tracker.flush().first)
        #expect(pass.best.frame == frames[1])
        #expect(pass.best.detection.confidence == 0.95)
    }

    @Test func singleFrameIsReportedOnFlush() {
        var tracker = PlateTracker()
        _ = tracker.observe([PlateDetection(text: "ONE1", confidence: 0.9, box: box(x: 10))], at: start)
        #expect(tracker.flush().map(\.text) == ["ONE1"])
        #expect(tracker.flush().isEmpty)
    }
}

@Suite struct PlateVoteTests {
    let box = PlateBox(x: 0, y: 0, width: 10, height: 5)

    @Test func lengthWithMostWeightWinsAndOnlyItsReadingsVote() throws {
        let detections = [
            PlateDetection(text: "ABC1234", confidence: 0.9, box: box),
            PlateDetection(text: "ABC1284", confidence: 0.6, box: box),
            PlateDetection(text: "ABC124", confidence: 0.95, box: box),  // dropped character
            PlateDetection(text: "ABC1234", confidence: 0.8, box: box),
        ]
        let result = try #require(PlateVote.vote(detections))
        #expect(result.text == "ABC1234")
        #expect(result.candidates.first?.text == "ABC1234")
        #expect(result.candidates.contains { $0.text == "ABC124" })
        #expect(result.candidates.contains { $0.text == "ABC1284" })
        #expect((0...1).contains(result.confidence))
    }

    @Test func perCharacterConfidenceOutweighsFrameCount() throws {
        // Two frames read position 3 as "8" with low character confidence, one reads "3" sure.
        let detections = [
            PlateDetection(text: "XYZ8", confidence: 0.7, characterConfidences: [0.9, 0.9, 0.9, 0.2], box: box),
            PlateDetection(text: "XYZ8", confidence: 0.7, characterConfidences: [0.9, 0.9, 0.9, 0.2], box: box),
            PlateDetection(text: "XYZ3", confidence: 0.8, characterConfidences: [0.9, 0.9, 0.9, 0.95], box: box),
        ]
        #expect(PlateVote.vote(detections)?.text == "XYZ3")
    }

    @Test func characterConfidenceIsTheWinnersMeanOverAllVoters() throws {
        let detections = [
            PlateDetection(text: "AB", confidence: 1, characterConfidences: [1, 1], box: box),
            PlateDetection(text: "AC", confidence: 1, characterConfidences: [1, 0.2], box: box),
        ]
        let result = try #require(PlateVote.vote(detections))
        #expect(result.text == "AB")
        #expect(result.characterConfidences == [1, 0.5])
        #expect(result.confidence == 0.75)
    }

    @Test func stateIsTheWeightedMajority() {
        let detections = [
            PlateDetection(text: "AB1", confidence: 0.9, box: box, state: "MN"),
            PlateDetection(text: "AB1", confidence: 0.5, box: box, state: "WI"),
            PlateDetection(text: "AB1", confidence: 0.5, box: box, state: nil),
        ]
        #expect(PlateVote.vote(detections)?.state == "MN")
    }

    @Test func nothingReadableGivesNoVote() {
        #expect(PlateVote.vote([]) == nil)
        #expect(PlateVote.vote([PlateDetection(text: "--", confidence: 0.9, box: box)]) == nil)
    }
}
