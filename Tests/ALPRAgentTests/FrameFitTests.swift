import ALPRCore
@testable import ALPRAgent
import ALPRVision
import Foundation
import Testing

@Suite("Frames at the camera's own size")
struct FrameFitTests {
    @Test("a picture keeps its size when it fits, and is scaled down by the tighter ratio otherwise")
    func sizeWithin() {
        #expect(FrameFit.sizeWithin(width: 1280, height: 720, maximumWidth: 1920, maximumHeight: 1080) == (1280, 720))
        #expect(FrameFit.sizeWithin(width: 1920, height: 1080, maximumWidth: 1920, maximumHeight: 1080) == (1920, 1080))
        #expect(FrameFit.sizeWithin(width: 3840, height: 2160, maximumWidth: 1920, maximumHeight: 1080) == (1920, 1080))
        #expect(FrameFit.sizeWithin(width: 2592, height: 1944, maximumWidth: 1920, maximumHeight: 1080) == (1440, 1080))
        #expect(FrameFit.sizeWithin(width: 2560, height: 1080, maximumWidth: 1920, maximumHeight: 1080) == (1920, 810))
        #expect(FrameFit.sizeWithin(width: 640, height: 4000, maximumWidth: 1920, maximumHeight: 1080) == (173, 1080))
    }

    @Test("PPM images are read one after another, whatever their sizes, comments included")
    func ppmStream() throws {
        func ppm(_ header: String, _ width: Int, _ height: Int, seed: UInt8) -> [UInt8] {
            Array(header.utf8) + (0 ..< width * height * 3).map { UInt8(truncatingIfNeeded: $0 &* 7) &+ seed }
        }
        let bytes = ppm("P6\n3 2\n255\n", 3, 2, seed: 1) + ppm("P6 1 1 255 ", 1, 1, seed: 9)
            + ppm("P6\n# a comment\n5\t4\r\n255\n", 5, 4, seed: 3)
        let images = try PPMStream.images(in: bytes)
        try #require(images.count == 3)
        #expect(images.map(\.width) == [3, 1, 5] && images.map(\.height) == [2, 1, 4])
        #expect(images[0].pixels == (0 ..< 18).map { UInt8(truncatingIfNeeded: $0 &* 7) &+ 1 })
        #expect(images[1].pixels == [9, 16, 23])
        #expect(images[2].pixels.count == 60 && images[2].pixels.last == UInt8(truncatingIfNeeded: 59 &* 7) &+ 3)
        // Large enough to span the reader's refills.
        let large = ppm("P6\n300 200\n255\n", 300, 200, seed: 5)
        #expect(try PPMStream.images(in: large + large).map(\.pixels) == [Array(large.dropFirst(15)), Array(large.dropFirst(15))])
        // A stream cut inside an image (ffmpeg stopped) ends it; what came before is kept.
        #expect(try PPMStream.images(in: bytes + Array(ppm("P6\n4 4\n255\n", 4, 4, seed: 0).prefix(30))).count == 3)
        #expect(try PPMStream.images(in: []).isEmpty)
        // Bytes that are no 8-bit P6 image are an error.
        #expect(throws: AgentError.self) { try PPMStream.images(in: Array("P5\n1 1\n255\n\u{0}".utf8)) }
        #expect(throws: AgentError.self) { try PPMStream.images(in: Array("P6\n1 1\n65535\n".utf8) + [0, 0, 0, 0, 0, 0]) }
        #expect(throws: AgentError.self) { try PPMStream.images(in: Array("P6\n9000 1\n255\n".utf8)) }
        #expect(throws: AgentError.self) { try PPMStream.images(in: Array("P6\n0 1\n255\n".utf8)) }
        #expect(throws: AgentError.self) { try PPMStream.images(in: Array("P6\nx 1\n255\n".utf8)) }
        #expect(throws: AgentError.self) { try PPMStream.images(in: Array("P6\n12345678 1\n255\n".utf8)) }
    }

    /// Left half red, right half blue, so that a stretch or a shift would show.
    func picture(_ width: Int, _ height: Int) throws -> RGBFrame {
        let pixels = (0 ..< width * height).flatMap { index -> [UInt8] in index % width < width / 2 ? [220, 20, 20] : [20, 20, 220] }
        return try RGBFrame(width: width, height: height, pixels: pixels, capturedAt: Date())
    }

