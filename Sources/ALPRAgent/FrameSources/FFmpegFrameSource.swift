import Foundation
import Logging
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// Decodes a video file or a camera stream (RTSP, HTTP MJPEG) with an `ffmpeg` child process
/// that writes raw RGB frames of a fixed size to a pipe. When ffmpeg dies (camera rebooted,
/// network cut) it is started again after an exponentially growing delay; a video file that
/// ends normally ends the stream.
public final class FFmpegFrameSource: FrameSource {
    public enum Input: Sendable, Equatable {
        /// A local video file, paced at its own frame rate (`-re`) as if it were a camera.
        case file(String)
        /// An RTSP, HTTP or HTTPS URL; restarted whenever it ends.
        case stream(String)

        public var isLive: Bool { if case .stream = self { true } else { false } }
    }

    public struct Configuration: Sendable {
        public var input: Input
        public var framesPerSecond: Double
        public var width: Int
        public var height: Int
        /// `.exactly`: every frame `width`×`height`, black bars where the aspect ratio differs;
        /// `.within`: the camera's own size, scaled down only to fit `width`×`height`.
        public var fit = FrameFit.exactly
        public var executable = "/usr/bin/ffmpeg"
        public var backoff = ExponentialBackoff(initial: 0.5, maximum: 30)
        /// A file is played at its own frame rate, as a camera would deliver it. Off, it is
        /// decoded as fast as possible (throughput measurements); frames that recognition
        /// cannot keep up with are then dropped and counted, and since frames are stamped with
        /// the wall clock, the tracker sees vehicles pass faster than they did.
        public var pacesFileAtItsFrameRate = true

        public init(input: Input, framesPerSecond: Double, width: Int, height: Int) throws(AgentError) {
            guard framesPerSecond > 0, framesPerSecond <= 120 else {
                throw .invalidConfiguration("frames per second must be in (0, 120], got \(framesPerSecond)")
            }
            guard (16...8192).contains(width), (16...8192).contains(height) else {
                throw .invalidConfiguration("frame size \(width)x\(height) is outside 16...8192")
            }
            self.input = input
            self.framesPerSecond = framesPerSecond
            self.width = width
            self.height = height
        }
    }

    public let configuration: Configuration
    let logger: Logger
    private let mailbox = LatestFrameMailbox()
    private let running = Mutex<Process?>(nil)
    private let started = Mutex(false)

    public init(configuration: Configuration, logger: Logger) {
        self.configuration = configuration
        self.logger = logger
    }

    public var statistics: FrameSourceStatistics { mailbox.statistics }

    /// The process id of the current ffmpeg child, if one is running.
    public var currentProcessIdentifier: Int32? {
        running.withLock { process in process.flatMap { $0.isRunning ? $0.processIdentifier : nil } }
    }

    /// The ffmpeg command line (without the executable).
    public var arguments: [String] {
        var arguments = ["-nostdin", "-hide_banner", "-loglevel", "error"]
        let location: String
        switch configuration.input {
        case .file(let path):
            if configuration.pacesFileAtItsFrameRate { arguments.append("-re") }
            location = path
        case .stream(let url):
            if url.lowercased().hasPrefix("rtsp") { arguments += ["-rtsp_transport", "tcp"] }
            // Give up on a silent camera after 10 s so the restart logic takes over.
            arguments += ["-rw_timeout", "10000000"]
            location = url
        }
        let fps = String(format: "%g", configuration.framesPerSecond)
        switch configuration.fit {
        case .exactly:
            arguments += [
                "-i", location, "-an",
                // Scaled to fit the configured size with the aspect ratio kept (black bars), as
                // still images are: a 4:3 camera stretched to 16:9 would widen every plate by a third.
                "-vf", "fps=\(fps)," + FFmpegImageCodec.fitting(width: configuration.width, height: configuration.height),
                "-f", "rawvideo", "-pix_fmt", "rgb24", "pipe:1",
            ]
        case .within:
            // ffmpeg chooses the size (the camera's may change when it restarts), so each frame
            // goes out as a PPM image that carries its own.
            arguments += [
                "-i", location, "-an",
                "-vf", "fps=\(fps)," + FFmpegImageCodec.fittingWithin(width: configuration.width, height: configuration.height),
                "-f", "image2pipe", "-c:v", "ppm", "-pix_fmt", "rgb24", "pipe:1",
            ]
        }
        return arguments
    }

