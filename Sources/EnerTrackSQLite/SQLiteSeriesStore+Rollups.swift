import EnerTrackCore
import Foundation
import GRDB
import GRDBSQLite

/// The 15-minute rollups: kept up to date after writes, read by reports.
extension SQLiteSeriesStore {

    public func energy(node: String, periods: [Range<Int64>], timeZone: TimeZone) async throws -> [PeriodEnergy]? {
        try await readRefreshed(nodes: [node]) { db in try Self.periodEnergy(db, node: node, periods: periods) }
    }

    /// Both questions of a consumption page in one read (one snapshot, one refresh check).
    public func energy(_ query: EnergyQuery, timeZone: TimeZone) async throws -> EnergyAnswer {
        let nodes = query.nodes
        guard !nodes.isEmpty else { return EnergyAnswer() }
        return try await readRefreshed(nodes: nodes) { db in
            var answer = EnergyAnswer()
            for (node, periods) in query.periods where !periods.isEmpty {
                answer.periods[node] = try Self.periodEnergy(db, node: node, periods: periods)
            }
            if let buckets = query.buckets, buckets.to > buckets.from {
                answer.buckets = try Self.bucketEnergy(
                    db, nodes: buckets.nodes, from: buckets.from, to: buckets.to, step: buckets.step)
            }
            return answer
        }
    }

    /// Each period's energy of one node: each total is the difference of two running sums, one
    /// index lookup per boundary, whatever the length of the period.
    static func periodEnergy(_ db: Database, node: String, periods: [Range<Int64>]) throws -> [PeriodEnergy] {
        let handle = try db.cachedStatement(
            sql:
                "SELECT cum_kwh, cum_full, cum_export FROM rollups WHERE node = ? AND bucket < ? ORDER BY bucket DESC LIMIT 1"
        ).sqliteStatement
        defer { sqlite3_reset(handle) }
        var cache: [Int64: RunningSum] = [:]
        func runningSum(before bucket: Int64) throws -> RunningSum {
            if let known = cache[bucket] { return known }
            sqlite3_reset(handle)
            _ = node.withCString { sqlite3_bind_text(handle, 1, $0, -1, Self.transient) }
            sqlite3_bind_int64(handle, 2, bucket)
            var sum = RunningSum()
            let code = sqlite3_step(handle)
            if code == SQLITE_ROW {
                sum = RunningSum(
                    kwh: sqlite3_column_double(handle, 0),
                    full: ReadingRules.storedCount(sqlite3_column_int64(handle, 1)) ?? 0,
                    export: sqlite3_column_double(handle, 2))
            } else if code != SQLITE_DONE {
                throw Self.error(code, db)
            }
            cache[bucket] = sum
            return sum
        }
        return try periods.map { period in
            let start = EnergyBuckets.floor(period.lowerBound)
            let (low, high) = (try runningSum(before: start), try runningSum(before: period.upperBound))
            let expected = (period.upperBound - start + EnergyBuckets.bucket - 1) / EnergyBuckets.bucket
            return PeriodEnergy(
                kwh: high.kwh - low.kwh, complete: high.full - low.full == expected, exportKwh: high.export - low.export
            )
        }
    }

    /// Energy per bucket from the rollups (always kept here): one index range scan per node.
    public func bucketEnergy(nodes: [String], from: Int64, to: Int64, step: Int64) async throws -> [String:
        [BucketEnergy]]
    {
        try await readRefreshed(nodes: nodes) { db in
            try Self.bucketEnergy(db, nodes: nodes, from: from, to: to, step: step)
        }
    }

