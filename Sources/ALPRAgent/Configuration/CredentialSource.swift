import Foundation

/// Reads the reader credential from the environment or a file (never the command line, where
/// other users of the machine could see it in the process list).
public enum CredentialSource {
    public static let environmentVariable = "ALPR_READER_CREDENTIAL"

    public static func load(file: String?, environment: [String: String] = ProcessInfo.processInfo.environment) throws(AgentError) -> String {
        if let file {
            guard let data = FileManager.default.contents(atPath: file) else {
                throw .invalidConfiguration("credential file \(file) cannot be read")
            }
            let credential = String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
            guard !credential.isEmpty else { throw .invalidConfiguration("credential file \(file) is empty") }
            return credential
        }
        if let credential = environment[environmentVariable]?.trimmingCharacters(in: .whitespacesAndNewlines), !credential.isEmpty {
            return credential
        }
        throw .invalidConfiguration("no reader credential: pass --credential-file or set \(environmentVariable)")
    }
}
