import ALPRCore
import ALPRStorage
@testable import ALPRStorageSQLite
import ALPRTestSupport
import Foundation

/// A fresh SQLite storage in its own temporary directory; call `remove()` when done.
struct SQLiteTestStorage {
    let storage: Storage
    let directory: TemporaryDirectory

    init(options: SQLiteDatabase.Options = .init()) throws {
        directory = try TemporaryDirectory(prefix: "alpr-sqlite-test")
        storage = try SQLiteStorage.open(directory: directory.url, options: options)
    }

    var databasePath: String { directory.url.appendingPathComponent(SQLiteStorage.databaseFileName).path }

    func remove() { directory.remove() }
}
