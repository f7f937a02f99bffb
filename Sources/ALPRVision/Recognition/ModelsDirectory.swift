import Foundation

/// Where the models live: an explicit path, else `ALPR_MODELS`, else `./Models` when it holds
/// the models, else the `Models` folder the `alpr` executable was built or installed beside
/// (`.build/release/alpr` finds the checkout's `Models`, `PREFIX/bin/alpr` finds
/// `PREFIX/share/alpr/Models`), so the tool reads plates from any working directory. When
/// none of those holds the models the answer is `./Models`, and loading names that path.
public enum ModelsDirectory {
    public static let environmentVariable = "ALPR_MODELS"
    /// The file whose presence marks a folder as holding the models.
    public static let marker = "detector.json"
    /// How many folders above the executable's are searched for `Models`.
    static let levelsAboveExecutable = 4

    public static func resolve(explicit: String?, environment: [String: String] = ProcessInfo.processInfo.environment,
                               currentDirectory: String = FileManager.default.currentDirectoryPath,
                               executable: URL? = runningExecutable(),
                               holdsModels: (URL) -> Bool = { FileManager.default.fileExists(atPath: $0.appendingPathComponent(marker).path) }) -> URL {
        let base = URL(fileURLWithPath: currentDirectory, isDirectory: true)
        if let explicit, !explicit.isEmpty { return URL(fileURLWithPath: explicit, relativeTo: base).standardizedFileURL }
        if let fromEnvironment = environment[environmentVariable], !fromEnvironment.isEmpty {
            return URL(fileURLWithPath: fromEnvironment, relativeTo: base).standardizedFileURL
        }
        let inWorkingDirectory = base.appendingPathComponent("Models", isDirectory: true).standardizedFileURL
        if holdsModels(inWorkingDirectory) { return inWorkingDirectory }
        return besideExecutable(executable, holdsModels: holdsModels) ?? inWorkingDirectory
    }

    /// The nearest `Models` (or `share/alpr/Models`) in the executable's folder or one above it.
    static func besideExecutable(_ executable: URL?, holdsModels: (URL) -> Bool) -> URL? {
        guard let executable else { return nil }
        var folder = executable.deletingLastPathComponent().standardizedFileURL
        for _ in 0...levelsAboveExecutable {
            for relative in ["Models", "share/alpr/Models"] {
                let candidate = folder.appendingPathComponent(relative, isDirectory: true).standardizedFileURL
                if holdsModels(candidate) { return candidate }
            }
            let parent = folder.deletingLastPathComponent().standardizedFileURL
            if parent.path == folder.path { break }
            folder = parent
        }
        return nil
    }

    /// The running executable with its links resolved (`/proc/self/exe` on Linux).
    public static func runningExecutable() -> URL? {
        #if os(Linux)
        if let target = try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe") {
            return URL(fileURLWithPath: target)
        }
        #endif
        return Bundle.main.executableURL?.resolvingSymlinksInPath()
    }
}