    static func bucketEnergy(_ db: Database, nodes: [String], from: Int64, to: Int64, step: Int64) throws -> [String:
        [BucketEnergy]]
    {
        let handle = try db.cachedStatement(
            sql:
                "SELECT bucket, kwh, export_kwh FROM rollups WHERE node = ? AND bucket >= ? AND bucket < ? AND (kwh <> 0 OR export_kwh <> 0) ORDER BY bucket"
        ).sqliteStatement
        defer { sqlite3_reset(handle) }
        var answer: [String: [BucketEnergy]] = [:]
        for node in nodes {
            sqlite3_reset(handle)
            _ = node.withCString { sqlite3_bind_text(handle, 1, $0, -1, Self.transient) }
            sqlite3_bind_int64(handle, 2, from)
            sqlite3_bind_int64(handle, 3, to)
            var rows: [BucketEnergy] = []
            while true {
                let code = sqlite3_step(handle)
                if code == SQLITE_DONE { break }
                guard code == SQLITE_ROW else { throw Self.error(code, db) }
                guard let bucket = ReadingRules.storedTime(sqlite3_column_int64(handle, 0)) else { continue }
                let kwh = sqlite3_column_double(handle, 1)
                let exportKwh = sqlite3_column_double(handle, 2)
                if step > EnergyBuckets.bucket {
                    let start = bucket - EnergyBuckets.floorMod(bucket, step)
                    if rows.last?.bucket == start {
                        rows[rows.count - 1].kwh += kwh
                        rows[rows.count - 1].exportKwh += exportKwh
                        continue
                    }
                    rows.append(BucketEnergy(bucket: start, kwh: kwh, exportKwh: exportKwh))
                } else {
                    rows.append(BucketEnergy(bucket: bucket, kwh: kwh, exportKwh: exportKwh))
                }
            }
            answer[node] = rows
        }
        return answer
    }

    /// The rollup rows of one node in `[from, to)`, in bucket order (long chart ranges).
    public func rollups(node: String, from: Int64, to: Int64) async throws -> [RollupRow]? {
        return try await readRefreshed(nodes: [node]) { db in
            let handle = try db.cachedStatement(
                sql: """
                    SELECT bucket, kwh, covered, samples, voltage, current, power, pf, frequency, power_min, power_max,
                           first_time, first_energy, last_time, last_energy, export_kwh
                    FROM rollups WHERE node = ? AND bucket >= ? AND bucket < ? ORDER BY bucket
                    """
            ).sqliteStatement
            sqlite3_reset(handle)
            defer { sqlite3_reset(handle) }
            _ = node.withCString { sqlite3_bind_text(handle, 1, $0, -1, Self.transient) }
            sqlite3_bind_int64(handle, 2, from)
            sqlite3_bind_int64(handle, 3, to)
            var rows: [RollupRow] = []
            while true {
                let code = sqlite3_step(handle)
                if code == SQLITE_DONE { break }
                guard code == SQLITE_ROW else { throw Self.error(code, db) }
                func double(_ column: Int32) -> Double? {
                    sqlite3_column_type(handle, column) == SQLITE_NULL ? nil : sqlite3_column_double(handle, column)
                }
                func time(_ column: Int32) -> Int64? {
                    sqlite3_column_type(handle, column) == SQLITE_NULL
                        ? nil : ReadingRules.storedTime(sqlite3_column_int64(handle, column))
                }
                func count(_ column: Int32) -> Int64 {
                    ReadingRules.storedCount(sqlite3_column_int64(handle, column)) ?? 0
                }
                guard let bucket = time(0) else { continue }
                rows.append(
                    RollupRow(
                        bucket: bucket, kwh: sqlite3_column_double(handle, 1), covered: count(2), samples: count(3),
                        voltage: double(4), current: double(5), power: double(6), pf: double(7), frequency: double(8),
                        powerMin: double(9), powerMax: double(10), firstTime: time(11), firstEnergy: double(12),
                        lastTime: time(13), lastEnergy: double(14), exportKwh: sqlite3_column_double(handle, 15)))
            }
            return rows
        }
    }

    public func refreshRollups() async throws {
        let nodes = try await read { db in try String.fetchAll(db, sql: "SELECT DISTINCT node FROM rollup_dirty") }
        for node in nodes { try await refreshDirty(node: node) }
    }

