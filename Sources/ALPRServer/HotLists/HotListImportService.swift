import ALPRCore
import ALPRStorage
import Foundation
import Logging
import ServiceLifecycle
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// R4 (Policy "Policy"): retrieves the BCA's Minnesota license plate data file on a schedule
/// and loads it through `HotListImporter` (a bad file never replaces the live one). Sources:
/// the newest regular file in a delivery folder, loaded when its size or modification time
/// changes, and/or an HTTP(S) address. Each round also picks up versions that
/// `alpr hotlist import` stored from another process.
public struct HotListImportService: Service {
    public static let actor = "system:hotlist-import"
    /// Larger downloads are refused rather than held in memory.
    public static let maximumFileBytes = 512 * 1024 * 1024

    let importer: HotListImporter
    let catalog: HotListCatalog
    let folder: URL?
    let url: URL?
    let format: HotListFileFormat
    let interval: TimeInterval
    let logger: Logger
    private let state = PollState()

    public init(
        importer: HotListImporter, catalog: HotListCatalog, folder: URL?, url: URL?, format: HotListFileFormat = .ncicExtract,
        interval: TimeInterval, logger: Logger
    ) {
        self.importer = importer; self.catalog = catalog; self.folder = folder; self.url = url
        self.format = format; self.interval = interval; self.logger = logger
    }

    public func run() async throws {
        await runPeriodically(every: interval, logger: logger) {
            try await pollOnce()
        }
    }

    /// One round: the folder, the address, then other processes' loads.
    public func pollOnce(now: Date = Date()) async throws {
        if let folder { try await pollFolder(folder, now: now) }
        if let url { try await poll(url, now: now) }
        try await catalog.refreshIfStorageChanged(now: now)
    }

    func pollFolder(_ folder: URL, now: Date) async throws {
        let keys: [URLResourceKey] = [.isRegularFileKey, .contentModificationDateKey, .fileSizeKey]
        let files = (try? FileManager.default.contentsOfDirectory(at: folder, includingPropertiesForKeys: keys, options: [.skipsHiddenFiles])) ?? []
        let newest = files.compactMap { file -> (url: URL, stamp: FileStamp)? in
            guard let values = try? file.resourceValues(forKeys: Set(keys)), values.isRegularFile == true,
                  let modified = values.contentModificationDate, let size = values.fileSize else { return nil }
            return (file, FileStamp(path: file.path, modified: modified, size: size))
        }.max { $0.stamp.modified < $1.stamp.modified }
        guard let newest, await state.isNew(newest.stamp) else { return }
        guard newest.stamp.size <= Self.maximumFileBytes else {
            logger.error("hot list file is too large to load", metadata: ["file": "\(newest.url.lastPathComponent)", "bytes": "\(newest.stamp.size)"])
            await state.markSeen(newest.stamp)
            return
        }
        let bytes = try [UInt8](Data(contentsOf: newest.url))
        _ = try await importer.load(
            bytes, format: format, source: .bcaLicensePlateDataFile, origin: "folder:\(newest.url.lastPathComponent)",
            actor: Self.actor, now: now
        )
        // Seen whatever the outcome: a refused file is not reloaded until it changes.
        await state.markSeen(newest.stamp)
    }

    func poll(_ url: URL, now: Date) async throws {
        var request = URLRequest(url: url)
        request.timeoutInterval = 300
        let (data, response) = try await URLSession.shared.data(for: request)
        guard let http = response as? HTTPURLResponse, (200..<300).contains(http.statusCode) else {
            logger.error("hot list retrieval failed; the live list is unchanged", metadata: [
                "host": "\(url.host ?? "")", "status": "\((response as? HTTPURLResponse)?.statusCode ?? 0)",
            ])
            return
        }
        guard data.count <= Self.maximumFileBytes else {
            logger.error("retrieved hot list is too large to load", metadata: ["bytes": "\(data.count)"])
            return
        }
        // An unchanged file is recognised by its checksum (`HotListLoadPolicy`), not re-stored.
        _ = try await importer.load(
            [UInt8](data), format: format, source: .bcaLicensePlateDataFile, origin: "url:\(url.host ?? "")",
            actor: Self.actor, now: now
        )
    }

    struct FileStamp: Hashable, Sendable {
        var path: String
        var modified: Date
        var size: Int
    }

    /// The last folder file handled, so an unchanged file is not parsed again every round.
    actor PollState {
        private var seen: FileStamp?
        func isNew(_ stamp: FileStamp) -> Bool { stamp != seen }
        func markSeen(_ stamp: FileStamp) { seen = stamp }
    }
}
