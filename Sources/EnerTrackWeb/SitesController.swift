import EnerTrackCore
import EnerTrackKit
import Foundation
import HTTPTypes
import Hummingbird

/// Sites: `GET /api/v1/sites` (the viewer's), `GET /api/v1/sites/:site/flows` (`report site
/// --json`, with costs where the connection meter has a tariff) and the site page.
/// A user sees a site when assigned to its grid (or total) meter; admins see every site.
struct SitesController: Sendable {
    let site: Site
    let nodes: ViewerNodes
    let directory: any SiteStore & NodeStore & CostDirectory
    let series: any SeriesStore

    var routes: RouteCollection<WebContext> {
        let routes = RouteCollection(context: WebContext.self)
        routes.get("api/v1/sites") { request, context in
            try await self.site.api(context) { viewer in
                let layouts = try await self.layouts(viewer)
                return self.site.json(layouts.map { SiteSummary($0, zone: self.zone(of: $0)) })
            }
        }
        routes.get("sites/:site") { request, context in
            let name = context.parameters.get("site") ?? ""
            return try await self.site.signedIn(request, context) {
                try await self.sitePage(request, $0, name: name)
            }
        }
        routes.get("api/v1/sites/:site/flows") { request, context in
            let name = context.parameters.get("site") ?? ""
            return try await self.site.api(context) { try await self.apiFlows(request, $0, name: name) }
        }
        return routes
    }

    var admin: SiteAdmin { SiteAdmin(store: directory, timeZone: site.options.timeZone) }

    /// The sites the viewer sees, active ones only.
    func layouts(_ viewer: Viewer) async throws -> [SiteLayout] {
        let all = try await admin.layouts()
        guard !viewer.user.isAdmin else { return all }
        let mine = Set(try await nodes.nodeViews(viewer).map { $0.node.espID.lowercased() })
        return all.filter { layout in layout.connection.map { mine.contains($0.lowercased()) } ?? false }
    }

    func layout(_ viewer: Viewer, name: String) async throws -> SiteLayout? {
        try await layouts(viewer).first { $0.site.name.lowercased() == name.lowercased() }
    }

    func zone(of layout: SiteLayout) -> TimeZone { admin.zone(of: layout.site) }

    /// The flows of `range`, priced when the connection meter (or its users) has a tariff; without
    /// costs when a dynamic price is missing.
    func report(_ layout: SiteLayout, unit: PeriodUnit, range: DateInterval, now: Date) async throws -> SiteReport {
        let zone = zone(of: layout)
        // A site without meters yet (an admin's new one) has nothing to price.
        let read = layout.meters.isEmpty ? nil : try await SiteReport.Pricing.read(layout, directory: directory)
        do {
            return try await SiteReport.compute(
                layout: layout, series: series, unit: unit, range: range, timeZone: zone, now: now,
                pricing: read?.priced == true ? read : nil)
        } catch is TariffError {
            return try await SiteReport.compute(
                layout: layout, series: series, unit: unit, range: range, timeZone: zone, now: now)
        }
    }

    func apiFlows(_ request: Request, _ viewer: Viewer, name: String) async throws -> Response {
        guard let layout = try await layout(viewer, name: name) else {
            return site.jsonError(.notFound, "no such site")
        }
        let query = try Query(request)
        guard let unit = PeriodUnit(rawValue: query.by ?? "day") else {
            return site.jsonError(.badRequest, "by must be hour, day, month or year")
        }
        let now = Date()
        switch try await SiteReport.range(
            layout, series: series, unit: unit, from: query.from, to: query.to, now: now, timeZone: zone(of: layout))
        {
        case .success(let range): return site.json(try await report(layout, unit: unit, range: range, now: now).view)
        case .failure(let error): return site.jsonError(.badRequest, error.message(Words(.en), from: "from", to: "to"))
        }
    }
}

/// A site in `GET /api/v1/sites`.
struct SiteSummary: Encodable {
    var site: String
    var name: String
    var tz: String
    var meters: [SiteFlowsJSON.Meter]

    init(_ layout: SiteLayout, zone: TimeZone) {
        site = layout.site.name
        name = layout.site.label
        tz = zone.identifier
        meters = layout.meters.map(SiteFlowsJSON.Meter.init)
    }
}
