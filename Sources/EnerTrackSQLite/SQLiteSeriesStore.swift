import EnerTrackCore
import Foundation
import GRDB
import GRDBSQLite
import Synchronization

/// The embedded series store: `series.sqlite` in the data directory, WAL mode, one row per node
/// and millisecond, clustered by (node, time) so a node's range is one index walk.
///
/// A batch is one transaction. A reading whose node and time exist already overwrites the
/// quantities it carries and keeps the others (`coalesce`), which makes replays harmless and
/// lets per-quantity messages of one second build one row.
public final class SQLiteSeriesStore: SeriesStore {
    public let path: String
    /// Decides which counter rises are spikes when rollups are computed.
    public let limits: PowerLimits
    private let pool: DatabasePool
    /// The meters of a refresh under way (`refreshSomeRollups`), read once when it starts.
    let pendingRefresh = RefreshQueue<String>()

    public var location: String { "sqlite:\(path)" }

    public init(path: String, limits: PowerLimits = PowerLimits()) throws {
        self.path = path
        self.limits = limits
        pool = try SQLiteFile.open(
            path: path, label: "series", migrator: Self.migrator,
            configure: { configuration in
                configuration.prepareDatabase { db in
                    // WAL + NORMAL survives a process crash. A power cut may lose the last commits,
                    // as it may lose the spool's last appends: neither is fsynced per reading.
                    try db.execute(sql: "PRAGMA synchronous = NORMAL")
                    // A new store frees pruned pages in steps (`db prune`); an existing one is set
                    // up by its first prune (this pragma changes nothing once tables exist).
                    if !db.configuration.readonly { try db.execute(sql: "PRAGMA auto_vacuum = INCREMENTAL") }
                }
            },
            mapError: { Self.mapError($0, path: path) })
    }

    static let migrator: DatabaseMigrator = {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("0001_readings") { db in
            try db.execute(
                sql: """
                    CREATE TABLE readings (
                        node TEXT NOT NULL,
                        time INTEGER NOT NULL,
                        voltage REAL,
                        current REAL,
                        power REAL,
                        energy REAL,
                        pf REAL,
                        frequency REAL,
                        PRIMARY KEY (node, time)
                    ) WITHOUT ROWID
                    """)
        }
        migrator.registerMigration("0002_energy_buckets") { db in
            // Energy per node and 15-minute UTC bucket; replaced by `rollups` (0004).
            try db.execute(
                sql: """
                    CREATE TABLE energy_buckets (
                        node TEXT NOT NULL,
                        bucket INTEGER NOT NULL,
                        kwh REAL NOT NULL,
                        covered INTEGER NOT NULL,
                        PRIMARY KEY (node, bucket)
                    ) WITHOUT ROWID
                    """)
        }
        migrator.registerMigration("0003_rollup_dirty") { db in
            // Spans of readings written since their buckets were last computed.
            try db.execute(
                sql: """
                    CREATE TABLE rollup_dirty (
                        node TEXT NOT NULL,
                        start INTEGER NOT NULL,
                        finish INTEGER NOT NULL,
                        PRIMARY KEY (node, start)
                    ) WITHOUT ROWID
                    """)
        }
        migrator.registerMigration("0004_rollups") { db in
            // Per node and 15-minute UTC bucket: energy (and its running sum, so any period's
            // total is two index lookups), coverage, and a summary of the readings in it.
            try db.execute(sql: "DROP TABLE energy_buckets")
            try db.execute(
                sql: """
                    CREATE TABLE rollups (
                        node TEXT NOT NULL,
                        bucket INTEGER NOT NULL,
                        kwh REAL NOT NULL,
                        covered INTEGER NOT NULL,
                        cum_kwh REAL NOT NULL,
                        cum_full INTEGER NOT NULL,
                        samples INTEGER NOT NULL,
                        voltage REAL, current REAL, power REAL, pf REAL, frequency REAL,
                        power_min REAL, power_max REAL,
                        first_time INTEGER, first_energy REAL, last_time INTEGER, last_energy REAL,
                        PRIMARY KEY (node, bucket)
                    ) WITHOUT ROWID
                    """)
            // Filled by 0006, once the rollups have all their columns.
        }
        migrator.registerMigration("0005_rollup_history") { db in
            // Per node, a number that grows whenever a recompute changes the figures of buckets
            // more than half an hour old (late readings, an import, a rebuild): what a cache of
            // past periods' figures is checked against.
            try db.execute(
                sql: "CREATE TABLE rollup_history (node TEXT PRIMARY KEY, version INTEGER NOT NULL) WITHOUT ROWID")
        }
        migrator.registerMigration("0006_export") { db in
            // The export counter, and exported kWh (with its running sum) beside imported kWh.
            // No reading carried export before, so rollups already kept stand as they are; a
            // store that had none yet (readings from before 0004) gets them computed now.
            try db.execute(sql: "ALTER TABLE readings ADD COLUMN energy_export REAL")
            try db.execute(sql: "ALTER TABLE rollups ADD COLUMN export_kwh REAL NOT NULL DEFAULT 0")
            try db.execute(sql: "ALTER TABLE rollups ADD COLUMN cum_export REAL NOT NULL DEFAULT 0")
            let kept = try Bool.fetchOne(db, sql: "SELECT EXISTS (SELECT 1 FROM rollups)") ?? false
            if !kept { try SQLiteSeriesStore.rebuildRollups(db, from: nil, limits: PowerLimits()) }
        }
        migrator.registerMigration("0007_phases") { db in
            // A three-phase meter's per-phase values; its totals stay in the columns above.
            for quantity in Quantity.allCases where quantity.phase != nil {
                try db.execute(sql: "ALTER TABLE readings ADD COLUMN \(quantity.rawValue) REAL")
            }
        }
        migrator.registerMigration("0008_retention") { db in
            // What the store knows of itself: `pruned_before`, the retention horizon (ms).
            try db.execute(sql: "CREATE TABLE series_meta (key TEXT PRIMARY KEY, value INTEGER NOT NULL) WITHOUT ROWID")
        }
        return migrator
    }()

