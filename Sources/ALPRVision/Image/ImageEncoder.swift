import CPNG
import CTurboJPEG
import Foundation

/// Encodes `RGBImage` as JPEG or PNG, for stored read pictures and plate crops.
public enum ImageEncoder {
    /// Baseline JPEG with 4:2:0 chroma, `quality` 1...100.
    public static func jpeg(_ image: RGBImage, quality: Int = 90) throws -> Data {
        guard let handle = tjInitCompress() else { throw VisionError.imageEncodingFailed("libjpeg-turbo did not initialise") }
        defer { tjDestroy(handle) }
        var output: UnsafeMutablePointer<UInt8>? = nil
        var size: UInt = 0
        let status = image.pixels.withUnsafeBufferPointer { pixels in
            tjCompress2(handle, pixels.baseAddress, Int32(image.width), 0, Int32(image.height), Int32(TJPF_RGB.rawValue),
                        &output, &size, Int32(TJSAMP_420.rawValue), Int32(min(max(quality, 1), 100)), 0)
        }
        defer { if let output { tjFree(output) } }
        guard status == 0, let output else {
            throw VisionError.imageEncodingFailed(String(cString: tjGetErrorStr2(handle)))
        }
        return Data(bytes: output, count: Int(size))
    }

    public static func png(_ image: RGBImage) throws -> Data {
        try image.pixels.withUnsafeBytes { pixels in
            try encodePNG(pixels, width: image.width, height: image.height, format: UInt32(PNG_FORMAT_RGB), rowBytes: image.width * 3)
        }
    }

    public static func png(_ image: GrayImage) throws -> Data {
        try image.pixels.withUnsafeBytes { pixels in
            try encodePNG(pixels, width: image.width, height: image.height, format: UInt32(PNG_FORMAT_GRAY), rowBytes: image.width)
        }
    }

    private static func encodePNG(_ pixels: UnsafeRawBufferPointer, width: Int, height: Int, format: UInt32, rowBytes: Int) throws -> Data {
        var image = png_image()
        image.version = UInt32(PNG_IMAGE_VERSION)
        image.width = UInt32(width)
        image.height = UInt32(height)
        image.format = format
        // First call measures, second writes.
        var size = 0
        guard png_image_write_to_memory(&image, nil, &size, 0, pixels.baseAddress, Int32(rowBytes), nil) != 0 else {
            throw VisionError.imageEncodingFailed("PNG size query failed")
        }
        var data = Data(count: size)
        let status = data.withUnsafeMutableBytes { destination in
            png_image_write_to_memory(&image, destination.baseAddress, &size, 0, pixels.baseAddress, Int32(rowBytes), nil)
        }
        guard status != 0 else { throw VisionError.imageEncodingFailed("PNG write failed") }
        return data.prefix(size)
    }
}
