import ALPRCore
import ALPRStorage
import Foundation
import GRDB

/// Opens the SQLite backend: `alpr.sqlite` (WAL mode) and an `images/` folder under one
/// data directory. One `DatabasePool` serves the whole process.
public enum SQLiteStorage {
    public static let databaseFileName = "alpr.sqlite"
    public static let imagesFolderName = "images"

    /// Creates the directory if needed, migrates the schema, and finishes any image deletions
    /// a crashed purge left behind.
    public static func open(directory: URL, options: SQLiteDatabase.Options = .init()) throws -> Storage {
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let database = try SQLiteDatabase(path: directory.appendingPathComponent(databaseFileName).path, options: options)
        let images = try ImageStore(root: directory.appendingPathComponent(imagesFolderName))
        let retention = SQLiteRetentionRepository(database: database, orphanGracePeriod: options.orphanImageGracePeriod)
        _ = try retention.finishPendingImageDeletionsNow(images: images)
        return Storage(
            reads: SQLiteReadRepository(database: database),
            readers: SQLiteReaderRepository(database: database),
            users: SQLiteUserRepository(database: database),
            sessions: SQLiteSessionRepository(database: database),
            audit: SQLiteAuditRepository(database: database),
            cases: SQLiteCaseRepository(database: database),
            retention: retention,
            hotLists: SQLiteHotListRepository(database: database),
            hits: SQLiteHitRepository(database: database),
            images: images
        )
    }
}

/// The database file: a `DatabasePool` configured for WAL and foreign keys, migrated on open.
public final class SQLiteDatabase: Sendable {
    public struct Options: Sendable {
        /// SQLite page cache per connection, in KiB.
        public var cacheSizeKiB: Int
        /// How long a writer waits for the lock before failing.
        public var busyTimeout: TimeInterval
        /// Image files younger than this are never swept as orphans: an ingest may be between
        /// writing the file and committing its read.
        public var orphanImageGracePeriod: TimeInterval
        /// `synchronous = NORMAL` is durable across process crashes in WAL mode; `FULL` also
        /// across power loss, at some cost to ingest throughput.
        public var synchronousFull: Bool

        public init(cacheSizeKiB: Int = 64 * 1024, busyTimeout: TimeInterval = 10, orphanImageGracePeriod: TimeInterval = 3600, synchronousFull: Bool = false) {
            self.cacheSizeKiB = cacheSizeKiB; self.busyTimeout = busyTimeout
            self.orphanImageGracePeriod = orphanImageGracePeriod; self.synchronousFull = synchronousFull
        }
    }

    let pool: DatabasePool
    public let path: String

    public init(path: String, options: Options = .init()) throws {
        var configuration = Configuration()
        configuration.foreignKeysEnabled = true
        configuration.busyMode = .timeout(options.busyTimeout)
        configuration.label = "alpr"
        let cacheSize = options.cacheSizeKiB, synchronous = options.synchronousFull ? "FULL" : "NORMAL"
        configuration.prepareDatabase { db in
            try db.execute(sql: "PRAGMA cache_size = -\(cacheSize)")
            try db.execute(sql: "PRAGMA synchronous = \(synchronous)")
            // Checkpoint the WAL every ~32 MB instead of SQLite's 4 MB: bulk ingest then pays for
            // copying pages back to the database far less often, and the WAL is truncated after.
            try db.execute(sql: "PRAGMA wal_autocheckpoint = 8192")
            try db.execute(sql: "PRAGMA journal_size_limit = \(64 * 1024 * 1024)")
        }
        do {
            pool = try DatabasePool(path: path, configuration: configuration)
            try SQLiteSchema.migrator.migrate(pool)
        } catch {
            throw StorageError.unavailable(path: path, reason: String(describing: error))
        }
        self.path = path
    }
}

extension Date {
    /// Times are stored as integer milliseconds since 1970 (UTC).
    var unixMilliseconds: Int64 { Int64((timeIntervalSince1970 * 1000).rounded()) }
    init(unixMilliseconds: Int64) { self.init(timeIntervalSince1970: Double(unixMilliseconds) / 1000) }
}
