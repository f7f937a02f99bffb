import ALPRVision
import Foundation

/// Starts `alpr` again with `OPENBLAS_CORETYPE` set when OpenBLAS took kernels far below what
/// this CPU runs (`BLASKernels`: its Prescott fallback on a CPU newer than the library), for
/// the commands that run the recognition engine.
///
/// OpenBLAS reads the variable only as it loads, so `main.swift` calls this first thing; the
/// new program replaces this one (the same process, arguments, standard streams and
/// environment, plus the variable). A variable already set, by an operator or by the first
/// start, is kept as it is, so `alpr` starts again at most once and an operator's choice stands.
enum BLASKernelChoice {
    /// The subcommands that run the recognition engine (the same as read image after image).
    static var commands: Set<String> { LargeImageBuffers.commands }

    /// The kernels to start again with for `arguments` in `environment`, or nil to go on:
    /// `better` (what `BLASKernels` advises for this machine) for one of `commands` when
    /// `OPENBLAS_CORETYPE` is unset.
    static func kernelsToRequest(arguments: [String], environment: [String: String], better: () -> String?) -> String? {
        guard LargeImageBuffers.applies(toCommandLine: arguments), environment[BLASKernels.environmentVariable] == nil
        else { return nil }
        return better()
    }

    static func relaunchIfNeeded(forCommandLine arguments: [String]) {
        #if os(Linux)
        guard let kernels = kernelsToRequest(arguments: arguments, environment: ProcessInfo.processInfo.environment,
                                             better: BLASKernels.betterForHost)
        else { return }
        setenv(BLASKernels.environmentVariable, kernels, 1)
        execv("/proc/self/exe", CommandLine.unsafeArgv)
        // Only when the new start failed: go on as we are, slower.
        let reason = String(cString: strerror(errno))
        unsetenv(BLASKernels.environmentVariable)
        FileHandle.standardError.write(Data(("alpr: OpenBLAS runs its \(BLASKernels.inUse) kernels; starting again with "
            + "\(BLASKernels.environmentVariable)=\(kernels) failed (\(reason)), so plates are read more slowly\n").utf8))
        #endif
    }

    /// `warning()`, if any, on standard error, for the commands that print their results.
    static func warnOnStandardError() {
        if let warning = warning() { FileHandle.standardError.write(Data(("alpr: " + warning + "\n").utf8)) }
    }

    /// A warning when the kernels in use are still below what this machine runs (the variable
    /// set to such kernels, or the new start failed), else nil.
    static func warning() -> String? {
        BLASKernels.betterForHost().map { better in
            let variable = BLASKernels.environmentVariable
            let setting = ProcessInfo.processInfo.environment[variable].map { "\(variable)=\($0)" } ?? "\(variable) not set"
            return "OpenBLAS runs its \(BLASKernels.inUse) kernels on a CPU that runs its \(better) kernels; "
                + "reading plates takes up to twice as long (\(setting))"
        }
    }
}
