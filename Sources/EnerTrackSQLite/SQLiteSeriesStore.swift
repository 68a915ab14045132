import EnerTrackCore
import Foundation
import GRDB
import GRDBSQLite

/// The embedded series store: `series.sqlite` in the data directory, WAL mode, one row per node
/// and millisecond, clustered by (node, time) so a node's range is one index walk.
///
/// A batch is one transaction. A reading whose node and time exist already overwrites the
/// quantities it carries and keeps the others (`coalesce`), which makes replays harmless and
/// lets per-quantity messages of one second build one row.
public final class SQLiteSeriesStore: SeriesStore {
    public let path: String
    private let pool: DatabasePool

    public var location: String { "sqlite:\(path)" }

    public init(path: String) throws {
        self.path = path
        pool = try SQLiteFile.open(
            path: path, label: "series", migrator: Self.migrator,
            configure: { configuration in
                configuration.prepareDatabase { db in
                    // WAL + NORMAL survives a process crash. A power cut may lose the last commits,
                    // as it may lose the spool's last appends: neither is fsynced per reading.
                    try db.execute(sql: "PRAGMA synchronous = NORMAL")
                }
            },
            mapError: { Self.mapError($0, path: path) })
    }

    static let migrator: DatabaseMigrator = {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("0001_readings") { db in
            try db.execute(sql: """
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
            // Energy per node and 15-minute UTC bucket, kept current on every write: reports over
            // months and years read these instead of every raw reading.
            try db.execute(sql: """
                CREATE TABLE energy_buckets (
                    node TEXT NOT NULL,
                    bucket INTEGER NOT NULL,
                    kwh REAL NOT NULL,
                    covered INTEGER NOT NULL,
                    PRIMARY KEY (node, bucket)
                ) WITHOUT ROWID
                """)
            try SQLiteSeriesStore.rebuildRollups(db, from: nil)
        }
        migrator.registerMigration("0003_rollup_dirty") { db in
            // Spans of readings written since their buckets were last computed.
            try db.execute(sql: """
                CREATE TABLE rollup_dirty (
                    node TEXT NOT NULL,
                    start INTEGER NOT NULL,
                    finish INTEGER NOT NULL,
                    PRIMARY KEY (node, start)
                ) WITHOUT ROWID
                """)
        }
        return migrator
    }()

    private static let columns = "node, time, voltage, current, power, energy, pf, frequency"
    private static let upsert = """
        INSERT INTO readings (\(columns)) VALUES (?, ?, ?, ?, ?, ?, ?, ?)
        ON CONFLICT (node, time) DO UPDATE SET
            voltage = coalesce(excluded.voltage, voltage),
            current = coalesce(excluded.current, current),
            power = coalesce(excluded.power, power),
            energy = coalesce(excluded.energy, energy),
            pf = coalesce(excluded.pf, pf),
            frequency = coalesce(excluded.frequency, frequency)
        """

    public func check() async throws {
        _ = try await read { db in try Int.fetchOne(db, sql: "SELECT count(*) FROM sqlite_master") }
    }

    public func write(_ readings: [Reading]) async throws {
        guard !readings.isEmpty else { return }
        try await write { db in
            // The hot path of ingest: bound straight through the C API, no argument boxing.
            let handle = try db.cachedStatement(sql: Self.upsert).sqliteStatement
            defer { sqlite3_reset(handle) }
            for reading in readings {
                sqlite3_reset(handle)
                _ = reading.node.withCString { sqlite3_bind_text(handle, 1, $0, -1, Self.transient) }
                sqlite3_bind_int64(handle, 2, reading.time)
                for (index, quantity) in Quantity.allCases.enumerated() {
                    if let value = reading[quantity] {
                        sqlite3_bind_double(handle, Int32(index + 3), value)
                    } else {
                        sqlite3_bind_null(handle, Int32(index + 3))
                    }
                }
                let code = sqlite3_step(handle)
                guard code == SQLITE_DONE else {
                    throw DatabaseError(resultCode: ResultCode(rawValue: code), message: String(cString: sqlite3_errmsg(db.sqliteConnection)))
                }
            }
            // Same transaction: what changed is noted, and the buckets are brought up to date the
            // next time a report reads them (keeping ingest's hot path short).
            var spans: [String: (Int64, Int64)] = [:]
            for reading in readings {
                if let span = spans[reading.node] {
                    spans[reading.node] = (min(span.0, reading.time), max(span.1, reading.time))
                } else {
                    spans[reading.node] = (reading.time, reading.time)
                }
            }
            let dirty = try db.cachedStatement(sql: """
                INSERT INTO rollup_dirty (node, start, finish) VALUES (?, ?, ?)
                ON CONFLICT (node, start) DO UPDATE SET finish = max(finish, excluded.finish)
                """)
            for (node, span) in spans { try dirty.execute(arguments: [node, span.0, span.1]) }
        }
    }

    // MARK: Rollups

    public func energyBuckets(node: String, from: Int64, to: Int64) async throws -> EnergyBuckets? {
        try await refreshDirty(node: node)
        return try await read { db in
            // A year of one meter is 35,000 rows: read through the C API, not GRDB's Row.
            let handle = try db.cachedStatement(
                sql: "SELECT bucket, kwh, covered FROM energy_buckets WHERE node = ? AND bucket >= ? AND bucket < ? ORDER BY bucket"
            ).sqliteStatement
            sqlite3_reset(handle)
            defer { sqlite3_reset(handle) }
            _ = node.withCString { sqlite3_bind_text(handle, 1, $0, -1, Self.transient) }
            sqlite3_bind_int64(handle, 2, from)
            sqlite3_bind_int64(handle, 3, to)
            var rows: [EnergyBuckets.Row] = []
            while true {
                let code = sqlite3_step(handle)
                if code == SQLITE_DONE { break }
                guard code == SQLITE_ROW else {
                    throw DatabaseError(resultCode: ResultCode(rawValue: code), message: String(cString: sqlite3_errmsg(db.sqliteConnection)))
                }
                rows.append(EnergyBuckets.Row(
                    bucket: sqlite3_column_int64(handle, 0), kwh: sqlite3_column_double(handle, 1), covered: sqlite3_column_int64(handle, 2)))
            }
            return EnergyBuckets(sortedRows: rows)
        }
    }

    public func refreshRollups() async throws {
        let nodes = try await read { db in try String.fetchAll(db, sql: "SELECT DISTINCT node FROM rollup_dirty") }
        for node in nodes { try await refreshDirty(node: node) }
    }

    /// Nodes whose rollups wait for a refresh.
    func dirtyNodes() async throws -> Int {
        try await read { db in try Int.fetchOne(db, sql: "SELECT count(DISTINCT node) FROM rollup_dirty") ?? 0 }
    }

    /// Recomputes the buckets around every span written since the last refresh of this node;
    /// nearby spans (within an hour) are merged and recomputed once.
    func refreshDirty(node: String) async throws {
        // Usually nothing is dirty: a read answers that without queueing for the writer.
        let dirty = try await read { db in
            try Bool.fetchOne(db, sql: "SELECT EXISTS (SELECT 1 FROM rollup_dirty WHERE node = ?)", arguments: [node]) ?? false
        }
        guard dirty else { return }
        try await write { db in
            let spans = try Row.fetchAll(db, sql: "SELECT start, finish FROM rollup_dirty WHERE node = ? ORDER BY start", arguments: [node])
                .map { (start: $0[0] as Int64, finish: $0[1] as Int64) }
            guard !spans.isEmpty else { return }
            var merged: [(start: Int64, finish: Int64)] = []
            for span in spans {
                if let last = merged.last, span.start <= last.finish + 3_600_000 {
                    merged[merged.count - 1].finish = max(last.finish, span.finish)
                } else {
                    merged.append(span)
                }
            }
            for span in merged { try Self.refreshAround(db, node: node, from: span.start, to: span.finish) }
            try db.execute(sql: "DELETE FROM rollup_dirty WHERE node = ?", arguments: [node])
        }
    }

    /// Readings that can anchor an interval: zeros after a counter are missing values, so the
    /// context before a range reaches back past them to real counter values.
    static let counts = "(energy IS NULL OR energy > 0)"

    /// Recomputes the buckets that readings between `from` and `to` (inclusive) may have changed:
    /// from the second reading before to the second one after, because a reading's neighbours
    /// decide whether it is a glitch and how the intervals around it count.
    static func refreshAround(_ db: Database, node: String, from: Int64, to: Int64) throws {
        let before = try Int64.fetchAll(db, sql: "SELECT time FROM readings WHERE node = ? AND time < ? AND \(Self.counts) ORDER BY time DESC LIMIT 2", arguments: [node, from])
        let after = try Int64.fetchAll(db, sql: "SELECT time FROM readings WHERE node = ? AND time > ? ORDER BY time LIMIT 2", arguments: [node, to])
        let start = EnergyBuckets.floor(before.last ?? from)
        let end = EnergyBuckets.floor(after.last ?? to) + EnergyBuckets.bucket
        try recompute(db, node: node, from: start, to: end)
    }

    /// Replaces the buckets of `[from, to)` with what the raw readings say, reading two readings
    /// of context on each side.
    static func recompute(_ db: Database, node: String, from: Int64, to: Int64) throws {
        var rows = try Row.fetchAll(db, sql: "SELECT \(columns) FROM readings WHERE node = ? AND time < ? AND \(Self.counts) ORDER BY time DESC LIMIT 2", arguments: [node, from])
        rows.reverse()
        rows += try Row.fetchAll(db, sql: "SELECT \(columns) FROM readings WHERE node = ? AND time >= ? AND time < ? ORDER BY time", arguments: [node, from, to])
        rows += try Row.fetchAll(db, sql: "SELECT \(columns) FROM readings WHERE node = ? AND time >= ? ORDER BY time LIMIT 2", arguments: [node, to])
        let buckets = EnergyBuckets.from(rows.map(reading(from:)))
        try db.execute(sql: "DELETE FROM energy_buckets WHERE node = ? AND bucket >= ? AND bucket < ?", arguments: [node, from, to])
        let insert = try db.cachedStatement(sql: "INSERT INTO energy_buckets (node, bucket, kwh, covered) VALUES (?, ?, ?, ?)")
        for row in buckets.rows(from: from, to: to) {
            try insert.execute(arguments: [node, row.bucket, row.kwh, row.covered])
        }
    }

    /// Rebuilds every node's buckets from `from` (all history when nil), a week at a time.
    static func rebuildRollups(_ db: Database, from: Int64?) throws {
        if try db.tableExists("rollup_dirty") {
            try db.execute(sql: "DELETE FROM rollup_dirty WHERE start >= ?", arguments: [from ?? Int64.min])
        }
        let nodes = try String.fetchAll(db, sql: "SELECT DISTINCT node FROM readings")
        for node in nodes {
            guard let first = try Int64.fetchOne(db, sql: "SELECT min(time) FROM readings WHERE node = ?", arguments: [node]),
                let last = try Int64.fetchOne(db, sql: "SELECT max(time) FROM readings WHERE node = ?", arguments: [node])
            else { continue }
            let week: Int64 = 7 * 86_400_000
            var start = EnergyBuckets.floor(max(first, from ?? first))
            let end = EnergyBuckets.floor(last) + EnergyBuckets.bucket
            while start < end {
                try recompute(db, node: node, from: start, to: min(start + week, end))
                start += week
            }
        }
    }

    /// `enertrack db rollup --rebuild`: recomputes the rollups from the raw readings.
    public func rebuildRollups(from: Int64?) async throws {
        try await write { db in try Self.rebuildRollups(db, from: from) }
    }

    /// SQLITE_TRANSIENT: SQLite copies the bound text before `withCString` frees it.
    private static let transient = unsafeBitCast(-1, to: sqlite3_destructor_type.self)

    public func readings(node: String, from: Int64?, to: Int64?, limit: Int?) async throws -> [Reading] {
        try await read { db in
            let rows = try Row.fetchAll(
                db,
                sql: "SELECT \(Self.columns) FROM readings WHERE node = ? AND time >= ? AND time < ? ORDER BY time LIMIT ?",
                arguments: [node, from ?? Int64.min, to ?? Int64.max, limit ?? -1])
            return rows.map(Self.reading(from:))
        }
    }

    public func latest(nodes: [String]) async throws -> [String: Reading] {
        try await read { db in
            var latest: [String: Reading] = [:]
            let statement = try db.cachedStatement(
                sql: "SELECT \(Self.columns) FROM readings WHERE node = ? ORDER BY time DESC LIMIT 1")
            for node in Set(nodes) {
                if let row = try Row.fetchOne(statement, arguments: [node]) { latest[node] = Self.reading(from: row) }
            }
            return latest
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

    private static func reading(from row: Row) -> Reading {
        Reading(
            node: row[0], time: row[1], voltage: row[2], current: row[3], power: row[4], energy: row[5],
            pf: row[6], frequency: row[7])
    }

    // MARK: Access and error mapping

    private func read<T: Sendable>(_ body: @escaping @Sendable (Database) throws -> T) async throws -> T {
        do { return try await pool.read(body) } catch { throw Self.mapError(error, path: path) }
    }

    private func write<T: Sendable>(_ body: @escaping @Sendable (Database) throws -> T) async throws -> T {
        do { return try await pool.write(body) } catch { throw Self.mapError(error, path: path) }
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
