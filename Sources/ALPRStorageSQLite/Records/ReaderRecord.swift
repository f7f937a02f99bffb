import ALPRCore
import ALPRStorage
import Foundation
import GRDB

/// One row of `readers` (without its credential hash, which is read only on its own).
enum ReaderRecord {
    static let databaseTableName = "readers"
    static let selection = """
        id, name, kind, latitude, longitude, location_description, location_withheld, unit, \
        installed_at, first_used_at, bca_reported_at, retired_at, created_at
        """

    static func arguments(_ reader: Reader) -> StatementArguments {
        [
            reader.id, reader.name, reader.kind.rawValue, reader.location?.latitude, reader.location?.longitude,
            reader.locationDescription, reader.locationWithheld, reader.unit,
            reader.installedAt.unixMilliseconds, reader.firstUsedAt?.unixMilliseconds,
            reader.bcaReportedAt?.unixMilliseconds, reader.retiredAt?.unixMilliseconds,
            reader.createdAt.unixMilliseconds,
        ]
    }

    static func reader(from row: Row) throws -> Reader {
        guard let kind = ReaderKind(rawValue: row["kind"]) else {
            throw StorageError.corruptRow(table: databaseTableName, reason: "unknown reader kind")
        }
        var location: GeoPoint?
        if let latitude: Double = row["latitude"], let longitude: Double = row["longitude"] {
            do { location = try GeoPoint(latitude: latitude, longitude: longitude) } catch {
                throw StorageError.corruptRow(table: databaseTableName, reason: error.description)
            }
        }
        return Reader(
            id: row["id"], name: row["name"], kind: kind, location: location,
            locationDescription: row["location_description"], locationWithheld: row["location_withheld"],
            unit: row["unit"], installedAt: Date(unixMilliseconds: row["installed_at"]),
            firstUsedAt: (row["first_used_at"] as Int64?).map(Date.init(unixMilliseconds:)),
            bcaReportedAt: (row["bca_reported_at"] as Int64?).map(Date.init(unixMilliseconds:)),
            retiredAt: (row["retired_at"] as Int64?).map(Date.init(unixMilliseconds:)),
            createdAt: Date(unixMilliseconds: row["created_at"])
        )
    }
}

/// One row of `active_periods`.
enum ActivePeriodRecord {
    static let databaseTableName = "active_periods"
    static let selection = "id, reader_id, source, operator_user_id, started_at, ended_at, last_heartbeat_at"

    static func insert(_ period: ActivePeriod, in db: Database) throws {
        try db.execute(
            sql: "INSERT INTO active_periods (\(selection)) VALUES (?, ?, ?, ?, ?, ?, ?)",
            arguments: [
                period.id, period.readerID, period.source.rawValue, period.operatorUserID,
                period.startedAt.unixMilliseconds, period.endedAt?.unixMilliseconds,
                period.lastHeartbeatAt?.unixMilliseconds,
            ]
        )
    }

    static func period(from row: Row) throws -> ActivePeriod {
        guard let source = ActivePeriod.Source(rawValue: row["source"]) else {
            throw StorageError.corruptRow(table: databaseTableName, reason: "unknown active period source")
        }
        return ActivePeriod(
            id: row["id"], readerID: row["reader_id"], source: source, operatorUserID: row["operator_user_id"],
            startedAt: Date(unixMilliseconds: row["started_at"]),
            endedAt: (row["ended_at"] as Int64?).map(Date.init(unixMilliseconds:)),
            lastHeartbeatAt: (row["last_heartbeat_at"] as Int64?).map(Date.init(unixMilliseconds:))
        )
    }
}