    /// The columns of a single-phase reading (what energy and rollups read), and of every
    /// quantity (what the readings themselves are read with), in `Quantity.allCases` order.
    static let columns = "node, time, " + Quantity.totals.map(\.rawValue).joined(separator: ", ")
    static let allColumns = "node, time, " + Quantity.allCases.map(\.rawValue).joined(separator: ", ")

    /// The upsert of single-phase readings, and of readings with phases: a column a reading
    /// leaves out keeps what an earlier message of the same instant stored.
    private static let upsert = upsert(Quantity.totals)
    private static let upsertPhases = upsert(Quantity.allCases)

    private static func upsert(_ quantities: [Quantity]) -> String {
        let names = quantities.map(\.rawValue)
        return """
            INSERT INTO readings (node, time, \(names.joined(separator: ", ")))
            VALUES (?, ?\(String(repeating: ", ?", count: names.count)))
            ON CONFLICT (node, time) DO UPDATE SET
            \(names.map { "\($0) = coalesce(excluded.\($0), \($0))" }.joined(separator: ",\n"))
            """
    }

    public func check() async throws {
        _ = try await read { db in try Int.fetchOne(db, sql: "SELECT count(*) FROM sqlite_master") }
    }

    public func write(_ readings: [Reading]) async throws {
        guard !readings.isEmpty else { return }
        try await write { db in
            try Self.upsertRows(db, readings)
            // Same transaction: what changed is noted, and the buckets are brought up to date the
            // next time a report reads them (keeping ingest's hot path short).
            let dirty = try db.cachedStatement(
                sql: """
                    INSERT INTO rollup_dirty (node, start, finish) VALUES (?, ?, ?)
                    ON CONFLICT (node, start) DO UPDATE SET finish = max(finish, excluded.finish)
                    """)
            for (node, span) in EnergyBuckets.writtenSpans(readings) {
                try dirty.execute(arguments: [node, span.start, span.finish])
            }
        }
    }

