import EnerTrackCore
import EnerTrackSQL
import Foundation
import GRDB
import GRDBSQLite

/// The embedded directory store: one SQLite file in the data directory, WAL mode, foreign keys
/// on, created and migrated on first use.
///
/// Tables and columns are those of the MariaDB deployment (`Usuarios`, `Nodos`, `UsuariosNodos`)
/// so a site can move between the two with the same mental model. SQLite has no accent-insensitive
/// collation, so usernames and emails also keep a folded lookup key (`DirectoryRules.lookupKey`)
/// that carries their uniqueness.
public final class SQLiteDirectoryStore: DirectoryStore {
    public let path: String
    private let pool: DatabasePool
    /// The reads `SQLTransactionRunner.sqlRead` runs: every request's session and meters.
    private let readers: SQLiteReaders

    public var location: String { "sqlite:\(path)" }

    /// Opens (creating if needed) the database at `path` and, unless `migrate` is false (for
    /// `db status` and `db migrate --dry-run`, which must not change anything), applies pending migrations.
    public init(path: String, migrate: Bool = true) throws {
        self.path = path
        pool = try SQLiteFile.open(
            path: path, label: "directory", migrator: migrate ? Self.migrator : nil,
            configure: { $0.foreignKeysEnabled = true }, mapError: { Self.mapError($0, path: path) })
        readers = SQLiteReaders(path: path, connections: max(2, ProcessInfo.processInfo.activeProcessorCount))
    }

    // MARK: Schema

