@testable import ALPRAgent
import ALPRCore
import Foundation
import Logging

/// A fresh folder under the system temporary directory, removed by `remove()`.
struct TemporaryFolder {
    let url: URL

    init() throws {
        url = FileManager.default.temporaryDirectory.appending(path: "alpr-agent-tests-\(UUID().uuidString)", directoryHint: .isDirectory)
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    }

    func remove() { try? FileManager.default.removeItem(at: url) }
}

let testLogger: Logger = {
    var logger = Logger(label: "alpr.agent.tests")
    logger.logLevel = .critical
    return logger
}()

/// A read with whole-second time (the wire format carries milliseconds; whole seconds are exact).
func makeRead(plate: String = "ABC123", capturedAt: Date = Date(), imageBytes: Int = 0) throws -> ReadUpload {
    let whole = Date(timeIntervalSince1970: capturedAt.timeIntervalSince1970.rounded(.down))
    return ReadUpload(
        plate: try PlateNumber(plate), confidence: 0.9, candidates: [PlateCandidate(text: plate, confidence: 0.9)],
        capturedAt: whole, plateBox: PlateBox(x: 1, y: 2, width: 30, height: 10),
        vehicleJPEG: imageBytes > 0 ? Data([0xFF, 0xD8, 0xFF] + [UInt8](repeating: 7, count: imageBytes)) : nil
    )
}

/// How long a test waits for something another task or thread does: long, because the wait
/// bounds a hang, not a speed. The test runner runs suites in parallel on the cooperative
/// thread pool (two threads on a 2-core machine), and CPU-bound suites (the recognition
/// engine's) can hold both threads for several seconds, during which the uploader's tasks
/// and the waiting test itself do not run: an upload that takes 0.07 s alone took 7 s next
/// to the vision suite, and one in ten-second waits failed about every other full run.
let patience: TimeInterval = 120

/// Polls `condition` until it holds or `timeout` passes.
func waitUntil(timeout: TimeInterval = patience, _ condition: () -> Bool) async -> Bool {
    let deadline = Date().addingTimeInterval(timeout)
    while Date() < deadline {
        if condition() { return true }
        try? await Task.sleep(for: .milliseconds(50))
    }
    return condition()
}

/// The folder holding the test binary and the helper executables built with it.
var buildProductsFolder: URL {
    URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath().deletingLastPathComponent()
}