    /// Inserts or merges readings (the hot path of ingest): bound straight through the C API,
    /// no argument boxing.
    static func upsertRows(_ db: Database, _ readings: [Reading]) throws {
        let single = try db.cachedStatement(sql: Self.upsert).sqliteStatement
        let phased = try db.cachedStatement(sql: Self.upsertPhases).sqliteStatement
        defer {
            sqlite3_reset(single)
            sqlite3_reset(phased)
        }
        for reading in readings {
            let handle = reading.hasPhases ? phased : single
            sqlite3_reset(handle)
            _ = reading.node.withCString { sqlite3_bind_text(handle, 1, $0, -1, Self.transient) }
            sqlite3_bind_int64(handle, 2, reading.time)
            for (index, quantity) in (reading.hasPhases ? Quantity.allCases : Quantity.totals).enumerated() {
                if let value = reading[quantity] {
                    sqlite3_bind_double(handle, Int32(index + 3), value)
                } else {
                    sqlite3_bind_null(handle, Int32(index + 3))
                }
            }
            let code = sqlite3_step(handle)
            guard code == SQLITE_DONE else { throw Self.error(code, db) }
        }
    }

    // MARK: C API helpers

    /// Readings of one node through the C API: a year of one meter is half a million rows.
    static func fetch(_ db: Database, _ sql: String, _ node: String, _ times: [Int64], limit: Int? = nil) throws
        -> [Reading]
    {
        let handle = try db.cachedStatement(sql: sql).sqliteStatement
        sqlite3_reset(handle)
        defer { sqlite3_reset(handle) }
        _ = node.withCString { sqlite3_bind_text(handle, 1, $0, -1, Self.transient) }
        for (index, time) in times.enumerated() { sqlite3_bind_int64(handle, Int32(index + 2), time) }
        if let limit { sqlite3_bind_int64(handle, Int32(times.count + 2), Int64(limit)) }
        var readings: [Reading] = []
        while true {
            let code = sqlite3_step(handle)
            if code == SQLITE_DONE { break }
            guard code == SQLITE_ROW else { throw error(code, db) }
            func double(_ column: Int32) -> Double? {
                sqlite3_column_type(handle, column) == SQLITE_NULL ? nil : sqlite3_column_double(handle, column)
            }
            // Bytes on disk: a time no store may hold is skipped, never taken into arithmetic.
            guard let time = ReadingRules.storedTime(sqlite3_column_int64(handle, 1)) else { continue }
            var reading = Reading(
                node: node, time: time, voltage: double(2), current: double(3),
                power: double(4),
                energy: double(5), pf: double(6), frequency: double(7), energyExport: double(8))
            if sqlite3_column_count(handle) > 9 {
                for (index, quantity) in Quantity.allCases.enumerated().dropFirst(7) {
                    reading[quantity] = double(Int32(index + 2))
                }
            }
            readings.append(reading)
        }
        return readings
    }

    static func bind(_ handle: OpaquePointer, _ index: Int32, _ value: Int64?) {
        if let value { sqlite3_bind_int64(handle, index, value) } else { sqlite3_bind_null(handle, index) }
    }

    static func bind(_ handle: OpaquePointer, _ index: Int32, _ value: Double?) {
        if let value { sqlite3_bind_double(handle, index, value) } else { sqlite3_bind_null(handle, index) }
    }

    static func error(_ code: Int32, _ db: Database) -> DatabaseError {
        DatabaseError(
            resultCode: ResultCode(rawValue: code), message: String(cString: sqlite3_errmsg(db.sqliteConnection)))
    }

    /// SQLITE_TRANSIENT: SQLite copies the bound text before `withCString` frees it.
    static let transient = unsafeBitCast(-1, to: sqlite3_destructor_type.self)

    public func readings(node: String, from: Int64?, to: Int64?, limit: Int?) async throws -> [Reading] {
        try await read { db in
            try Self.fetch(
                db,
                "SELECT \(Self.allColumns) FROM readings WHERE node = ? AND time >= ? AND time < ? ORDER BY time LIMIT ?",
                node, [from ?? Int64.min, to ?? Int64.max], limit: limit ?? -1)
        }
    }

