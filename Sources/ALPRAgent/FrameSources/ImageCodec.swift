import Foundation

/// Turns encoded images into frames and frames into JPEG. The agent uses the recognition
/// engine's codec where it has one; this implementation needs only the `ffmpeg` binary.
public protocol ImageCodec: Sendable {
    /// Decodes a JPEG or PNG file, sized as `fit` says: `.exactly` scaled to fit
    /// `width`x`height` with its aspect ratio kept and padded with black, so that every frame
    /// has the configured size; `.within` at its own size, scaled down only to fit.
    func decodeImage(at path: String, width: Int, height: Int, fit: FrameFit, capturedAt: Date) throws(AgentError) -> RGBFrame
    func encodeJPEG(_ frame: RGBFrame) throws(AgentError) -> Data
    /// `frame` as JPEG at its own size when it fits `width`x`height`, else scaled down to fit
    /// with its aspect ratio kept (`FrameFit.within`).
    func encodeJPEG(_ frame: RGBFrame, within width: Int, _ height: Int) throws(AgentError) -> Data
}

extension ImageCodec {
    /// `decodeImage(at:width:height:fit:capturedAt:)` with every frame exactly `width`x`height`.
    public func decodeImage(at path: String, width: Int, height: Int, capturedAt: Date) throws(AgentError) -> RGBFrame {
        try decodeImage(at: path, width: width, height: height, fit: .exactly, capturedAt: capturedAt)
    }
}
