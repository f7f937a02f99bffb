#if canImport(Glibc)
import Glibc
#endif

/// Binary PPM images (`P6`, 8 bits) read one after another: what ffmpeg writes with
/// `-f image2pipe -c:v ppm`, each frame carrying its own size, so frames whose size ffmpeg
/// chose (`FrameFit.within`) can be read from a pipe without knowing it beforehand.
struct PPMStream {
    /// The largest width or height accepted, as `FFmpegFrameSource.Configuration` allows.
    static let maximumSide = 8192

    /// Reads up to `count` bytes into the pointer; 0 at the end, negative on an error.
    private let source: (UnsafeMutableRawPointer, Int) -> Int
    private var pending: [UInt8] = []
    private var position = 0

    init(source: @escaping (UnsafeMutableRawPointer, Int) -> Int) {
        self.source = source
    }

    /// A stream reading a file descriptor (a pipe), retrying reads interrupted by a signal.
    init(descriptor: Int32) {
        self.init { pointer, count in
            while true {
                let read = Glibc.read(descriptor, pointer, count)
                if read < 0, errno == EINTR { continue }
                return read
            }
        }
    }

    /// The images in `bytes`, in order.
    static func images(in bytes: [UInt8]) throws(AgentError) -> [(width: Int, height: Int, pixels: [UInt8])] {
        var offset = 0
        var stream = PPMStream { pointer, count in
            let taken = min(count, bytes.count - offset)
            guard taken > 0 else { return 0 }
            bytes.withUnsafeBytes { pointer.copyMemory(from: $0.baseAddress! + offset, byteCount: taken) }
            offset += taken
            return taken
        }
        var images: [(width: Int, height: Int, pixels: [UInt8])] = []
        while let image = try stream.next() { images.append(image) }
        return images
    }

    /// The next image; nil at the end of the stream (or a stream cut inside an image, as when
    /// ffmpeg is stopped mid-frame); an error for bytes that are not a P6 image of 8 bits.
    mutating func next() throws(AgentError) -> (width: Int, height: Int, pixels: [UInt8])? {
        guard let first = byte() else { return nil }
        guard first == UInt8(ascii: "P"), byte() == UInt8(ascii: "6") else { throw .image("frame stream: not a binary PPM image") }
        guard let width = try number(), let height = try number(), let maximum = try number() else { return nil }
        guard (1 ... Self.maximumSide).contains(width), (1 ... Self.maximumSide).contains(height) else {
            throw .image("frame stream: frame size \(width)x\(height) is outside 1...\(Self.maximumSide)")
        }
        guard maximum == 255 else { throw .image("frame stream: \(maximum) levels per channel, expected 255") }
        // The header ends in one whitespace byte, taken by `number()`.
        var pixels = [UInt8](repeating: 0, count: width * height * 3)
        let fromPending = min(pixels.count, pending.count - position)
        pixels.replaceSubrange(0 ..< fromPending, with: pending[position ..< position + fromPending])
        position += fromPending
        var filled = fromPending
        let complete = pixels.withUnsafeMutableBytes { raw in
            while filled < raw.count {
                let read = source(raw.baseAddress! + filled, raw.count - filled)
                if read <= 0 { return false }
                filled += read
            }
            return true
        }
        return complete ? (width, height, pixels) : nil
    }

    /// A decimal header field after whitespace and comments, and the one byte ending it; nil
    /// at the end of the stream.
    private mutating func number() throws(AgentError) -> Int? {
        var current = byte()
        while let character = current, Self.isWhitespace(character) || character == UInt8(ascii: "#") {
            if character == UInt8(ascii: "#") {
                while let skipped = byte(), skipped != UInt8(ascii: "\n") {}
            }
            current = byte()
        }
        guard var character = current else { return nil }
        var value = 0
        var digits = 0
        while (UInt8(ascii: "0") ... UInt8(ascii: "9")).contains(character) {
            value = value * 10 + Int(character - UInt8(ascii: "0"))
            digits += 1
            guard digits <= 6 else { throw .image("frame stream: header field too long") }
            guard let following = byte() else { return nil }
            character = following
        }
        guard digits > 0, Self.isWhitespace(character) else { throw .image("frame stream: malformed PPM header") }
        return value
    }

    private static func isWhitespace(_ character: UInt8) -> Bool {
        character == 0x20 || character == 0x0A || character == 0x0D || character == 0x09 || character == 0x0B || character == 0x0C
    }

    private mutating func byte() -> UInt8? {
        if position == pending.count {
            pending = [UInt8](repeating: 0, count: 4096)
            let read = pending.withUnsafeMutableBytes { source($0.baseAddress!, $0.count) }
            pending.removeSubrange(max(read, 0)...)
            position = 0
            if read <= 0 { return nil }
        }
        defer { position += 1 }
        return pending[position]
    }
}