    public func latest(nodes: [String]) async throws -> [String: Reading] {
        try await read { db in
            var latest: [String: Reading] = [:]
            let statement = try db.cachedStatement(
                sql:
                    "SELECT \(Self.allColumns) FROM readings WHERE node = ? AND (energy IS NULL OR energy >= 0) ORDER BY time DESC LIMIT 1"
            )
            for node in Set(nodes) {
                if let row = try Row.fetchOne(statement, arguments: [node]), let reading = Self.reading(from: row) {
                    latest[node] = reading
                }
            }
            return latest
        }
    }

    public func firstReadings(nodes: [String]) async throws -> [String: Int64] {
        try await read { db in
            var first: [String: Int64] = [:]
            // The rollups remember the first reading of readings pruned since (retention).
            let statement = try db.cachedStatement(
                sql: """
                    SELECT min(t) FROM (SELECT min(time) AS t FROM readings WHERE node = ?
                                        UNION ALL SELECT * FROM (SELECT first_time FROM rollups
                                            WHERE node = ? AND first_time IS NOT NULL ORDER BY bucket LIMIT 1))
                    """)
            for node in Set(nodes) {
                if let time = try Int64.fetchOne(statement, arguments: [node, node]).flatMap(ReadingRules.storedTime) {
                    first[node] = time
                }
            }
            return first
        }
    }

    public func meanPower(nodes: [String], from: Int64, to: Int64) async throws -> [String: Double] {
        try await read { db in
            var means: [String: Double] = [:]
            let statement = try db.cachedStatement(
                sql: "SELECT avg(power) FROM readings WHERE node = ? AND time >= ? AND time < ? AND power IS NOT NULL")
            for node in Set(nodes) {
                if let mean = try Double.fetchOne(statement, arguments: [node, from, to]) { means[node] = mean }
            }
            return means
        }
    }

    private static func reading(from row: Row) -> Reading? {
        guard let time = ReadingRules.storedTime(row[1]) else { return nil }
        var reading = Reading(
            node: row[0], time: time, voltage: row[2], current: row[3], power: row[4], energy: row[5],
            pf: row[6], frequency: row[7], energyExport: row[8])
        if row.count > 9 {
            for (index, quantity) in Quantity.allCases.enumerated().dropFirst(7) where index + 2 < row.count {
                reading[quantity] = row[index + 2]
            }
        }
        return reading
    }

    // MARK: Access and error mapping

    func read<T: Sendable>(_ body: @escaping @Sendable (Database) throws -> T) async throws -> T {
        do { return try await pool.read(body) } catch { throw Self.mapError(error, path: path) }
    }

    func write<T: Sendable>(_ body: @escaping @Sendable (Database) throws -> T) async throws -> T {
        do { return try await pool.write(body) } catch { throw Self.mapError(error, path: path) }
    }

    /// Outside a transaction (VACUUM, incremental_vacuum), still one writer at a time.
    func writeWithoutTransaction(_ body: @escaping @Sendable (Database) throws -> Void) async throws {
        do { try await pool.writeWithoutTransaction(body) } catch { throw Self.mapError(error, path: path) }
    }

    static func mapError(_ error: Error, path: String) -> Error {
        guard let error = error as? DatabaseError else { return error }
        let store = "sqlite:\(path)"
        switch error.resultCode {
        case .SQLITE_BUSY, .SQLITE_LOCKED:
            return SeriesError.unavailable(store: store, reason: "the database is busy")
        case .SQLITE_READONLY, .SQLITE_PERM, .SQLITE_AUTH, .SQLITE_CANTOPEN, .SQLITE_FULL, .SQLITE_IOERR:
            return SeriesError.cannotWrite(store: store, reason: error.message ?? "\(error.resultCode)")
        default:
            return SeriesError.failed(store: store, reason: error.message ?? "\(error.resultCode)")
        }
    }
}
