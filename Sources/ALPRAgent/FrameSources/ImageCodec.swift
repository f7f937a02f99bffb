import Foundation

/// Turns encoded images into frames and frames into JPEG. The agent uses the recognition
/// engine's codec where it has one; this implementation needs only the `ffmpeg` binary.
public protocol ImageCodec: Sendable {
    /// Decodes a JPEG or PNG file, scaled to fit `width`x`height` with its aspect ratio kept
    /// (padded with black), so every frame the pipeline sees has the configured size.
    func decodeImage(at path: String, width: Int, height: Int, capturedAt: Date) throws(AgentError) -> RGBFrame
    func encodeJPEG(_ frame: RGBFrame) throws(AgentError) -> Data
}
