import EnerTrackCore
import EnerTrackRuntime
import EnerTrackSQL
import Foundation

/// The directory store on MariaDB (libmariadb), compatible with the earlier Flask deployment's
/// `Usuarios`, `Nodos` and `UsuariosNodos`.
///
/// Every operation is one transaction on a pooled connection. A connection found dead (server
/// restarted: 2006/2013) is replaced and the whole transaction retried; deadlocks and Galera
/// certification failures (1213) and lock wait timeouts (1205) are retried with backoff.
/// Case- and accent-insensitive lookups come from the tables' `utf8mb4_uca1400_ai_ci` collation.
public final class MariaDBDirectoryStore: DirectoryStore {
    public let settings: MariaDBSettings
    private let pool: MariaDBPool

    public var location: String { "mariadb://\(settings.endpoint)/\(settings.database)" }

    /// No I/O happens here; the first operation connects.
    public init(settings: MariaDBSettings, poolSize: Int = 4) {
        self.settings = settings
        pool = MariaDBPool(settings: settings, capacity: poolSize)
    }

    // MARK: Transactions and errors

    static let maxAttempts = 5

    func transaction<T: Sendable>(_ body: @escaping @Sendable (MariaDBConnection) throws -> T) async throws -> T {
        var attempt = 0
        while true {
            attempt += 1
            let connection: MariaDBConnection
            do { connection = try await pool.acquire() } catch { throw map(error) }
            do {
                let value = try await Blocking.run {
                    try connection.execute("START TRANSACTION")
                    do {
                        let value = try body(connection)
                        try connection.execute("COMMIT")
                        return value
                    } catch {
                        try? connection.execute("ROLLBACK")
                        throw error
                    }
                }
                await pool.release(connection)
                return value
            } catch let error as MariaDBError where error.isConnectionLost {
                // The server went away (restart, failover): forget every idle connection, reconnect, retry.
                await pool.release(nil)
                await pool.discardIdle()
                guard attempt < Self.maxAttempts else { throw map(error) }
            } catch let error as MariaDBError where error.isRetryable {
                await pool.release(connection)
                guard attempt < Self.maxAttempts else { throw map(error) }
                try await Task.sleep(for: .milliseconds(25 << attempt))
            } catch {
                await pool.release(connection)
                throw map(error)
            }
        }
    }

    func map(_ error: Error) -> Error {
        guard let error = error as? MariaDBError else { return error }
        let endpoint = settings.endpoint
        switch error.code {
        case 1045, 1044, 1142, 1227:
            return DirectoryError.permissionDenied(
                "MariaDB at \(endpoint) refused user '\(settings.user)': \(error.message) (check MYSQL_USER and MYSQL_PASSWORD)"
            )
        case 1049:
            return DirectoryError.schema(
                "MariaDB database '\(settings.database)' does not exist at \(endpoint); run 'enertrack db migrate' to create it"
            )
        case 1146, 1054:
            return DirectoryError.schema(
                "the EnerTrack schema in MariaDB database '\(settings.database)' is missing or older than this version (\(error.message)); run 'enertrack db migrate'"
            )
        case 1062:
            return DirectoryError.conflict("MariaDB refused a duplicate: \(error.message)")
        case 1451, 1452:
            return DirectoryError.conflict("MariaDB refused the change: \(error.message)")
        case _ where error.isUnreachable || error.isConnectionLost:
            return DirectoryError.unavailable("cannot reach MariaDB at \(endpoint): \(error.message)")
        case 1213, 1205:
            return DirectoryError.unavailable("MariaDB at \(endpoint) is busy (\(error.message)); try again")
        default:
            return DirectoryError.io("MariaDB at \(endpoint): \(error.description)")
        }
    }

    // MARK: Schema

    public func schemaStatus() async throws -> SchemaStatus {
        try await transaction { connection in try self.status(connection) }
    }

    private func status(_ connection: MariaDBConnection) throws -> SchemaStatus {
        let hasTable = try !connection.query(
            "SELECT 1 FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = ?",
            [.text(MariaDBSchema.migrationsTable)]
        ).isEmpty
        let applied =
            hasTable
            ? Set(
                try connection.query("SELECT id FROM `\(MariaDBSchema.migrationsTable)`").compactMap { $0.string("id") }
            )
            : []
        var notes: [String] = []
        var pending: [String] = []
        for migration in MariaDBSchema.migrations where !applied.contains(migration.id) {
            pending.append(migration.id)
            let steps = try MariaDBSchema.plan(migration.tables, on: connection)
            notes += steps.map { "\(migration.id): \($0.note)" }
            if steps.isEmpty { notes.append("\(migration.id): tables already complete; will be recorded") }
        }
        return SchemaStatus(
            store: "mariadb", location: location,
            applied: MariaDBSchema.migrations.map(\.id).filter(applied.contains), pending: pending, notes: notes)
    }

