import ALPRCore
import ALPRStorage
import ArgumentParser
import Foundation

/// `alpr purge`: R11 destruction by hand (the server also runs it on a schedule).
struct PurgeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "purge",
        abstract: "Destroy reads older than the retention period that no open case holds.",
        discussion: """
            Minn. Stat. §13.824 subd. 3: reads not pertinent to an active criminal investigation \
            are destroyed no later than 60 days after collection, with their images. Reads held \
            by an open case stay until the case closes. The run is recorded in the audit trail \
            with its counts; a dry run only reports what would go.

            Examples:
              alpr purge --dry-run
              alpr purge --retention-days 30
            """
    )

    @OptionGroup var data: DataDirectoryOptions
    @Flag(help: "Report what would be destroyed without changing anything.") var dryRun = false
    @Option(help: "Keep reads this many days (1 to 60).") var retentionDays: Int = Retention.statutoryMaximumDays

    func run() async throws {
        let retention = try Retention(days: retentionDays)
        let storage = try data.openStorage()
        let cutoff = retention.cutoff(now: Date())
        let report = try await storage.retention.purge(cutoff: cutoff, dryRun: dryRun, images: storage.images, actor: CommandLineInput.systemActor)
        let verb = dryRun ? "Would destroy" : "Destroyed"
        print("""
            \(verb) \(report.readsDeleted) reads captured before \(CommandLineInput.isoString(cutoff)) and \(report.imagesDeleted) images.
            Kept for open holds: \(report.readsKeptForHolds) reads.
            """)
        if !dryRun, report.orphanImagesDeleted > 0 {
            print("Removed \(report.orphanImagesDeleted) image files that no read referenced.")
        }
    }
}
