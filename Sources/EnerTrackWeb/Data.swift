import EnerTrackCore
import EnerTrackKit
import Foundation

/// A node as one user sees it.
struct NodeView: Sendable {
    var assignment: Assignment
    var node: Node
    var status: NodeStatus
    var latest: Reading?

    var label: String { node.name.map { "\($0)" } ?? node.espID }
}

/// The dashboard's global figures.
struct KPIs: Sendable {
    var powerW: Double?
    var energyTodayKWh: Double
    var voltage: Double?
    var frequency: Double?
    var pf: Double?
    var perNodeToday: [String: Double]
}

extension WebApp {
    /// The nodes actively assigned to the viewer, with status; `latest` adds each newest reading.
    func nodeViews(_ viewer: Viewer, latest withLatest: Bool = false) async throws -> [NodeView] {
        let user = viewer.user
        let rows = try await directory.userNodes(userID: user.id, username: user.username)
        guard !rows.isEmpty else { return [] }
        let latest = withLatest ? try await series.latest(nodes: rows.map(\.node.espID)) : [:]
        let now = Date()
        return rows.map { row in
            NodeView(
                assignment: row.assignment, node: row.node, status: NodeStatus(node: row.node, now: now, inactiveAfter: options.inactiveAfter),
                latest: latest[row.node.espID])
        }
    }

    /// One of the viewer's nodes, or nil: another user's node and a node that does not exist
    /// look the same.
    func nodeView(_ viewer: Viewer, espID: String, latest: Bool = false) async throws -> NodeView? {
        try await nodeViews(viewer, latest: latest).first { $0.node.espID.lowercased() == espID.lowercased() }
    }

    func kpis(_ views: [NodeView]) async throws -> KPIs {
        let readings = views.compactMap(\.latest)
        func mean(_ values: [Double]) -> Double? { values.isEmpty ? nil : values.reduce(0, +) / Double(values.count) }
        let now = Date()
        let today = ConsumptionReport.defaultRange(.hour, now: now, timeZone: options.timeZone)
        let energy = try await ConsumptionReport.compute(
            series: series, nodes: views.map(\.node.espID), unit: .day, range: today, timeZone: options.timeZone, now: now)
        var perNode: [String: Double] = [:]
        for row in energy.rows { perNode[row.node, default: 0] += row.kwh }
        let active = views.filter { $0.status == .active }.compactMap(\.latest)
        return KPIs(
            powerW: active.isEmpty ? nil : active.compactMap(\.power).reduce(0, +), energyTodayKWh: energy.totalKWh,
            voltage: mean(readings.compactMap(\.voltage)), frequency: mean(readings.compactMap(\.frequency)),
            pf: mean(readings.compactMap(\.pf)), perNodeToday: perNode)
    }
}
