import ALPRVision
import Foundation
import Logging
import Synchronization

/// Watches a folder for new JPEG and PNG files (cameras that upload snapshots by FTP or SMB)
/// and delivers each once, oldest first. Files present when the agent starts are processed
/// too: they were captured and not yet read. A file is taken only once its size has stopped
/// changing, so half-uploaded images are not decoded. Frames are produced on demand, so a
/// slow recogniser delays images instead of losing them; the files themselves are the queue.
/// With `removeProcessed` (the default) each file is deleted once decoded, so images do not
/// pile up outside the durable queue, where retention (R11, §13.824 subd. 3) could not reach them.
public final class ImageFolderFrameSource: FrameSource {
    public let folder: URL
    public let width: Int
    public let height: Int
    /// How each image is sized into a frame of at most `width`×`height`.
    public let fit: FrameFit
    public let pollInterval: TimeInterval
    public let removeProcessed: Bool
    let codec: any ImageCodec
    let logger: Logger
    private let counters = Mutex(FrameSourceStatistics())

    public init(
        folder: URL, width: Int, height: Int, fit: FrameFit = .exactly, codec: any ImageCodec, pollInterval: TimeInterval = 0.5,
        removeProcessed: Bool = true, logger: Logger
    ) {
        self.pollInterval = pollInterval
        self.removeProcessed = removeProcessed
        self.folder = folder
        self.width = width
        self.height = height
        self.fit = fit
        self.codec = codec
        self.logger = logger
    }

    public var statistics: FrameSourceStatistics { counters.withLock { $0 } }

    struct Candidate: Hashable { var name: String; var size: Int; var modified: Date }

    public func frames() -> AsyncStream<RGBFrame> {
        let state = Mutex((seen: Set<String>(), lastSizes: [String: Int]()))
        return AsyncStream(unfolding: { [self] in
            while !Task.isCancelled {
                let ready = state.withLock { state in
                    let candidates = listImages()
                    let present = Set(candidates.map(\.name))
                    state.seen.formIntersection(present)
                    state.lastSizes = state.lastSizes.filter { present.contains($0.key) }
                    var ready: [Candidate] = []
                    for candidate in candidates where !state.seen.contains(candidate.name) {
                        if state.lastSizes[candidate.name] == candidate.size { ready.append(candidate) }
                        state.lastSizes[candidate.name] = candidate.size
                    }
                    return ready.sorted { ($0.modified, $0.name) < ($1.modified, $1.name) }
                }
                for candidate in ready {
                    state.withLock { state in
                        state.seen.insert(candidate.name)
                        state.lastSizes[candidate.name] = nil
                    }
                    let path = folder.appending(path: candidate.name).path
                    do {
                        let frame = try codec.decodeImage(at: path, width: width, height: height, fit: fit, capturedAt: candidate.modified)
                        if removeProcessed { try? FileManager.default.removeItem(atPath: path) }
                        counters.withLock { $0.produced += 1 }
                        return frame
                    } catch {
                        logger.warning("skipped an image that could not be decoded", metadata: ["file": "\(candidate.name)", "error": "\(error)"])
                    }
                }
                try? await Task.sleep(for: .seconds(pollInterval))
            }
            return nil
        })
    }

    func listImages() -> [Candidate] {
        let keys: [URLResourceKey] = [.fileSizeKey, .contentModificationDateKey, .isRegularFileKey]
        let urls = (try? FileManager.default.contentsOfDirectory(at: folder, includingPropertiesForKeys: keys)) ?? []
        return urls.compactMap { url in
            // A hidden name is an upload still being written (`.in.photo.jpg`) or a Mac's
            // `._photo.jpg`: not an image to read or remove (`ImageFiles.isImageName`).
            guard ImageFiles.isImageName(url.lastPathComponent),
                  let values = try? url.resourceValues(forKeys: Set(keys)), values.isRegularFile == true,
                  let size = values.fileSize, size > 0 else { return nil }
            return Candidate(name: url.lastPathComponent, size: size, modified: values.contentModificationDate ?? Date())
        }
    }
}
