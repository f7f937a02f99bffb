import CPNG
import CTurboJPEG
import Foundation

/// Decodes JPEG (libjpeg-turbo) and PNG (libpng) into `RGBImage`. Grey and CMYK JPEGs and grey,
/// palette, 16-bit and alpha PNGs all come out as 8-bit RGB; alpha is composited over white.
/// A JPEG's EXIF orientation is applied, so the image comes out the way viewers show it.
///
/// A JPEG that libjpeg-turbo can decode only with a warning (stray bytes between segments, a
/// scan cut short, a file cut off: cameras and uploads produce them) is decoded as far as its
/// data goes, as OpenCV and browsers show it; libjpeg-turbo fills what is missing with grey.
/// A PNG whose image data is cut off or damaged is decoded likewise: the rows libpng decoded
/// before it stopped, the rest grey. `decodeNotingDamage` also hands back the decoder's
/// message, for callers that report it. A file with no image data at all (cut before a JPEG's
/// scan or a PNG's first `IDAT` chunk) is an error.
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

    /// An image as decoded, and the decoder's warning when the file was damaged but decoded
    /// anyway (nil for a sound file).
    public struct Decoded: Sendable {
        public var image: RGBImage
        public var warning: String?
    }

    public static func decode(_ data: Data) throws -> RGBImage {
        try decodeNotingDamage(data).image
    }

    public static func decode(contentsOf url: URL) throws -> RGBImage {
        try decodeNotingDamage(contentsOf: url).image
    }

    /// `decode`, with the warning a damaged JPEG or PNG was decoded with. With `applyingOrientation`
    /// false a JPEG comes out as its pixels are stored, its EXIF orientation ignored.
    public static func decodeNotingDamage(_ data: Data, applyingOrientation: Bool = true) throws -> Decoded {
        switch format(of: data) {
        case .jpeg: try decodeJPEGNotingDamage(data, applyingOrientation: applyingOrientation)
        case .png: try decodePNGNotingDamage(data)
        case nil: throw VisionError.unsupportedImageFormat
        }
    }

    /// Why a file could not be read, in words a user can act on.
    static func whyUnreadable(_ url: URL) -> String {
        var isFolder: ObjCBool = false
        guard FileManager.default.fileExists(atPath: url.path, isDirectory: &isFolder) else { return "no such file" }
        if isFolder.boolValue { return "it is a folder (alpr read --dir reads the images in one)" }
        return FileManager.default.isReadableFile(atPath: url.path) ? "the file could not be read" : "permission denied"
    }

    public static func decodeNotingDamage(contentsOf url: URL, applyingOrientation: Bool = true) throws -> Decoded {
        let data: Data
        do {
            data = try Data(contentsOf: url)
        } catch {
            throw VisionError.imageDecodingFailed("cannot read \(url.path): \(whyUnreadable(url))")
        }
        return try decodeNotingDamage(data, applyingOrientation: applyingOrientation)
    }

    public static func decodeJPEG(_ data: Data) throws -> RGBImage {
        try decodeJPEGNotingDamage(data).image
    }

    static func decodeJPEGNotingDamage(_ data: Data, applyingOrientation: Bool = true) throws -> Decoded {
        guard let handle = tjInitDecompress() else { throw VisionError.imageDecodingFailed("libjpeg-turbo did not initialise") }
        defer { tjDestroy(handle) }
        var warning: String?
        /// libjpeg-turbo's status: 0, or a warning (noted; the call did its work), or an error.
        func check(_ status: Int32, _ stage: String) throws {
            guard status != 0 else { return }
            let message = errorMessage(handle)
            guard tjGetErrorCode(handle) == Int32(TJERR_WARNING.rawValue) else {
                throw VisionError.imageDecodingFailed("\(stage): \(message)")
            }
            if warning == nil { warning = message }
        }
        return try data.withUnsafeBytes { raw -> Decoded in
            let bytes = raw.bindMemory(to: UInt8.self)
            var width: Int32 = 0, height: Int32 = 0, subsampling: Int32 = 0, colorspace: Int32 = 0
            try check(tjDecompressHeader3(handle, bytes.baseAddress, UInt(bytes.count), &width, &height, &subsampling, &colorspace),
                      "JPEG header")
            try checkSize(width: Int(width), height: Int(height))
            let orientation = applyingOrientation ? exifOrientation(bytes) : 1
            if colorspace == Int32(TJCS_CMYK.rawValue) || colorspace == Int32(TJCS_YCCK.rawValue) {
                let cmyk = try decodeCMYK(handle, bytes, width: width, height: height, adobe: hasAdobeMarker(bytes), check: check)
                return Decoded(image: cmyk.oriented(orientation), warning: warning)
            }
            // libjpeg-turbo writes every byte, also of a damaged file it decodes with a warning,
            // so the buffer is not cleared first (a 12 MP photo's 36 MB); on an error it is
            // thrown away unread.
            var status: Int32 = 0
            let count = Int(width) * Int(height) * 3
            let pixels = [UInt8](unsafeUninitializedCapacity: count) { destination, initialized in
                status = tjDecompress2(handle, bytes.baseAddress, UInt(bytes.count), destination.baseAddress,
                                       width, 0, height, Int32(TJPF_RGB.rawValue), Int32(TJFLAG_ACCURATEDCT))
                initialized = count
            }
            try check(status, "JPEG")
            return Decoded(image: try RGBImage(width: Int(width), height: Int(height), pixels: pixels).oriented(orientation),
                           warning: warning)
        }
    }

    /// The EXIF orientation (1-8) of a JPEG, 1 when it has none or it cannot be read. Cameras
    /// and phones store the sensor's pixels and say in this tag how to turn them; viewers,
    /// OpenCV's imread (which made the training data) and so the annotations of photo sets
    /// show the turned image, and so does the engine.
    static func exifOrientation(_ bytes: UnsafeBufferPointer<UInt8>) -> Int {
        let prefix = Array("Exif\0\0".utf8)
        guard let exif = segmentPayload(bytes, marker: 0xE1, startingWith: prefix) else { return 1 }
        return orientation(inTIFF: UnsafeBufferPointer(rebasing: exif[prefix.count...]))
    }

    /// The payload (after the length) of the first marker segment before the scan that has
    /// marker `marker` and starts with `prefix`; nil when there is none or the file ends inside it.
    private static func segmentPayload(_ bytes: UnsafeBufferPointer<UInt8>, marker wanted: UInt8,
                                       startingWith prefix: [UInt8]) -> UnsafeBufferPointer<UInt8>? {
        var offset = 2
        while offset + 4 <= bytes.count, bytes[offset] == 0xFF {
            let marker = bytes[offset + 1]
            if marker == 0xFF { offset += 1; continue }
            if marker == 0xDA || marker == 0xD9 { return nil }
            let length = Int(bytes[offset + 2]) << 8 | Int(bytes[offset + 3])
            guard length >= 2, offset + 2 + length <= bytes.count else { return nil }
            let payload = UnsafeBufferPointer(rebasing: bytes[(offset + 4) ..< (offset + 2 + length)])
            if marker == wanted, payload.starts(with: prefix) { return payload }
            offset += 2 + length
        }
        return nil
    }

    /// The orientation tag (0x0112) of a TIFF structure's first directory, 1 when absent or invalid.
    private static func orientation(inTIFF tiff: UnsafeBufferPointer<UInt8>) -> Int {
        guard tiff.count >= 8 else { return 1 }
        let bigEndian: Bool
        switch (tiff[0], tiff[1]) {
        case (0x4D, 0x4D): bigEndian = true
        case (0x49, 0x49): bigEndian = false
        default: return 1
        }
        func u16(_ at: Int) -> Int? {
            guard at >= 0, at + 2 <= tiff.count else { return nil }
            return bigEndian ? Int(tiff[at]) << 8 | Int(tiff[at + 1]) : Int(tiff[at + 1]) << 8 | Int(tiff[at])
        }
        func u32(_ at: Int) -> Int? {
            guard let high = u16(bigEndian ? at : at + 2), let low = u16(bigEndian ? at + 2 : at) else { return nil }
            return high << 16 | low
        }
        guard u16(2) == 42, let directory = u32(4), let count = u16(directory) else { return 1 }
        for entry in 0 ..< count {
            let at = directory + 2 + entry * 12
            guard let tag = u16(at) else { return 1 }
            if tag == 0x0112 {
                guard u16(at + 2) == 3, let value = u16(at + 8), (1 ... 8).contains(value) else { return 1 }
                return value
            }
        }
        return 1
    }

    /// CMYK and YCCK JPEGs (print workflows, some scanners and photo editors) decode to CMYK,
    /// which libjpeg-turbo will not turn into RGB itself; convert with the naive formula
    /// `R = (1 - C)(1 - K)`. Files with Adobe's APP14 marker (nearly all of them) store the
    /// inks inverted, 255 meaning none.
    private static func decodeCMYK(_ handle: tjhandle, _ bytes: UnsafeBufferPointer<UInt8>, width: Int32, height: Int32,
                                   adobe: Bool, check: (Int32, String) throws -> Void) throws -> RGBImage {
        let count = Int(width) * Int(height)
        var cmyk = [UInt8](repeating: 0, count: count * 4)
        let status = cmyk.withUnsafeMutableBufferPointer { destination in
            tjDecompress2(handle, bytes.baseAddress, UInt(bytes.count), destination.baseAddress,
                          width, 0, height, Int32(TJPF_CMYK.rawValue), Int32(TJFLAG_ACCURATEDCT))
        }
        try check(status, "JPEG")
        var pixels = [UInt8](repeating: 0, count: count * 3)
        for i in 0 ..< count {
            let key = adobe ? UInt32(cmyk[4 * i + 3]) : 255 - UInt32(cmyk[4 * i + 3])
            for channel in 0 ..< 3 {
                let ink = adobe ? UInt32(cmyk[4 * i + channel]) : 255 - UInt32(cmyk[4 * i + channel])
                pixels[3 * i + channel] = UInt8((ink * key + 127) / 255)
            }
        }
        return try RGBImage(width: Int(width), height: Int(height), pixels: pixels)
    }

    /// Whether the JPEG carries Adobe's APP14 marker.
    static func hasAdobeMarker(_ bytes: UnsafeBufferPointer<UInt8>) -> Bool {
        segmentPayload(bytes, marker: 0xEE, startingWith: Array("Adobe".utf8)) != nil
    }

    private static func errorMessage(_ handle: tjhandle) -> String {
        String(cString: tjGetErrorStr2(handle))
    }

    public static func decodePNG(_ data: Data) throws -> RGBImage {
        try decodePNGNotingDamage(data).image
    }

    /// `decodePNG`, with libpng's message when the image data stopped short (the file cut off,
    /// a chunk's checksum wrong, the compressed data broken): the rows decoded before that
    /// point are kept, the rest are grey, as with a damaged JPEG.
    public static func decodePNGNotingDamage(_ data: Data) throws -> Decoded {
        var image = png_image()
        image.version = UInt32(PNG_IMAGE_VERSION)
        return try data.withUnsafeBytes { raw -> Decoded in
            guard png_image_begin_read_from_memory(&image, raw.baseAddress, raw.count) != 0 else {
                throw VisionError.imageDecodingFailed("PNG header: \(pngMessage(&image))")
            }
            defer { png_image_free(&image) }
            try checkSize(width: Int(image.width), height: Int(image.height))
            let width = Int(image.width), height = Int(image.height)
            if image.format & UInt32(PNG_FORMAT_FLAG_LINEAR) != 0 {
                return try finishSixteenBitPNG(&image, width: width, height: height, data: raw)
            }
            image.format = UInt32(PNG_FORMAT_RGB)
            var pixels = [UInt8](repeating: 128, count: width * height * 3)
            var white = png_color(red: 255, green: 255, blue: 255)
            let status = pixels.withUnsafeMutableBytes { destination in
                png_image_finish_read(&image, &white, destination.baseAddress, Int32(width * 3), nil)
            }
            let warning = try pngDamage(status: status, image: &image, data: raw)
            return Decoded(image: try RGBImage(width: width, height: height, pixels: pixels), warning: warning)
        }
    }

    /// nil when `png_image_finish_read` succeeded; else libpng's message, the image being
    /// decoded as far as its data went, or an error when the file holds no image data at all.
    private static func pngDamage(status: Int32, image: inout png_image, data: UnsafeRawBufferPointer) throws -> String? {
        guard status == 0 else { return nil }
        let message = "PNG: \(pngMessage(&image))"
        guard hasImageData(png: data) else { throw VisionError.imageDecodingFailed(message + " (no image data)") }
        return message
    }

    /// Whether a PNG file reaches its first `IDAT` chunk's data: walks the chunks from the
    /// signature by their lengths.
    static func hasImageData(png data: UnsafeRawBufferPointer) -> Bool {
        var offset = 8
        while offset + 8 <= data.count {
            let length = data[offset ..< offset + 4].reduce(0) { $0 << 8 | Int($1) }
            if data[offset + 4 ..< offset + 8].elementsEqual("IDAT".utf8) { return length > 0 && offset + 8 < data.count }
            offset += 12 + length
        }
        return false
    }

    /// libpng's simplified API treats 16-bit samples as linear light and would gamma-encode
    /// them when asked for 8 bits; other tools (and training) just scale them. So read 16-bit
    /// linear RGBA (which libpng premultiplies by alpha), composite over white, and scale.
    private static func finishSixteenBitPNG(_ image: inout png_image, width: Int, height: Int, data: UnsafeRawBufferPointer) throws -> Decoded {
        image.format = UInt32(PNG_FORMAT_FLAG_LINEAR | PNG_FORMAT_FLAG_COLOR | PNG_FORMAT_FLAG_ALPHA)
        // Opaque mid-grey where the data stops short, as in the 8-bit case.
        var wide = [UInt16](repeating: 0, count: width * height * 4)
        for i in 0 ..< width * height { (wide[4 * i], wide[4 * i + 1], wide[4 * i + 2], wide[4 * i + 3]) = (32896, 32896, 32896, 65535) }
        let status = wide.withUnsafeMutableBytes { destination in
            png_image_finish_read(&image, nil, destination.baseAddress, Int32(width * 4), nil)
        }
        let warning = try pngDamage(status: status, image: &image, data: data)
        var pixels = [UInt8](repeating: 0, count: width * height * 3)
        for i in 0 ..< width * height {
            let transparency = 65535 - UInt32(wide[4 * i + 3])
            for channel in 0 ..< 3 {
                let value = min(UInt32(wide[4 * i + channel]) + transparency, 65535)
                pixels[3 * i + channel] = UInt8((value + 128) / 257)
            }
        }
        return Decoded(image: try RGBImage(width: width, height: height, pixels: pixels), warning: warning)
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