    static let migrator: DatabaseMigrator = {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("0001_directory") { db in
            try db.execute(
                sql: """
                    CREATE TABLE Usuarios (
                        usuario_id INTEGER PRIMARY KEY AUTOINCREMENT,
                        nombreUsuario TEXT NOT NULL,
                        usuario_clave TEXT NOT NULL UNIQUE,
                        password_hash TEXT NOT NULL DEFAULT '',
                        email TEXT,
                        email_clave TEXT UNIQUE,
                        nombre TEXT,
                        es_admin INTEGER NOT NULL DEFAULT 0,
                        activo INTEGER NOT NULL DEFAULT 1,
                        eliminado_en TEXT,
                        fecha_creacion TEXT NOT NULL DEFAULT CURRENT_TIMESTAMP
                    );
                    CREATE TABLE Nodos (
                        nodo_id INTEGER PRIMARY KEY AUTOINCREMENT,
                        esp_id TEXT NOT NULL UNIQUE COLLATE NOCASE,
                        nombre TEXT,
                        descripcion TEXT,
                        activo INTEGER NOT NULL DEFAULT 1,
                        fecha_creacion TEXT NOT NULL DEFAULT CURRENT_TIMESTAMP,
                        ultima_conexion TEXT
                    );
                    CREATE TABLE UsuariosNodos (
                        usuario_id INTEGER NOT NULL REFERENCES Usuarios (usuario_id) ON DELETE CASCADE ON UPDATE CASCADE,
                        nodo_id INTEGER NOT NULL REFERENCES Nodos (nodo_id) ON DELETE CASCADE ON UPDATE CASCADE,
                        activo INTEGER NOT NULL DEFAULT 1,
                        ubicacion TEXT,
                        fecha_asignacion TEXT NOT NULL DEFAULT CURRENT_TIMESTAMP,
                        ultimo_acceso TEXT,
                        PRIMARY KEY (usuario_id, nodo_id)
                    );
                    CREATE INDEX UsuariosNodos_nodo ON UsuariosNodos (nodo_id);
                    """)
        }
        migrator.registerMigration("0002_alerts_telegram") { db in
            // Thresholds and their state, queued notifications, Telegram links and one-time
            // codes, per-user language, and named values (leases, the bot's update offset).
            try db.execute(
                sql: """
                    CREATE TABLE alert_rules (
                        usuario_id INTEGER NOT NULL REFERENCES Usuarios (usuario_id) ON DELETE CASCADE,
                        nodo_id INTEGER NOT NULL REFERENCES Nodos (nodo_id) ON DELETE CASCADE,
                        threshold_kw REAL NOT NULL,
                        state TEXT NOT NULL DEFAULT 'ok',
                        since INTEGER,
                        last_notified INTEGER,
                        silent_since INTEGER,
                        PRIMARY KEY (usuario_id, nodo_id)
                    );
                    CREATE TABLE alert_outbox (
                        id INTEGER PRIMARY KEY AUTOINCREMENT,
                        usuario_id INTEGER NOT NULL REFERENCES Usuarios (usuario_id) ON DELETE CASCADE,
                        text TEXT NOT NULL,
                        created_at INTEGER NOT NULL,
                        attempts INTEGER NOT NULL DEFAULT 0,
                        last_error TEXT
                    );
                    CREATE TABLE telegram_links (
                        usuario_id INTEGER PRIMARY KEY REFERENCES Usuarios (usuario_id) ON DELETE CASCADE,
                        chat_id INTEGER NOT NULL UNIQUE,
                        linked_at INTEGER NOT NULL
                    );
                    CREATE TABLE telegram_codes (
                        usuario_id INTEGER PRIMARY KEY REFERENCES Usuarios (usuario_id) ON DELETE CASCADE,
                        code_hash TEXT NOT NULL UNIQUE,
                        expires_at INTEGER NOT NULL
                    );
                    CREATE TABLE user_settings (
                        usuario_id INTEGER PRIMARY KEY REFERENCES Usuarios (usuario_id) ON DELETE CASCADE,
                        language TEXT NOT NULL
                    );
                    CREATE TABLE enertrack_state (
                        name TEXT PRIMARY KEY,
                        value TEXT NOT NULL
                    );
                    """)
        }
        migrator.registerMigration("0003_web") { db in
            // Browser sessions (server-side, shared by every serve instance), API tokens, and
            // login failures for throttling. Ids and tokens are stored as SHA-256 hashes.
            try db.execute(
                sql: """
                    CREATE TABLE web_sessions (
                        id_hash TEXT PRIMARY KEY,
                        usuario_id INTEGER NOT NULL REFERENCES Usuarios (usuario_id) ON DELETE CASCADE,
                        csrf_token TEXT NOT NULL,
                        created_at INTEGER NOT NULL,
                        last_seen INTEGER NOT NULL
                    );
                    CREATE INDEX web_sessions_user ON web_sessions (usuario_id);
                    CREATE TABLE api_tokens (
                        token_hash TEXT PRIMARY KEY,
                        usuario_id INTEGER NOT NULL REFERENCES Usuarios (usuario_id) ON DELETE CASCADE,
                        name TEXT NOT NULL,
                        created_at INTEGER NOT NULL
                    );
                    CREATE TABLE login_throttle (
                        throttle_key TEXT PRIMARY KEY,
                        failures INTEGER NOT NULL,
                        last_failure INTEGER NOT NULL
                    );
                    """)
        }
        migrator.registerMigration("0004_original_keys") { db in
            // The earlier deployment keys Usuarios and Nodos by `id`; SQLite renames the
            // references in the other tables with the column.
            try db.execute(
                sql: """
                    ALTER TABLE Usuarios RENAME COLUMN usuario_id TO id;
                    ALTER TABLE Nodos RENAME COLUMN nodo_id TO id;
                    """)
        }
        migrator.registerMigration("0005_money") { db in
            // Tariffs (their canonical file text), who has which from which local day, dynamic
            // prices per hour or 15 minutes, and monthly budgets (a NULL node: all the user's
            // meters; `notified_month` makes the alert once per month).
            try db.execute(
                sql: """
                    CREATE TABLE tariffs (
                        name TEXT PRIMARY KEY,
                        currency TEXT NOT NULL,
                        definition TEXT NOT NULL,
                        updated_at INTEGER NOT NULL
                    );
                    CREATE TABLE tariff_node_assignments (
                        nodo_id INTEGER NOT NULL REFERENCES Nodos (id) ON DELETE CASCADE,
                        from_day TEXT NOT NULL,
                        tariff TEXT NOT NULL REFERENCES tariffs (name),
                        PRIMARY KEY (nodo_id, from_day)
                    );
                    CREATE TABLE tariff_user_assignments (
                        usuario_id INTEGER NOT NULL REFERENCES Usuarios (id) ON DELETE CASCADE,
                        from_day TEXT NOT NULL,
                        tariff TEXT NOT NULL REFERENCES tariffs (name),
                        PRIMARY KEY (usuario_id, from_day)
                    );
                    CREATE TABLE tariff_prices (
                        tariff TEXT NOT NULL REFERENCES tariffs (name),
                        time INTEGER NOT NULL,
                        duration INTEGER NOT NULL,
                        price REAL NOT NULL,
                        PRIMARY KEY (tariff, time)
                    ) WITHOUT ROWID;
                    CREATE TABLE budget_rules (
                        id INTEGER PRIMARY KEY,
                        usuario_id INTEGER NOT NULL REFERENCES Usuarios (id) ON DELETE CASCADE,
                        nodo_id INTEGER NULL REFERENCES Nodos (id) ON DELETE CASCADE,
                        scope INTEGER NOT NULL,
                        monthly TEXT NOT NULL,
                        notified_month TEXT NULL,
                        created_at INTEGER NOT NULL,
                        UNIQUE (usuario_id, scope)
                    );
                    """)
        }
        migrator.registerMigration("0006_sites") { db in
            // Sites (a home, a school) and each placed meter's site, role and parent circuit.
            try db.execute(
                sql: """
                    CREATE TABLE sites (
                        name TEXT PRIMARY KEY COLLATE NOCASE,
                        display_name TEXT NULL,
                        time_zone TEXT NULL,
                        active INTEGER NOT NULL DEFAULT 1,
                        created_at INTEGER NOT NULL
                    );
                    CREATE TABLE site_meters (
                        nodo_id INTEGER PRIMARY KEY REFERENCES Nodos (id) ON DELETE CASCADE,
                        site TEXT NOT NULL COLLATE NOCASE REFERENCES sites (name),
                        role TEXT NOT NULL,
                        parent_id INTEGER NULL REFERENCES Nodos (id)
                    );
                    CREATE INDEX site_meters_site ON site_meters (site);
                    """)
        }
        migrator.registerMigration("0007_devices") { db in
            // Where readings come from (a topic filter and the decoder of its devices), and the
            // per-phase limits of alert rules on three-phase meters.
            try db.execute(
                sql: """
                    CREATE TABLE alert_phase_limits (
                        usuario_id INTEGER NOT NULL REFERENCES Usuarios (id) ON DELETE CASCADE,
                        nodo_id INTEGER NOT NULL REFERENCES Nodos (id) ON DELETE CASCADE,
                        phase_kw REAL NOT NULL,
                        PRIMARY KEY (usuario_id, nodo_id)
                    );
                    CREATE TABLE meter_sources (
                        name TEXT PRIMARY KEY COLLATE NOCASE,
                        topic_filter TEXT NOT NULL,
                        decoder TEXT NOT NULL,
                        sensor_map TEXT NULL,
                        discovery_prefix TEXT NULL,
                        created_at INTEGER NOT NULL
                    );
                    """)
        }
        migrator.registerMigration("0008_corrections") { db in
            // The audit trail of corrections to readings (`enertrack readings`).
            try db.execute(sql: CorrectionSQL.sqliteTable)
        }
        return migrator
    }()

