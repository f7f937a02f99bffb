import Foundation
import Logging
import ServiceLifecycle

#if canImport(Glibc)
import Glibc
#endif

/// Reads gpsd's JSON stream over TCP (normally localhost:2947) into a `LatestFixStore`,
/// reconnecting with backoff when gpsd goes away.
public struct GPSDReceiver: Service {
    public let host: String
    public let port: UInt16
    public let store: LatestFixStore
    public var backoff = ExponentialBackoff(initial: 1, maximum: 30)
    let logger: Logger

    public init(host: String = "127.0.0.1", port: UInt16 = 2947, store: LatestFixStore, logger: Logger) {
        self.host = host
        self.port = port
        self.store = store
        self.logger = logger
    }

    public func run() async throws {
        let stop = StopSignal()
        await cancelWhenGracefulShutdown { await receive(stop: stop) }
    }

    private func receive(stop: StopSignal) async {
        await runOnDedicatedThread(name: "gpsd", stop: stop) { [self] in
            var attempt = 0
            while !stop.isStopped {
                if let descriptor = connectTCP(host: host, port: port, receiveTimeout: 1) {
                    _ = GPSDMessageParser.watchCommand.withCString { send(descriptor, $0, strlen($0), Int32(MSG_NOSIGNAL)) }
                    var lines = LineReader(descriptor: descriptor)
                    reading: while !stop.isStopped {
                        switch lines.nextLine() {
                        case .line(let line):
                            attempt = 0
                            do { store.apply(try GPSDMessageParser.parse(line), receivedAt: Date()) } catch {
                                logger.debug("ignored gpsd report", metadata: ["reason": "\(error)"])
                            }
                        case .timedOut: continue
                        case .endOfFile, .failed: break reading
                        }
                    }
                    close(descriptor)
                }
                guard !stop.isStopped else { break }
                store.recordLossOfFix()
                logger.warning("gpsd unavailable; location unknown until it returns", metadata: ["host": "\(host):\(port)"])
                stop.sleep(backoff.delay(attempt: attempt))
                attempt += 1
            }
        }
    }
}
