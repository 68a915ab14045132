import EnerTrackCore
import Foundation

/// A node as one user sees it: their active assignment, the node, its status and, when asked,
/// its newest reading.
public struct NodeView: Sendable {
    public var assignment: Assignment
    public var node: Node
    public var status: NodeStatus
    public var latest: Reading?

    /// The node as users know it (`Node.label`).
    public var label: String { node.label }
}

/// Which nodes a user sees, and how: one rule for the dashboard, the API and the bot's /status
/// and /nodes (active assignments of active nodes, status from the last-seen time).
public enum NodeViews {
    public static func of(
        userID: Int64, username: String, directory: any AssignmentStore, series: any SeriesStore,
        inactiveAfter: TimeInterval, latest withLatest: Bool = false, now: Date = Date()
    ) async throws -> [NodeView] {
        let rows = try await directory.userNodes(userID: userID, username: username)
        guard !rows.isEmpty else { return [] }
        let latest = withLatest ? try await series.latest(nodes: rows.map(\.node.espID)) : [:]
        return of(rows: rows, inactiveAfter: inactiveAfter, latest: latest, now: now)
    }

    /// The views of rows already read (`DirectoryStore.userNodes`, `sessionUserNodes`).
    public static func of(
        rows: [(assignment: Assignment, node: Node)], inactiveAfter: TimeInterval, latest: [String: Reading] = [:],
        now: Date = Date()
    ) -> [NodeView] {
        rows.map { row in
            NodeView(
                assignment: row.assignment, node: row.node,
                status: NodeStatus(node: row.node, now: now, inactiveAfter: inactiveAfter),
                latest: latest[row.node.espID])
        }
    }
}
