import ALPRVision
import Foundation
import Logging

/// JPEG/PNG decoding and JPEG encoding with the recognition engine's libjpeg-turbo and libpng
/// bindings (no child process per image).
///
/// A damaged JPEG (an upload cut short, stray bytes from a camera) is decoded as far as its
/// data goes, as the ffmpeg codec and image viewers do (`ImageDecoder.decodeNotingDamage`),
/// and noted in the log with its file name.
public struct VisionImageCodec: ImageCodec {
    public var jpegQuality = 85
    /// Where a damaged image decoded anyway is noted, at warning level (file and the decoder's
    /// warning; never what the image shows); nil notes nothing.
    public var logger: Logger?

    public init(logger: Logger? = nil) {
        self.logger = logger
    }

    public func decodeImage(at path: String, width: Int, height: Int, capturedAt: Date) throws(AgentError) -> RGBFrame {
        do {
            let decoded = try ImageDecoder.decodeNotingDamage(contentsOf: URL(fileURLWithPath: path))
            if let warning = decoded.warning {
                logger?.warning("read a damaged image as far as it decodes", metadata: ["file": "\(path)", "decoder": "\(warning)"])
            }
            let image = decoded.image
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