    public func migrate(dryRun: Bool) async throws -> SchemaStatus {
        let before = try await schemaStatus()
        guard !dryRun, !before.pending.isEmpty else { return before }
        do { try Self.migrator.migrate(pool) } catch { throw Self.mapError(error, path: path) }
        var after = try await schemaStatus()
        after.pending = before.pending
        return after
    }

    /// The embedded store has had the original column names since its migration 0004.
    public func convertToOriginalLayout(dryRun: Bool) async throws -> SchemaStatus {
        var status = try await migrate(dryRun: dryRun)
        status.notes.append("the embedded store uses the original column names once migrated; nothing else to convert")
        return status
    }

    public func schemaStatus() async throws -> SchemaStatus {
        try await read { db in
            let applied = try Self.migrator.appliedIdentifiers(db)
            let known = Self.migrator.migrations
            return SchemaStatus(
                store: "sqlite", location: self.path,
                applied: known.filter(applied.contains), pending: known.filter { !applied.contains($0) },
                mapping: DirectoryColumn.allCases.map { "\($0.rawValue) = \($0.standardName) (created)" })
        }
    }

    // MARK: Access and error mapping

    private func read<T: Sendable>(_ body: @escaping @Sendable (Database) throws -> T) async throws -> T {
        do { return try await pool.read(body) } catch { throw Self.mapError(error, path: path) }
    }