    @Test("both codecs keep a small image's size, scale a large one down to fit, and keep its picture")
    func codecsWithin() throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let codecs: [any ImageCodec] = [VisionImageCodec(), FFmpegImageCodec()]
        for (index, codec) in codecs.enumerated() {
            let small = folder.url.appending(path: "small\(index).jpg"), large = folder.url.appending(path: "large\(index).jpg")
            try codec.encodeJPEG(try picture(160, 90)).write(to: small)
            try codec.encodeJPEG(try picture(800, 600)).write(to: large)
            let kept = try codec.decodeImage(at: small.path, width: 320, height: 180, fit: .within, capturedAt: Date())
            #expect(kept.width == 160 && kept.height == 90, "\(type(of: codec)): \(kept.width)x\(kept.height)")
            let scaled = try codec.decodeImage(at: large.path, width: 320, height: 180, fit: .within, capturedAt: Date())
            #expect(abs(scaled.width - 240) <= 1 && scaled.height == 180, "\(type(of: codec)): \(scaled.width)x\(scaled.height)")
            func pixel(_ frame: RGBFrame, _ x: Int, _ y: Int) -> [UInt8] { Array(frame.pixels[(y * frame.width + x) * 3 ..< (y * frame.width + x) * 3 + 3]) }
            #expect(pixel(scaled, 10, 90)[0] > 170 && pixel(scaled, 10, 90)[2] < 80, "red at the left, no bar")
            #expect(pixel(scaled, scaled.width - 10, 90)[2] > 170 && pixel(scaled, scaled.width - 10, 90)[0] < 80, "blue at the right, no bar")
            // `.exactly` still pads to the size asked for.
            let padded = try codec.decodeImage(at: small.path, width: 320, height: 240, fit: .exactly, capturedAt: Date())
            #expect(padded.width == 320 && padded.height == 240)
        }
    }

    @Test("both codecs encode a picture within a bound: its own size when it fits, else scaled down, picture kept")
    func codecsEncodeWithin() throws {
        let codecs: [any ImageCodec] = [VisionImageCodec(), FFmpegImageCodec()]
        for codec in codecs {
            let kept = try ImageDecoder.decode(codec.encodeJPEG(try picture(160, 90), within: 320, 180))
            #expect(kept.width == 160 && kept.height == 90, "\(type(of: codec)): \(kept.width)x\(kept.height)")
            let scaled = try ImageDecoder.decode(codec.encodeJPEG(try picture(800, 600), within: 320, 180))
            #expect(scaled.width == 240 && scaled.height == 180, "\(type(of: codec)): \(scaled.width)x\(scaled.height)")
            func pixel(_ image: RGBImage, _ x: Int, _ y: Int) -> [UInt8] { Array(image.pixels[(y * image.width + x) * 3 ..< (y * image.width + x) * 3 + 3]) }
            #expect(pixel(scaled, 10, 90)[0] > 170 && pixel(scaled, 10, 90)[2] < 80, "red at the left")
            #expect(pixel(scaled, scaled.width - 10, 90)[2] > 170 && pixel(scaled, scaled.width - 10, 90)[0] < 80, "blue at the right")
        }
    }

    @Test("a read's vehicle image is scaled down to 1920x1080; its plate crop keeps the frame's pixels")
    func vehicleImageBound() throws {
        let width = 2560, height = 1440
        var random = SystemRandomNumberGenerator()
        let frame = try RGBFrame(width: width, height: height, pixels: (0 ..< width * height * 3).map { _ in UInt8.random(in: 0 ... 255, using: &random) },
                                 capturedAt: Date())
        let box = ALPRCore.PlateBox(x: 1000, y: 800, width: 300, height: 150)
        let observation = PlateObservation(detection: PlateDetection(text: "ABC123", confidence: 0.9, box: box), seenAt: Date(), frame: frame)
        let pass = VehiclePass(text: "ABC123", confidence: 0.9, characterConfidences: [], candidates: [], state: nil,
                               firstSeenAt: Date(), lastSeenAt: Date(), observationCount: 1, best: observation, isReemission: false)
        let read = try #require(ReadAssembler(codec: VisionImageCodec(), logger: testLogger).makeRead(from: pass))
        let vehicle = try ImageDecoder.decode(try #require(read.vehicleImage.flatMap { Data(base64Encoded: $0) }))
        #expect(vehicle.width == 1920 && vehicle.height == 1080)
        let plate = try ImageDecoder.decode(try #require(read.plateImage.flatMap { Data(base64Encoded: $0) }))
        #expect(plate.width == 300 && plate.height == 150)
        #expect(ReadAssembler.vehicleImageBound == (1920, 1080))
    }

    @Test("the engine's scale-down is the block-mean shrink where the factor is whole")
    func wholeFactorIsTheShrink() throws {
        var random = SystemRandomNumberGenerator()
        let image = try RGBImage(width: 64, height: 36, pixels: (0 ..< 64 * 36 * 3).map { _ in UInt8.random(in: 0 ... 255, using: &random) })
        #expect(try VisionImageCodec.scaledDown(image, within: 32, 18) == image.shrunk(by: 2))
        #expect(try VisionImageCodec.scaledDown(image, within: 64, 36) == image)
        let odd = try VisionImageCodec.scaledDown(image, within: 40, 40)
        #expect(odd.width == 40 && odd.height == 23)
    }
}
