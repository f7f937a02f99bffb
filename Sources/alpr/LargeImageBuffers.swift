#if canImport(Glibc)
import Glibc
#endif

/// Keeps the buffers of large photos in the heap between images.
///
/// glibc maps every allocation above its mmap threshold afresh and unmaps it when freed; the
/// threshold adapts to the sizes a process frees, but never above 32 MB. A 12 MP phone photo
/// decodes to 36 MB (and a dark one gets a brightened copy as large), so each such image
/// faulted its buffers in page by page and gave them back after: about 7,000 page faults and
/// an eighth of the photo's time. Raising the threshold to 128 MB (and keeping up to 256 MB of
/// freed heap) lets the next image reuse the memory.
///
/// That holds only for glibc's main arena. The images are read on Swift concurrency's pool
/// threads, and glibc gives such threads arenas of their own, which grow in heaps of at most
/// 64 MB: a 36 MB buffer is mapped by itself and unmapped when freed, whatever the thresholds
/// say (a 12 MP photo faulted about 9,000 pages, its whole decoded size, every time). One
/// arena for the process puts those threads' buffers in the main heap as well. glibc fixes
/// the number of arenas when a second thread first allocates, so this must run before any
/// other thread exists: `main.swift` calls `configure(forCommandLine:)` first thing. The
/// engine allocates little per image, so the threads hardly contend for the one arena.
///
/// Only the commands that read image after image (`read`, `evaluate`, `agent`) change the
/// allocator; the server keeps glibc's defaults, one arena per thread, for its event loops.
/// A no-op where the C library is not glibc.
enum LargeImageBuffers {
    /// The subcommands that read image after image.
    static let commands: Set<String> = ["read", "evaluate", "agent"]

    /// Whether `arguments` (the program's, its path first) run one of `commands`.
    static func applies(toCommandLine arguments: [String]) -> Bool {
        arguments.dropFirst().first.map(commands.contains) ?? false
    }

    static func configure(forCommandLine arguments: [String]) {
        if applies(toCommandLine: arguments) { keepInHeap() }
    }

    static func keepInHeap() {
        #if canImport(Glibc)
        // `mallopt` is declared in <malloc.h>, which the Glibc module does not export.
        typealias MallOpt = @convention(c) (Int32, Int32) -> Int32
        guard let symbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "mallopt") else { return }
        let mallopt = unsafeBitCast(symbol, to: MallOpt.self)
        // M_TRIM_THRESHOLD, M_MMAP_THRESHOLD, M_ARENA_MAX
        let trimThreshold: Int32 = -1, mmapThreshold: Int32 = -3, arenaMax: Int32 = -8
        _ = mallopt(mmapThreshold, 128 << 20)
        _ = mallopt(trimThreshold, 256 << 20)
        _ = mallopt(arenaMax, 1)
        #endif
    }
}
