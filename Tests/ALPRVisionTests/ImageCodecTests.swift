import CTurboJPEG
import Foundation
import Testing
@testable import ALPRVision

@Suite("JPEG and PNG decoding")
struct ImageCodecTests {
    @Test("8-bit RGB PNG decodes exactly")
    func rgbPNG() throws {
        let rows: [[UInt8]] = [[255, 0, 0, 0, 255, 0, 0, 0, 255], [10, 20, 30, 40, 50, 60, 70, 80, 90]]
        let image = try ImageDecoder.decode(MinimalPNGWriter.encode(width: 3, height: 2, colorType: .rgb, bitDepth: 8, rows: rows))
        #expect(image.width == 3 && image.height == 2)
        #expect(image.pixels == rows.flatMap { $0 })
    }

    @Test("grey PNG (8-bit and 1-bit) becomes R = G = B")
    func grayPNG() throws {
        let eight = try ImageDecoder.decode(MinimalPNGWriter.encode(width: 3, height: 1, colorType: .gray, bitDepth: 8, rows: [[0, 128, 255]]))
        #expect(eight.pixels == [0, 0, 0, 128, 128, 128, 255, 255, 255])
        // 1-bit: 0b1010_0000 gives white, black, white, black for 4 pixels.
        let one = try ImageDecoder.decode(MinimalPNGWriter.encode(width: 4, height: 1, colorType: .gray, bitDepth: 1, rows: [[0b1010_0000]]))
        #expect(one.pixels == [255, 255, 255, 0, 0, 0, 255, 255, 255, 0, 0, 0])
    }

    @Test("palette PNG expands through the palette")
    func palettePNG() throws {
        let palette: [(UInt8, UInt8, UInt8)] = [(1, 2, 3), (200, 100, 50), (9, 8, 7)]
        let image = try ImageDecoder.decode(MinimalPNGWriter.encode(width: 4, height: 1, colorType: .palette, bitDepth: 8,
                                                                    rows: [[2, 0, 1, 2]], palette: palette))
        #expect(image.pixels == [9, 8, 7, 1, 2, 3, 200, 100, 50, 9, 8, 7])
    }

    @Test("16-bit RGB PNG is reduced to 8 bits")
    func sixteenBitPNG() throws {
        // Each 16-bit sample is v * 257, which is exactly v at 8 bits.
        let values: [UInt16] = [0, 65535, 128 * 257, 64 * 257, 200 * 257, 1 * 257]
        let row = values.flatMap { [UInt8($0 >> 8), UInt8($0 & 0xFF)] }
        let image = try ImageDecoder.decode(MinimalPNGWriter.encode(width: 2, height: 1, colorType: .rgb, bitDepth: 16, rows: [row]))
        #expect(image.pixels == [0, 255, 128, 64, 200, 1])
        // 16-bit RGBA: opaque keeps its colour, transparent becomes white.
        let rgba: [UInt16] = [100 * 257, 50 * 257, 25 * 257, 65535, 0, 0, 0, 0]
        let alpha = try ImageDecoder.decode(MinimalPNGWriter.encode(
            width: 2, height: 1, colorType: .rgba, bitDepth: 16, rows: [rgba.flatMap { [UInt8($0 >> 8), UInt8($0 & 0xFF)] }]))
        #expect(alpha.pixels == [100, 50, 25, 255, 255, 255])
    }

    @Test("alpha is composited over white")
    func alphaPNG() throws {
        let rgba = try ImageDecoder.decode(MinimalPNGWriter.encode(width: 2, height: 1, colorType: .rgba, bitDepth: 8,
                                                                   rows: [[10, 20, 30, 255, 10, 20, 30, 0]]))
        #expect(rgba.pixels == [10, 20, 30, 255, 255, 255])
        let grayAlpha = try ImageDecoder.decode(MinimalPNGWriter.encode(width: 2, height: 1, colorType: .grayAlpha, bitDepth: 8,
                                                                        rows: [[40, 255, 40, 0]]))
        #expect(grayAlpha.pixels == [40, 40, 40, 255, 255, 255])
    }

