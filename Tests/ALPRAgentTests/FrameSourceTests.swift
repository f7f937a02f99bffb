@testable import ALPRAgent
import ALPRCore
import Foundation
import Testing

#if canImport(Glibc)
import Glibc
#endif

@Suite(.serialized) struct FrameSourceTests {
    /// Makes a small test-pattern video with ffmpeg's lavfi source.
    func makeClip(in folder: TemporaryFolder, seconds: Int, fps: Int = 10) throws -> String {
        let path = folder.url.appending(path: "clip.avi").path
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/ffmpeg")
        process.arguments = ["-nostdin", "-loglevel", "error", "-f", "lavfi", "-i", "testsrc=size=96x64:rate=\(fps)",
                             "-t", String(seconds), "-c:v", "mjpeg", "-y", path]
        process.standardError = FileHandle.nullDevice
        try process.run()
        process.waitUntilExit()
        try #require(process.terminationStatus == 0, "ffmpeg could not make the test clip")
        return path
    }

    @Test func keepsTheCamerasAspectRatioWithBlackBars() async throws {
        // A 4:3 red clip read into 2:1 frames: red in the middle 4:3, black bars either side.
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let path = folder.url.appending(path: "red.avi").path
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/ffmpeg")
        process.arguments = ["-nostdin", "-loglevel", "error", "-f", "lavfi", "-i", "color=c=red:size=96x72:rate=5",
                             "-t", "1", "-c:v", "mjpeg", "-q:v", "2", "-y", path]
        try process.run()
        process.waitUntilExit()
        try #require(process.terminationStatus == 0)
        let source = FFmpegFrameSource(configuration: try .init(input: .file(path), framesPerSecond: 5, width: 128, height: 64), logger: testLogger)
        var iterator = source.frames().makeAsyncIterator()
        let frame = try #require(await iterator.next())
        func pixel(_ x: Int, _ y: Int) -> (Int, Int, Int) {
            let i = (y * frame.width + x) * 3
            return (Int(frame.pixels[i]), Int(frame.pixels[i + 1]), Int(frame.pixels[i + 2]))
        }
        // 96x72 fits 128x64 as about 85x64, centred: bars about 21 px wide.
        for (x, y) in [(64, 32), (30, 5), (97, 58)] {
            let (r, g, b) = pixel(x, y)
            #expect(r > 180 && g < 70 && b < 70, "red at \(x),\(y): \(r) \(g) \(b)")
        }
        for (x, y) in [(2, 32), (15, 5), (125, 58), (112, 32)] {
            let (r, g, b) = pixel(x, y)
            #expect(r < 30 && g < 30 && b < 30, "black bar at \(x),\(y): \(r) \(g) \(b)")
        }
    }

