import Foundation

/// An `ImageCodec` that runs the `ffmpeg` binary per image: no library needed, one process per call.
public struct FFmpegImageCodec: ImageCodec {
    public var executable = "/usr/bin/ffmpeg"
    /// ffmpeg's MJPEG quality scale: 2 (best) to 31 (worst).
    public var jpegQuality = 4

    public init() {}

    /// The ffmpeg filter that scales a picture to fit `width`x`height` with its aspect ratio
    /// kept, centred and padded with black: a plate keeps its shape whatever the camera's.
    static func fitting(width: Int, height: Int) -> String {
        "scale=\(width):\(height):force_original_aspect_ratio=decrease,pad=\(width):\(height):(ow-iw)/2:(oh-ih)/2"
    }

    /// The ffmpeg filter that keeps a picture's size when it fits `width`x`height` and scales it
    /// down to fit otherwise, aspect ratio kept (`FrameFit.within`).
    static func fittingWithin(width: Int, height: Int) -> String {
        "scale='min(iw,\(width))':'min(ih,\(height))':force_original_aspect_ratio=decrease"
    }

    public func decodeImage(at path: String, width: Int, height: Int, fit: FrameFit, capturedAt: Date) throws(AgentError) -> RGBFrame {
        if fit == .within {
            let output = try run([
                "-nostdin", "-hide_banner", "-loglevel", "error", "-i", path, "-frames:v", "1",
                "-vf", Self.fittingWithin(width: width, height: height), "-f", "image2pipe", "-c:v", "ppm", "-pix_fmt", "rgb24", "pipe:1",
            ], input: nil)
            guard let image = try PPMStream.images(in: [UInt8](output)).first else { throw .image("could not decode \(path) (no frame)") }
            return try RGBFrame(width: image.width, height: image.height, pixels: image.pixels, capturedAt: capturedAt)
        }
        let filter = Self.fitting(width: width, height: height)
        let output = try run([
            "-nostdin", "-hide_banner", "-loglevel", "error", "-i", path, "-frames:v", "1",
            "-vf", filter, "-f", "rawvideo", "-pix_fmt", "rgb24", "pipe:1",
        ], input: nil)
        guard output.count == RGBFrame.byteCount(width: width, height: height) else {
            throw .image("could not decode \(path) (got \(output.count) bytes)")
        }
        return try RGBFrame(width: width, height: height, pixels: [UInt8](output), capturedAt: capturedAt)
    }

    public func encodeJPEG(_ frame: RGBFrame) throws(AgentError) -> Data {
        try encodeJPEG(frame, filter: nil)
    }

    public func encodeJPEG(_ frame: RGBFrame, within width: Int, _ height: Int) throws(AgentError) -> Data {
        // The size from `FrameFit.sizeWithin`, not ffmpeg's own rounding (`fittingWithin`), so
        // that both codecs make the same size to the pixel; the area scaler, as for a shrink.
        let size = FrameFit.sizeWithin(width: frame.width, height: frame.height, maximumWidth: width, maximumHeight: height)
        let fits = size.width == frame.width && size.height == frame.height
        return try encodeJPEG(frame, filter: fits ? nil : "scale=\(size.width):\(size.height):flags=area")
    }

    private func encodeJPEG(_ frame: RGBFrame, filter: String?) throws(AgentError) -> Data {
        let jpeg = try run([
            "-nostdin", "-hide_banner", "-loglevel", "error",
            "-f", "rawvideo", "-pix_fmt", "rgb24", "-s", "\(frame.width)x\(frame.height)", "-i", "pipe:0",
        ] + (filter.map { ["-vf", $0] } ?? []) + [
            "-frames:v", "1", "-q:v", String(jpegQuality), "-f", "image2pipe", "-c:v", "mjpeg", "pipe:1",
        ], input: Data(frame.pixels))
        guard jpeg.starts(with: [0xFF, 0xD8, 0xFF]) else { throw .image("ffmpeg produced no JPEG") }
        return jpeg
    }

    private func run(_ arguments: [String], input: Data?) throws(AgentError) -> Data {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        let output = Pipe()
        let inputPipe = Pipe()
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
        process.standardInput = input == nil ? FileHandle.nullDevice : inputPipe
        do { try process.run() } catch { throw .image("could not start ffmpeg: \(error)") }
        if let input {
            // Write from another thread: ffmpeg may fill the output pipe before reading all input.
            let writer = inputPipe.fileHandleForWriting
            let thread = Thread {
                try? writer.write(contentsOf: input)
                try? writer.close()
            }
            thread.start()
        }
        let data = (try? output.fileHandleForReading.readToEnd()) ?? Data()
        process.waitUntilExit()
        guard process.terminationReason == .exit, process.terminationStatus == 0 else {
            throw .image("ffmpeg failed with status \(process.terminationStatus)")
        }
        return data
    }
}