    private func write<T: Sendable>(_ body: @escaping @Sendable (Database) throws -> T) async throws -> T {
        do { return try await pool.write(body) } catch { throw Self.mapError(error, path: path) }
    }

    static func mapError(_ error: Error, path: String) -> Error {
        if error is DirectoryError { return error }
        let code: Int32
        let message: String
        if let error = error as? DatabaseError {
            (code, message) = (error.resultCode.rawValue, error.message ?? "\(error.resultCode)")
        } else if let error = error as? SQLiteReaders.Failure {
            (code, message) = (error.primary, error.message)
        } else {
            return error
        }
        switch code {
        case SQLITE_CONSTRAINT:
            return DirectoryError.conflict("the directory store refused the change: \(message)")
        case SQLITE_BUSY, SQLITE_LOCKED:
            return DirectoryError.unavailable("the directory store at \(path) is busy; try again")
        case SQLITE_READONLY, SQLITE_PERM, SQLITE_AUTH:
            return DirectoryError.permissionDenied("cannot write the directory store at \(path): permission denied")
        case SQLITE_CANTOPEN:
            return DirectoryError.cannotCreate("cannot open the directory store at \(path)")
        case SQLITE_CORRUPT, SQLITE_NOTADB:
            return DirectoryError.io("the directory store at \(path) is not a valid SQLite database")
        default:
            return DirectoryError.io("directory store error at \(path): \(message)")
        }
    }
}

/// Portable SQL on one SQLite transaction.
struct GRDBTransaction: SQLTransaction {
    let db: Database

    static func value(_ argument: SQLArgument) -> (any DatabaseValueConvertible)? {
        switch argument {
        case .null: nil
        case .int(let number): number
        case .double(let number): number
        case .text(let text): text
        }
    }

    func rows(_ sql: String, _ arguments: [SQLArgument]) throws -> [SQLResultRow] {
        // Cached statements: the web server asks the same few questions thousands of times a second.
        let statement = try db.cachedStatement(sql: sql)
        // The shared SQL labels its columns in lower case already (no copy for those).
        let names = statement.columnNames.map { name in
            name.utf8.contains(where: { (65...90).contains($0) }) ? name.lowercased() : name
        }
        return try Row.fetchAll(statement, arguments: StatementArguments(arguments.map(Self.value))).map { row in
            SQLResultRow(
                names: names,
                values: row.databaseValues.map { value in
                    switch value.storage {
                    case .int64(let number): .int(number)
                    case .double(let number): .double(number)
                    case .string(let text): .text(text)
                    case .blob, .null: nil
                    }
                })
        }
    }

    func run(_ sql: String, _ arguments: [SQLArgument]) throws -> Int {
        try db.cachedStatement(sql: sql).execute(arguments: StatementArguments(arguments.map(Self.value)))
        return db.changesCount
    }
}

/// Every directory operation comes from the shared SQL (`SQLDirectoryBackend`, `DirectorySQL`).
extension SQLiteDirectoryStore: SQLDirectoryBackend {
    /// Folded key columns for names; times as GRDB writes them (`YYYY-MM-DD HH:MM:SS.SSS`, UTC).
    public var dialect: SQLDialect { Self.sqlDialect }

    static let sqlDialect = SQLDialect(foldedKeys: true, insertIgnore: "INSERT OR IGNORE") { date in
        let ms = date.milliseconds
        let millis = (ms % 1000 + 1000) % 1000  // of the second, also before 1970
        let iso = ISO8601.format(milliseconds: ms - millis, timeZone: .gmt)
        return String(iso.prefix(19)).replacingOccurrences(of: "T", with: " ") + "." + String(millis + 1000).dropFirst()
    }

    public func sqlRead<T: Sendable>(_ body: @escaping @Sendable (any SQLTransaction) throws -> T) async throws -> T {
        do {
            return try await readers.read(body)
        } catch {
            throw Self.mapError(error, path: path)
        }
    }

    @discardableResult
    public func sqlTransaction<T: Sendable>(_ body: @escaping @Sendable (any SQLTransaction) throws -> T) async throws
        -> T
    {
        do {
            return try await pool.write { db in try body(GRDBTransaction(db: db)) }
        } catch {
            throw Self.mapError(error, path: path)
        }
    }
}
