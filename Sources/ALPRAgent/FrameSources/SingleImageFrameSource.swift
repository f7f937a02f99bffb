import Foundation
import Synchronization

/// One JPEG or PNG file, delivered as a single frame stamped with the file's modification time.
public final class SingleImageFrameSource: FrameSource {
    public let path: String
    public let width: Int
    public let height: Int
    /// How each image is sized into a frame of at most `width`×`height`.
    public let fit: FrameFit
    let codec: any ImageCodec
    private let counters = Mutex(FrameSourceStatistics())

    public init(path: String, width: Int, height: Int, fit: FrameFit = .exactly, codec: any ImageCodec) {
        self.path = path
        self.width = width
        self.height = height
        self.fit = fit
        self.codec = codec
    }

    public var statistics: FrameSourceStatistics { counters.withLock { $0 } }

    public func frames() -> AsyncStream<RGBFrame> {
        let delivered = Mutex(false)
        return AsyncStream(unfolding: { [self] in
            guard !delivered.withLock({ done in defer { done = true }; return done }) else { return nil }
            let modified = (try? FileManager.default.attributesOfItem(atPath: path)[.modificationDate] as? Date) ?? Date()
            guard let frame = try? codec.decodeImage(at: path, width: width, height: height, fit: fit, capturedAt: modified) else { return nil }
            counters.withLock { $0.produced += 1 }
            return frame
        })
    }
}
