import CPNG
import CTurboJPEG
import Foundation

/// Decodes JPEG (libjpeg-turbo) and PNG (libpng) into `RGBImage`. Grey, palette, 16-bit and
/// alpha PNGs all come out as 8-bit RGB; alpha is composited over white.
public enum ImageDecoder {
    /// Refuse images above this many pixels (a corrupt header must not allocate gigabytes).
    public static let maximumPixelCount = 100_000_000

    public enum Format: Sendable { case jpeg, png }

    public static func format(of data: Data) -> Format? {
        let signature = [UInt8](data.prefix(8))
        if signature.count >= 3, signature[0] == 0xFF, signature[1] == 0xD8, signature[2] == 0xFF { return .jpeg }
        if signature == [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A] { return .png }
        return nil
    }

    public static func decode(_ data: Data) throws -> RGBImage {
        switch format(of: data) {
        case .jpeg: try decodeJPEG(data)
        case .png: try decodePNG(data)
        case nil: throw VisionError.unsupportedImageFormat
        }
    }

    public static func decode(contentsOf url: URL) throws -> RGBImage {
        let data: Data
        do {
            data = try Data(contentsOf: url)
        } catch {
            throw VisionError.imageDecodingFailed("cannot read \(url.path)")
        }
        return try decode(data)
    }

    public static func decodeJPEG(_ data: Data) throws -> RGBImage {
        guard let handle = tjInitDecompress() else { throw VisionError.imageDecodingFailed("libjpeg-turbo did not initialise") }
        defer { tjDestroy(handle) }
        return try data.withUnsafeBytes { raw -> RGBImage in
            let bytes = raw.bindMemory(to: UInt8.self)
            var width: Int32 = 0, height: Int32 = 0, subsampling: Int32 = 0, colorspace: Int32 = 0
            guard tjDecompressHeader3(handle, bytes.baseAddress, UInt(bytes.count), &width, &height, &subsampling, &colorspace) == 0 else {
                throw VisionError.imageDecodingFailed("JPEG header: \(errorMessage(handle))")
            }
            try checkSize(width: Int(width), height: Int(height))
            var pixels = [UInt8](repeating: 0, count: Int(width) * Int(height) * 3)
            let status = pixels.withUnsafeMutableBufferPointer { destination in
                tjDecompress2(handle, bytes.baseAddress, UInt(bytes.count), destination.baseAddress,
                              width, 0, height, Int32(TJPF_RGB.rawValue), Int32(TJFLAG_ACCURATEDCT))
            }
            // A warning (e.g. a truncated file libjpeg-turbo could partly decode) is still an error
            // for us: a half-grey frame would yield wrong reads.
            guard status == 0 else { throw VisionError.imageDecodingFailed("JPEG: \(errorMessage(handle))") }
            return try RGBImage(width: Int(width), height: Int(height), pixels: pixels)
        }
    }

    private static func errorMessage(_ handle: tjhandle) -> String {
        String(cString: tjGetErrorStr2(handle))
    }

    public static func decodePNG(_ data: Data) throws -> RGBImage {
        var image = png_image()
        image.version = UInt32(PNG_IMAGE_VERSION)
        return try data.withUnsafeBytes { raw -> RGBImage in
            guard png_image_begin_read_from_memory(&image, raw.baseAddress, raw.count) != 0 else {
                throw VisionError.imageDecodingFailed("PNG header: \(pngMessage(&image))")
            }
            defer { png_image_free(&image) }
            try checkSize(width: Int(image.width), height: Int(image.height))
            let width = Int(image.width), height = Int(image.height)
            if image.format & UInt32(PNG_FORMAT_FLAG_LINEAR) != 0 {
                return try finishSixteenBitPNG(&image, width: width, height: height)
            }
            image.format = UInt32(PNG_FORMAT_RGB)
            var pixels = [UInt8](repeating: 0, count: width * height * 3)
            var white = png_color(red: 255, green: 255, blue: 255)
            let status = pixels.withUnsafeMutableBytes { destination in
                png_image_finish_read(&image, &white, destination.baseAddress, Int32(width * 3), nil)
            }
            guard status != 0 else { throw VisionError.imageDecodingFailed("PNG: \(pngMessage(&image))") }
            return try RGBImage(width: width, height: height, pixels: pixels)
        }
    }

    /// libpng's simplified API treats 16-bit samples as linear light and would gamma-encode
    /// them when asked for 8 bits; other tools (and training) just scale them. So read 16-bit
    /// linear RGBA (which libpng premultiplies by alpha), composite over white, and scale.
    private static func finishSixteenBitPNG(_ image: inout png_image, width: Int, height: Int) throws -> RGBImage {
        image.format = UInt32(PNG_FORMAT_FLAG_LINEAR | PNG_FORMAT_FLAG_COLOR | PNG_FORMAT_FLAG_ALPHA)
        var wide = [UInt16](repeating: 0, count: width * height * 4)
        let status = wide.withUnsafeMutableBytes { destination in
            png_image_finish_read(&image, nil, destination.baseAddress, Int32(width * 4), nil)
        }
        guard status != 0 else { throw VisionError.imageDecodingFailed("PNG: \(pngMessage(&image))") }
        var pixels = [UInt8](repeating: 0, count: width * height * 3)
        for i in 0 ..< width * height {
            let transparency = 65535 - UInt32(wide[4 * i + 3])
            for channel in 0 ..< 3 {
                let value = min(UInt32(wide[4 * i + channel]) + transparency, 65535)
                pixels[3 * i + channel] = UInt8((value + 128) / 257)
            }
        }
        return try RGBImage(width: width, height: height, pixels: pixels)
    }

    private static func pngMessage(_ image: inout png_image) -> String {
        withUnsafeBytes(of: &image.message) { raw in
            String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
        }
    }

    private static func checkSize(width: Int, height: Int) throws {
        guard width > 0, height > 0, width * height <= maximumPixelCount else {
            throw VisionError.imageDecodingFailed("image size \(width)x\(height) is out of range")
        }
    }
}
