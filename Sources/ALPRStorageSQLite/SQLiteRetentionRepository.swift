import ALPRCore
import ALPRStorage
import Foundation
import GRDB

/// R11 (§13.824 subd. 3) destruction and R12 holds.
///
/// Crash safety: the read rows, the list of image files they leave unused
/// (`pending_image_deletions`) and the audit entry commit in one transaction; the files are
/// removed afterwards and their rows cleared. A purge interrupted between the two is finished
/// by the next purge, or when the database is next opened. Image files that no read ever
/// referenced (an ingest interrupted between writing the image and storing the read) are
/// swept once they are older than a grace period.
struct SQLiteRetentionRepository: RetentionRepository {
    let database: SQLiteDatabase
    let orphanGracePeriod: TimeInterval
    /// Pending deletions handled per transaction, so ingest is never blocked for long.
    static let pendingBatchSize = 500

    /// Reads due for destruction: captured before the cutoff and kept by no open hold.
    static let expiredUnheld = """
        captured_at < :cutoff
        AND NOT EXISTS (SELECT 1 FROM read_holds h WHERE h.read_id = reads.id AND h.released_at IS NULL)
        """

    func purge(cutoff: Date, dryRun: Bool, images: ImageStore, actor: String) async throws -> PurgeReport {
        if dryRun {
            return try await database.pool.read { db in try Self.dryRunReport(cutoff: cutoff, in: db) }
        }
        var imagesDeleted = try await finishPendingImageDeletions(images: images)
        let committed = try await database.pool.write { db in try Self.commitPurge(cutoff: cutoff, actor: actor, in: db) }
        imagesDeleted += try await finishPendingImageDeletions(images: images)
        let orphans = try await sweepOrphanImages(images: images, now: Date(), actor: actor)
        return PurgeReport(
            cutoff: cutoff, readsDeleted: committed.readsDeleted, imagesDeleted: imagesDeleted,
            readsKeptForHolds: committed.readsKeptForHolds, dryRun: false, orphanImagesDeleted: orphans
        )
    }

    struct CommittedPurge: Equatable {
        var readsDeleted: Int
        var imagesQueued: Int
        var readsKeptForHolds: Int
    }

    /// The transactional half of a purge: delete the rows, queue their now-unused images,
    /// audit the counts. Files are not touched here.
    static func commitPurge(cutoff: Date, actor: String, in db: Database) throws -> CommittedPurge {
        let arguments: StatementArguments = ["cutoff": cutoff.unixMilliseconds]
        let candidateImages = try Row.fetchAll(
            db,
            sql: """
                SELECT plate_image_sha256 AS sha256, plate_image_content_type AS content_type FROM reads
                WHERE \(expiredUnheld) AND plate_image_sha256 IS NOT NULL
                UNION
                SELECT vehicle_image_sha256, vehicle_image_content_type FROM reads
                WHERE \(expiredUnheld) AND vehicle_image_sha256 IS NOT NULL
                """,
            arguments: arguments
        ).map { (sha256: $0["sha256"] as String, contentType: $0["content_type"] as String) }
        let candidatePlates = try String.fetchAll(db, sql: "SELECT DISTINCT plate FROM reads WHERE \(expiredUnheld)", arguments: arguments)
        try db.execute(sql: "DELETE FROM reads WHERE \(expiredUnheld)", arguments: arguments)
        let readsDeleted = db.changesCount
        // A plate with no read left goes too: nothing of a destroyed read may remain.
        let forgetPlate = try db.cachedStatement(sql: """
            DELETE FROM plates WHERE plate = ?1 AND NOT EXISTS (SELECT 1 FROM reads WHERE plate = ?1)
            """)
        for plate in candidatePlates { try forgetPlate.execute(arguments: [plate]) }
        var imagesQueued = 0
        let queue = try db.cachedStatement(sql: """
            INSERT INTO pending_image_deletions (sha256, content_type, recorded_at) VALUES (?, ?, ?)
            ON CONFLICT (sha256) DO NOTHING
            """)
        let now = Date().unixMilliseconds
        for image in candidateImages where try !isReferenced(sha256: image.sha256, in: db) {
            try queue.execute(arguments: [image.sha256, image.contentType, now])
            imagesQueued += db.changesCount
        }
        let kept = try Int.fetchOne(db, sql: "SELECT count(*) FROM reads WHERE captured_at < ?", arguments: [cutoff.unixMilliseconds]) ?? 0
        _ = try AuditLog.append(
            AuditEntryDraft(
                actor: actor, action: .destroy, subject: "read",
                criteria: "retention purge: captured before \(ISO8601DateFormatter().string(from: cutoff)), no open hold",
                resultCount: readsDeleted,
                reason: "R11 §13.824 subd. 3: \(readsDeleted) reads and \(imagesQueued) images destroyed; \(kept) past the cutoff kept for open holds"
            ),
            in: db
        )
        return CommittedPurge(readsDeleted: readsDeleted, imagesQueued: imagesQueued, readsKeptForHolds: kept)
    }

