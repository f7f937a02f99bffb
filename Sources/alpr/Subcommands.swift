import ArgumentParser

extension ALPRCommand {
    /// Every subcommand, in the order `alpr --help` lists them.
    static let allSubcommands: [any ParsableCommand.Type] = []
}