    public func migrate(dryRun: Bool) async throws -> SchemaStatus {
        if dryRun { return try await plannedStatus() }
        try await createDatabaseIfMissing()
        let settings = self.settings
        // DDL commits implicitly, so migrations run outside a transaction, under a named lock
        // that keeps two concurrent `db migrate` runs from interleaving.
        do {
            return try await Blocking.run {
                let connection = try MariaDBConnection(settings: settings)
                let locked = try connection.query("SELECT GET_LOCK('enertrack.migrate', 60) AS locked").first?.int(
                    "locked")
                guard locked == 1 else {
                    throw DirectoryError.unavailable(
                        "another 'enertrack db migrate' holds the migration lock; try again")
                }
                defer { _ = try? connection.query("SELECT RELEASE_LOCK('enertrack.migrate')") }
                let before = try self.status(connection)
                try connection.execute(
                    """
                    CREATE TABLE IF NOT EXISTS `\(MariaDBSchema.migrationsTable)` (
                      `id` VARCHAR(100) NOT NULL,
                      `applied_at` TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP,
                      PRIMARY KEY (`id`)
                    ) \(MariaDBSchema.tableOptions)
                    """)
                for migration in MariaDBSchema.migrations where before.pending.contains(migration.id) {
                    for step in try MariaDBSchema.plan(migration.tables, on: connection) {
                        try connection.execute(step.sql)
                    }
                    try connection.query(
                        "INSERT INTO `\(MariaDBSchema.migrationsTable)` (id) VALUES (?)", [.text(migration.id)])
                }
                var after = try self.status(connection)
                after.notes = before.notes
                after.pending = before.pending
                return after
            }
        } catch { throw map(error) }
    }

    /// The status as `db migrate --dry-run` reports it, including a database that does not exist yet.
    private func plannedStatus() async throws -> SchemaStatus {
        let settings = self.settings
        do {
            return try await Blocking.run { try self.status(MariaDBConnection(settings: settings)) }
        } catch let error as MariaDBError where error.code == 1049 {
            let all = MariaDBSchema.migrations.map(\.id)
            return SchemaStatus(
                store: "mariadb", location: location, applied: [], pending: all,
                notes: ["create database \(settings.database)"] + all.map { "\($0): create its tables" })
        } catch {
            throw map(error)
        }
    }

    private func createDatabaseIfMissing() async throws {
        let name = settings.database
        guard name.range(of: "^[A-Za-z0-9_$]{1,64}$", options: .regularExpression) != nil else {
            throw ConfigError(
                "MYSQL_DB '\(name)' is not a database name this tool will create (letters, digits, _ and $)")
        }
        let settings = self.settings
        do {
            try await Blocking.run {
                let connection = try MariaDBConnection(settings: settings, useDatabase: false)
                try connection.execute(
                    "CREATE DATABASE IF NOT EXISTS `\(name)` CHARACTER SET utf8mb4 COLLATE utf8mb4_uca1400_ai_ci")
            }
        } catch { throw map(error) }
    }
}

/// Portable SQL on one MariaDB transaction.
struct MariaDBTransaction: SQLTransaction {
    let connection: MariaDBConnection

    func rows(_ sql: String, _ arguments: [SQLArgument]) throws -> [SQLResultRow] {
        try connection.query(sql, arguments)
    }

    func run(_ sql: String, _ arguments: [SQLArgument]) throws -> Int { try connection.change(sql, arguments) }
}

/// Every directory operation comes from the shared SQL (`SQLDirectoryBackend`, `DirectorySQL`).
extension MariaDBDirectoryStore: SQLDirectoryBackend {
    /// The tables' `utf8mb4_uca1400_ai_ci` collation compares names; TIMESTAMPs in the session's UTC.
    public var dialect: SQLDialect { Self.sqlDialect }

    static let sqlDialect = SQLDialect(foldedKeys: false, insertIgnore: "INSERT IGNORE") {
        MariaDBConnection.timestamp($0)
    }

    @discardableResult
    public func sqlTransaction<T: Sendable>(_ body: @escaping @Sendable (any SQLTransaction) throws -> T) async throws
        -> T
    {
        try await transaction { connection in try body(MariaDBTransaction(connection: connection)) }
    }
}
