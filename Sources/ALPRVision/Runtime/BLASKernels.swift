import CBLAS
import Foundation

/// Which of OpenBLAS's kernels the engine's matrix products run on, and whether this CPU has
/// better ones.
///
/// OpenBLAS as Debian ships it holds kernels for many x86 CPUs and takes one set when the
/// library loads, by the CPU's family and model number. A CPU newer than the library is not on
/// its list, and then it falls back to its Prescott kernels (SSE3, 2004), whatever the CPU can
/// do: Debian 12's OpenBLAS 0.3.21 on an Intel Xeon of family 6, model 207 (Emerald Rapids,
/// AVX-512) took them, and the engine read a 720p frame in about twice the time
/// (`docs/benchmarks.md`, "OpenBLAS on a CPU newer than itself"). `OPENBLAS_CORETYPE` names the
/// kernels to take instead, but OpenBLAS reads it only as it loads, so `alpr` sets it and starts
/// itself again before doing anything (`BLASKernelChoice` in the executable).
public enum BLASKernels {
    /// The variable OpenBLAS reads, when it loads, for the kernels to take.
    public static let environmentVariable = "OPENBLAS_CORETYPE"

    /// The kernels this process runs on, as OpenBLAS names them (`openblas_get_corename`):
    /// `SkylakeX`, `Haswell`, `Zen`, `Prescott`, ...
    public static var inUse: String {
        openblas_get_corename().map { String(cString: $0) } ?? "unknown"
    }

    /// OpenBLAS's x86 kernels that use neither AVX2 nor AVX-512: those of CPUs from before
    /// 2013, and the ones it falls back to for a CPU it does not know (Prescott) or whose system
    /// does not enable AVX (Nehalem, Sandybridge). Lowercased.
    static let withoutAVX2: Set<String> = [
        "katmai", "coppermine", "northwood", "prescott", "banias", "atom", "core2", "penryn",
        "dunnington", "nehalem", "sandybridge", "athlon", "opteron", "opteron_sse3", "barcelona",
        "nano",
    ]

    /// What SkylakeX's kernels need (AVX-512 foundation, conflict detection, byte and word,
    /// doubleword and quadword, vector length), as `/proc/cpuinfo` names the flags.
    static let skylakeXFlags: Set<String> = ["avx512f", "avx512cd", "avx512bw", "avx512dq", "avx512vl"]

    /// The kernels to ask for instead of `inUse` on a CPU with `cpuFlags`, or nil to keep
    /// `inUse`: `SkylakeX` on a CPU with AVX-512, `Haswell` on one with AVX2 and FMA, where
    /// `inUse` uses neither. Kernels that already use AVX2 or AVX-512 are never second-guessed
    /// (OpenBLAS chose them for this CPU; what AVX-512 adds over them is measured only on one
    /// host), and a CPU without AVX2 keeps what it has.
    public static func better(than inUse: String, cpuFlags: Set<String>) -> String? {
        guard withoutAVX2.contains(inUse.lowercased()) else { return nil }
        if skylakeXFlags.isSubset(of: cpuFlags) { return "SkylakeX" }
        if cpuFlags.isSuperset(of: ["avx2", "fma"]) { return "Haswell" }
        return nil
    }

    /// The `flags` line of `cpuinfo` (Linux's `/proc/cpuinfo` format; the first processor's),
    /// as a set; empty when there is none.
    public static func cpuFlags(cpuinfo: String) -> Set<String> {
        guard let line = cpuinfo.split(separator: "\n").first(where: { $0.hasPrefix("flags") }),
              let colon = line.firstIndex(of: ":")
        else { return [] }
        return Set(line[line.index(after: colon)...].split(separator: " ").map(String.init))
    }

    /// This machine's CPU flags; empty where there is no `/proc/cpuinfo` (not Linux).
    public static func hostCPUFlags() -> Set<String> {
        guard let text = try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8) else { return [] }
        return cpuFlags(cpuinfo: text)
    }

    /// The kernels to ask for on this machine, or nil when those in use are fine. Worked out
    /// once per process: OpenBLAS's choice is made as it loads, and the CPU's flags stay.
    public static func betterForHost() -> String? { adviceForHost }

    private static let adviceForHost: String? = better(than: inUse, cpuFlags: hostCPUFlags())
}
