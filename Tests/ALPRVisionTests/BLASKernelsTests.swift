import Testing
@testable import ALPRVision

/// Which OpenBLAS kernels to ask for instead of those OpenBLAS took (`BLASKernels`).
@Suite("OpenBLAS kernels")
struct BLASKernelsTests {
    static let avx512: Set<String> = ["sse2", "sse3", "avx", "avx2", "fma", "avx512f", "avx512cd", "avx512bw", "avx512dq", "avx512vl"]
    static let avx2: Set<String> = ["sse2", "sse3", "avx", "avx2", "fma"]

    @Test("the Prescott fallback on an AVX-512 CPU: SkylakeX; on an AVX2 CPU: Haswell")
    func fallbackReplaced() {
        #expect(BLASKernels.better(than: "Prescott", cpuFlags: Self.avx512) == "SkylakeX")
        #expect(BLASKernels.better(than: "Prescott", cpuFlags: Self.avx2) == "Haswell")
        #expect(BLASKernels.better(than: "prescott", cpuFlags: Self.avx2) == "Haswell")
        // Kernels taken where the system does not enable AVX: its flags say so too.
        #expect(BLASKernels.better(than: "Nehalem", cpuFlags: ["sse2", "sse3", "sse4_2"]) == nil)
        #expect(BLASKernels.better(than: "Sandybridge", cpuFlags: Self.avx2) == "Haswell")
    }

    @Test("AVX-512 needs all five of SkylakeX's flags; AVX2 needs FMA as well")
    func partialFlags() {
        for missing in BLASKernels.skylakeXFlags {
            #expect(BLASKernels.better(than: "Prescott", cpuFlags: Self.avx512.subtracting([missing])) == "Haswell", "without \(missing)")
        }
        #expect(BLASKernels.better(than: "Prescott", cpuFlags: Self.avx2.subtracting(["fma"])) == nil)
        #expect(BLASKernels.better(than: "Prescott", cpuFlags: Self.avx2.subtracting(["avx2"])) == nil)
        #expect(BLASKernels.better(than: "Prescott", cpuFlags: []) == nil)
    }

    @Test("kernels that use AVX2 or AVX-512, and names not on the list, are kept")
    func vectorKernelsKept() {
        for kept in ["Haswell", "Zen", "SkylakeX", "CooperLake", "SapphireRapids", "ARMV8", "NEOVERSEN1", "unknown", ""] {
            #expect(BLASKernels.better(than: kept, cpuFlags: Self.avx512) == nil, "\(kept)")
        }
    }

    @Test("the flags come from the first flags line of cpuinfo")
    func cpuinfoFlags() {
        let cpuinfo = """
            processor\t: 0
            model name\t: Intel(R) Xeon(R) Processor
            flags\t\t: fpu sse2 avx2 fma avx512f
            bugs\t\t: spectre_v1

            processor\t: 1
            flags\t\t: fpu
            """
        #expect(BLASKernels.cpuFlags(cpuinfo: cpuinfo) == ["fpu", "sse2", "avx2", "fma", "avx512f"])
        #expect(BLASKernels.cpuFlags(cpuinfo: "processor\t: 0\n") == [])
        #expect(BLASKernels.cpuFlags(cpuinfo: "") == [])
    }

    @Test("this process names the kernels it runs on")
    func kernelsInUse() {
        #expect(!BLASKernels.inUse.isEmpty)
        #expect(BLASKernels.inUse != "unknown")
        #if os(Linux)
        #expect(!BLASKernels.hostCPUFlags().isEmpty)
        #endif
    }
}
