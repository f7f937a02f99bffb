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
                for await frame in source.frames().cancelOnGracefulShutdown() {
                    guard gate.isCollecting(now: Date()) else {
                        await stage.discardAll()
                        continue
                    }
                    let fix = location.currentFix(now: Date())
                    let detections: [PlateDetection]
                    do { detections = try await recognizer.recognize(frame) } catch {
                        logger.warning("recognition failed on a frame", metadata: ["error": "\(error)"])
                        detections = []
                    }
                    await stage.observe(detections, frame: frame, location: fix)
                }
                // End of a file or shutdown: the vehicles in view still get their reads.
                if gate.isCollecting(now: Date()) { await stage.flush() } else { await stage.discardAll() }
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

    init(tracker: PlateTracker, queue: DurableQueue, assembler: ReadAssembler, logger: Logger) {
        self.tracker = tracker
        self.queue = queue
        self.assembler = assembler
        self.logger = logger
    }

    func observe(_ detections: [PlateDetection], frame: RGBFrame, location: LocationFix?) {
        latestFrameTime = max(latestFrameTime ?? frame.capturedAt, frame.capturedAt)
        store(tracker.observe(detections, at: frame.capturedAt, frame: frame, location: location))
    }

    /// Advances time without a frame; never goes behind the newest frame seen.
    func tick(now: Date) {
        guard tracker.activeTrackCount > 0 else { return }
        store(tracker.observe([], at: max(now, latestFrameTime ?? now)))
    }

    func flush() { store(tracker.flush()) }

    func discardAll() { tracker.discardAll() }

    private func store(_ passes: [VehiclePass]) {
        for pass in passes {
            guard let read = assembler.makeRead(from: pass) else { continue }
            do {
                try queue.enqueue(read)
                logger.debug("read queued", metadata: ["plate": "\(read.plate)", "frames": "\(pass.observationCount)"])
            } catch {
                logger.error("read could not be written to the queue", metadata: ["error": "\(error)"])
            }
        }
    }
}
