import ArgumentParser

extension ALPRCommand {
    /// Every subcommand, in the order `alpr --help` lists them.
    static let allSubcommands: [any ParsableCommand.Type] = [
        ServeCommand.self, UserCommand.self, ReaderCommand.self, SearchCommand.self, PurgeCommand.self, AuditCommand.self,
        HotListCommand.self, ReadCommand.self, EvaluateCommand.self, AgentCommand.self,
    ]
}