    @Test func deliversFramesOfTheConfiguredSizeAndEndsWithTheFile() async throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let clip = try makeClip(in: folder, seconds: 1)
        let source = FFmpegFrameSource(configuration: try .init(input: .file(clip), framesPerSecond: 10, width: 48, height: 32), logger: testLogger)
        var count = 0
        for await frame in source.frames() {
            #expect(frame.width == 48 && frame.height == 32 && frame.pixels.count == 48 * 32 * 3)
            count += 1
        }
        // A 1 s clip at 10 fps gives 10 frames; a busy test machine may read fewer of them
        // (the newest wins), but every one is either delivered or counted as dropped.
        #expect(source.statistics.produced == 10)
        #expect(count >= 1)
        #expect(source.statistics.produced == count + source.statistics.dropped)
        #expect(source.statistics.restarts == 0)
    }

    @Test func restartsFFmpegWhenItIsKilledMidStream() async throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let clip = try makeClip(in: folder, seconds: 30)
        var configuration = try FFmpegFrameSource.Configuration(input: .stream(clip), framesPerSecond: 10, width: 48, height: 32)
        configuration.backoff = ExponentialBackoff(initial: 0.1, maximum: 0.5)
        let source = FFmpegFrameSource(configuration: configuration, logger: testLogger)
        var iterator = source.frames().makeAsyncIterator()
        var framesBeforeKill = 0
        while framesBeforeKill < 3, await iterator.next() != nil { framesBeforeKill += 1 }
        // A stream input is not paced, so ffmpeg may already have reached the end of the clip and
        // be waiting out its restart backoff: wait for the running child before killing it.
        #expect(await waitUntil { source.currentProcessIdentifier != nil })
        let firstChild = try #require(source.currentProcessIdentifier)
        kill(firstChild, SIGKILL)
        var framesAfterKill = 0
        while framesAfterKill < 5, await iterator.next() != nil { framesAfterKill += 1 }
        #expect(framesAfterKill == 5)
        #expect(source.statistics.restarts >= 1)
        #expect(source.currentProcessIdentifier != firstChild)
    }

    @Test func keepsTheCamerasOwnSizeWithinTheLargestFrame() async throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let clip = try makeClip(in: folder, seconds: 1)  // 96x64
        for (maximum, expected) in [((1920, 1080), (96, 64)), ((48, 48), (48, 32)), ((96, 64), (96, 64))] {
            var configuration = try FFmpegFrameSource.Configuration(input: .file(clip), framesPerSecond: 10, width: maximum.0, height: maximum.1)
            configuration.fit = .within
            configuration.pacesFileAtItsFrameRate = false
            let source = FFmpegFrameSource(configuration: configuration, logger: testLogger)
            #expect(source.arguments.contains("ppm") && !source.arguments.contains("rawvideo"))
            var count = 0
            for await frame in source.frames() {
                #expect(frame.width == expected.0 && frame.height == expected.1, "within \(maximum): \(frame.width)x\(frame.height)")
                #expect(frame.pixels.count == frame.width * frame.height * 3)
                count += 1
            }
            #expect(count >= 1 && source.statistics.produced == 10 && source.statistics.restarts == 0)
        }
    }

    @Test func unreachableStreamIsRetriedWithBackoffUntilCancelled() async throws {
        var configuration = try FFmpegFrameSource.Configuration(input: .stream("/nonexistent/camera.mjpeg"), framesPerSecond: 5, width: 32, height: 32)
        configuration.backoff = ExponentialBackoff(initial: 0.05, maximum: 0.2)
        let source = FFmpegFrameSource(configuration: configuration, logger: testLogger)
        let task = Task { for await _ in source.frames() {} }
        #expect(await waitUntil { source.statistics.restarts >= 3 })
        task.cancel()
        await task.value
    }

    @Test func slowConsumerGetsTheNewestFrameAndDropsAreCounted() async throws {
        let mailbox = LatestFrameMailbox()
        let frames = try (0..<10).map { try RGBFrame(width: 1, height: 1, pixels: [UInt8($0), 0, 0], capturedAt: Date()) }
        for frame in frames { mailbox.offer(frame) }
        mailbox.finish()
        var received: [RGBFrame] = []
        for await frame in mailbox.stream { received.append(frame) }
        #expect(received == [frames[9]])
        #expect(mailbox.statistics.produced == 10)
        #expect(mailbox.statistics.dropped == 9)
    }

    @Test func commandLineCarriesFpsSizeAndRawRGB() throws {
        let source = FFmpegFrameSource(configuration: try .init(input: .stream("rtsp://camera/stream"), framesPerSecond: 7.5, width: 640, height: 360), logger: testLogger)
        let arguments = source.arguments
        #expect(arguments.contains("fps=7.5,scale=640:360:force_original_aspect_ratio=decrease,pad=640:360:(ow-iw)/2:(oh-ih)/2"))
        #expect(arguments.contains("rgb24") && arguments.contains("rawvideo"))
        #expect(arguments.contains("-rtsp_transport"))
        #expect(throws: AgentError.self) { try FFmpegFrameSource.Configuration(input: .file("x"), framesPerSecond: 0, width: 640, height: 360) }
        #expect(throws: AgentError.self) { try FFmpegFrameSource.Configuration(input: .file("x"), framesPerSecond: 5, width: 4, height: 360) }
    }

    @Test func watchedFolderDeliversEachNewImageOnceAndRemovesIt() async throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let codec = FFmpegImageCodec()
        let red = try RGBFrame(width: 40, height: 20, pixels: Array(repeating: [200, 10, 10], count: 800).flatMap { $0 }, capturedAt: Date())
        try codec.encodeJPEG(red).write(to: folder.url.appending(path: "a.jpg"))
        try Data("not an image".utf8).write(to: folder.url.appending(path: "notes.txt"))
        // An upload under a hidden name (renamed when complete) is left alone, not read or removed.
        try codec.encodeJPEG(red).write(to: folder.url.appending(path: ".upload.jpg"))
        let source = ImageFolderFrameSource(folder: folder.url, width: 40, height: 20, codec: codec, pollInterval: 0.05, logger: testLogger)
        var iterator = source.frames().makeAsyncIterator()
        let first = try #require(await iterator.next())
        #expect(first.width == 40 && first.height == 20)
        #expect(first.pixels[0] > 150 && first.pixels[1] < 60, "decoded colour is the red that was written")
        try codec.encodeJPEG(red).write(to: folder.url.appending(path: "b.jpg"))
        _ = try #require(await iterator.next())
        #expect(source.statistics.produced == 2)
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder.url.path).sorted() == [".upload.jpg", "notes.txt"])
    }
}

