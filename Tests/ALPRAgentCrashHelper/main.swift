// Test helper for ALPRAgentTests: enqueues reads into a durable queue as fast as it can and
// prints each read's id once `enqueue` has returned (the queue's promise that the read is on
// disk). The test kills it with SIGKILL mid-stream and checks that every printed id survived.
//
// Usage: ALPRAgentCrashHelper QUEUE_DIR COUNT IMAGE_BYTES
import ALPRAgent
import ALPRCore
import Foundation

let arguments = CommandLine.arguments
guard arguments.count == 4, let count = Int(arguments[2]), let imageBytes = Int(arguments[3]) else {
    FileHandle.standardError.write(Data("usage: ALPRAgentCrashHelper QUEUE_DIR COUNT IMAGE_BYTES\n".utf8))
    exit(64)
}
do {
    let queue = try DurableQueue(
        directory: URL(fileURLWithPath: arguments[1], isDirectory: true),
        configuration: .init(diskBudgetBytes: 1 << 40)
    )
    let picture = Data([0xFF, 0xD8, 0xFF] + [UInt8](repeating: 0x5A, count: imageBytes))
    let plate = try PlateNumber("CRASH1")
    for _ in 0..<count {
        let read = ReadUpload(
            plate: plate, confidence: 0.9, capturedAt: Date(timeIntervalSince1970: Date().timeIntervalSince1970.rounded(.down)),
            vehicleJPEG: picture
        )
        try queue.enqueue(read)
        FileHandle.standardOutput.write(Data((read.id.uuidString + "\n").utf8))
    }
} catch {
    FileHandle.standardError.write(Data("\(error)\n".utf8))
    exit(1)
}
