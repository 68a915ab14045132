import EnerTrackCore
import Foundation

/// Retention on InfluxDB (`ENERTRACK_RETENTION`, `db prune`), as on the embedded store: the
/// horizon (on an hour, so every hourly rollup after it is whole) goes into
/// `<measurement>_rollup_meta` first; then each meter's raw points before it are deleted, except
/// the few the first buckets after it are computed with. The rollup measurements stay, and are
/// never recomputed before the horizon. InfluxDB frees the space when it compacts its shards.
///
/// A finite retention policy on the database would do it without EnerTrack, but it drops the
/// rollups with the readings (they share the database's policies), and old reports with them.
extension InfluxSeriesStore: Prunable {
    public func prunedBefore() async throws -> Int64? {
        let now = Date().milliseconds
        if let known = prunedHorizon.withLock({ $0 }), now - known.readAt < 60_000 { return known.value }
        let value = try await series("SELECT pruned_before FROM \(Self.identifier(metaMeasurement))").first?
            .values.first.flatMap { $0.count > 1 ? $0[1].time : nil }
        prunedHorizon.withLock { $0 = (value, now) }
        return value
    }

    public func countReadings(before horizon: Int64) async throws -> Int {
        let query =
            "SELECT count(*) FROM \(Self.identifier(settings.measurement)) WHERE time < \(Self.hourFloor(horizon))ms"
        let counts = try await series(query).flatMap { $0.values.flatMap { $0.dropFirst().compactMap(\.count) } }
        return Int(counts.max() ?? 0)
    }

    public func prune(before horizon: Int64, progress: (@Sendable (Int, Int) -> Void)?) async throws -> PruneSummary {
        let horizon = Self.hourFloor(horizon)
        var summary = PruneSummary(horizon: horizon)
        // Every bucket before the horizon is computed from its readings one last time.
        try await refreshRollups()
        prunedHorizon.withLock { $0 = nil }
        let known = try await prunedBefore() ?? Int64.min
        if horizon > known {
            let line = "\(LineProtocol.escapeMeasurement(metaMeasurement)) pruned_before=\(horizon)i 0\n"
            _ = try await send(writeRequest(body: Array(line.utf8)))
            prunedHorizon.withLock { $0 = (horizon, Date().milliseconds) }
        }
        let layout = try await layout()
        let measurement = Self.identifier(settings.measurement)
        let nodes = try await series(
            "SHOW TAG VALUES FROM \(measurement) WITH KEY = \(Self.identifier(layout.nodeTag))"
        )
        .flatMap { series in series.values.compactMap { $0.count > 1 ? $0[1].string : nil } }
        for (index, node) in nodes.enumerated() {
            defer { progress?(index + 1, nodes.count) }
            let filter = Self.nodeFilter([node], layout)
            // The readings the buckets after the horizon are computed with stay.
            let kept = try await series(
                "SELECT \(Self.fieldList(layout)) FROM \(measurement) WHERE \(filter) AND time < \(horizon)ms ORDER BY time DESC LIMIT \(EnergyBuckets.contextReadings)"
            ).flatMap { $0.readings(defaultNode: node, tag: layout.nodeTag) }
            guard kept.count == EnergyBuckets.contextReadings, let keepFrom = kept.last?.time else { continue }
            let counts = try await series(
                "SELECT count(*) FROM \(measurement) WHERE \(filter) AND time < \(keepFrom)ms"
            ).flatMap { $0.values.flatMap { $0.dropFirst().compactMap(\.count) } }
            let count = Int(counts.max() ?? 0)
            guard count > 0 else { continue }
            try await delete(
                measurement: settings.measurement, node: node, tag: layout.nodeTag, from: nil, through: keepFrom - 1)
            summary.deleted += count
            summary.meters += 1
        }
        return summary
    }

    static func hourFloor(_ time: Int64) -> Int64 { time - EnergyBuckets.floorMod(time, 3_600_000) }
}
