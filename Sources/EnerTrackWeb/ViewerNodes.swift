import EnerTrackCore
import EnerTrackKit
import Foundation

/// The viewer's nodes (`NodeViews`) and key figures (`KPIs`), for the controllers that show them.
struct ViewerNodes: Sendable {
    let directory: any AssignmentStore & SiteStore
    let series: any SeriesStore
    let options: WebOptions

    /// The nodes actively assigned to the viewer, with status; `latest` adds each newest reading.
    func nodeViews(_ viewer: Viewer, latest withLatest: Bool = false) async throws -> [NodeView] {
        // Read with the session already (`ViewerMiddleware`): only the readings are left to add.
        if var views = viewer.nodes {
            guard withLatest, !views.isEmpty else { return views }
            let latest = try await series.latest(nodes: views.map(\.node.espID))
            for index in views.indices { views[index].latest = latest[views[index].node.espID] }
            return views
        }
        return try await NodeViews.of(
            userID: viewer.user.id, username: viewer.user.username, directory: directory, series: series,
            inactiveAfter: options.inactiveAfter, latest: withLatest)
    }

    /// One of the viewer's nodes, or nil: another user's node and a node that does not exist
    /// look the same.
    func nodeView(_ viewer: Viewer, espID: String, latest: Bool = false) async throws -> NodeView? {
        try await nodeViews(viewer, latest: latest).first { $0.node.espID.lowercased() == espID.lowercased() }
    }

    /// The viewer's key figures (`KPIs`: the same rule as `report kpi`).
    func kpis(_ views: [NodeView], sites: SiteScope? = nil) async throws -> KPIs {
        let latest = latestReadings(views)
        let scope: SiteScope
        if let sites { scope = sites } else { scope = try await self.sites(views) }
        return try await KPIs.compute(
            series: series, nodes: views.map(\.node), latest: latest, inactiveAfter: options.inactiveAfter,
            timeZone: options.timeZone, sites: scope)
    }

    /// How the viewer's meters add up where they make sites (`SiteScope`).
    func sites(_ views: [NodeView]) async throws -> SiteScope {
        try await SiteScope.read(directory, meters: views.map(\.node.espID))
    }
}

/// The newest reading of each meter the views carry.
func latestReadings(_ views: [NodeView]) -> [String: Reading] {
    var latest: [String: Reading] = [:]
    for view in views { latest[view.node.espID] = view.latest }
    return latest
}
