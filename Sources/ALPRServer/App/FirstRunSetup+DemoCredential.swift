import ALPRCore
import ALPRStorage
import Foundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The demo reader's bearer credential, kept in the data directory so that `scripts/run.sh`
/// can hand it to `alpr agent --credential-file` on every run. Only the demo does this: a real
/// reader's credential is shown once and only its hash is stored.
extension FirstRunSetup {
    public static let demoCredentialFileName = "demo-reader.credential"

    public static func demoCredentialPath(dataDirectory: String) -> String {
        URL(fileURLWithPath: dataDirectory, isDirectory: true).appending(path: demoCredentialFileName).path
    }

    /// Writes `credential` readable by the owner only (0600), replacing an older file.
    static func writeDemoCredential(_ credential: String, dataDirectory: String) throws -> String {
        let path = demoCredentialPath(dataDirectory: dataDirectory)
        unlink(path)
        // Created with its final permissions, so the secret is never readable by others.
        let descriptor = open(path, O_WRONLY | O_CREAT | O_EXCL, 0o600)
        guard descriptor >= 0 else {
            throw ALPRError.conflict(reason: "cannot write the demo reader credential to \(path): \(String(cString: strerror(errno)))")
        }
        let handle = FileHandle(fileDescriptor: descriptor, closeOnDealloc: true)
        try handle.write(contentsOf: Data((credential + "\n").utf8))
        try handle.synchronize()
        return path
    }

    /// The demo reader already exists but its credential file is gone (e.g. deleted): issue a
    /// new credential, which stops the old one at once, and write it.
    static func reissueDemoCredential(for reader: Reader, storage: Storage, audit: AuditLog) async throws -> String {
        let credential = ReaderCredential.generate()
        try await storage.readers.setCredentialHash(readerID: reader.id, credentialHash: credential.hash, audit: audit.draft(
            .update, actor: "system:first-run", subject: "reader", criteria: "demo credential reissued",
            resultIDs: [reader.id.uuidString]
        ))
        return credential.bearer(readerID: reader.id)
    }
}
