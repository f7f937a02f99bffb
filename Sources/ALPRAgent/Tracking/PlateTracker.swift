import ALPRCore
import enum ALPRVision.TextEdits
import Foundation

/// Follows plates from frame to frame and reports each vehicle once.
///
/// Detections are joined to a track when their text is within a few edits of the track's
/// last reading and their box lies near where the track's motion predicts it. A track that
/// is not seen for `maximumGap` ends and is reported; a track that stays in view (a parked
/// car) is reported once after `emitAfter`, and again only if `reemitInterval` is set.
/// Not thread-safe: one pipeline owns one tracker.
public struct PlateTracker: Sendable {
    public struct Configuration: Sendable {
        /// How long a track survives without a detection before it ends.
        public var maximumGap: TimeInterval = 1.0
        /// Readings further apart than this many edits are different plates.
        public var maximumEditDistance = 2
        /// How far (in plate-box widths) a detection may lie from the predicted position.
        public var maximumCentreShift = 1.5
        /// A plate still in view this long after it was first seen is reported without waiting
        /// for it to leave, so a hit on a parked or queued car is not delayed.
        public var emitAfter: TimeInterval = 3.0
        /// Report a plate that is still in view again after this long; nil (the default) never.
        public var reemitInterval: TimeInterval? = nil
        /// Tracks seen in fewer frames are dropped as noise. 1 lets single images through.
        public var minimumObservations = 1
        /// Readings kept per track for voting; beyond it the least confident are dropped.
        public var maximumObservationsKept = 60

        public init() {}
    }

    struct Track {
        let id: Int
        var detections: [PlateDetection]
        var best: PlateObservation
        var last: PlateDetection
        var firstSeenAt: Date
        var lastSeenAt: Date
        var observationCount: Int
        /// Pixels per second of the box centre, smoothed.
        var velocity: (x: Double, y: Double) = (0, 0)
        var emittedAt: Date?

        func predictedCentre(at time: Date) -> (x: Double, y: Double) {
            let dt = time.timeIntervalSince(lastSeenAt)
            let centre = last.box.centre
            return (centre.x + velocity.x * dt, centre.y + velocity.y * dt)
        }
    }

    public let configuration: Configuration
    var tracks: [Track] = []
    var nextTrackID = 0

    public init(configuration: Configuration = .init()) {
        self.configuration = configuration
    }

    public var activeTrackCount: Int { tracks.count }

    /// Feeds one processed frame's detections (possibly none) and returns the passes that
    /// are complete as of `time`. Call it for every processed frame so that tracks can end.
    public mutating func observe(
        _ detections: [PlateDetection], at time: Date, frame: RGBFrame? = nil, location: LocationFix? = nil
    ) -> [VehiclePass] {
        var unmatched = Array(detections.indices)
        for (trackIndex, detectionIndex) in associate(detections, at: time) {
            update(&tracks[trackIndex], with: detections[detectionIndex], at: time, frame: frame, location: location)
            unmatched.removeAll { $0 == detectionIndex }
        }
        for index in unmatched where !detections[index].text.isEmpty {
            let detection = detections[index]
            tracks.append(Track(
                id: nextTrackID, detections: [detection],
                best: PlateObservation(detection: detection, seenAt: time, frame: frame, location: location),
                last: detection, firstSeenAt: time, lastSeenAt: time, observationCount: 1
            ))
            nextTrackID += 1
        }
        return collectFinished(at: time)
    }

    /// Ends every track (end of stream) and returns their passes.
    public mutating func flush() -> [VehiclePass] {
        let passes = tracks.compactMap { track in
            track.emittedAt == nil && track.observationCount >= configuration.minimumObservations
                ? pass(for: track, reemission: false) : nil
        }
        tracks.removeAll()
        return passes
    }

    /// Forgets every track without reporting it (collection stopped).
    public mutating func discardAll() { tracks.removeAll() }

    // MARK: Association