@Suite struct AgentConfigurationTests {
    @Test func parsesSources() throws {
        #expect(try SourceSpecification.parse("rtsp://10.0.0.5/stream1") == .stream("rtsp://10.0.0.5/stream1"))
        #expect(try SourceSpecification.parse("http://cam/mjpeg") == .stream("http://cam/mjpeg"))
        #expect(try SourceSpecification.parse("dir:/var/spool/cam") == .folder("/var/spool/cam"))
        #expect(try SourceSpecification.parse("image:/tmp/car.jpg") == .image("/tmp/car.jpg"))
        #expect(try SourceSpecification.parse("file:/tmp/clip.mp4") == .videoFile("/tmp/clip.mp4"))
        #expect(try SourceSpecification.parse("/tmp/photo.PNG") == .image("/tmp/photo.PNG"))
        #expect(throws: AgentError.self) { try SourceSpecification.parse("rtsp://") }
        #expect(throws: AgentError.self) { try SourceSpecification.parse("dir:") }
    }

    @Test func parsesLocations() throws {
        #expect(try LocationSpecification.parseFixed("44.9778, -93.2650") == .fixed(try GeoPoint(latitude: 44.9778, longitude: -93.2650)))
        #expect(throws: AgentError.self) { try LocationSpecification.parseFixed("95,0") }
        #expect(throws: AgentError.self) { try LocationSpecification.parseFixed("north") }
        #expect(try LocationSpecification.parseGPSD("localhost") == .gpsd(host: "localhost", port: 2947))
        #expect(try LocationSpecification.parseGPSD("127.0.0.1:3000") == .gpsd(host: "127.0.0.1", port: 3000))
        #expect(try LocationSpecification.parseGPSD("[::1]:2948") == .gpsd(host: "::1", port: 2948))
        #expect(LocationSpecification.gpsd(host: "h", port: 1).isMobile)
        #expect(!(try LocationSpecification.parseFixed("45,-93")).isMobile)
    }

    @Test func credentialComesFromFileOrEnvironmentNeverEmpty() throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let file = folder.url.appending(path: "credential").path
        try Data("  secret-token\n".utf8).write(to: URL(fileURLWithPath: file))
        #expect(try CredentialSource.load(file: file, environment: [:]) == "secret-token")
        #expect(try CredentialSource.load(file: nil, environment: [CredentialSource.environmentVariable: "env-token"]) == "env-token")
        #expect(throws: AgentError.self) { try CredentialSource.load(file: nil, environment: [:]) }
        try Data("\n".utf8).write(to: URL(fileURLWithPath: file))
        #expect(throws: AgentError.self) { try CredentialSource.load(file: file, environment: [:]) }
    }

    @Test func backoffGrowsIsCappedAndJittersDownward() {
        let backoff = ExponentialBackoff(initial: 1, maximum: 10, multiplier: 2, jitter: 0.5)
        var generator = SeededGenerator(seed: 1)
        for attempt in 0..<8 {
            let ceiling = min(pow(2, Double(attempt)), 10)
            let delay = backoff.delay(attempt: attempt, using: &generator)
            #expect(delay <= ceiling && delay >= ceiling * 0.5, "attempt \(attempt): \(delay)")
        }
    }
}