    @Test("our PNG encoder round-trips RGB and grey")
    func pngRoundTrip() throws {
        var random = SeededRandom(seed: 41)
        let pixels = (0 ..< 5 * 4 * 3).map { _ in UInt8.random(in: 0 ... 255, using: &random) }
        let image = try RGBImage(width: 5, height: 4, pixels: pixels)
        #expect(try ImageDecoder.decode(ImageEncoder.png(image)) == image)
        let gray = image.grayscale()
        #expect(try ImageDecoder.decode(ImageEncoder.png(gray)) == gray.rgb())
    }

    @Test("JPEG round trip of a smooth image stays within compression error")
    func jpegRoundTrip() throws {
        var pixels: [UInt8] = []
        for y in 0 ..< 24 {
            for x in 0 ..< 32 { pixels += [UInt8(x * 8), UInt8(y * 10), UInt8(128)] }
        }
        let image = try RGBImage(width: 32, height: 24, pixels: pixels)
        let data = try ImageEncoder.jpeg(image, quality: 95)
        #expect(ImageDecoder.format(of: data) == .jpeg)
        let decoded = try ImageDecoder.decode(data)
        #expect(decoded.width == 32 && decoded.height == 24)
        let worst = zip(decoded.pixels, pixels).map { abs(Int($0) - Int($1)) }.max() ?? 255
        #expect(worst <= 12, "largest channel error \(worst)")
    }

