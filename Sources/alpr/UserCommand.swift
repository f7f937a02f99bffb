import ALPRCore
import ALPRStorage
import ArgumentParser
import Foundation
import HummingbirdBcrypt

/// `alpr user ...`: individual accounts (R7), roles and written authorizations (R8).
struct UserCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "user",
        abstract: "Create and manage user accounts, roles, training and authorizations.",
        discussion: """
            Every person has an individual account (R7). Access to ALPR data needs a role, a \
            recorded written authorization by the chief or a designee (R8, §13.824 subd. 7), and \
            for operating a reader a recorded ALPR training completion (R7). Passwords are read \
            from ALPR_PASSWORD or typed at a prompt. Every change is audited as cli:system.

            Examples:
              alpr user add asmith --role investigator
              alpr user record-training asmith --date 2025-04-01
              alpr user record-authorization asmith --by "Chief J. Revering" --purpose "Investigations division"
              alpr user set-roles asmith --role investigator --role records
              alpr user list
              alpr user disable asmith
            """,
        subcommands: [Add.self, List.self, SetRoles.self, RecordTraining.self, RecordAuthorization.self, Disable.self, Passwd.self]
    )

    static let bcryptCost: UInt8 = 12

    static func existingUser(_ username: String, in storage: Storage) async throws -> User {
        guard let user = try await storage.users.user(username: username) else {
            throw ALPRError.notFound(what: "user '\(username)'")
        }
        return user
    }

    static func audit(_ action: AuditAction, _ username: String, _ details: String) -> AuditEntryDraft {
        AuditEntryDraft(actor: CommandLineInput.systemActor, action: action, subject: "user", criteria: details, resultIDs: [username], resultCount: 1)
    }

    struct Add: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Create an account.",
            discussion: "Example: ALPR_PASSWORD='correct horse battery' alpr user add jdoe --role officer"
        )
        @OptionGroup var data: DataDirectoryOptions
        @Argument(help: "Login name (letters, digits, '.', '-', '_').") var username: String
        @Option(name: .customLong("role"), help: "officer, investigator, administrator, auditor or records; repeat for several.")
        var roles: [String] = []

        func validate() throws {
            guard (2...64).contains(username.count),
                  username.unicodeScalars.allSatisfy({ CharacterSet.alphanumerics.contains($0) || "._-".unicodeScalars.contains($0) })
            else { throw ValidationError("usernames are 2 to 64 letters, digits, '.', '-' or '_'") }
        }

        func run() async throws {
            let roles = try CommandLineInput.roles(self.roles)
            let storage = try data.openStorage()
            if try await storage.users.user(username: username) != nil {
                throw ALPRError.conflict(reason: "the username '\(username)' is taken")
            }
            let password = try CommandLineInput.password(prompt: "Password for \(username): ", confirm: true)
            try CommandLineInput.validateNewPassword(password)
            let user = User(username: username, passwordHash: Bcrypt.hash(password, cost: UserCommand.bcryptCost), roles: roles)
            try await storage.users.create(user, audit: UserCommand.audit(.enter, username, "created with roles \(roles.sorted().map(\.rawValue).joined(separator: ","))"))
            print("Created \(username) (\(roles.sorted().map(\.rawValue).joined(separator: ", "))).")
            if user.authorization == nil {
                print("Record a written authorization before this account can access data: alpr user record-authorization \(username) --by ... --purpose ...")
            }
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List accounts with their roles, training and authorization.")
        @OptionGroup var data: DataDirectoryOptions

        func run() async throws {
            let storage = try data.openStorage()
            let users = try await storage.users.all()
            _ = try await storage.audit.append(AuditEntryDraft(actor: CommandLineInput.systemActor, action: .access, subject: "user", criteria: "list", resultCount: users.count))
            let rows = users.map { user in
                [
                    user.username, user.roles.sorted().map(\.rawValue).joined(separator: ","),
                    user.trainingCompletedAt.map { CommandLineInput.isoString($0) } ?? "no",
                    user.authorization.map { "\($0.authorizedBy) (\($0.purpose))" } ?? "no",
                    user.isActive ? "active" : "disabled",
                ]
            }
            print(CommandLineInput.table(["USERNAME", "ROLES", "TRAINED", "AUTHORIZED BY", "STATUS"], rows))
        }
    }

    struct SetRoles: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "set-roles", abstract: "Replace an account's roles.",
            discussion: "Example: alpr user set-roles asmith --role investigator --role records"
        )
        @OptionGroup var data: DataDirectoryOptions
        @Argument var username: String
        @Option(name: .customLong("role"), help: "The new roles; repeat for several.") var roles: [String] = []

        func run() async throws {
            let roles = try CommandLineInput.roles(self.roles)
            let storage = try data.openStorage()
            var user = try await UserCommand.existingUser(username, in: storage)
            let before = user.roles.sorted().map(\.rawValue).joined(separator: ",")
            user.roles = roles
            let after = roles.sorted().map(\.rawValue).joined(separator: ",")
            try await storage.users.update(user, audit: UserCommand.audit(.update, username, "roles \(before) -> \(after)"))
            print("\(username): roles \(after).")
        }
    }

    struct RecordTraining: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "record-training", abstract: "Record that the person completed ALPR training (R7).",
            discussion: "Example: alpr user record-training jdoe --date 2025-04-01"
        )
        @OptionGroup var data: DataDirectoryOptions
        @Argument var username: String
        @Option(help: "Completion date (default: today).") var date: String?

        func run() async throws {
            let completed = try date.map { try CommandLineInput.date($0, option: "--date") } ?? Date()
            guard completed <= Date().addingTimeInterval(86_400) else { throw ValidationError("--date is in the future") }
            let storage = try data.openStorage()
            var user = try await UserCommand.existingUser(username, in: storage)
            user.trainingCompletedAt = completed
            try await storage.users.update(user, audit: UserCommand.audit(.update, username, "training completed \(CommandLineInput.isoString(completed))"))
            print("\(username): training recorded (\(CommandLineInput.isoString(completed))).")
        }
    }

    struct RecordAuthorization: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "record-authorization",
            abstract: "Record the written authorization by the chief or a designee (R8, §13.824 subd. 7).",
            discussion: #"Example: alpr user record-authorization asmith --by "Chief J. Revering" --purpose "Investigations division""#
        )
        @OptionGroup var data: DataDirectoryOptions
        @Argument var username: String
        @Option(help: "Who signed the authorization.") var by: String
        @Option(help: "The specified law enforcement purpose.") var purpose: String
        @Option(help: "Date signed (default: today).") var date: String?

        func run() async throws {
            let by = self.by.trimmingCharacters(in: .whitespaces), purpose = self.purpose.trimmingCharacters(in: .whitespaces)
            guard !by.isEmpty, !purpose.isEmpty else { throw ValidationError("--by and --purpose may not be empty") }
            let signed = try date.map { try CommandLineInput.date($0, option: "--date") } ?? Date()
            let storage = try data.openStorage()
            var user = try await UserCommand.existingUser(username, in: storage)
            user.authorization = WrittenAuthorization(authorizedBy: by, authorizedAt: signed, purpose: purpose)
            try await storage.users.update(user, audit: UserCommand.audit(.update, username, "authorization by \(by) for \(purpose)"))
            print("\(username): authorization by \(by) recorded.")
        }
    }

    struct Disable: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Disable an account; it can no longer log in or access data.")
        @OptionGroup var data: DataDirectoryOptions
        @Argument var username: String

        func run() async throws {
            let storage = try data.openStorage()
            var user = try await UserCommand.existingUser(username, in: storage)
            guard user.isActive else { print("\(username) is already disabled."); return }
            user.disabledAt = Date()
            try await storage.users.update(user, audit: UserCommand.audit(.update, username, "disabled"))
            print("\(username) disabled.")
        }
    }

    struct Passwd: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Set a new password for an account.",
            discussion: "Reads the new password from ALPR_PASSWORD or a prompt."
        )
        @OptionGroup var data: DataDirectoryOptions
        @Argument var username: String

        func run() async throws {
            let storage = try data.openStorage()
            var user = try await UserCommand.existingUser(username, in: storage)
            let password = try CommandLineInput.password(prompt: "New password for \(username): ", confirm: true)
            try CommandLineInput.validateNewPassword(password)
            user.passwordHash = Bcrypt.hash(password, cost: UserCommand.bcryptCost)
            try await storage.users.update(user, audit: UserCommand.audit(.update, username, "password changed"))
            print("\(username): password changed.")
        }
    }
}
