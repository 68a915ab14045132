import EnerTrackCore
import EnerTrackRuntime
import Foundation

/// The same rollups as the embedded store, kept in InfluxDB: measurement `<measurement>_rollup`
/// (tag `node`, one point per 15-minute UTC bucket: `kwh`, `covered`, `full`, `samples`, means,
/// power extremes, first and last counter).
///
/// InfluxQL alone cannot give the consumption DESIGN.md defines (a counter glitch or reset
/// inside a `GROUP BY time()` interval breaks `max - min` and `non_negative_difference`), so the
/// energy is computed here from the raw readings, as for SQLite, and stored. Every batch written
/// carries a dirty mark per node (`<measurement>_dirty`, tag `writer` per process so two writers
/// never overwrite each other's marks) in the same request, so a crash between a write and the
/// refresh loses nothing: the next refresh, by any process, finds the mark.
///
/// Reports sum the rollups in InfluxDB per day in the zone (`GROUP BY time(1d) tz()`, which
/// knows DST) or per hour, and fold those into months and years here; they never scan raw
/// readings. Each recompute also writes `<measurement>_rollup_h` (the hour's kWh, every hour of
/// whole-hour spans), which cost reports read as they are: InfluxDB 1.x needs twice as long to
/// sum four 15-minute points per hour as to return one. Those are trusted only once
/// `<measurement>_rollup_meta` says they are complete: on a database whose rollups started with
/// this version, or after `db rollup --rebuild`; until then reports sum the 15-minute points.
extension InfluxSeriesStore {
    var rollupMeasurement: String { settings.measurement + "_rollup" }
    var dirtyMeasurement: String { settings.measurement + "_dirty" }
    var hourlyMeasurement: String { settings.measurement + "_rollup_h" }
    var metaMeasurement: String { settings.measurement + "_rollup_meta" }

    /// Whether the hourly rollups are complete: the marker, or (first) no rollups at all yet,
    /// which makes this store their first writer, so it sets the marker.
    func hourlyRollupsReady() async throws -> Bool {
        if let known = hourlyReady.withLock({ $0 }) { return known }
        var ready = try await !series("SELECT hourly FROM \(Self.identifier(metaMeasurement)) LIMIT 1").isEmpty
        if !ready, try await series("SELECT kwh FROM \(Self.identifier(rollupMeasurement)) LIMIT 1").isEmpty {
            try await markHourlyReady()
            ready = true
        }
        hourlyReady.withLock { $0 = ready }
        return ready
    }

    func markHourlyReady() async throws {
        _ = try await send(
            writeRequest(body: Array("\(LineProtocol.escapeMeasurement(metaMeasurement)) hourly=1i 0\n".utf8)))
        hourlyReady.withLock { $0 = true }
    }

    public func refreshRollups() async throws {
        for (node, marks) in try await dirtyMarks(node: nil) { try await refresh(node: node, marks: marks) }
    }

    /// The dirty meters of a refresh, `count` at a time, eight at once (each is a few queries
    /// and a write: ten thousand meters one after the other take minutes).
    public func refreshSomeRollups(nodes count: Int) async throws -> Bool {
        let (batch, more) = try await pendingRefresh.next(count) {
            try await dirtyMarks(node: nil).sorted { $0.key < $1.key }.map { (node: $0.key, marks: $0.value) }
        }
        _ = try await concurrentMap(batch, width: 8) { item in
            try await self.refresh(node: item.node, marks: item.marks)
        }
        return more
    }

    /// Recomputes the rollups around the marked spans (merged when within an hour), then deletes
    /// the marks it handled that are old enough (`deleteHandledMarks`).
    func refresh(node: String, marks: DirtyMarks) async throws {
        let readAt = Date().milliseconds
        for span in EnergyBuckets.mergedSpans(marks.spans.map { (start: $0.0, finish: $0.1) }) {
            // From the `contextReadings`-th counting reading before to as many after: a reading's
            // neighbours decide whether it is a glitch or a spike and how the intervals around it count.
            let before = try await context(node: node, before: span.start)
            let after = try await readings(
                node: node, from: span.finish + 1, to: nil, limit: EnergyBuckets.contextReadings)
            let start = EnergyBuckets.floor(before.first?.time ?? span.start)
            let end = EnergyBuckets.floor(after.last?.time ?? span.finish) + EnergyBuckets.bucket
            try await recompute(node: node, from: start, to: end)
        }
        try await deleteHandledMarks(node: node, marks: marks, readAt: readAt)
    }