    public func refreshSomeRollups(nodes count: Int) async throws -> Bool {
        let (batch, more) = try await pendingRefresh.next(count) {
            try await read { db in try String.fetchAll(db, sql: "SELECT DISTINCT node FROM rollup_dirty") }
        }
        for node in batch { try await refreshDirty(node: node) }
        return more
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
            try Bool.fetchOne(db, sql: "SELECT EXISTS (SELECT 1 FROM rollup_dirty WHERE node = ?)", arguments: [node])
                ?? false
        }
        guard dirty else { return }
        try await write { [limits] db in
            let spans = try Row.fetchAll(
                db, sql: "SELECT start, finish FROM rollup_dirty WHERE node = ? ORDER BY start", arguments: [node]
            )
            .compactMap { row -> (start: Int64, finish: Int64)? in
                guard let start = ReadingRules.storedTime(row[0]), let finish = ReadingRules.storedTime(row[1]) else {
                    return nil
                }
                return (start, finish)
            }
            for span in EnergyBuckets.mergedSpans(spans) {
                try Self.refreshAround(db, node: node, from: span.start, to: span.finish, limits: limits)
            }
            try db.execute(sql: "DELETE FROM rollup_dirty WHERE node = ?", arguments: [node])
        }
    }

    /// Readings that can anchor an interval: zeros after a counter are missing values, so the
    /// context before a range reaches back past them to real counter values (a correction's
    /// break, a counter of −1, is context too).
    static let counts = "(energy IS NULL OR energy <> 0)"

    /// Recomputes the buckets that readings between `from` and `to` (inclusive) may have changed:
    /// from the `contextReadings`-th reading before to as many after, because a reading's neighbours
    /// decide whether it is a glitch and how the intervals around it count.
    static func refreshAround(_ db: Database, node: String, from: Int64, to: Int64, limits: PowerLimits) throws {
        let before = try Int64.fetchAll(
            db,
            sql:
                "SELECT time FROM readings WHERE node = ? AND time < ? AND \(Self.counts) ORDER BY time DESC LIMIT \(EnergyBuckets.contextReadings)",
            arguments: [node, from]
        ).compactMap(ReadingRules.storedTime)
        let after = try Int64.fetchAll(
            db,
            sql:
                "SELECT time FROM readings WHERE node = ? AND time > ? ORDER BY time LIMIT \(EnergyBuckets.contextReadings)",
            arguments: [node, to]
        ).compactMap(ReadingRules.storedTime)
        let start = EnergyBuckets.floor(before.last ?? from)
        let end = EnergyBuckets.floor(after.last ?? to) + EnergyBuckets.bucket
        try recompute(db, node: node, from: start, to: end, limits: limits)
    }

    /// Replaces the rollups of `[from, to)` with what the raw readings say, a week at a time,
    /// reading two readings of context on each side, and moves the running sums of the later
    /// buckets by what changed.
    static func recompute(_ db: Database, node: String, from: Int64, to: Int64, limits: PowerLimits) throws {
        // Buckets before the retention horizon keep their figures: their readings are gone.
        let from = max(from, try prunedBefore(db) ?? Int64.min)
        guard from < to else { return }
        // The past this recompute reaches: if its figures change, the node's history version moves.
        let past = from..<max(from, min(to, EnergyBuckets.floor(Date().milliseconds - historyAge)))
        let before = past.isEmpty ? [] : try pastFigures(db, node: node, past)
        let oldEnd = try runningSum(db, node: node, before: to)
        var sum = try runningSum(db, node: node, before: from)
        try db.execute(
            sql: "DELETE FROM rollups WHERE node = ? AND bucket >= ? AND bucket < ?", arguments: [node, from, to])
        let insert = try db.cachedStatement(
            sql: """
                INSERT INTO rollups (node, bucket, kwh, covered, cum_kwh, cum_full, samples, voltage, current, power, pf,
                                     frequency, power_min, power_max, first_time, first_energy, last_time, last_energy,
                                     export_kwh, cum_export)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """
        ).sqliteStatement
        defer { sqlite3_reset(insert) }
        let week: Int64 = 7 * 86_400_000
        var start = from
        while start < to {
            let end = min(start + week, to)
            var readings = try fetch(
                db,
                "SELECT \(columns) FROM readings WHERE node = ? AND time < ? AND \(counts) ORDER BY time DESC LIMIT \(EnergyBuckets.contextReadings)",
                node, [start])
            readings.reverse()
            readings += try fetch(
                db, "SELECT \(columns) FROM readings WHERE node = ? AND time >= ? AND time < ? ORDER BY time", node,
                [start, end])
            readings += try fetch(
                db,
                "SELECT \(columns) FROM readings WHERE node = ? AND time >= ? ORDER BY time LIMIT \(EnergyBuckets.contextReadings)",
                node, [end])
            for row in EnergyBuckets.rollups(readings, from: start, to: end, maxPowerKW: limits.kw(for: node)) {
                sum.kwh += row.kwh
                sum.export += row.exportKwh
                if row.covered >= EnergyBuckets.bucket { sum.full += 1 }
                sqlite3_reset(insert)
                _ = node.withCString { sqlite3_bind_text(insert, 1, $0, -1, Self.transient) }
                bind(insert, 2, row.bucket)
                bind(insert, 3, row.kwh)
                bind(insert, 4, row.covered)
                bind(insert, 5, sum.kwh)
                bind(insert, 6, sum.full)
                bind(insert, 7, row.samples)
                for (index, value) in [
                    row.voltage, row.current, row.power, row.pf, row.frequency, row.powerMin, row.powerMax,
                ].enumerated() {
                    bind(insert, Int32(index + 8), value)
                }
                bind(insert, 15, row.firstTime)
                bind(insert, 16, row.firstEnergy)
                bind(insert, 17, row.lastTime)
                bind(insert, 18, row.lastEnergy)
                bind(insert, 19, row.exportKwh)
                bind(insert, 20, sum.export)
                let code = sqlite3_step(insert)
                guard code == SQLITE_DONE else { throw error(code, db) }
            }
            start = end
        }
        if sum != oldEnd {
            try db.execute(
                sql: """
                    UPDATE rollups SET cum_kwh = cum_kwh + ?, cum_full = cum_full + ?, cum_export = cum_export + ?
                    WHERE node = ? AND bucket >= ?
                    """,
                arguments: [sum.kwh - oldEnd.kwh, sum.full - oldEnd.full, sum.export - oldEnd.export, node, to])
        }
        if !past.isEmpty, try pastFigures(db, node: node, past) != before { try noteHistoryChange(db, node: node) }
    }

    /// How old a recomputed bucket must be for its change to move `historyVersions`: the past a
    /// cache may keep is older than an hour (`ClosedPeriods.age`), so half an hour leaves a margin.
    static let historyAge: Int64 = 30 * 60_000

    /// The energy and coverage of a node's buckets in `span`.
    static func pastFigures(_ db: Database, node: String, _ span: Range<Int64>) throws -> [[Double]] {
        try Row.fetchAll(
            db,
            sql:
                "SELECT bucket, kwh, covered, export_kwh FROM rollups WHERE node = ? AND bucket >= ? AND bucket < ? ORDER BY bucket",
            arguments: [node, span.lowerBound, span.upperBound]
        ).map { [$0[0], $0[1], $0[2], $0[3]] }
    }

    /// Moves the node's history version: figures of its past changed.
    static func noteHistoryChange(_ db: Database, node: String) throws {
        guard try db.tableExists("rollup_history") else { return }
        try db.execute(
            sql: """
                INSERT INTO rollup_history (node, version) VALUES (?, 1)
                ON CONFLICT (node) DO UPDATE SET version = version + 1
                """, arguments: [node])
    }

    /// Each node's history version, after bringing its rollups up to date (one read when
    /// nothing waits, which is the rule).
    public func historyVersions(nodes: [String]) async throws -> [String: Int64]? {
        guard !nodes.isEmpty else { return [:] }
        return try await readRefreshed(nodes: nodes) { db in
            var versions: [String: Int64] = [:]
            // One prepared statement per connection, whatever the number of meters.
            let statement = try db.cachedStatement(sql: "SELECT version FROM rollup_history WHERE node = ?")
            for node in nodes { versions[node] = try Int64.fetchOne(statement, arguments: [node]) ?? 0 }
            return versions
        }
    }

    /// `body` over rollups that are up to date for `nodes`: one read when nothing waits for a
    /// refresh (the rule), else the refresh (a write) and a second read.
    func readRefreshed<T: Sendable>(nodes: [String], _ body: @escaping @Sendable (Database) throws -> T)
        async throws -> T
    {
        let (answer, dirty): (T?, Set<String>) = try await read { db in
            let dirty = try Self.dirtyNodes(db, among: nodes)
            return dirty.isEmpty ? (try body(db), []) : (nil, dirty)
        }
        if let answer { return answer }
        for node in dirty.sorted() { try await refreshDirty(node: node) }
        return try await read(body)
    }

    /// Which of `nodes` have spans waiting for a refresh.
    static func dirtyNodes(_ db: Database, among nodes: [String]) throws -> Set<String> {
        let statement = try db.cachedStatement(sql: "SELECT EXISTS (SELECT 1 FROM rollup_dirty WHERE node = ?)")
        return try Set(nodes.filter { try Bool.fetchOne(statement, arguments: [$0]) ?? false })
    }

    /// Running sums of a node's rollups up to a bucket: imported kWh, full buckets, exported kWh.
    struct RunningSum: Equatable {
        var kwh = 0.0
        var full: Int64 = 0
        var export = 0.0
    }

    /// The running sums up to (not including) `bucket`.
    static func runningSum(_ db: Database, node: String, before bucket: Int64) throws -> RunningSum {
        let row = try Row.fetchOne(
            db,
            sql:
                "SELECT cum_kwh, cum_full, cum_export FROM rollups WHERE node = ? AND bucket < ? ORDER BY bucket DESC LIMIT 1",
            arguments: [node, bucket])
        return row.map { RunningSum(kwh: $0[0], full: $0[1], export: $0[2]) } ?? RunningSum()
    }

    /// Rebuilds every node's rollups from `from` (all history when nil).
    static func rebuildRollups(
        _ db: Database, from: Int64?, limits: PowerLimits, progress: (@Sendable (Int, Int) -> Void)? = nil
    ) throws {
        if try db.tableExists("rollup_dirty") {
            try db.execute(sql: "DELETE FROM rollup_dirty WHERE start >= ?", arguments: [from ?? Int64.min])
        }
        let nodes = try String.fetchAll(db, sql: "SELECT DISTINCT node FROM readings")
        for (index, node) in nodes.enumerated() {
            defer { progress?(index + 1, nodes.count) }
            guard
                let first = try Int64.fetchOne(
                    db, sql: "SELECT min(time) FROM readings WHERE node = ?", arguments: [node]
                ).flatMap(ReadingRules.storedTime),
                let last = try Int64.fetchOne(
                    db, sql: "SELECT max(time) FROM readings WHERE node = ?", arguments: [node]
                ).flatMap(ReadingRules.storedTime)
            else { continue }
            // Never before the retention horizon: those buckets' readings are gone.
            let start = EnergyBuckets.floor(max(first, from ?? first, try prunedBefore(db) ?? Int64.min))
            // Later buckets go first, so recomputing does not move running sums that are about to be replaced.
            try db.execute(sql: "DELETE FROM rollups WHERE node = ? AND bucket >= ?", arguments: [node, start])
            try recompute(
                db, node: node, from: start, to: EnergyBuckets.floor(last) + EnergyBuckets.bucket, limits: limits)
        }
    }

    /// `enertrack db rollup --rebuild`: recomputes the rollups from the raw readings.
    public func rebuildRollups(from: Int64?, progress: (@Sendable (Int, Int) -> Void)?) async throws {
        try await write { [limits] db in try Self.rebuildRollups(db, from: from, limits: limits, progress: progress) }
    }
}
