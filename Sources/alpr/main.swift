import ArgumentParser

// The entry point. First, the commands that run the recognition engine start again with
// better OpenBLAS kernels where the library fell back to its oldest (`BLASKernelChoice`).
// Then, while this is still the only thread: the commands that read image after image keep
// large buffers in one heap (`LargeImageBuffers`).
BLASKernelChoice.relaunchIfNeeded(forCommandLine: CommandLine.arguments)
LargeImageBuffers.configure(forCommandLine: CommandLine.arguments)
await runAsynchronously(ALPRCommand.self)

/// `command`'s asynchronous `main`. Called on the concrete type, `ALPRCommand.main()` would
/// take `ParsableCommand`'s synchronous one, which refuses an asynchronous root command.
func runAsynchronously<Command: AsyncParsableCommand>(_ command: Command.Type) async {
    await command.main()
}
