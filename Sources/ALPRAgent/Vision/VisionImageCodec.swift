import ALPRVision
import Foundation

/// JPEG/PNG decoding and JPEG encoding with the recognition engine's libjpeg-turbo and libpng
/// bindings (no child process per image).
public struct VisionImageCodec: ImageCodec {
    public var jpegQuality = 85

    public init() {}

    public func decodeImage(at path: String, width: Int, height: Int, capturedAt: Date) throws(AgentError) -> RGBFrame {
        do {
            let image = try ImageDecoder.decode(contentsOf: URL(fileURLWithPath: path))
            let fitted = image.width == width && image.height == height ? image : try image.letterboxed(width: width, height: height).image
            return try RGBFrame(width: fitted.width, height: fitted.height, pixels: fitted.pixels, capturedAt: capturedAt)
        } catch let error as AgentError {
            throw error
        } catch {
            throw .image("could not decode \(path): \(error)")
        }
    }

    public func encodeJPEG(_ frame: RGBFrame) throws(AgentError) -> Data {
        do {
            return try ImageEncoder.jpeg(RGBImage(width: frame.width, height: frame.height, pixels: frame.pixels), quality: jpegQuality)
        } catch {
            throw .image("could not encode JPEG: \(error)")
        }
    }
}
