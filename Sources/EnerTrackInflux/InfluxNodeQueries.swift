import EnerTrackCore
import EnerTrackRuntime

/// Queries over many meters at once (alert runs, status pages, reports). InfluxDB 1.x plans a
/// filter of OR'ed tags in time that grows with the square of their number: on a measurement of
/// 10,000 meters, 100 of them take 15 ms, 2,000 take 0.75 s and 10,000 take 19 s. So the meters
/// go in groups of `nodeGroup`, four queries at once: 10,000 meters' mean power in well under a
/// second.
extension InfluxSeriesStore {
    static let nodeGroup = 200

    static func nodeFilter(_ nodes: [String], _ layout: InfluxLayout) -> String {
        nodeFilter(nodes, tag: layout.nodeTag)
    }

    static func nodeFilter(_ nodes: [String], tag: String) -> String {
        let tag = identifier(tag)
        return Set(nodes).sorted().map { "\(tag) = \(literal($0))" }.joined(separator: " OR ")
    }

    /// The series of `query(filter)` for each group of the (distinct) nodes, the filter being
    /// that group's OR'ed tags in parentheses.
    func seriesByGroups(_ nodes: [String], tag: String, _ query: @escaping @Sendable (String) -> String)
        async throws -> [Series]
    {
        let sorted = Set(nodes).sorted()
        let groups = stride(from: 0, to: sorted.count, by: Self.nodeGroup).map {
            Array(sorted[$0..<min($0 + Self.nodeGroup, sorted.count)])
        }
        return try await concurrentMap(groups, width: 4) { group in
            try await self.series(query("(" + Self.nodeFilter(group, tag: tag) + ")"))
        }.flatMap { $0 }
    }

    public func latest(nodes: [String]) async throws -> [String: Reading] {
        guard !nodes.isEmpty else { return [:] }
        let layout = try await layout()
        let head = "SELECT \(Self.fieldList(layout)) FROM \(Self.identifier(settings.measurement)) WHERE"
        let tail = "GROUP BY \(Self.identifier(layout.nodeTag)) ORDER BY time DESC LIMIT 2"
        var latest: [String: Reading] = [:]
        for series in try await seriesByGroups(nodes, tag: layout.nodeTag, { "\(head) \($0) \(tail)" }) {
            // Two points: the newest may be a correction's counter break, which is no reading.
            if let reading = series.readings(defaultNode: nil, tag: layout.nodeTag).first(where: { !$0.isCounterBreak })
            {
                latest[reading.node] = reading
            }
        }
        return latest
    }

    /// The first point of each node's series. Where the rollups are complete (the hourly marker
    /// says so), the first bucket with samples: InfluxDB 1.x needs 50 ms per meter to find the
    /// first of a year of raw points, and 4 for the rollups (on quarter hours, as every period
    /// boundary is, so "before the first reading" means the same).
    public func firstReadings(nodes: [String]) async throws -> [String: Int64] {
        guard !nodes.isEmpty else { return [:] }
        var first: [String: Int64] = [:]
        if try await hourlyRollupsReady() {
            let rollups = Self.identifier(rollupMeasurement)
            let answer = try await seriesByGroups(nodes, tag: "node") {
                "SELECT samples FROM \(rollups) WHERE \($0) AND samples > 0 GROUP BY node LIMIT 1"
            }
            for series in answer {
                if let node = series.tags["node"], let time = series.values.first?.first?.time { first[node] = time }
            }
            if first.count == Set(nodes).count { return first }
        }
        let layout = try await layout()
        let head = "SELECT \(Self.fieldList(layout)) FROM \(Self.identifier(settings.measurement)) WHERE"
        let tail = "GROUP BY \(Self.identifier(layout.nodeTag)) ORDER BY time ASC LIMIT 1"
        for series in try await seriesByGroups(nodes, tag: layout.nodeTag, { "\(head) \($0) \(tail)" }) {
            if let reading = series.readings(defaultNode: nil, tag: layout.nodeTag).first, first[reading.node] == nil {
                first[reading.node] = reading.time
            }
        }
        return first
    }

    public func meanPower(nodes: [String], from: Int64, to: Int64) async throws -> [String: Double] {
        guard !nodes.isEmpty else { return [:] }
        let layout = try await layout()
        let head =
            "SELECT mean(\(Self.identifier(layout.field(.power)))) FROM \(Self.identifier(settings.measurement)) WHERE"
        let tail = "AND time >= \(from)ms AND time < \(to)ms GROUP BY \(Self.identifier(layout.nodeTag))"
        var means: [String: Double] = [:]
        for series in try await seriesByGroups(nodes, tag: layout.nodeTag, { "\(head) \($0) \(tail)" }) {
            guard let node = series.tags[layout.nodeTag], let row = series.values.first, row.count > 1,
                let mean = row[1].double
            else { continue }
            means[node] = mean
        }
        return means
    }
}
