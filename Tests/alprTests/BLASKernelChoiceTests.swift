import ALPRVision
import ArgumentParser
import Testing
@testable import alpr

/// When `alpr` starts again with `OPENBLAS_CORETYPE` set (`BLASKernelChoice`).
@Suite("OpenBLAS kernel choice")
struct BLASKernelChoiceTests {
    @Test("the commands that run the recognition engine, by their subcommand names")
    func commandsAreSubcommands() {
        let names = Set(ALPRCommand.allSubcommands.map { $0._commandName })
        #expect(BLASKernelChoice.commands == ["read", "evaluate", "agent"])
        #expect(BLASKernelChoice.commands.isSubset(of: names))
    }

    @Test("only those commands start again, only with the variable unset, and only when better kernels exist")
    func decisions() {
        func request(_ arguments: [String], _ environment: [String: String] = [:], better: String? = "SkylakeX") -> String? {
            BLASKernelChoice.kernelsToRequest(arguments: arguments, environment: environment, better: { better })
        }
        #expect(request(["alpr", "read", "photo.jpg"]) == "SkylakeX")
        #expect(request(["/usr/local/bin/alpr", "evaluate", "dir"], ["PATH": "/usr/bin"]) == "SkylakeX")
        #expect(request(["alpr", "agent", "--watch", "in"], better: "Haswell") == "Haswell")
        #expect(request(["alpr", "read", "photo.jpg"], better: nil) == nil)
        // Set by an operator, or by the first start: kept, so alpr starts again at most once.
        #expect(request(["alpr", "read", "photo.jpg"], [BLASKernels.environmentVariable: "Haswell"]) == nil)
        #expect(request(["alpr", "read", "photo.jpg"], [BLASKernels.environmentVariable: ""]) == nil)
        #expect(request(["alpr", "serve"]) == nil)
        #expect(request(["alpr", "user", "add", "read"]) == nil)
        #expect(request(["alpr", "--help"]) == nil)
        #expect(request(["alpr"]) == nil)
        #expect(request([]) == nil)
    }
}
