import ArgumentParser

struct ALPRCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "alpr",
        abstract: "Automated licence plate reader: server, recognition engine and reader agent.",
        discussion: """
            Data are governed by Minn. Stat. §13.824: reads are kept at most 60 days unless held \
            for a case, every search needs a case number and a reason, and every access is audited.
            """,
        subcommands: ALPRCommand.allSubcommands
    )
}
