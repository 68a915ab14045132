import EnerTrackCore
import EnerTrackRuntime
import EnerTrackSQL
import Foundation
import Synchronization

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
    private let resolved = Mutex<DirectoryColumns?>(nil)

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
                let value = try await BlockingPool.shared.run {
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

    /// `MYSQL_COLUMN_MAP`, parsed.
    func explicitColumns() throws -> [DirectoryColumn: String] {
        guard let text = settings.columnMap, !text.isEmpty else { return [:] }
        do { return try ColumnMappingError.parseSetting(text) } catch { throw DirectoryError.schema(error.description) }
    }

    /// The columns every operation uses: the recorded mapping, `MYSQL_COLUMN_MAP` over it, found
    /// once per store. A needed column that is not there yet means `db migrate` has not run.
    func columns() async throws -> DirectoryColumns {
        if let known = resolved.withLock({ $0 }) { return known }
        let explicit = try explicitColumns()
        let columns = try await transaction { connection in
            let inspection = try SchemaInspection.read(connection)
            for table in ["Usuarios", "Nodos", "UsuariosNodos"] where !inspection.has(table) {
                throw DirectoryError.schema(
                    "MariaDB database '\(self.settings.database)' has no table \(table); run 'enertrack db migrate'")
            }
            let (columns, sources) = try MigrationPlanner.mapping(inspection, explicit: explicit)
            if let missing = DirectoryColumn.allCases.first(where: { sources[$0] == .added }) {
                throw DirectoryError.schema(
                    "\(missing.table) has no column for \(missing.rawValue) yet; run 'enertrack db migrate' (see 'enertrack db status')"
                )
            }
            return columns
        }
        resolved.withLock { $0 = columns }
        return columns
    }

    public func schemaStatus() async throws -> SchemaStatus {
        let explicit = try explicitColumns()
        return try await transaction { connection in try self.status(connection, explicit: explicit).status }
    }

    private func status(_ connection: MariaDBConnection, explicit: [DirectoryColumn: String]) throws -> (
        status: SchemaStatus, plan: MigrationPlan, inspection: SchemaInspection
    ) {
        let inspection = try SchemaInspection.read(connection)
        let plan = try MigrationPlanner.plan(inspection, explicit: explicit) { table, column in
            try connection.query(
                """
                SELECT \(SQLName.quote(column)) AS v FROM \(SQLName.quote(table)) WHERE \(SQLName.quote(column)) IS NOT NULL
                GROUP BY \(SQLName.quote(column))
                HAVING COUNT(*) > 1 LIMIT 5
                """
            ).compactMap { $0.string("v").map { "'\($0)'" } }
        }
        var notes = plan.steps.map { "\($0.migration): \($0.note)" }
        for id in plan.pending where !plan.steps.contains(where: { $0.migration == id }) {
            notes.append("\(id): tables already complete; will be recorded")
        }
        let applied = MariaDBSchema.migrations.map(\.id).filter(inspection.applied.contains)
        let status = SchemaStatus(
            store: "mariadb", location: location, applied: applied, pending: plan.pending, notes: notes,
            mapping: plan.mappingLines)
        return (status, plan, inspection)
    }

    public func migrate(dryRun: Bool) async throws -> SchemaStatus {
        if dryRun { return try await plannedStatus() }
        try await createDatabaseIfMissing()
        let explicit = try explicitColumns()
        // What refuses a migration (duplicates, a column with no match) refuses it before
        // anything is created, the lock's table included; under the lock it is planned again.
        let settings = self.settings
        do {
            _ = try await BlockingPool.shared.run {
                try self.status(MariaDBConnection(settings: settings), explicit: explicit).status
            }
        } catch { throw map(error) }
        let status = try await locked { connection in
            // Everything is planned and checked first; only then does the first statement run.
            let before = try self.status(connection, explicit: explicit)
            try connection.execute(
                """
                CREATE TABLE IF NOT EXISTS \(SQLName.quote(MariaDBSchema.migrationsTable)) (
                  `id` VARCHAR(100) NOT NULL,
                  `applied_at` TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP,
                  PRIMARY KEY (`id`)
                ) \(MariaDBSchema.tableOptions)
                """)
            for id in before.plan.pending {
                for step in before.plan.steps where step.migration == id { try connection.execute(step.sql) }
                try connection.query(
                    "INSERT INTO \(SQLName.quote(MariaDBSchema.migrationsTable)) (id) VALUES (?)", [.text(id)])
            }
            try self.record(before.plan.columns, on: connection)
            var after = try self.status(connection, explicit: explicit).status
            after.notes = before.status.notes
            after.pending = before.status.pending
            return after
        }
        resolved.withLock { $0 = nil }
        return status
    }

    public func convertToOriginalLayout(dryRun: Bool) async throws -> SchemaStatus {
        let explicit = try explicitColumns()
        let status = try await locked { connection in
            let inspection = try SchemaInspection.read(connection)
            let (columns, _) = try MigrationPlanner.mapping(inspection, explicit: explicit)
            let steps = try MigrationPlanner.conversion(inspection, columns: columns)
            if !dryRun && !steps.isEmpty {
                try self.checkConvertible(inspection, columns, on: connection)
                for step in steps { try connection.execute(step.0) }
                var converted = columns.names
                converted[.userID] = "id"
                converted[.nodeID] = "id"
                try self.record(DirectoryColumns(converted), on: connection)
            }
            var status = try self.status(connection, explicit: explicit).status
            status.notes =
                steps.isEmpty ? ["already in the original layout; nothing to convert"] : steps.map { "\($0.0);" }
            return status
        }
        resolved.withLock { $0 = nil }
        return status
    }

    /// What a conversion cannot survive, found before it starts: ids that do not fit INT(10) UNSIGNED.
    private func checkConvertible(
        _ inspection: SchemaInspection, _ columns: DirectoryColumns, on connection: MariaDBConnection
    ) throws {
        for (table, key) in [("Usuarios", columns.name(.userID)), ("Nodos", columns.name(.nodeID))] {
            let row = try connection.query(
                "SELECT MIN(\(SQLName.quote(key))) AS low, MAX(\(SQLName.quote(key))) AS high FROM \(SQLName.quote(table))"
            ).first
            if let low = row?.int("low"), let high = row?.int("high"), low < 0 || high > 4_294_967_295 {
                throw DirectoryError.conflict(
                    "\(table).\(key) holds ids from \(low) to \(high), which INT(10) UNSIGNED cannot hold; nothing was changed"
                )
            }
        }
    }

    /// Writes the mapping in use, so later runs read the same columns.
    private func record(_ columns: DirectoryColumns, on connection: MariaDBConnection) throws {
        try connection.execute("START TRANSACTION")
        do {
            try connection.query("DELETE FROM \(SQLName.quote(MariaDBSchema.columnsTable))")
            for role in DirectoryColumn.allCases {
                try connection.query(
                    "INSERT INTO \(SQLName.quote(MariaDBSchema.columnsTable)) (role, column_name) VALUES (?, ?)",
                    [.text(role.rawValue), .text(columns.name(role))])
            }
            try connection.execute("COMMIT")
        } catch {
            try? connection.execute("ROLLBACK")
            throw error
        }
    }

    /// Runs schema changes on a connection of their own (DDL commits implicitly, so not in a
    /// transaction), under the migration lock (`MigrationLock`), which keeps two concurrent runs
    /// from interleaving, on one server or across a Galera cluster.
    private func locked<T: Sendable>(_ body: @escaping @Sendable (MariaDBConnection) throws -> T) async throws -> T {
        let settings = self.settings
        do {
            return try await BlockingPool.shared.run {
                let connection = try MariaDBConnection(settings: settings)
                // On Galera, reads wait until this node has applied what the others committed
                // (a migration another node just finished); elsewhere the setting does nothing.
                _ = try? connection.execute("SET SESSION wsrep_sync_wait = 1")
                let holder = try MigrationLock.acquire(connection, timeout: 120)
                defer { MigrationLock.release(connection, holder: holder) }
                return try body(connection)
            }
        } catch { throw map(error) }
    }

    /// The status as `db migrate --dry-run` reports it, including a database that does not exist yet.
    private func plannedStatus() async throws -> SchemaStatus {
        let settings = self.settings
        let explicit = try explicitColumns()
        do {
            return try await BlockingPool.shared.run {
                try self.status(MariaDBConnection(settings: settings), explicit: explicit).status
            }
        } catch let error as MariaDBError where error.code == 1049 {
            let all = MariaDBSchema.migrations.map(\.id)
            return SchemaStatus(
                store: "mariadb", location: location, applied: [], pending: all,
                notes: ["create database \(settings.database)"] + all.map { "\($0): create its tables" },
                mapping: DirectoryColumn.allCases.map { "\($0.rawValue) = \($0.standardName) (created)" })
        } catch {
            throw map(error)
        }
    }

    private func createDatabaseIfMissing() async throws {
        let name = settings.database
        guard SQLName.isPlain(name), name.allSatisfy(\.isASCII) else {
            throw ConfigError(
                "MYSQL_DB '\(name)' is not a database name this tool will create (letters, digits, _ and $)")
        }
        let settings = self.settings
        do {
            try await BlockingPool.shared.run {
                let connection = try MariaDBConnection(settings: settings, useDatabase: false)
                try connection.execute(
                    "CREATE DATABASE IF NOT EXISTS \(SQLName.quote(name)) CHARACTER SET utf8mb4 COLLATE utf8mb4_uca1400_ai_ci"
                )
            }
        } catch { throw map(error) }
    }
}

/// Portable SQL on one MariaDB transaction.
struct MariaDBTransaction: SQLTransaction {
    let connection: MariaDBConnection
    let columns: DirectoryColumns

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
        let columns = try await columns()
        return try await transaction { connection in
            try body(MariaDBTransaction(connection: connection, columns: columns))
        }
    }
}
