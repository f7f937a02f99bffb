import GRDB

/// The database schema, as named migrations. A migration, once shipped, never changes: add a
/// new one instead. Names are snake_case and types plain so the same schema reads naturally
/// on PostgreSQL. Times are integer milliseconds since 1970 (UTC); ids are 16-byte UUIDs.
enum SQLiteSchema {
    static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1_initial_schema", migrate: createInitialSchema)
        migrator.registerMigration("v2_plate_dictionary", migrate: createPlateDictionary)
        migrator.registerMigration("v3_hot_lists_and_hits", migrate: SQLiteHotListSchema.createHotListsAndHits)
        return migrator
    }

    private static func createInitialSchema(_ db: Database) throws {
        try db.execute(sql: """
            CREATE TABLE users (
                id BLOB PRIMARY KEY NOT NULL,
                username TEXT NOT NULL UNIQUE,
                password_hash TEXT NOT NULL,
                roles TEXT NOT NULL,
                training_completed_at INTEGER,
                authorized_by TEXT,
                authorized_at INTEGER,
                authorization_purpose TEXT,
                disabled_at INTEGER,
                created_at INTEGER NOT NULL,
                CHECK ((authorized_by IS NULL) = (authorized_at IS NULL)
                       AND (authorized_by IS NULL) = (authorization_purpose IS NULL))
            );

            CREATE TABLE readers (
                id BLOB PRIMARY KEY NOT NULL,
                name TEXT NOT NULL UNIQUE,
                kind TEXT NOT NULL CHECK (kind IN ('fixed', 'mobile')),
                latitude REAL,
                longitude REAL,
                location_description TEXT,
                location_withheld INTEGER NOT NULL DEFAULT 0,
                unit TEXT,
                installed_at INTEGER NOT NULL,
                first_used_at INTEGER,
                bca_reported_at INTEGER,
                retired_at INTEGER,
                created_at INTEGER NOT NULL,
                credential_hash TEXT NOT NULL,
                CHECK ((latitude IS NULL) = (longitude IS NULL))
            );

            -- R14: the spans during which each reader collected data (public log of use).
            CREATE TABLE active_periods (
                id BLOB PRIMARY KEY NOT NULL,
                reader_id BLOB NOT NULL REFERENCES readers(id),
                source TEXT NOT NULL CHECK (source IN ('officer_login', 'start_stop', 'heartbeat')),
                operator_user_id BLOB REFERENCES users(id),
                started_at INTEGER NOT NULL,
                ended_at INTEGER,
                last_heartbeat_at INTEGER,
                CHECK (ended_at IS NULL OR ended_at >= started_at)
            );
            CREATE INDEX active_periods_on_reader_started ON active_periods(reader_id, started_at);
            -- At most one open period per reader.
            CREATE UNIQUE INDEX active_periods_one_open_per_reader ON active_periods(reader_id) WHERE ended_at IS NULL;

            -- R1: only the fields §13.824 subd. 2(a) allows. R2: classification is stored.
            CREATE TABLE reads (
                id BLOB NOT NULL UNIQUE,
                reader_id BLOB NOT NULL REFERENCES readers(id),
                active_period_id BLOB REFERENCES active_periods(id) ON DELETE SET NULL,
                plate TEXT NOT NULL,
                state TEXT,
                confidence REAL NOT NULL CHECK (confidence BETWEEN 0 AND 1),
                candidates TEXT NOT NULL,
                captured_at INTEGER NOT NULL,
                received_at INTEGER NOT NULL,
                latitude REAL,
                longitude REAL,
                heading_degrees REAL,
                speed_kmh REAL,
                plate_box_x REAL,
                plate_box_y REAL,
                plate_box_width REAL,
                plate_box_height REAL,
                plate_image_sha256 TEXT,
                plate_image_content_type TEXT,
                plate_image_byte_count INTEGER,
                vehicle_image_sha256 TEXT,
                vehicle_image_content_type TEXT,
                vehicle_image_byte_count INTEGER,
                classification TEXT NOT NULL DEFAULT 'private'
                    CHECK (classification IN ('private', 'active_criminal_investigative')),
                CHECK ((latitude IS NULL) = (longitude IS NULL)),
                CHECK ((plate_image_sha256 IS NULL) = (plate_image_content_type IS NULL)),
                CHECK ((vehicle_image_sha256 IS NULL) = (vehicle_image_content_type IS NULL))
            );
            -- Exact plate search, newest first; also serves GLOB patterns with a literal prefix.
            CREATE INDEX reads_on_plate_captured ON reads(plate, captured_at);
            -- Time-range search and the retention purge.
            CREATE INDEX reads_on_captured ON reads(captured_at);
            CREATE INDEX reads_on_reader_captured ON reads(reader_id, captured_at);
            -- The purge asks whether an image is still used by another read.
            CREATE INDEX reads_on_plate_image ON reads(plate_image_sha256) WHERE plate_image_sha256 IS NOT NULL;
            CREATE INDEX reads_on_vehicle_image ON reads(vehicle_image_sha256) WHERE vehicle_image_sha256 IS NOT NULL;

            CREATE TABLE investigation_cases (
                number TEXT PRIMARY KEY NOT NULL,
                description TEXT NOT NULL,
                opened_at INTEGER NOT NULL,
                opened_by TEXT NOT NULL,
                closed_at INTEGER
            );

            -- R12: reads kept past retention for a case. Released holds are kept as history
            -- until the read itself is destroyed.
            CREATE TABLE read_holds (
                id INTEGER PRIMARY KEY,
                read_id BLOB NOT NULL REFERENCES reads(id) ON DELETE CASCADE,
                case_number TEXT NOT NULL REFERENCES investigation_cases(number),
                basis TEXT NOT NULL CHECK (basis IN ('investigation', 'exculpatory_request')),
                placed_at INTEGER NOT NULL,
                placed_by TEXT NOT NULL,
                released_at INTEGER
            );
            CREATE INDEX read_holds_on_read ON read_holds(read_id);
            CREATE INDEX read_holds_on_case ON read_holds(case_number);
            CREATE UNIQUE INDEX read_holds_one_open_per_case ON read_holds(read_id, case_number) WHERE released_at IS NULL;

            CREATE TABLE sessions (
                token_hash TEXT PRIMARY KEY NOT NULL,
                user_id BLOB NOT NULL REFERENCES users(id) ON DELETE CASCADE,
                reader_id BLOB REFERENCES readers(id),
                created_at INTEGER NOT NULL,
                expires_at INTEGER NOT NULL
            );
            CREATE INDEX sessions_on_expires ON sessions(expires_at);

            -- R9: append-only, hash-chained audit trail.
            CREATE TABLE audit_events (
                sequence INTEGER PRIMARY KEY NOT NULL,
                at INTEGER NOT NULL,
                actor TEXT NOT NULL,
                action TEXT NOT NULL,
                subject TEXT NOT NULL,
                criteria TEXT,
                result_ids TEXT NOT NULL,
                result_count INTEGER,
                case_number TEXT,
                reason TEXT,
                recipient TEXT,
                previous_hash TEXT NOT NULL,
                hash TEXT NOT NULL UNIQUE
            );
            CREATE INDEX audit_events_on_at ON audit_events(at);
            CREATE TRIGGER audit_events_no_update BEFORE UPDATE ON audit_events
                BEGIN SELECT RAISE(ABORT, 'the audit trail is append-only'); END;
            CREATE TRIGGER audit_events_no_delete BEFORE DELETE ON audit_events
                BEGIN SELECT RAISE(ABORT, 'the audit trail is append-only'); END;

            -- R11 crash safety: image files whose reads were destroyed, removed after commit.
            CREATE TABLE pending_image_deletions (
                sha256 TEXT PRIMARY KEY NOT NULL,
                content_type TEXT NOT NULL,
                recorded_at INTEGER NOT NULL
            );
            """)
    }

    /// The distinct plates present in `reads`. A pattern with a leading wildcard cannot use
    /// the plate index of `reads`; matching it against the (much smaller) set of distinct
    /// plates first and then looking each match up in the index keeps such searches fast.
    /// A plate leaves this table when its last read is destroyed (R11).
    private static func createPlateDictionary(_ db: Database) throws {
        try db.execute(sql: """
            CREATE TABLE plates (plate TEXT PRIMARY KEY NOT NULL) WITHOUT ROWID;
            INSERT INTO plates (plate) SELECT DISTINCT plate FROM reads;
            """)
    }
}