    /// Greedy matching: the pairs with the fewest edits, then the smallest shift, are joined first.
    func associate(_ detections: [PlateDetection], at time: Date) -> [(track: Int, detection: Int)] {
        var pairs: [(track: Int, detection: Int, edits: Int, shift: Double)] = []
        for (t, track) in tracks.enumerated() {
            let predicted = track.predictedCentre(at: time)
            for (d, detection) in detections.enumerated() where !detection.text.isEmpty {
                let edits = TextEdits.distance(detection.text, track.last.text)
                guard edits <= configuration.maximumEditDistance, edits < max(detection.text.count, track.last.text.count) else { continue }
                let centre = detection.box.centre
                let scale = max(detection.box.width, track.last.box.width, 1)
                let shift = hypot(centre.x - predicted.x, centre.y - predicted.y) / scale
                let overlaps = detection.box.intersectionOverUnion(track.last.box) > 0
                guard shift <= configuration.maximumCentreShift || overlaps else { continue }
                pairs.append((t, d, edits, shift))
            }
        }
        pairs.sort { $0.edits != $1.edits ? $0.edits < $1.edits : $0.shift < $1.shift }
        var usedTracks = Set<Int>(), usedDetections = Set<Int>()
        var matches: [(track: Int, detection: Int)] = []
        for pair in pairs where !usedTracks.contains(pair.track) && !usedDetections.contains(pair.detection) {
            usedTracks.insert(pair.track)
            usedDetections.insert(pair.detection)
            matches.append((pair.track, pair.detection))
        }
        return matches
    }

    func update(_ track: inout Track, with detection: PlateDetection, at time: Date, frame: RGBFrame?, location: LocationFix?) {
        let dt = time.timeIntervalSince(track.lastSeenAt)
        if dt > 0 {
            let old = track.last.box.centre, new = detection.box.centre
            let measured = ((new.x - old.x) / dt, (new.y - old.y) / dt)
            track.velocity = track.observationCount == 1
                ? measured
                : ((track.velocity.x + measured.0) / 2, (track.velocity.y + measured.1) / 2)
        }
        track.last = detection
        track.lastSeenAt = time
        track.observationCount += 1
        track.detections.append(detection)
        if track.detections.count > configuration.maximumObservationsKept,
           let weakest = track.detections.indices.min(by: { track.detections[$0].confidence < track.detections[$1].confidence }) {
            track.detections.remove(at: weakest)
        }
        if detection.confidence > track.best.detection.confidence {
            track.best = PlateObservation(detection: detection, seenAt: time, frame: frame, location: location)
        }
    }

    // MARK: Emission

    mutating func collectFinished(at time: Date) -> [VehiclePass] {
        var passes: [VehiclePass] = []
        var surviving: [Track] = []
        for var track in tracks {
            let enoughFrames = track.observationCount >= configuration.minimumObservations
            if time.timeIntervalSince(track.lastSeenAt) > configuration.maximumGap {
                if track.emittedAt == nil, enoughFrames, let pass = pass(for: track, reemission: false) {
                    passes.append(pass)
                }
                continue
            }
            if let emittedAt = track.emittedAt {
                if let interval = configuration.reemitInterval, time.timeIntervalSince(emittedAt) >= interval,
                   let pass = pass(for: track, reemission: true) {
                    passes.append(pass)
                    track.emittedAt = time
                }
            } else if enoughFrames, time.timeIntervalSince(track.firstSeenAt) >= configuration.emitAfter,
                      let pass = pass(for: track, reemission: false) {
                passes.append(pass)
                track.emittedAt = time
            }
            surviving.append(track)
        }
        tracks = surviving
        return passes
    }

    func pass(for track: Track, reemission: Bool) -> VehiclePass? {
        guard let vote = PlateVote.vote(track.detections) else { return nil }
        return VehiclePass(
            text: vote.text, confidence: vote.confidence, characterConfidences: vote.characterConfidences,
            candidates: vote.candidates, state: vote.state, firstSeenAt: track.firstSeenAt,
            lastSeenAt: track.lastSeenAt, observationCount: track.observationCount, best: track.best,
            isReemission: reemission
        )
    }
}

extension PlateBox {
    var centre: (x: Double, y: Double) { (x + width / 2, y + height / 2) }

    func intersectionOverUnion(_ other: PlateBox) -> Double {
        let left = max(x, other.x), right = min(x + width, other.x + other.width)
        let top = max(y, other.y), bottom = min(y + height, other.y + other.height)
        let intersection = max(0, right - left) * max(0, bottom - top)
        let union = width * height + other.width * other.height - intersection
        return union > 0 ? intersection / union : 0
    }
}