    /// Starts decoding on a dedicated thread; call once. Cancelling the consumer (or dropping
    /// the stream) stops ffmpeg.
    public func frames() -> AsyncStream<RGBFrame> {
        let alreadyStarted = started.withLock { started in
            defer { started = true }
            return started
        }
        guard !alreadyStarted else { return AsyncStream { $0.finish() } }
        let stop = StopSignal()
        mailbox.onTermination { [weak self] in
            stop.stop()
            self?.terminateChild()
        }
        let thread = Thread { [self] in
            decodeLoop(stop: stop)
            mailbox.finish()
        }
        thread.name = "ffmpeg-frames"
        thread.start()
        return mailbox.stream
    }

    func terminateChild() {
        running.withLock { process in
            if let process, process.isRunning { process.terminate() }
        }
    }

    private func decodeLoop(stop: StopSignal) {
        var attempt = 0
        let frameBytes = RGBFrame.byteCount(width: configuration.width, height: configuration.height)
        while !stop.isStopped {
            let process = Process()
            process.executableURL = URL(fileURLWithPath: configuration.executable)
            process.arguments = arguments
            let output = Pipe()
            process.standardOutput = output
            process.standardError = FileHandle.nullDevice
            process.standardInput = FileHandle.nullDevice
            do {
                try process.run()
            } catch {
                logger.error("could not start ffmpeg", metadata: ["error": "\(error)"])
                if !stop.sleep(configuration.backoff.delay(attempt: attempt)) { break }
                attempt += 1
                mailbox.countRestart()
                continue
            }
            running.withLock { $0 = process }
            if stop.isStopped { process.terminate() }

            let descriptor = output.fileHandleForReading.fileDescriptor
            switch configuration.fit {
            case .exactly:
                var buffer = [UInt8](repeating: 0, count: frameBytes)
                while !stop.isStopped, Self.readExactly(descriptor, into: &buffer) {
                    guard let frame = try? RGBFrame(width: configuration.width, height: configuration.height, pixels: buffer, capturedAt: Date()) else { break }
                    attempt = 0
                    if !mailbox.offer(frame) { stop.stop() }
                }
            case .within:
                var images = PPMStream(descriptor: descriptor)
                do {
                    while !stop.isStopped, let image = try images.next() {
                        let frame = try RGBFrame(width: image.width, height: image.height, pixels: image.pixels, capturedAt: Date())
                        attempt = 0
                        if !mailbox.offer(frame) { stop.stop() }
                    }
                } catch {
                    logger.error("ffmpeg's frames could not be read", metadata: ["error": "\(error)"])
                }
            }
            if process.isRunning && !stop.isStopped { process.terminate() }
            process.waitUntilExit()
            try? output.fileHandleForReading.close()
            running.withLock { $0 = nil }

            let endedNormally = process.terminationReason == .exit && process.terminationStatus == 0
            if stop.isStopped || (endedNormally && !configuration.input.isLive) { break }
            logger.warning("ffmpeg stopped; restarting", metadata: [
                "status": "\(process.terminationStatus)", "reason": "\(process.terminationReason == .uncaughtSignal ? "signal" : "exit")",
            ])
            if !stop.sleep(configuration.backoff.delay(attempt: attempt)) { break }
            attempt += 1
            mailbox.countRestart()
        }
    }

    /// Fills `buffer` completely from the pipe; false on end of stream or a short final frame.
    static func readExactly(_ descriptor: Int32, into buffer: inout [UInt8]) -> Bool {
        var filled = 0
        let total = buffer.count
        return buffer.withUnsafeMutableBytes { raw in
            while filled < total {
                let count = read(descriptor, raw.baseAddress! + filled, total - filled)
                if count == 0 { return false }
                if count < 0 {
                    if errno == EINTR { continue }
                    return false
                }
                filled += count
            }
            return true
        }
    }
}
