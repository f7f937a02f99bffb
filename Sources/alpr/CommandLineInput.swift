import ALPRCore
import ArgumentParser
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Parsing and prompting shared by the data commands.
enum CommandLineInput {
    /// The audit actor for actions taken at the console without a logged-in user.
    static let systemActor = "cli:system"

    static func actor(username: String) -> String { "cli:\(username)" }

    /// `--jobs` of `alpr read` and `alpr evaluate`: images read at once, one recogniser each.
    static func checkJobs(_ jobs: Int) throws {
        guard (1 ... 64).contains(jobs) else { throw ValidationError("--jobs must be 1 to 64, got \(jobs).") }
    }

    /// Accepts `2025-05-03T02:15:00Z` (or with an offset), `2025-05-03 02:15` and `2025-05-03`
    /// (both in the local time zone).
    static func date(_ text: String, option: String) throws -> Date {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        let iso = ISO8601DateFormatter()
        if let date = iso.date(from: trimmed) { return date }
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = .current
        for format in ["yyyy-MM-dd HH:mm:ss", "yyyy-MM-dd HH:mm", "yyyy-MM-dd'T'HH:mm", "yyyy-MM-dd"] {
            formatter.dateFormat = format
            if let date = formatter.date(from: trimmed) { return date }
        }
        throw ValidationError("\(option): '\(text)' is not a date; use 2025-05-03, '2025-05-03 14:30' or 2025-05-03T14:30:00Z")
    }

    static func roles(_ names: [String]) throws -> Set<Role> {
        guard !names.isEmpty else {
            throw ValidationError("give at least one --role (\(Role.allCases.map(\.rawValue).joined(separator: ", ")))")
        }
        return try Set(names.map { name in
            guard let role = Role(rawValue: name.lowercased()) else {
                throw ValidationError("unknown role '\(name)'; roles are \(Role.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            return role
        })
    }

    /// The password from `ALPR_PASSWORD`, else typed at the terminal without echo.
    static func password(prompt: String, confirm: Bool = false) throws -> String {
        if let fromEnvironment = ProcessInfo.processInfo.environment["ALPR_PASSWORD"], !fromEnvironment.isEmpty {
            return fromEnvironment
        }
        guard let typed = readSecret(prompt) else {
            throw ValidationError("no password: set ALPR_PASSWORD or run from a terminal")
        }
        if confirm {
            guard readSecret("Repeat the password: ") == typed else { throw ValidationError("the passwords do not match") }
        }
        return typed
    }

    private static func readSecret(_ prompt: String) -> String? {
        FileHandle.standardError.write(Data(prompt.utf8))
        #if canImport(Glibc)
        var original = termios()
        let isTerminal = tcgetattr(STDIN_FILENO, &original) == 0
        if isTerminal {
            var silent = original
            silent.c_lflag &= ~tcflag_t(ECHO)
            tcsetattr(STDIN_FILENO, TCSANOW, &silent)
        }
        defer {
            if isTerminal {
                tcsetattr(STDIN_FILENO, TCSANOW, &original)
                FileHandle.standardError.write(Data("\n".utf8))
            }
        }
        #endif
        return readLine(strippingNewline: true)
    }

    /// Minimum length for a new password. Bcrypt reads at most 72 bytes.
    static func validateNewPassword(_ password: String) throws {
        guard password.count >= 12 else { throw ValidationError("the password must have at least 12 characters") }
        guard password.utf8.count <= 72 else { throw ValidationError("the password must be at most 72 bytes") }
    }

    /// Columns padded to their widest cell.
    static func table(_ header: [String], _ rows: [[String]]) -> String {
        let widths = header.indices.map { column in ([header] + rows).map { $0[column].count }.max() ?? 0 }
        func line(_ cells: [String]) -> String {
            zip(cells, widths).map { $0.padding(toLength: $1, withPad: " ", startingAt: 0) }.joined(separator: "  ")
                .trimmingCharacters(in: .whitespaces)
        }
        return ([line(header), line(widths.map { String(repeating: "-", count: $0) })] + rows.map(line)).joined(separator: "\n")
    }

    static func isoString(_ date: Date?) -> String {
        date.map { ISO8601DateFormatter().string(from: $0) } ?? "-"
    }
}
