@testable import ALPRAgent
import Foundation
import Logging
import Synchronization
import Testing

@Suite("The engine's image codec in the agent")
struct VisionImageCodecTests {
    @Test("a damaged JPEG becomes the frame the sound file makes, and is noted in the log by file name")
    func damagedJPEG() throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let log = CapturedLog()
        let codec = VisionImageCodec(logger: Logger(label: "test") { _ in CapturingLogHandler(log: log) })
        // Blocks of colour, so that the image has data everywhere.
        let pixels = (0 ..< 32 * 64).flatMap { index -> [UInt8] in
            let x = index % 64, y = index / 64
            return [UInt8((x / 8) * 30), UInt8((y / 8) * 60), UInt8(((x + y) / 8) * 20)]
        }
        let jpeg = try codec.encodeJPEG(try RGBFrame(width: 64, height: 32, pixels: pixels, capturedAt: Date()))
        var bytes = [UInt8](jpeg)
        let scan = try #require((0 ..< bytes.count - 1).first { bytes[$0] == 0xFF && bytes[$0 + 1] == 0xDA })
        let sound = folder.url.appending(path: "sound.jpg"), damaged = folder.url.appending(path: "damaged.jpg")
        try jpeg.write(to: sound)
        bytes.insert(contentsOf: [0x00, 0x11, 0x22], at: scan)  // stray bytes before the scan
        try Data(bytes).write(to: damaged)

        let time = Date(timeIntervalSince1970: 1_000_000)
        let fromSound = try codec.decodeImage(at: sound.path, width: 64, height: 32, capturedAt: time)
        #expect(log.entries.isEmpty, "a sound file is not noted")
        let fromDamaged = try codec.decodeImage(at: damaged.path, width: 64, height: 32, capturedAt: time)
        #expect(fromDamaged == fromSound)
        let entries = log.entries
        try #require(entries.count == 1)
        #expect(entries[0].level == .warning)
        #expect(entries[0].metadata["file"] == "\(damaged.path)")
        #expect("\(entries[0].metadata["decoder"] ?? "")".contains("extraneous bytes"))

        // Bytes that are no image at all are still an error.
        let garbage = folder.url.appending(path: "garbage.jpg")
        try Data("not an image".utf8).write(to: garbage)
        #expect(throws: AgentError.self) { try codec.decodeImage(at: garbage.path, width: 64, height: 32, capturedAt: time) }
    }
}

/// Log entries kept in memory by `CapturingLogHandler`.
final class CapturedLog: Sendable {
    struct Entry: Sendable {
        var level: Logger.Level
        var message: String
        var metadata: Logger.Metadata
    }

    private let stored = Mutex<[Entry]>([])
    var entries: [Entry] { stored.withLock { $0 } }
    func append(_ entry: Entry) { stored.withLock { $0.append(entry) } }
}

/// A log handler that keeps every entry in a `CapturedLog`.
struct CapturingLogHandler: LogHandler {
    let log: CapturedLog
    var metadata: Logger.Metadata = [:]
    var logLevel: Logger.Level = .trace

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    func log(event: LogEvent) {
        log.append(CapturedLog.Entry(level: event.level, message: "\(event.message)",
                                     metadata: metadata.merging(event.metadata ?? [:]) { $1 }))
    }
}
