import GRDB

/// The hot list and hit tables (migration `v3_hot_lists_and_hits`). Shipped migrations never
/// change; add a new one instead.
enum SQLiteHotListSchema {
    static func createHotListsAndHits(_ db: Database) throws {
        try db.execute(sql: """
            -- R3, R4: every loaded list records its source, version and load time, with counts.
            CREATE TABLE hot_list_versions (
                id INTEGER PRIMARY KEY,
                source_key TEXT NOT NULL,
                source_kind TEXT NOT NULL CHECK (source_kind IN ('bca', 'investigative')),
                source_name TEXT,
                case_number TEXT,
                number INTEGER NOT NULL CHECK (number >= 1),
                loaded_at INTEGER NOT NULL,
                loaded_by TEXT NOT NULL,
                checksum TEXT NOT NULL,
                record_lines INTEGER NOT NULL,
                entry_count INTEGER NOT NULL,
                rejected INTEGER NOT NULL,
                counts_by_category TEXT NOT NULL,
                is_live INTEGER NOT NULL DEFAULT 0 CHECK (is_live IN (0, 1)),
                -- R3: a source other than the BCA file is tied to a case.
                CHECK (source_kind = 'bca' OR (case_number IS NOT NULL AND source_name IS NOT NULL)),
                UNIQUE (source_key, number)
            );
            CREATE UNIQUE INDEX hot_list_versions_one_live_per_source ON hot_list_versions(source_key) WHERE is_live = 1;

            -- The entries of live versions only (R1: no make, model, colour or years).
            CREATE TABLE hot_list_entries (
                version_id INTEGER NOT NULL REFERENCES hot_list_versions(id) ON DELETE CASCADE,
                plate TEXT NOT NULL,
                state TEXT,
                category TEXT NOT NULL,
                record_reference TEXT,
                originating_agency TEXT,
                entered_on INTEGER,
                description TEXT
            );
            CREATE INDEX hot_list_entries_on_version ON hot_list_entries(version_id);

            -- R5: officer-created entries; the JSON holds the authority, extensions and removal.
            CREATE TABLE manual_hot_list_entries (
                id BLOB PRIMARY KEY NOT NULL,
                case_number TEXT NOT NULL,
                created_by TEXT NOT NULL,
                created_at INTEGER NOT NULL,
                expires_at INTEGER NOT NULL,
                removed_at INTEGER,
                entry TEXT NOT NULL
            );
            CREATE INDEX manual_hot_list_entries_open ON manual_hot_list_entries(expires_at) WHERE removed_at IS NULL;

            -- R6: hits, with a snapshot of the matched record. They are data of their read and
            -- are destroyed with it (R11): the purge deletes reads with SQL, and this cascades.
            CREATE TABLE hits (
                sequence INTEGER PRIMARY KEY AUTOINCREMENT,
                id BLOB NOT NULL UNIQUE,
                read_id BLOB NOT NULL REFERENCES reads(id) ON DELETE CASCADE,
                reader_id BLOB NOT NULL REFERENCES readers(id),
                captured_at INTEGER NOT NULL,
                matched_at INTEGER NOT NULL,
                category TEXT NOT NULL,
                match_kind TEXT NOT NULL,
                snapshot TEXT NOT NULL,
                disposition TEXT,
                resolution TEXT,
                resolved_at INTEGER,
                CHECK ((disposition IS NULL) = (resolution IS NULL))
            );
            CREATE INDEX hits_on_read ON hits(read_id);
            CREATE INDEX hits_on_reader_sequence ON hits(reader_id, sequence);
            CREATE INDEX hits_pending ON hits(sequence) WHERE disposition IS NULL;

            -- R14 (§13.824 subd. 5): reads matching each bucket per active period. Counters
            -- only, no plate text, so they outlive the reads (no foreign key to reads).
            CREATE TABLE public_log_hit_counts (
                active_period_id BLOB NOT NULL REFERENCES active_periods(id),
                reader_id BLOB NOT NULL REFERENCES readers(id),
                bucket TEXT NOT NULL,
                read_count INTEGER NOT NULL CHECK (read_count >= 0),
                PRIMARY KEY (active_period_id, bucket)
            ) WITHOUT ROWID;
            """)
    }
}
