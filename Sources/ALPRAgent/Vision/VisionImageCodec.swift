import ALPRVision
import Foundation
import Logging

/// JPEG/PNG decoding and JPEG encoding with the recognition engine's libjpeg-turbo and libpng
/// bindings (no child process per image).
///
/// A damaged JPEG or PNG (an upload cut short, stray bytes from a camera) is decoded as far as its
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

    public func decodeImage(at path: String, width: Int, height: Int, fit: FrameFit, capturedAt: Date) throws(AgentError) -> RGBFrame {
        do {
            let decoded = try ImageDecoder.decodeNotingDamage(contentsOf: URL(fileURLWithPath: path))
            if let warning = decoded.warning {
                logger?.warning("read a damaged image as far as it decodes", metadata: ["file": "\(path)", "decoder": "\(warning)"])
            }
            let image = decoded.image
            let fitted: RGBImage
            switch fit {
            case .exactly:
                fitted = image.width == width && image.height == height ? image : try image.letterboxed(width: width, height: height).image
            case .within:
                fitted = try Self.scaledDown(image, within: width, height)
            }
            return try RGBFrame(width: fitted.width, height: fitted.height, pixels: fitted.pixels, capturedAt: capturedAt)
        } catch let error as AgentError {
            throw error
        } catch {
            throw .image("could not decode \(path): \(error)")
        }
    }

    /// `image` as it is when it fits `width`x`height`, else scaled down to fit (`FrameFit.within`):
    /// first by block means to the largest whole factor that keeps it at least that size, so
    /// that no pixel is skipped, then bilinearly the rest of the way.
    static func scaledDown(_ image: RGBImage, within width: Int, _ height: Int) throws -> RGBImage {
        let size = FrameFit.sizeWithin(width: image.width, height: image.height, maximumWidth: width, maximumHeight: height)
        guard size.width != image.width || size.height != image.height else { return image }
        let factor = max(1, min(image.width / size.width, image.height / size.height))
        let shrunk = try image.shrunk(by: factor)
        return shrunk.width == size.width && shrunk.height == size.height ? shrunk : try shrunk.resized(width: size.width, height: size.height)
    }

    public func encodeJPEG(_ frame: RGBFrame) throws(AgentError) -> Data {
        try encodeJPEG(frame, within: frame.width, frame.height)  // a frame fits its own size as it is
    }

    public func encodeJPEG(_ frame: RGBFrame, within width: Int, _ height: Int) throws(AgentError) -> Data {
        do {
            let image = try Self.scaledDown(RGBImage(width: frame.width, height: frame.height, pixels: frame.pixels), within: width, height)
            return try ImageEncoder.jpeg(image, quality: jpegQuality)
        } catch {
            throw .image("could not encode JPEG: \(error)")
        }
    }
}
