import Foundation
import Logging
import ServiceLifecycle

/// Camera to queue: frames → collection gate (R7) → recognition → tracking and voting →
/// one durable read per vehicle pass. Recognition takes the newest frame each time it is
/// free; the tracker is also ticked on a timer so a pass ends even when frames stop coming.
public struct ReaderPipeline: Service {
    public struct Configuration: Sendable {
        public var tracker = PlateTracker.Configuration()
        /// How often tracks are checked for their end between frames.
        public var tickInterval: TimeInterval = 0.25
        public init() {}
    }

    let source: any FrameSource
    let recognizer: any FrameRecognizer
    let location: any LocationProvider
    let gate: CollectionGate
    let queue: DurableQueue
    let assembler: ReadAssembler
    let configuration: Configuration
    let logger: Logger

    public init(
        source: any FrameSource, recognizer: any FrameRecognizer, location: any LocationProvider,
        gate: CollectionGate, queue: DurableQueue, assembler: ReadAssembler,
        configuration: Configuration = .init(), logger: Logger
    ) {
        self.source = source
        self.recognizer = recognizer
        self.location = location
        self.gate = gate
        self.queue = queue
        self.assembler = assembler
        self.configuration = configuration
        self.logger = logger
    }

    public func run() async throws {
        let stage = TrackingStage(tracker: PlateTracker(configuration: configuration.tracker), queue: queue, assembler: assembler, logger: logger)
        await withTaskGroup(of: Void.self) { group in
            group.addTask {
                var throughput = PipelineThroughput()
                for await frame in source.frames().cancelOnGracefulShutdown() {
                    guard gate.isCollecting(now: Date()) else {
                        await stage.discardAll()
                        continue
                    }
                    throughput.frameStarted(at: Date())
                    await stage.frameArrived()
                    let fix = location.currentFix(now: Date())
                    let detections: [PlateDetection]
                    do {
                        detections = FrameEdgeFilter.fullyInView(
                            try await recognizer.recognize(frame), frameWidth: frame.width, frameHeight: frame.height
                        )
                    } catch {
                        logger.warning("recognition failed on a frame", metadata: ["error": "\(error)"])
                        detections = []
                    }
                    await stage.observe(detections, frame: frame, location: fix)
                    throughput.frameFinished(at: Date())
                }
                // End of a file or shutdown: the vehicles in view still get their reads.
                if gate.isCollecting(now: Date()) { await stage.flush() } else { await stage.discardAll() }
                let statistics = source.statistics
                let readsQueued = await stage.readsQueued
                logger.info("frame source ended", metadata: [
                    "frames_recognised": "\(throughput.frames)",
                    "frames_per_second": "\(String(format: "%.2f", throughput.framesPerSecond))",
                    "frames_produced": "\(statistics.produced)", "frames_dropped": "\(statistics.dropped)",
                    "reads_queued": "\(readsQueued)",
                ])
            }
            group.addTask {
                while !Task.isCancelled {
                    do { try await Task.sleep(for: .seconds(configuration.tickInterval)) } catch { return }
                    await stage.tick(now: Date())
                }
            }
            await group.next()
            group.cancelAll()
        }
    }
}

/// Owns the tracker so frames and timer ticks update it one at a time.
actor TrackingStage {
    var tracker: PlateTracker
    let queue: DurableQueue
    let assembler: ReadAssembler
    let logger: Logger
    var latestFrameTime: Date?
    /// Wall-clock time at which the last frame finished, and whether one is being recognised now.
    var lastFrameFinishedAt: Date?
    var frameInProgress = false
    private(set) var readsQueued = 0

    init(tracker: PlateTracker, queue: DurableQueue, assembler: ReadAssembler, logger: Logger) {
        self.tracker = tracker
        self.queue = queue
        self.assembler = assembler
        self.logger = logger
    }

    func frameArrived() { frameInProgress = true }

    func observe(_ detections: [PlateDetection], frame: RGBFrame, location: LocationFix?) {
        latestFrameTime = max(latestFrameTime ?? frame.capturedAt, frame.capturedAt)
        store(tracker.observe(detections, at: frame.capturedAt, frame: frame, location: location))
        frameInProgress = false
        lastFrameFinishedAt = Date()
    }

    /// Advances time without a frame, for a source that has stalled: the tracker's clock moves on
    /// from the newest frame by the wall-clock time the source has been idle. Time spent
    /// recognising a frame does not count, so a slow machine or a file read faster or slower
    /// than real time never ends a track that its frames would have kept alive.
    func tick(now: Date) {
        guard tracker.activeTrackCount > 0, !frameInProgress else { return }
        let idle = lastFrameFinishedAt.map { max(0, now.timeIntervalSince($0)) } ?? 0
        let trackerNow = latestFrameTime.map { $0.addingTimeInterval(idle) } ?? now
        store(tracker.observe([], at: trackerNow))
    }

    func flush() { store(tracker.flush()) }

    func discardAll() { tracker.discardAll() }

    private func store(_ passes: [VehiclePass]) {
        for pass in passes {
            guard let read = assembler.makeRead(from: pass) else { continue }
            do {
                try queue.enqueue(read)
                readsQueued += 1
                logger.debug("read queued", metadata: ["plate": "\(read.plate)", "frames": "\(pass.observationCount)"])
            } catch {
                logger.error("read could not be written to the queue", metadata: ["error": "\(error)"])
            }
        }
    }
}

/// Frames taken through recognition and tracking, and the rate from the first frame's start
/// to the last frame's end (reported when a source ends, e.g. for benchmarks).
struct PipelineThroughput {
    private(set) var frames = 0
    private var firstStartedAt: Date?
    private var lastFinishedAt: Date?

    mutating func frameStarted(at time: Date) {
        if firstStartedAt == nil { firstStartedAt = time }
    }

    mutating func frameFinished(at time: Date) {
        frames += 1
        lastFinishedAt = time
    }

    var framesPerSecond: Double {
        guard let first = firstStartedAt, let last = lastFinishedAt, last > first else { return 0 }
        return Double(frames) / last.timeIntervalSince(first)
    }
}
