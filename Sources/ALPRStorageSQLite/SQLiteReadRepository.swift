import ALPRCore
import ALPRStorage
import Foundation
import GRDB

struct SQLiteReadRepository: ReadRepository {
    let database: SQLiteDatabase

    func insert(_ reads: [Read], audit: AuditEntryDraft?) async throws -> [InsertOutcome] {
        try await database.pool.write { db in
            // Cached statements and one transaction for the whole batch.
            let inserter = try ReadInserter(db)
            let outcomes = try reads.map { try inserter.insert($0) }
            if let audit { _ = try AuditLog.append(audit, in: db) }
            return outcomes
        }
    }

    func read(id: UUID) async throws -> Read? {
        try await database.pool.read { db in
            let decoder = JSONDecoder()
            return try Row.fetchOne(db, sql: "SELECT \(ReadRecord.selection) FROM reads WHERE id = ?", arguments: [id])
                .map { try ReadRecord.read(from: $0, candidatesDecoder: decoder) }
        }
    }

    func search(_ query: ReadQuery) async throws -> [Read] {
        let (sql, arguments) = Self.searchSQL(query)
        return try await database.pool.read { db in
            let decoder = JSONDecoder()
            return try Row.fetchAll(db, sql: sql, arguments: arguments)
                .map { try ReadRecord.read(from: $0, candidatesDecoder: decoder) }
        }
    }

    func count() async throws -> Int {
        try await database.pool.read { db in try Int.fetchOne(db, sql: "SELECT count(*) FROM reads") ?? 0 }
    }

    /// Builds the search. Plate patterns use GLOB, whose `?` and `*` are exactly the pattern
    /// syntax of `PlateCriterion` (plate characters never need escaping). The pattern is
    /// matched against the distinct plates (`plates`; GLOB is case sensitive, so a literal
    /// prefix narrows that to a range of its key), and each matching plate is then a range of
    /// the `(plate, captured_at)` index. The index is named so the plan never degrades to a
    /// scan of all reads in time order. An O or a 0 matches either (`PlateCriterion`): it
    /// becomes the class `[0O]` (`roundGlyphGlobs`).
    static func searchSQL(_ query: ReadQuery) -> (String, StatementArguments) {
        var conditions: [String] = []
        var arguments = StatementArguments()
        switch query.plate {
        case .exact(let plate) where !plate.value.contains(where: PlateCriterion.isRoundGlyph):
            conditions.append("plate = ?"); arguments += [plate.value]
        case .exact(let plate):
            conditions.append(platesMatching(roundGlyphGlobs(plate.value), arguments: &arguments))
        case .pattern(let pattern):
            conditions.append(platesMatching(roundGlyphGlobs(pattern), arguments: &arguments))
        case nil:
            break
        }
        if let from = query.from { conditions.append("captured_at >= ?"); arguments += [from.unixMilliseconds] }
        if let to = query.to { conditions.append("captured_at <= ?"); arguments += [to.unixMilliseconds] }
        if !query.readerIDs.isEmpty {
            conditions.append("reader_id IN (\(query.readerIDs.map { _ in "?" }.joined(separator: ", ")))")
            for id in query.readerIDs { arguments += [id] }
        }
        let whereClause = conditions.isEmpty ? "" : "WHERE " + conditions.joined(separator: " AND ")
        arguments += [query.limit]
        let index = query.plate == nil ? "" : "INDEXED BY reads_on_plate_captured"
        let sql = "SELECT \(ReadRecord.selection) FROM reads \(index) \(whereClause) ORDER BY captured_at DESC, rowid DESC LIMIT ?"
        return (sql, arguments)
    }

    /// The condition "plate is one of the distinct plates matching any of these GLOB patterns".
    static func platesMatching(_ globs: [String], arguments: inout StatementArguments) -> String {
        for glob in globs { arguments += [glob] }
        let terms = globs.map { _ in "plate GLOB ?" }.joined(separator: " OR ")
        return "plate IN (SELECT plate FROM plates WHERE \(terms))"
    }

    /// A plate or pattern as GLOB patterns in which O and 0 match each other: each becomes the
    /// class `[0O]`. A class ends the literal prefix that SQLite turns into a key range, so a
    /// leading O or 0 is written out as two patterns, one for each spelling, each with its
    /// own range (joined by OR, which SQLite runs as one range search per pattern).
    static func roundGlyphGlobs(_ text: String) -> [String] {
        func classed(_ part: Substring) -> String {
            String(part.flatMap { PlateCriterion.isRoundGlyph($0) ? Array("[0O]") : [$0] })
        }
        guard let first = text.first, PlateCriterion.isRoundGlyph(first) else { return [classed(text[...])] }
        let rest = classed(text.dropFirst())
        return ["0" + rest, "O" + rest]
    }
}