    @Test("a CMYK JPEG with Adobe's inverted inks decodes to the RGB it was made from")
    func cmykJPEG() throws {
        let width = 32, height = 24
        var rgb: [UInt8] = [], cmyk: [UInt8] = []
        for y in 0 ..< height {
            for x in 0 ..< width {
                let red = x * 8, green = y * 10, blue = 128
                let white = max(red, green, blue)  // 255 - black ink
                rgb += [UInt8(red), UInt8(green), UInt8(blue)]
                // Adobe stores each ink inverted: 255 - ink, so (1 - C) = R / (1 - K) in [0, 1].
                let inks = [red, green, blue].map { white == 0 ? 255 : UInt8(min(255, ($0 * 255 + white / 2) / white)) }
                cmyk += inks.map { UInt8($0) } + [UInt8(white)]
            }
        }
        let handle = try #require(tjInitCompress())
        defer { tjDestroy(handle) }
        var output: UnsafeMutablePointer<UInt8>? = nil
        var size: UInt = 0
        let status = cmyk.withUnsafeBufferPointer { pixels in
            tjCompress2(handle, pixels.baseAddress, Int32(width), 0, Int32(height), Int32(TJPF_CMYK.rawValue),
                        &output, &size, Int32(TJSAMP_444.rawValue), 98, 0)
        }
        defer { if let output { tjFree(output) } }
        #expect(status == 0)
        let data = Data(bytes: try #require(output), count: Int(size))
        #expect(data.withUnsafeBytes { ImageDecoder.hasAdobeMarker($0.bindMemory(to: UInt8.self)) })
        let decoded = try ImageDecoder.decode(data)
        #expect(decoded.width == width && decoded.height == height)
        let worst = zip(decoded.pixels, rgb).map { abs(Int($0) - Int($1)) }.max() ?? 255
        #expect(worst <= 12, "largest channel error \(worst)")
        // An ordinary (YCbCr) JPEG has no Adobe marker and is not taken for CMYK.
        let plain = try ImageEncoder.jpeg(RGBImage(width: 8, height: 8, red: 10))
        #expect(!plain.withUnsafeBytes { ImageDecoder.hasAdobeMarker($0.bindMemory(to: UInt8.self)) })
    }

    @Test("EXIF orientations turn the image as the EXIF specification places row 0 and column 0")
    func orientations() throws {
        // Stored 3 x 2: a b c / d e f (the red channel holds the letter's index).
        let stored = try RGBImage(width: 3, height: 2, pixels: (0 ..< 6).flatMap { [UInt8($0), 0, 0] })
        func letters(_ image: RGBImage) -> String {
            String(stride(from: 0, to: image.pixels.count, by: 3).map { Character(UnicodeScalar(UInt8(ascii: "a") + image.pixels[$0])) })
        }
        let expected: [Int: (width: Int, rows: String)] = [
            1: (3, "abcdef"), 2: (3, "cbafed"), 3: (3, "fedcba"), 4: (3, "defabc"),
            5: (2, "adbecf"), 6: (2, "daebfc"), 7: (2, "fcebda"), 8: (2, "cfbead"),
        ]
        for (orientation, want) in expected {
            let turned = stored.oriented(orientation)
            #expect(turned.width == want.width && turned.height == 6 / want.width, "orientation \(orientation)")
            #expect(letters(turned) == want.rows, "orientation \(orientation)")
        }
        #expect(stored.oriented(0) == stored && stored.oriented(9) == stored)
    }

    @Test("a JPEG's EXIF orientation is read in either byte order and applied when decoding")
    func exifOrientationIsApplied() throws {
        // 32 x 16: left half red, right half blue.
        var pixels: [UInt8] = []
        for _ in 0 ..< 16 { for x in 0 ..< 32 { pixels += x < 16 ? [220, 20, 20] : [20, 20, 220] } }
        let jpeg = try ImageEncoder.jpeg(RGBImage(width: 32, height: 16, pixels: pixels), quality: 95)
        func withOrientation(_ value: UInt8, bigEndian: Bool) -> Data {
            let tiff: [UInt8] = bigEndian
                ? [0x4D, 0x4D, 0, 42, 0, 0, 0, 8, 0, 1, 0x01, 0x12, 0, 3, 0, 0, 0, 1, 0, value, 0, 0, 0, 0, 0, 0]
                : [0x49, 0x49, 42, 0, 8, 0, 0, 0, 1, 0, 0x12, 0x01, 3, 0, 1, 0, 0, 0, value, 0, 0, 0, 0, 0, 0, 0]
            let payload = Array("Exif\0\0".utf8) + tiff
            let length = payload.count + 2
            return Data([0xFF, 0xD8, 0xFF, 0xE1, UInt8(length >> 8), UInt8(length & 0xFF)] + payload) + jpeg.dropFirst(2)
        }
        func orientation(_ data: Data) -> Int { data.withUnsafeBytes { ImageDecoder.exifOrientation($0.bindMemory(to: UInt8.self)) } }
        #expect(orientation(jpeg) == 1)
        for bigEndian in [true, false] {
            #expect(orientation(withOrientation(6, bigEndian: bigEndian)) == 6)
            #expect(orientation(withOrientation(3, bigEndian: bigEndian)) == 3)
            #expect(orientation(withOrientation(12, bigEndian: bigEndian)) == 1, "out of range")
        }
        // Turned 90 degrees clockwise: the stored left (red) half is now on top.
        let turned = try ImageDecoder.decode(withOrientation(6, bigEndian: true))
        #expect(turned.width == 16 && turned.height == 32)
        func pixel(_ x: Int, _ y: Int) -> [UInt8] { Array(turned.pixels[(y * turned.width + x) * 3 ..< (y * turned.width + x) * 3 + 3]) }
        #expect(pixel(8, 4)[0] > 180 && pixel(8, 4)[2] < 60, "top is red: \(pixel(8, 4))")
        #expect(pixel(8, 28)[2] > 180 && pixel(8, 28)[0] < 60, "bottom is blue: \(pixel(8, 28))")
        // Asked for the stored pixels, the tag is ignored: as the plain JPEG decodes.
        let stored = try ImageDecoder.decodeNotingDamage(withOrientation(6, bigEndian: true), applyingOrientation: false).image
        #expect(stored == (try ImageDecoder.decode(jpeg)))
        // A truncated EXIF segment is ignored, not trusted.
        let cut = Data([0xFF, 0xD8, 0xFF, 0xE1, 0x00, 0x40] + Array("Exif\0\0MM".utf8))
        #expect(orientation(cut) == 1)
    }

    @Test("mutated JPEG and PNG files decode or fail with an error, never crash", arguments: [UInt64(1), 2, 3])
    func mutatedFiles(seed: UInt64) throws {
        var random = SeededRandom(seed: seed)
        var pixels: [UInt8] = []
        for y in 0 ..< 24 { for x in 0 ..< 40 { pixels += [UInt8(x * 6), UInt8(y * 10), UInt8((x + y) * 3)] } }
        let image = try RGBImage(width: 40, height: 24, pixels: pixels)
        // A JPEG with an EXIF segment (orientation 6) and an Adobe marker in front of its own
        // segments, so that mutations reach the marker walk and the TIFF reader as well as the
        // libraries' parsers.
        let tiff: [UInt8] = [0x4D, 0x4D, 0, 42, 0, 0, 0, 8, 0, 1, 0x01, 0x12, 0, 3, 0, 0, 0, 1, 0, 6, 0, 0, 0, 0, 0, 0]
        let exif = Array("Exif\0\0".utf8) + tiff, adobe = Array("Adobe".utf8) + [0, 100, 0, 0, 0, 0, 1]
        var jpeg = Data([0xFF, 0xD8])
        for (marker, payload) in [(UInt8(0xE1), exif), (UInt8(0xEE), adobe)] {
            jpeg += Data([0xFF, marker, UInt8((payload.count + 2) >> 8), UInt8((payload.count + 2) & 0xFF)] + payload)
        }
        jpeg += try ImageEncoder.jpeg(image, quality: 90).dropFirst(2)
        let png = try ImageEncoder.png(image)
        #expect(try ImageDecoder.decode(jpeg).width == 24, "the unmutated JPEG is turned by its EXIF orientation")
        var decoded = 0, failed = 0
        for original in [jpeg, png] {
            for _ in 0 ..< 400 {
                var bytes = [UInt8](original)
                // One to four edits: flip a byte, cut the file, repeat a slice, or write an extreme
                // value (0x00, 0xFF) where lengths and sizes live (the first 200 bytes).
                for _ in 0 ..< Int.random(in: 1 ... 4, using: &random) where bytes.count > 4 {
                    let at = Int.random(in: 2 ..< bytes.count, using: &random)
                    switch Int.random(in: 0 ..< 4, using: &random) {
                    case 0: bytes[at] ^= UInt8.random(in: 1 ... 255, using: &random)
                    case 1: bytes.removeSubrange(at...)
                    case 2: bytes.insert(contentsOf: bytes[at ..< min(at + 16, bytes.count)], at: at)
                    default: bytes[min(at, 199) % bytes.count] = Bool.random(using: &random) ? 0xFF : 0x00
                    }
                }
                do {
                    let result = try ImageDecoder.decode(Data(bytes))
                    // What decodes is a whole image within the decoder's limit.
                    #expect(result.width > 0 && result.height > 0 && result.width * result.height <= ImageDecoder.maximumPixelCount)
                    #expect(result.pixels.count == result.width * result.height * 3)
                    decoded += 1
                } catch is VisionError {
                    failed += 1
                }
            }
        }
        // Both outcomes occur, so the mutations neither all miss nor all break the files.
        #expect(decoded > 0 && failed > 0, "decoded \(decoded), failed \(failed)")
    }

    @Test("damaged JPEGs decode as far as their data goes, with libjpeg-turbo's warning")
    func damagedJPEGs() throws {
        var random = SeededRandom(seed: 41)
        // Blocks of random colours, so that every part of the image has data of its own.
        var pixels: [UInt8] = []
        let colours = (0 ..< 48).map { _ in (0 ..< 3).map { _ in UInt8.random(in: 0 ... 255, using: &random) } }
        for y in 0 ..< 96 {
            for x in 0 ..< 128 { pixels += colours[(y / 16) * 8 + x / 16] }
        }
        let jpeg = try ImageEncoder.jpeg(try RGBImage(width: 128, height: 96, pixels: pixels), quality: 90)
        let sound = try ImageDecoder.decodeNotingDamage(jpeg)
        #expect(sound.warning == nil)
        let scan = try #require(Self.markerOffset(0xDA, in: jpeg), "the start-of-scan marker")

        // Stray bytes between two segments: the image is all there.
        var stray = jpeg
        stray.insert(contentsOf: [0x00, 0x11, 0x22], at: stray.startIndex + scan)
        let strayDecoded = try ImageDecoder.decodeNotingDamage(stray)
        #expect(strayDecoded.image == sound.image)
        #expect(strayDecoded.warning?.contains("extraneous bytes") == true, "\(strayDecoded.warning ?? "no warning")")
        #expect(try ImageDecoder.decode(stray) == sound.image)

        // Cut off two thirds into its scan: the rows whose data came through decode as before.
        let cut = jpeg.prefix(scan + (jpeg.count - scan) * 2 / 3)
        let cutDecoded = try ImageDecoder.decodeNotingDamage(cut)
        #expect(cutDecoded.warning?.contains("Premature end") == true, "\(cutDecoded.warning ?? "no warning")")
        #expect(cutDecoded.image.width == 128 && cutDecoded.image.height == 96)
        let firstRows = 16 * 128 * 3
        #expect(cutDecoded.image.pixels[..<firstRows] == sound.image.pixels[..<firstRows])
        #expect(cutDecoded.image != sound.image, "the missing part is filled in, not the image as sent")

        // Cut before its scan, a file has no image to decode.
        #expect(throws: VisionError.self) { try ImageDecoder.decode(jpeg.prefix(scan)) }
    }

    @Test("damaged PNGs decode as far as their data goes, with libpng's message")
    func damagedPNGs() throws {
        // Noise, which does not compress: libpng writes its image data in chunks of 8 KiB and
        // reads them 8 KiB at a time, so a cut loses at most that much more than was cut.
        var random = SeededRandom(seed: 43)
        let pixels = (0 ..< 128 * 96 * 3).map { _ in UInt8.random(in: 0 ... 255, using: &random) }
        let png = try ImageEncoder.png(try RGBImage(width: 128, height: 96, pixels: pixels))
        let sound = try ImageDecoder.decodeNotingDamage(png)
        #expect(sound.warning == nil)
        #expect(sound.image.pixels == pixels)
        let idat = try #require(Self.chunkOffset("IDAT", in: png), "the image data chunk")
        let firstRows = 16 * 128 * 3

        // Cut off two thirds into its image data: the rows that came through decode as before,
        // the rest is grey.
        let cut = png.prefix(idat + (png.count - idat) * 2 / 3)
        let cutDecoded = try ImageDecoder.decodeNotingDamage(cut)
        #expect(cutDecoded.warning?.hasPrefix("PNG: ") == true, "\(cutDecoded.warning ?? "no warning")")
        #expect(cutDecoded.image.width == 128 && cutDecoded.image.height == 96)
        let firstRowsKept = cutDecoded.image.pixels[..<firstRows] == sound.image.pixels[..<firstRows]
        #expect(firstRowsKept, "the first 16 rows decode as in the whole file")
        let lastRowGrey = cutDecoded.image.pixels.suffix(128 * 3).allSatisfy { $0 == 128 }
        #expect(lastRowGrey, "the last row is grey")
        #expect(try ImageDecoder.decode(cut) == cutDecoded.image)

        // A wrong checksum on the image data: decoded as far as libpng went, with its message.
        var broken = [UInt8](png)
        let idatLength = broken[idat ..< idat + 4].reduce(0) { $0 << 8 | Int($1) }
        broken[idat + 8 + idatLength] ^= 0xFF
        let brokenDecoded = try ImageDecoder.decodeNotingDamage(Data(broken))
        #expect(brokenDecoded.warning?.contains("CRC") == true, "\(brokenDecoded.warning ?? "no warning")")
        #expect(brokenDecoded.image.width == 128 && brokenDecoded.image.height == 96)

        // A 16-bit PNG cut off keeps its decoded rows too.
        let wideRows: [[UInt8]] = (0 ..< 64).map { y in (0 ..< 64).flatMap { x -> [UInt8] in [UInt8(x * 4), 0, UInt8(y * 4), 0, 0x80, 0] } }
        let wide = try MinimalPNGWriter.encode(width: 64, height: 64, colorType: .rgb, bitDepth: 16, rows: wideRows)
        let wideSound = try ImageDecoder.decodeNotingDamage(wide)
        #expect(wideSound.warning == nil)
        let wideIDAT = try #require(Self.chunkOffset("IDAT", in: wide))
        let wideCut = try ImageDecoder.decodeNotingDamage(wide.prefix(wideIDAT + (wide.count - wideIDAT) / 2))
        #expect(wideCut.warning != nil)
        let wideFirstRowKept = wideCut.image.pixels[..<(64 * 3)] == wideSound.image.pixels[..<(64 * 3)]
        #expect(wideFirstRowKept, "the first row decodes as in the whole file")
        #expect(wideCut.image.pixels.suffix(3) == [128, 128, 128])

        // Cut before its image data, a file has no image to decode.
        #expect(throws: VisionError.self) { try ImageDecoder.decode(png.prefix(idat)) }
        #expect(throws: VisionError.self) { try ImageDecoder.decode(png.prefix(idat + 8)) }
    }

    /// The offset of the first chunk of `type` in a PNG (its length field), walking the chunks.
    static func chunkOffset(_ type: String, in data: Data) -> Int? {
        let bytes = [UInt8](data)
        var offset = 8
        while offset + 8 <= bytes.count {
            if bytes[offset + 4 ..< offset + 8].elementsEqual(type.utf8) { return offset }
            offset += 12 + bytes[offset ..< offset + 4].reduce(0) { $0 << 8 | Int($1) }
        }
        return nil
    }

    /// The offset of the first `0xFF marker` pair in a JPEG.
    static func markerOffset(_ marker: UInt8, in data: Data) -> Int? {
        let bytes = [UInt8](data)
        return (0 ..< bytes.count - 1).first { bytes[$0] == 0xFF && bytes[$0 + 1] == marker }
    }

    @Test("truncated, empty and unknown bytes fail with an error")
    func badInput() throws {
        let image = RGBImage(width: 16, height: 16, red: 200)
        let jpeg = try ImageEncoder.jpeg(image)
        let png = try ImageEncoder.png(image)
        #expect(throws: VisionError.self) { try ImageDecoder.decode(jpeg.prefix(Self.markerOffset(0xDA, in: jpeg) ?? jpeg.count / 2)) }
        #expect(throws: VisionError.self) { try ImageDecoder.decode(jpeg.prefix(3)) }
        #expect(throws: VisionError.self) { try ImageDecoder.decode(png.prefix(Self.chunkOffset("IDAT", in: png) ?? png.count / 2)) }
        #expect(throws: VisionError.self) { try ImageDecoder.decode(png.prefix(8)) }
        #expect(throws: VisionError.unsupportedImageFormat) { try ImageDecoder.decode(Data()) }
        #expect(throws: VisionError.unsupportedImageFormat) { try ImageDecoder.decode(Data("GIF89a......".utf8)) }
        #expect(throws: VisionError.self) { try ImageDecoder.decode(contentsOf: URL(fileURLWithPath: "/nonexistent/image.jpg")) }
    }
}
