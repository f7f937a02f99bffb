@testable import ALPRAgent
import ALPRCore
import Foundation
import Testing

/// Frames from a list, as a finished file would give them.
struct ListFrameSource: FrameSource {
    let list: [RGBFrame]
    func frames() -> AsyncStream<RGBFrame> {
        AsyncStream { continuation in
            for frame in list { continuation.yield(frame) }
            continuation.finish()
        }
    }
    var statistics: FrameSourceStatistics { FrameSourceStatistics(produced: list.count) }
}

/// Answers each frame with the detections scripted for its first pixel value (the frame number).
struct ScriptedRecognizer: FrameRecognizer {
    let script: [Int: [PlateDetection]]
    func recognize(_ frame: RGBFrame) async throws -> [PlateDetection] { script[Int(frame.pixels[0])] ?? [] }
}

@Suite struct ReaderPipelineTests {
    func frames(count: Int, start: Date) throws -> [RGBFrame] {
        try (0..<count).map { index in
            var pixels = [UInt8](repeating: 90, count: 64 * 48 * 3)
            pixels[0] = UInt8(index)
            return try RGBFrame(width: 64, height: 48, pixels: pixels, capturedAt: start.addingTimeInterval(Double(index) * 0.1))
        }
    }

    func run(gate: CollectionGate, location: any LocationProvider) async throws -> DurableQueue {
        let folder = try TemporaryFolder()
        let queue = try DurableQueue(directory: folder.url, configuration: .init(diskBudgetBytes: 1 << 30))
        let start = Date()
        var script: [Int: [PlateDetection]] = [:]
        for index in 0..<8 {
            let text = index == 3 ? "PIPE0O1" : "PIPE001"  // one misread frame
            script[index] = [PlateDetection(text: text, confidence: index == 5 ? 0.95 : 0.8, box: PlateBox(x: 4 + Double(index), y: 10, width: 20, height: 8))]
        }
        let pipeline = ReaderPipeline(
            source: ListFrameSource(list: try frames(count: 8, start: start)), recognizer: ScriptedRecognizer(script: script),
            location: location, gate: gate, queue: queue,
            assembler: ReadAssembler(codec: FFmpegImageCodec(), logger: testLogger), logger: testLogger
        )
        try await pipeline.run()
        return queue
    }

    @Test func oneVotedReadWithPicturesAndLocationPerVehicle() async throws {
        let point = try GeoPoint(latitude: 44.97, longitude: -93.26)
        let queue = try await run(gate: CollectionGate(mode: .alwaysCollect), location: FixedLocationProvider(point: point))
        defer { try? FileManager.default.removeItem(at: queue.directory) }
        let reads = queue.peek(limit: 10).map(\.read)
        #expect(reads.count == 1)
        let read = try #require(reads.first)
        #expect(read.plate == "PIPE001")
        #expect(read.latitude == 44.97 && read.longitude == -93.26)
        #expect(read.plateBox == ReadUpload.Box(x: 9, y: 10, width: 20, height: 8), "box of the most confident frame")
        #expect(read.candidates.contains { $0.plate == "PIPE0O1" })
        let plateImage = try #require(read.plateImage.flatMap { Data(base64Encoded: $0) })
        let vehicleImage = try #require(read.vehicleImage.flatMap { Data(base64Encoded: $0) })
        #expect(try CollectionLimits.imageContentType(of: plateImage, field: "plate_image") == .jpeg)
        #expect(try CollectionLimits.imageContentType(of: vehicleImage, field: "vehicle_image") == .jpeg)
    }

    @Test func nothingIsCollectedWhileTheGateIsShut() async throws {
        let queue = try await run(gate: CollectionGate(mode: .requireActivePeriod(offlineGrace: 600)), location: UnknownLocationProvider())
        defer { try? FileManager.default.removeItem(at: queue.directory) }
        #expect(queue.depth == 0)
        #expect(queue.counters.enqueued == 0)
    }

    @Test func unknownLocationIsSentAsNone() async throws {
        let queue = try await run(gate: CollectionGate(mode: .alwaysCollect), location: LatestFixStore(maximumAge: 5))
        defer { try? FileManager.default.removeItem(at: queue.directory) }
        let read = try #require(queue.peek(limit: 1).first?.read)
        #expect(read.latitude == nil && read.longitude == nil && read.heading == nil && read.speed == nil)
    }
}
