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
                assignment: row.assignment, node: row.node,
                status: NodeStatus(node: row.node, now: now, inactiveAfter: options.inactiveAfter),
                latest: latest[row.node.espID])
        }
    }

    /// One of the viewer's nodes, or nil: another user's node and a node that does not exist
    /// look the same.
    func nodeView(_ viewer: Viewer, espID: String, latest: Bool = false) async throws -> NodeView? {
        try await nodeViews(viewer, latest: latest).first { $0.node.espID.lowercased() == espID.lowercased() }
    }

    /// The viewer's key figures (`KPIs`: the same rule as `report kpi`).
    func kpis(_ views: [NodeView]) async throws -> KPIs {
        var latest: [String: Reading] = [:]
        for view in views { latest[view.node.espID] = view.latest }
        return try await KPIs.compute(
            series: series, nodes: views.map(\.node), latest: latest, inactiveAfter: options.inactiveAfter,
            timeZone: options.timeZone)
    }
}
