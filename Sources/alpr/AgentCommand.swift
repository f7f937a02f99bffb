import ALPRAgent
import ALPRCore
import ALPRVision
import ArgumentParser
import Foundation
import Logging
import ServiceLifecycle

/// `alpr agent`: runs a reader. Frames from a camera, file or folder are recognised, tracked
/// and voted into one read per vehicle, written to a durable queue, and uploaded.
struct AgentCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "agent",
        abstract: "Run a reader agent: camera to server, with no read lost.",
        discussion: """
            Reads are written to --queue-dir before anything else and removed only when the server \
            has acknowledged them. Unsent reads older than the retention period (at most 60 days, \
            Minn. Stat. §13.824 subd. 3) or beyond the disk budget are destroyed and counted. \
            A mobile reader (--gpsd or --nmea) collects only while the server reports an active \
            period for it, i.e. while a trained officer is logged in. The reader credential comes \
            from --credential-file or the ALPR_READER_CREDENTIAL environment variable.
            """
    )

    @Option(help: "Server base URL, e.g. https://alpr.example.org")
    var server: String

    @Option(help: "File holding the reader credential (else ALPR_READER_CREDENTIAL).")
    var credentialFile: String?

    @Option(help: "rtsp://… or http(s)://… stream, a video file (file:PATH), a watched folder (dir:PATH) or one image (image:PATH).")
    var source: String

    @Option(help: "Frames per second taken from a video source.")
    var fps: Double = 5

    @Flag(help: "Decode a video file as fast as possible instead of at its own frame rate (throughput measurements: passes are timed by the wall clock, so reads per pass then differ).")
    var unpaced = false

    @Option(help: "Frame width in pixels, with --height: every picture is scaled to fit that size with its aspect ratio kept (black bars). Without both, frames keep the camera's own size, scaled down only to fit 3840x2160.")
    var width: Int?

    @Option(help: "Frame height in pixels, with --width.")
    var height: Int?

    /// The frame size and fit: `--width`x`--height` exactly, else the camera's own size within
    /// `largestNativeFrame`: a camera's far plates keep their pixels up to a 4K camera's
    /// (halving 4K frames to 1080p cost a tenth of the reads of 58-192 px plates, for 17 ms a
    /// frame; `docs/accuracy.md`), and larger pictures, a watched folder's 12 MP photos, are
    /// scaled down to that.
    var frameSize: (width: Int, height: Int, fit: FrameFit) {
        if let width, let height { return (width, height, .exactly) }
        return (Self.largestNativeFrame.width, Self.largestNativeFrame.height, .within)
    }

    static let largestNativeFrame = (width: 3840, height: 2160)

    @Option(help: "Folder of the durable read queue.")
    var queueDir: String

    @Option(help: "Disk the queue may use, in MiB.")
    var diskBudgetMb: Int = 1024

    @Option(help: "Days an unsent read is kept before it is destroyed (1-60, R11 §13.824 subd. 3).")
    var retentionDays: Int = Retention.statutoryMaximumDays

    @Option(help: "Fixed reader position 'latitude,longitude'.")
    var fixedLocation: String?

    @Option(help: "gpsd address host[:port] (mobile reader).")
    var gpsd: String?

    @Option(help: "NMEA 0183 serial device or file (mobile reader).")
    var nmea: String?

    @Option(help: "Seconds after which a location fix is too old to use.")
    var maxFixAge: Double = 5

    @Option(help: "Recognition models folder (else ALPR_MODELS, else ./Models, else the Models folder beside the alpr executable).")
    var models: String?

    @Option(help: "Report a plate still in view again after this many seconds (default: never).")
    var reemitAfter: Double?

    @Option(help: "Seconds between heartbeats.")
    var heartbeatInterval: Double = 30

    @Option(help: "Minutes a mobile reader keeps collecting on its last confirmation while the server is unreachable.")
    var offlineGraceMinutes: Double = 30

    @Option(help: "Log level: trace, debug, info, notice, warning, error, critical. Plates appear only at debug.")
    var logLevel: String = "info"

    func run() async throws {
        guard let level = Logger.Level(rawValue: logLevel.lowercased()) else {
            throw ValidationError("unknown log level '\(logLevel)'")
        }
        var logger = Logger(label: "alpr.agent")
        logger.logLevel = level
        let setup = try makeServices(logger: logger)
        var configuration = ServiceGroupConfiguration(
            services: setup.services, gracefulShutdownSignals: [.sigterm, .sigint], logger: logger
        )
        configuration.maximumGracefulShutdownDuration = .seconds(30)
        let group = ServiceGroup(configuration: configuration)
        logger.info("agent started", metadata: ["queued": "\(setup.queue.depth)", "server": "\(server)", "openblas-kernels": "\(BLASKernels.inUse)"])
        if let warning = BLASKernelChoice.warning() { logger.warning("\(warning)") }
        try await group.run()
    }

    /// Validates every option first and reports all problems at once.
    func makeServices(logger: Logger) throws -> (services: [ServiceGroupConfiguration.ServiceConfiguration], queue: DurableQueue) {
        var problems: [String] = []
        func attempt<T>(_ body: () throws -> T) -> T? {
            do { return try body() } catch { problems.append("\(error)"); return nil }
        }
        let sourceSpecification = attempt { try SourceSpecification.parse(source) }
        let credential = attempt { try CredentialSource.load(file: credentialFile) }
        let serverURL = attempt { () throws -> URL in
            guard let url = URL(string: server), let scheme = url.scheme?.lowercased(), ["http", "https"].contains(scheme), url.host != nil else {
                throw AgentError.invalidConfiguration("server URL must be http(s)://host[:port], got '\(server)'")
            }
            return url
        }
        let client = credential.flatMap { credential in
            serverURL.flatMap { url in attempt { try ServerClient(baseURL: url, credential: credential) } }
        }
        let retention = attempt { try Retention(days: retentionDays) }
        let locationChoices = [fixedLocation, gpsd, nmea].compactMap { $0 }
        if locationChoices.count > 1 { problems.append("give only one of --fixed-location, --gpsd, --nmea") }
        let location: LocationSpecification? = attempt {
            if let fixedLocation { return try LocationSpecification.parseFixed(fixedLocation) }
            if let gpsd { return try LocationSpecification.parseGPSD(gpsd) }
            if let nmea { return .nmea(path: nmea) }
            return LocationSpecification.none
        }
        if diskBudgetMb < 1 { problems.append("--disk-budget-mb must be at least 1") }
        if maxFixAge <= 0 { problems.append("--max-fix-age must be positive") }
        if heartbeatInterval < 1 { problems.append("--heartbeat-interval must be at least 1 second") }
        if (width == nil) != (height == nil) { problems.append("give --width and --height together (neither: the camera's own size up to 3840x2160)") }
        let (width, height, fit) = frameSize
        let codec = VisionImageCodec(logger: logger)
        var frameSource: (any FrameSource)?
        if let sourceSpecification {
            frameSource = attempt { () throws -> any FrameSource in
                switch sourceSpecification {
                case .videoFile(let path):
                    guard FileManager.default.fileExists(atPath: path) else { throw AgentError.invalidConfiguration("video file \(path) does not exist") }
                    var configuration = try FFmpegFrameSource.Configuration(input: .file(path), framesPerSecond: fps, width: width, height: height)
                    configuration.pacesFileAtItsFrameRate = !unpaced
                    configuration.fit = fit
                    return FFmpegFrameSource(configuration: configuration, logger: logger)
                case .stream(let url):
                    var configuration = try FFmpegFrameSource.Configuration(input: .stream(url), framesPerSecond: fps, width: width, height: height)
                    configuration.fit = fit
                    return FFmpegFrameSource(configuration: configuration, logger: logger)
                case .folder(let path):
                    return ImageFolderFrameSource(folder: URL(fileURLWithPath: path, isDirectory: true), width: width, height: height, fit: fit,
                                                  codec: codec, logger: logger)
                case .image(let path):
                    guard FileManager.default.fileExists(atPath: path) else { throw AgentError.invalidConfiguration("image \(path) does not exist") }
                    return SingleImageFrameSource(path: path, width: width, height: height, fit: fit, codec: codec)
                }
            }
        }
        let recognizer = attempt { () throws -> any FrameRecognizer in
            try VisionFrameRecognizer(modelsDirectory: VisionFrameRecognizer.modelsDirectory(explicit: models))
        }
        let queue = retention.flatMap { retention in
            attempt {
                try DurableQueue(
                    directory: URL(fileURLWithPath: queueDir, isDirectory: true),
                    configuration: .init(diskBudgetBytes: Int64(max(diskBudgetMb, 1)) * 1024 * 1024, retention: retention)
                )
            }
        }
        guard problems.isEmpty, let client, let location, let frameSource, let recognizer, let queue else {
            throw ValidationError("cannot start the agent:\n  - " + problems.joined(separator: "\n  - "))
        }

        let gate = CollectionGate(mode: location.isMobile ? .requireActivePeriod(offlineGrace: offlineGraceMinutes * 60) : .alwaysCollect)
        var services: [ServiceGroupConfiguration.ServiceConfiguration] = []
        let locationProvider: any LocationProvider
        switch location {
        case .fixed(let point): locationProvider = FixedLocationProvider(point: point)
        case .none: locationProvider = UnknownLocationProvider()
        case .gpsd(let host, let port):
            let store = LatestFixStore(maximumAge: maxFixAge)
            services.append(.init(service: GPSDReceiver(host: host, port: port, store: store, logger: logger)))
            locationProvider = store
        case .nmea(let path):
            let store = LatestFixStore(maximumAge: maxFixAge)
            services.append(.init(service: NMEAReceiver(path: path, store: store, logger: logger)))
            locationProvider = store
        }
        var pipelineConfiguration = ReaderPipeline.Configuration()
        pipelineConfiguration.tracker.reemitInterval = reemitAfter
        // The uploader and heartbeat come first so that they are shut down last: when a file
        // or image source ends, the pipeline's return shuts the group down gracefully and the
        // uploader still sends what was queued.
        services.append(.init(service: HeartbeatSender(client: client, gate: gate, interval: heartbeatInterval, logger: logger) {
            HeartbeatSender.Status(
                queueDepth: queue.depth, oldestUnsentAt: queue.oldestPendingCapturedAt, counters: queue.counters,
                frames: frameSource.statistics, locationKnown: locationProvider.currentFix(now: Date()) != nil,
                collecting: gate.isCollecting(now: Date())
            )
        }))
        services.append(.init(service: ReadUploader(queue: queue, client: client, gate: gate, logger: logger)))
        services.append(.init(
            service: ReaderPipeline(
                source: frameSource, recognizer: recognizer, location: locationProvider, gate: gate, queue: queue,
                assembler: ReadAssembler(codec: codec, logger: logger), configuration: pipelineConfiguration, logger: logger
            ),
            successTerminationBehavior: .gracefullyShutdownGroup
        ))
        return (services, queue)
    }
}
