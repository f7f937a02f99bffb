import ALPRStorage
import ALPRStorageSQLite
import ArgumentParser
import Foundation

/// `--data-dir`, shared by every command that opens the database.
/// Order: the option, then `ALPR_DATA_DIR`, then `./alpr-data`.
struct DataDirectoryOptions: ParsableArguments {
    static let environmentVariable = "ALPR_DATA_DIR"
    static let defaultPath = "./alpr-data"

    @Option(
        name: .customLong("data-dir"),
        help: ArgumentHelp(
            "Directory holding the database and images (default: $\(environmentVariable), else \(defaultPath)).",
            valueName: "path"
        )
    )
    var dataDirectory: String?

    var url: URL {
        let path = dataDirectory ?? ProcessInfo.processInfo.environment[Self.environmentVariable] ?? Self.defaultPath
        return URL(fileURLWithPath: (path as NSString).expandingTildeInPath)
    }

    func openStorage() throws -> Storage {
        try SQLiteStorage.open(directory: url)
    }
}
