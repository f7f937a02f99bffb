import Foundation
import Logging
import ServiceLifecycle

#if canImport(Glibc)
import Glibc
#endif

/// Reads NMEA 0183 sentences from a serial device or a file that another program appends to
/// (the port's speed is set outside the agent, e.g. with `stty`). For a regular file reading
/// starts at its end, so positions written before the agent started are not taken as current.
public struct NMEAReceiver: Service {
    public let path: String
    public let store: LatestFixStore
    let logger: Logger

    public init(path: String, store: LatestFixStore, logger: Logger) {
        self.path = path
        self.store = store
        self.logger = logger
    }

    public func run() async throws {
        let stop = StopSignal()
        await cancelWhenGracefulShutdown { await receive(stop: stop) }
    }

    private func receive(stop: StopSignal) async {
        await runOnDedicatedThread(name: "nmea", stop: stop) { [self] in
            var attempt = 0
            let backoff = ExponentialBackoff(initial: 1, maximum: 30)
            while !stop.isStopped {
                let descriptor = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC | O_NOCTTY)
                if descriptor >= 0 {
                    var status = stat()
                    let isRegularFile = fstat(descriptor, &status) == 0 && (status.st_mode & S_IFMT) == S_IFREG
                    if isRegularFile { lseek(descriptor, 0, SEEK_END) }
                    var lines = LineReader(descriptor: descriptor)
                    reading: while !stop.isStopped {
                        switch lines.nextLine() {
                        case .line(let line):
                            attempt = 0
                            do { store.apply(try NMEAParser.parse(line), receivedAt: Date()) } catch {
                                logger.debug("ignored NMEA sentence", metadata: ["reason": "\(error)"])
                            }
                        case .timedOut:
                            stop.sleep(0.1)
                        case .endOfFile where isRegularFile:
                            stop.sleep(0.1)  // follow the file as it grows
                        case .endOfFile, .failed: break reading
                        }
                    }
                    close(descriptor)
                }
                guard !stop.isStopped else { break }
                store.recordLossOfFix()
                logger.warning("NMEA source unavailable; location unknown until it returns", metadata: ["path": "\(path)"])
                stop.sleep(backoff.delay(attempt: attempt))
                attempt += 1
            }
        }
    }
}