    /// Deletes a node's points of a measurement in `[from, through]` (open ends when nil):
    /// InfluxQL `DELETE` on 1.x, `/api/v2/delete` with a predicate on 2.x/3.x (whose `/query`
    /// compatibility API does not take DELETE).
    func delete(measurement: String, node: String, tag: String = "node", from: Int64?, through: Int64?) async throws {
        _ = try await send(deleteRequest(measurement: measurement, node: node, tag: tag, from: from, through: through))
    }

    func deleteRequest(measurement: String, node: String, tag: String = "node", from: Int64?, through: Int64?)
        -> Request
    {
        guard settings.usesV2 else {
            var query =
                "DELETE FROM \(Self.identifier(measurement)) WHERE \(Self.identifier(tag)) = \(Self.literal(node))"
            if let from { query += " AND time >= \(from)ms" }
            if let through { query += " AND time <= \(through)ms" }
            return queryRequest(query, method: "POST")
        }
        func rfc3339(_ ms: Int64) -> String { ISO8601.format(milliseconds: ms, timeZone: .gmt) }
        func quoted(_ text: String) -> String {
            "\"" + text.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"") + "\""
        }
        let object = InfluxDeleteRequest(
            start: rfc3339(from ?? 0), stop: rfc3339(through.map { $0 + 1 } ?? 4_102_444_800_000),
            predicate: "_measurement=\(quoted(measurement)) AND \(tag)=\(quoted(node))")
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        let body = (try? encoder.encode(object)) ?? Data()
        var request = self.request(
            path: "/api/v2/delete", query: [("org", settings.organization ?? ""), ("bucket", settings.queryDatabase)],
            method: "POST")
        request.headers["Content-Type"] = "application/json"
        request.body = Array(body)
        return request
    }

    /// The counting readings of context before `time` (zeros after a counter are missing values).
    private func context(node: String, before time: Int64) async throws -> [Reading] {
        let layout = try await layout()
        let query =
            "SELECT \(Self.fieldList(layout)) FROM \(Self.identifier(settings.measurement)) WHERE \(Self.nodeFilter([node], layout)) AND time < \(time)ms ORDER BY time DESC LIMIT 50"
        let recent = try await series(query).flatMap { $0.readings(defaultNode: node, tag: layout.nodeTag) }
        return Array(recent.filter { $0.energy != 0 }.prefix(EnergyBuckets.contextReadings).reversed())
    }

    /// Overwrites the rollups of `[from, to)` a week at a time with what the raw readings say;
    /// every bucket is written, empty ones too, so stale points are replaced without a delete.
    func recompute(node: String, from: Int64, to: Int64) async throws {
        let week: Int64 = 7 * 86_400_000
        let hour: Int64 = 3_600_000
        // Whole hours, so each hourly point is the sum of its four buckets, all recomputed.
        // Buckets before the retention horizon (on an hour) keep their figures: their readings are gone.
        let from = max(from - EnergyBuckets.floorMod(from, hour), try await prunedBefore() ?? Int64.min)
        let to = to + (hour - EnergyBuckets.floorMod(to, hour)) % hour
        guard from < to else { return }
        if hourlyReady.withLock({ $0 }) == nil { _ = try await hourlyRollupsReady() }
        var start = from
        while start < to {
            let end = min(start + week, to)
            var readings = try await context(node: node, before: start)
            readings += try await self.readings(node: node, from: start, to: end, limit: nil)
            readings += try await self.readings(node: node, from: end, to: nil, limit: EnergyBuckets.contextReadings)
            let rows = EnergyBuckets.rollups(
                readings, from: start, to: end, dense: true, maxPowerKW: settings.limits.kw(for: node))
            var body: [UInt8] = []
            body.reserveCapacity(rows.count * 160)
            let prefix = "\(LineProtocol.escapeMeasurement(rollupMeasurement)),node=\(LineProtocol.escapeTag(node)) "
            for row in rows {
                var fields =
                    "kwh=\(row.kwh),export_kwh=\(row.exportKwh),covered=\(row.covered)i,full=\(row.covered >= EnergyBuckets.bucket ? 1 : 0)i,samples=\(row.samples)i"
                let optional: [(String, Double?)] = [
                    ("voltage", row.voltage), ("current", row.current), ("power", row.power), ("pf", row.pf),
                    ("frequency", row.frequency), ("power_min", row.powerMin), ("power_max", row.powerMax),
                    ("first_energy", row.firstEnergy), ("last_energy", row.lastEnergy),
                ]
                for (name, value) in optional { if let value { fields += ",\(name)=\(value)" } }
                if let time = row.firstTime { fields += ",first_time=\(time)i" }
                if let time = row.lastTime { fields += ",last_time=\(time)i" }
                body.append(contentsOf: (prefix + fields + " \(row.bucket)\n").utf8)
            }
            var hours: [(Int64, Double, Double)] = []
            for row in rows {
                let hourStart = row.bucket - EnergyBuckets.floorMod(row.bucket, hour)
                if hours.last?.0 == hourStart {
                    hours[hours.count - 1].1 += row.kwh
                    hours[hours.count - 1].2 += row.exportKwh
                } else {
                    hours.append((hourStart, row.kwh, row.exportKwh))
                }
            }
            let hourly =
                "\(LineProtocol.escapeMeasurement(hourlyMeasurement)),node=\(LineProtocol.escapeTag(node)) kwh="
            for (time, kwh, exported) in hours {
                body.append(contentsOf: (hourly + "\(kwh),export_kwh=\(exported) \(time)\n").utf8)
            }
            if !body.isEmpty { _ = try await send(writeRequest(body: body)) }
            start = end
        }
    }

    public func energy(node: String, periods: [Range<Int64>], timeZone: TimeZone) async throws -> [PeriodEnergy]? {
        guard let first = periods.first, let last = periods.last else { return [] }
        if let marks = try await dirtyMarks(node: node)[node] { try await refresh(node: node, marks: marks) }
        let start = EnergyBuckets.floor(first.lowerBound)
        // Days (and so months and years) summed by InfluxDB in the zone with tz(), which knows
        // DST; hours otherwise; 15 minutes where a boundary is not on an hour (:30/:45 zones).
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = timeZone
        func midnight(_ ms: Int64) -> Bool {
            let date = Date(timeIntervalSince1970: Double(ms) / 1000)
            return calendar.startOfDay(for: date) == date
        }
        let grouping: String
        if periods.allSatisfy({ midnight($0.lowerBound) && midnight($0.upperBound) }) {
            grouping = "time(1d) fill(none) tz(\(Self.literal(timeZone.identifier)))"
        } else if periods.allSatisfy({ $0.lowerBound % 3_600_000 == 0 && $0.upperBound % 3_600_000 == 0 }) {
            grouping = "time(1h) fill(none)"
        } else {
            grouping = "time(15m) fill(none)"
        }
        let query = """
            SELECT sum(kwh), sum("full"), sum(export_kwh) FROM \(Self.identifier(rollupMeasurement)) WHERE node = \(Self.literal(node)) \
            AND time >= \(start)ms AND time < \(last.upperBound)ms GROUP BY \(grouping)
            """
        var sums: [(time: Int64, kwh: Double, full: Int64, export: Double)] = []
        for series in try await series(query) {
            for row in series.values where row.count >= 3 {
                guard let time = row[0].time else { continue }
                sums.append((time, row[1].double ?? 0, row[2].count ?? 0, row.count > 3 ? row[3].double ?? 0 : 0))
            }
        }
        if sums.isEmpty, try await !readings(node: node, from: start, to: last.upperBound, limit: 1).isEmpty {
            return nil  // readings from before rollups were kept here: computed from raw until `db rollup --rebuild`
        }
        // Fold the sums into the periods (both in time order).
        var index = 0
        return periods.map { period in
            let low = EnergyBuckets.floor(period.lowerBound)
            while index < sums.count, sums[index].time < low { index += 1 }
            var kwh = 0.0
            var exported = 0.0
            var full: Int64 = 0
            var cursor = index
            while cursor < sums.count, sums[cursor].time < period.upperBound {
                kwh += sums[cursor].kwh
                exported += sums[cursor].export
                full += sums[cursor].full
                cursor += 1
            }
            let expected = (period.upperBound - low + EnergyBuckets.bucket - 1) / EnergyBuckets.bucket
            return PeriodEnergy(kwh: kwh, complete: full == expected, exportKwh: exported)
        }
    }

    /// Energy per bucket (or per hour, summed by InfluxDB), one query per node, four at a time:
    /// InfluxDB 1.x answers twenty single-series queries in half the time of one grouped by node.
    public func bucketEnergy(nodes: [String], from: Int64, to: Int64, step: Int64) async throws -> [String:
        [BucketEnergy]]
    {
        guard !nodes.isEmpty else { return [:] }
        for (node, marks) in try await dirtyMarks(nodes: nodes) { try await refresh(node: node, marks: marks) }
        let measurement = Self.identifier(rollupMeasurement)
        let hourly = step > EnergyBuckets.bucket && from % 3_600_000 == 0 ? try await hourlyRollupsReady() : false
        let hourlyTable = Self.identifier(hourlyMeasurement)
        let query: @Sendable (String) -> String = { node in
            let range = "node = \(Self.literal(node)) AND time >= \(from)ms AND time < \(to)ms"
            let nonzero = "(kwh <> 0 OR export_kwh <> 0)"
            if hourly {
                return
                    "SELECT kwh, export_kwh FROM \(hourlyTable) WHERE \(range) AND \(nonzero)"
            }
            return step > EnergyBuckets.bucket
                ? "SELECT sum(kwh), sum(export_kwh) FROM \(measurement) WHERE \(range) GROUP BY time(1h) fill(none)"
                : "SELECT kwh, export_kwh FROM \(measurement) WHERE \(range) AND \(nonzero)"
        }
        var answer: [String: [BucketEnergy]] = [:]
        let perNode = try await concurrentMap(Set(nodes).sorted(), width: 4) { node in
            var rows: [BucketEnergy] = []
            for series in try await self.series(query(node)) {
                rows.reserveCapacity(series.values.count)
                for row in series.values where row.count >= 2 {
                    guard let time = row[0].time else { continue }
                    let kwh = row[1].double ?? 0
                    let exported = row.count > 2 ? row[2].double ?? 0 : 0
                    guard kwh != 0 || exported != 0 else { continue }
                    rows.append(BucketEnergy(bucket: time, kwh: kwh, exportKwh: exported))
                }
            }
            return (node, rows)
        }
        for (node, rows) in perNode where !rows.isEmpty { answer[node] = rows }
        // A node with readings but no rollups here (written before rollups were kept): from raw.
        for node in nodes where answer[node] == nil {
            if try await readings(node: node, from: from, to: to, limit: 1).isEmpty { answer[node] = [] }
        }
        return answer
    }

    public func rollups(node: String, from: Int64, to: Int64) async throws -> [RollupRow]? {
        if let marks = try await dirtyMarks(node: node)[node] { try await refresh(node: node, marks: marks) }
        let query =
            "SELECT * FROM \(Self.identifier(rollupMeasurement)) WHERE node = \(Self.literal(node)) AND time >= \(from)ms AND time < \(to)ms AND samples > 0"
        var rows: [RollupRow] = []
        for series in try await series(query) {
            let index = Dictionary(
                series.columns.enumerated().map { ($1, $0) }, uniquingKeysWith: { first, _ in first })
            for values in series.values {
                func double(_ name: String) -> Double? {
                    index[name].flatMap { $0 < values.count ? values[$0].double : nil }
                }
                func value(_ name: String) -> InfluxValue? {
                    index[name].flatMap { $0 < values.count ? values[$0] : nil }
                }
                func time(_ name: String) -> Int64? { value(name)?.time }
                func count(_ name: String) -> Int64? { value(name)?.count }
                guard let bucket = time("time") else { continue }
                rows.append(
                    RollupRow(
                        bucket: bucket, kwh: double("kwh") ?? 0, covered: count("covered") ?? 0,
                        samples: count("samples") ?? 0,
                        voltage: double("voltage"), current: double("current"), power: double("power"),
                        pf: double("pf"),
                        frequency: double("frequency"), powerMin: double("power_min"), powerMax: double("power_max"),
                        firstTime: time("first_time"), firstEnergy: double("first_energy"),
                        lastTime: time("last_time"),
                        lastEnergy: double("last_energy"), exportKwh: double("export_kwh") ?? 0))
            }
        }
        return rows
    }

    /// `enertrack db rollup --rebuild`: recomputes the rollups from the raw readings.
    public func rebuildRollups(from: Int64?, progress: (@Sendable (Int, Int) -> Void)?) async throws {
        let tagQuery =
            "SHOW TAG VALUES FROM \(Self.identifier(settings.measurement)) WITH KEY = \(Self.identifier(try await layout().nodeTag))"
        let nodes = try await series(tagQuery).flatMap { series in
            series.values.compactMap { $0.count > 1 ? $0[1].string : nil }
        }
        for (index, node) in nodes.enumerated() {
            defer { progress?(index + 1, nodes.count) }
            let readAt = Date().milliseconds
            guard let first = try await readings(node: node, from: from, to: nil, limit: 1).first,
                let last = try await latest(nodes: [node])[node]
            else { continue }
            // Never before the retention horizon, whose readings are gone.
            let start = max(EnergyBuckets.floor(first.time), try await prunedBefore() ?? Int64.min)
            try await delete(measurement: rollupMeasurement, node: node, from: start, through: nil)
            try await delete(
                measurement: hourlyMeasurement, node: node, from: start - EnergyBuckets.floorMod(start, 3_600_000),
                through: nil)
            try await recompute(node: node, from: start, to: EnergyBuckets.floor(last.time) + EnergyBuckets.bucket)
            try await delete(measurement: dirtyMeasurement, node: node, from: nil, through: readAt - settings.markHold)
        }
        // Every node's hourly rollups now match its 15-minute ones.
        if from == nil { try await markHourlyReady() }
    }
}
