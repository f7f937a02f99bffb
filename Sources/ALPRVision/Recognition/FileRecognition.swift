import Foundation

/// Reads a list of image files with one `PlateRecognizer` per worker thread and hands the
/// results over in the files' order, on the calling thread.
///
/// A recogniser is not thread-safe and runs its networks on one core (OpenBLAS is set to one
/// thread), so N workers with N recognisers use N cores. With one job nothing is spawned: the
/// files are read on the calling thread, one after the other.
public enum FileRecognition {
    /// One file's outcome.
    public struct FileResult: Sendable {
        public var url: URL
        /// The plates, or why the file could not be read (the run goes on).
        public var plates: Result<[PlateResult], any Error>
        /// The recogniser's timing for this file (decoding included); zero when it failed.
        public var timing: PlateRecognizer.Timing
        /// CPU time the reading thread spent on this file: unlike the wall clock, it leaves out
        /// time spent waiting for a core on a shared machine.
        public var cpuMilliseconds: Double
        /// The frame as decoded, when `recognize` was asked to keep it and the file decoded.
        public var image: RGBImage?
        /// The decoded frame's width and height (turned as its EXIF orientation says, when the
        /// recogniser applies it); nil when the file could not be read.
        public var imageSize: (width: Int, height: Int)?
        /// The decoder's warning when the file was damaged but decoded anyway (a JPEG with
        /// stray bytes or cut short, a PNG cut short); nil for a sound file or one that failed.
        public var decoderWarning: String?
    }

    /// Reads `files` with `jobs` recognisers made by `makeRecognizer` (called once per worker,
    /// on that worker's thread) and calls `deliver` with each file's result in file order,
    /// with the decoded frame when `keepImages` (held only until it is delivered).
    ///
    /// Throws when a recogniser cannot be made, or what `deliver` throws; either way the
    /// workers finish the file they are on, take no further file, and are done before this
    /// returns.
    public static func recognize(files: [URL], jobs: Int, keepImages: Bool = false,
                                 makeRecognizer: @escaping @Sendable () throws -> PlateRecognizer,
                                 deliver: (FileResult) throws -> Void) throws {
        if jobs <= 1 || files.count <= 1 {
            let recognizer = try makeRecognizer()
            for file in files { try deliver(read(file, with: recognizer, keepImage: keepImages)) }
            return
        }
        let board = Board(count: files.count)
        let workers = min(jobs, files.count)
        for _ in 0 ..< workers {
            let thread = Thread {
                defer { board.workerFinished() }
                let recognizer: PlateRecognizer
                do {
                    recognizer = try makeRecognizer()
                } catch {
                    board.fail(error)
                    return
                }
                while let index = board.nextFile() {
                    board.post(read(files[index], with: recognizer, keepImage: keepImages), at: index)
                }
            }
            thread.stackSize = 8 << 20
            thread.start()
        }
        defer { board.cancelAndWait(workers: workers) }
        for index in files.indices {
            try deliver(try board.take(index))
        }
    }

    static func read(_ file: URL, with recognizer: PlateRecognizer, keepImage: Bool = false) -> FileResult {
        let start = threadCPUMilliseconds()
        do {
            let (plates, image, warning) = try recognizer.recognizeDecoding(contentsOf: file)
            return FileResult(url: file, plates: .success(plates), timing: recognizer.lastTiming,
                              cpuMilliseconds: threadCPUMilliseconds() - start, image: keepImage ? image : nil,
                              imageSize: (image.width, image.height), decoderWarning: warning)
        } catch {
            return FileResult(url: file, plates: .failure(error), timing: PlateRecognizer.Timing(),
                              cpuMilliseconds: threadCPUMilliseconds() - start)
        }
    }

    /// CPU time of the calling thread.
    static func threadCPUMilliseconds() -> Double {
        var time = timespec()
        clock_gettime(CLOCK_THREAD_CPUTIME_ID, &time)
        return Double(time.tv_sec) * 1000 + Double(time.tv_nsec) / 1e6
    }

    /// The state the workers and the delivering thread share, behind one condition lock.
    private final class Board: @unchecked Sendable {
        private let condition = NSCondition()
        private var next = 0
        private var cancelled = false
        private var failure: (any Error)?
        private var finished = 0
        private var slots: [FileResult?]

        init(count: Int) { slots = Array(repeating: nil, count: count) }

        /// The next file to read, or nil when all are taken or the run is cancelled.
        func nextFile() -> Int? {
            condition.lock()
            defer { condition.unlock() }
            guard !cancelled, failure == nil, next < slots.count else { return nil }
            next += 1
            return next - 1
        }

        func post(_ result: FileResult, at index: Int) {
            condition.lock()
            slots[index] = result
            condition.broadcast()
            condition.unlock()
        }

        func fail(_ error: any Error) {
            condition.lock()
            if failure == nil { failure = error }
            condition.broadcast()
            condition.unlock()
        }

        func workerFinished() {
            condition.lock()
            finished += 1
            condition.broadcast()
            condition.unlock()
        }

        /// Waits for file `index`'s result and releases it; throws a worker's failure first.
        func take(_ index: Int) throws -> FileResult {
            condition.lock()
            defer { condition.unlock() }
            while slots[index] == nil {
                if let failure { throw failure }
                condition.wait()
            }
            let result = slots[index]!
            slots[index] = nil
            return result
        }

        func cancelAndWait(workers: Int) {
            condition.lock()
            cancelled = true
            while finished < workers { condition.wait() }
            condition.unlock()
        }
    }
}
