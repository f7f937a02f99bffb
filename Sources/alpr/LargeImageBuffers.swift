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
/// freed heap) lets the next image reuse the memory. Called by the commands that read images
/// one after another (`read`, `evaluate`, `agent`); a no-op where the C library is not glibc.
enum LargeImageBuffers {
    static func keepInHeap() {
        #if canImport(Glibc)
        // `mallopt` is declared in <malloc.h>, which the Glibc module does not export.
        typealias MallOpt = @convention(c) (Int32, Int32) -> Int32
        guard let symbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "mallopt") else { return }
        let mallopt = unsafeBitCast(symbol, to: MallOpt.self)
        let trimThreshold: Int32 = -1, mmapThreshold: Int32 = -3  // M_TRIM_THRESHOLD, M_MMAP_THRESHOLD
        _ = mallopt(mmapThreshold, 128 << 20)
        _ = mallopt(trimThreshold, 256 << 20)
        #endif
    }
}