    static func dryRunReport(cutoff: Date, in db: Database) throws -> PurgeReport {
        let arguments: StatementArguments = ["cutoff": cutoff.unixMilliseconds]
        let due = try Int.fetchOne(db, sql: "SELECT count(*) FROM reads WHERE \(expiredUnheld)", arguments: arguments) ?? 0
        let pastCutoff = try Int.fetchOne(db, sql: "SELECT count(*) FROM reads WHERE captured_at < :cutoff", arguments: arguments) ?? 0
        // Images of due reads that no read staying behind also uses.
        let staying = """
            (r.captured_at >= :cutoff
             OR EXISTS (SELECT 1 FROM read_holds h WHERE h.read_id = r.id AND h.released_at IS NULL))
            """
        let images = try Int.fetchOne(
            db,
            sql: """
                WITH candidates AS (
                    SELECT plate_image_sha256 AS sha256 FROM reads WHERE \(expiredUnheld) AND plate_image_sha256 IS NOT NULL
                    UNION
                    SELECT vehicle_image_sha256 FROM reads WHERE \(expiredUnheld) AND vehicle_image_sha256 IS NOT NULL
                )
                SELECT count(*) FROM candidates c
                WHERE NOT EXISTS (SELECT 1 FROM reads r WHERE r.plate_image_sha256 = c.sha256 AND \(staying))
                  AND NOT EXISTS (SELECT 1 FROM reads r WHERE r.vehicle_image_sha256 = c.sha256 AND \(staying))
                """,
            arguments: arguments
        ) ?? 0
        return PurgeReport(cutoff: cutoff, readsDeleted: due, imagesDeleted: images, readsKeptForHolds: pastCutoff - due, dryRun: true)
    }

    static func isReferenced(sha256: String, in db: Database) throws -> Bool {
        let statement = try db.cachedStatement(sql: """
            SELECT EXISTS (SELECT 1 FROM reads WHERE plate_image_sha256 = ?1)
                OR EXISTS (SELECT 1 FROM reads WHERE vehicle_image_sha256 = ?1)
            """)
        return try Bool.fetchOne(statement, arguments: [sha256]) ?? false
    }

    // MARK: Pending image deletions

    func finishPendingImageDeletions(images: ImageStore) async throws -> Int {
        var removed = 0
        while true {
            let (handled, files) = try await database.pool.write { db in try Self.finishPendingBatch(images: images, in: db) }
            removed += files
            if handled < Self.pendingBatchSize { return removed }
        }
    }

    /// The same, blocking: used when the database is opened.
    func finishPendingImageDeletionsNow(images: ImageStore) throws -> Int {
        var removed = 0
        while true {
            let (handled, files) = try database.pool.write { db in try Self.finishPendingBatch(images: images, in: db) }
            removed += files
            if handled < Self.pendingBatchSize { return removed }
        }
    }

    /// Removes one batch of queued files. Runs inside a write transaction so no ingest can
    /// start using an identical image between the check and the removal.
    private static func finishPendingBatch(images: ImageStore, in db: Database) throws -> (handled: Int, filesRemoved: Int) {
        let rows = try Row.fetchAll(db, sql: "SELECT sha256, content_type FROM pending_image_deletions ORDER BY sha256 LIMIT ?", arguments: [pendingBatchSize])
        var filesRemoved = 0
        for row in rows {
            let sha256: String = row["sha256"]
            if let type = ImageContentType(rawValue: row["content_type"]), try !isReferenced(sha256: sha256, in: db),
               images.remove(sha256: sha256, contentType: type) {
                filesRemoved += 1
            }
            try db.execute(sql: "DELETE FROM pending_image_deletions WHERE sha256 = ?", arguments: [sha256])
        }
        return (rows.count, filesRemoved)
    }

    // MARK: Orphan images

    /// Removes image files older than the grace period that no read references, and temporary
    /// files left by interrupted writes. Audited as destruction when anything was removed.
    func sweepOrphanImages(images: ImageStore, now: Date, actor: String) async throws -> Int {
        let threshold = now.addingTimeInterval(-orphanGracePeriod)
        let files = Self.imageFiles(under: images.root, modifiedBefore: threshold)
        guard !files.isEmpty else { return 0 }
        return try await database.pool.write { db in
            var removed = 0
            for file in files {
                if let image = file.image {
                    guard try !Self.isReferenced(sha256: image.sha256, in: db) else { continue }
                    if images.remove(sha256: image.sha256, contentType: image.contentType) { removed += 1 }
                } else if (try? FileManager.default.removeItem(at: file.url)) != nil {
                    removed += 1
                }
            }
            if removed > 0 {
                _ = try AuditLog.append(
                    AuditEntryDraft(
                        actor: actor, action: .destroy, subject: "image", resultCount: removed,
                        reason: "image files referenced by no read (interrupted ingest), older than \(Int(orphanGracePeriod)) s"
                    ),
                    in: db
                )
            }
            return removed
        }
    }

    struct StoredFile {
        var url: URL
        /// nil for a temporary file left by an interrupted write.
        var image: (sha256: String, contentType: ImageContentType)?
    }

    static func imageFiles(under root: URL, modifiedBefore threshold: Date) -> [StoredFile] {
        let keys: [URLResourceKey] = [.isRegularFileKey, .contentModificationDateKey]
        guard let enumerator = FileManager.default.enumerator(at: root, includingPropertiesForKeys: keys) else { return [] }
        var files: [StoredFile] = []
        for case let url as URL in enumerator {
            guard let values = try? url.resourceValues(forKeys: Set(keys)), values.isRegularFile == true,
                  let modified = values.contentModificationDate, modified < threshold else { continue }
            let name = url.lastPathComponent
            if name.hasPrefix("."), name.hasSuffix(".tmp") {
                files.append(StoredFile(url: url, image: nil))
                continue
            }
            let parts = name.split(separator: ".")
            guard parts.count == 2, parts[0].count == 64, parts[0].allSatisfy(\.isHexDigit) else { continue }
            let type: ImageContentType? = parts[1] == "jpg" ? .jpeg : parts[1] == "png" ? .png : nil
            if let type { files.append(StoredFile(url: url, image: (String(parts[0]), type))) }
        }
        return files
    }
}
