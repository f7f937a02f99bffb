import ArgumentParser
import Testing
@testable import alpr

/// Which command lines switch the allocator to one heap for large photos (`LargeImageBuffers`).
@Suite("Large image buffers")
struct LargeImageBuffersTests {
    @Test("the commands that read image after image, by their subcommand names")
    func commandsAreSubcommands() {
        let names = Set(ALPRCommand.allSubcommands.map { $0._commandName })
        #expect(LargeImageBuffers.commands == ["read", "evaluate", "agent"])
        #expect(LargeImageBuffers.commands.isSubset(of: names))
    }

    @Test("only those commands, named first, change the allocator")
    func commandLines() {
        #expect(LargeImageBuffers.applies(toCommandLine: ["alpr", "read", "photo.jpg"]))
        #expect(LargeImageBuffers.applies(toCommandLine: ["/usr/local/bin/alpr", "evaluate", "--jobs", "2", "dir"]))
        #expect(LargeImageBuffers.applies(toCommandLine: ["alpr", "agent", "--watch", "in"]))
        #expect(!LargeImageBuffers.applies(toCommandLine: ["alpr", "serve"]))
        #expect(!LargeImageBuffers.applies(toCommandLine: ["alpr", "user", "add", "read"]))
        #expect(!LargeImageBuffers.applies(toCommandLine: ["alpr", "--help"]))
        #expect(!LargeImageBuffers.applies(toCommandLine: ["alpr"]))
        #expect(!LargeImageBuffers.applies(toCommandLine: []))
    }
}
