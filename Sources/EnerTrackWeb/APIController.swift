import EnerTrackCore
import EnerTrackKit
import Foundation
import HTTPTypes
import Hummingbird

/// The JSON API (a session cookie or `Authorization: Bearer <token>`), and /healthz.
struct APIController: Sendable {
    let site: Site
    let nodes: ViewerNodes
    let directory: any AlertRuleStore & SchemaStore & CostDirectory
    let series: any SeriesStore

    var routes: RouteCollection<WebContext> {
        let routes = RouteCollection(context: WebContext.self)
        routes.get("healthz") { _, context in await self.healthz() }
        routes.get("api/v1/nodes") { request, context in
            try await self.site.api(context) { _, views in
                self.site.json(views.map { NodeSummary($0, timeZone: self.site.options.timeZone) })
            }
        }
        routes.get("api/v1/nodes/:esp") { request, context in
            let espID = context.parameters.get("esp") ?? ""
            return try await self.site.api(context) { try await self.apiNode($0, espID: espID) }
        }
        routes.get("api/v1/nodes/:esp/readings") { request, context in
            let espID = context.parameters.get("esp") ?? ""
            return try await self.site.api(context) { try await self.apiReadings(request, $0, espID: espID) }
        }
        routes.get("api/v1/nodes/:esp/history") { request, context in
            let espID = context.parameters.get("esp") ?? ""
            return try await self.site.api(context) { try await self.apiHistory(request, $0, espID: espID) }
        }
        routes.get("api/v1/nodes/:esp/consumption") { request, context in
            let espID = context.parameters.get("esp") ?? ""
            return try await self.site.api(context) { try await self.apiConsumption(request, $0, espID: espID) }
        }
        routes.get("api/v1/nodes/:esp/cost") { request, context in
            let espID = context.parameters.get("esp") ?? ""
            return try await self.site.api(context) { try await self.apiCost(request, $0, espID: espID) }
        }
        routes.get("api/v1/cost") { request, context in
            try await self.site.api(context) { try await self.apiCost(request, $0, espID: nil) }
        }
        routes.get("api/v1/live") { request, context in
            try await self.site.api(context) { try await self.apiLive(request, $0) }
        }
        routes.get("api/v1/kpi") { request, context in try await self.site.api(context) { try await self.apiKPI($0) } }
        routes.get("api/v1/alerts") { request, context in
            try await self.site.api(context) { try await self.apiAlerts($0) }
        }
        return routes
    }
}

extension APIController {
    func apiNode(_ viewer: Viewer, espID: String) async throws -> Response {
        guard let view = try await nodes.nodeView(viewer, espID: espID, latest: true) else {
            return site.jsonError(.notFound, "no such node")
        }
        return site.json(NodeDetail(view, timeZone: site.options.timeZone))
    }

    func apiReadings(_ request: Request, _ viewer: Viewer, espID: String) async throws -> Response {
        guard let view = try await nodes.nodeView(viewer, espID: espID) else {
            return site.jsonError(.notFound, "no such node")
        }
        let now = Date()
        let query = try Query(request)
        let range: (from: Int64, to: Int64)
        do {
            range = try ReadingsRange.resolve(
                from: query.from, to: query.to, defaultSpan: 3600, now: now,
                timeZone: site.options.timeZone)
        } catch {
            return site.jsonError(.badRequest, error.message(Words(.en), from: "from", to: "to"))
        }
        // A bulk export: at most `maxConcurrentExports` at once.
        let out = try await site.exports.run {
            let readings = try await series.readings(
                node: view.node.espID, from: range.from, to: range.to, limit: 10_000
            ).filter { !$0.isCounterBreak }
            // Written directly, each reading as `report readings` writes it: a day is thousands of objects.
            var out = JSONWriter(capacity: readings.count * 160 + 64)
            out.raw("{\"node\":")
            out.string(view.node.espID)
            out.raw(",\"readings\":[")
            for (index, reading) in readings.enumerated() {
                if index > 0 { out.raw(",") }
                out.reading(reading, timeZone: site.options.timeZone)
            }
            out.raw("],\"truncated\":")
            out.bool(readings.count == 10_000)
            out.raw("}")
            return out
        }
        return site.json(out)
    }

    /// A chart's points (`HistoryChart`): `range=1h|24h|7d|30d|365d` back from now, or `from`
    /// and `to` (a zoomed chart), and `quantity`.
    func apiHistory(_ request: Request, _ viewer: Viewer, espID: String) async throws -> Response {
        guard let view = try await nodes.nodeView(viewer, espID: espID) else {
            return site.jsonError(.notFound, "no such node")
        }
        let query = try Query(request)
        guard
            let quantity = query.quantity.flatMap(Quantity.init(rawValue:)) ?? (query.quantity == nil ? .power : nil)
        else {
            return site.jsonError(
                .badRequest, "quantity must be one of " + Quantity.allCases.map(\.rawValue).joined(separator: ", "))
        }
        let range: (from: Int64, to: Int64)
        switch HistoryChart.range(from: query.from, to: query.to, preset: query.range, timeZone: site.options.timeZone)
        {
        case .success(let asked): range = asked
        case .failure(let problem): return site.jsonError(.badRequest, problem.message(Words(.en)))
        }
        let chart = try await HistoryChart.compute(
            series: series, node: view.node.espID, quantity: quantity, from: range.from, to: range.to)
        var out = JSONWriter(capacity: chart.points.count * 32 + 256)
        chart.write(to: &out)
        return site.json(out)
    }

    func apiConsumption(_ request: Request, _ viewer: Viewer, espID: String) async throws -> Response {
        guard let view = try await nodes.nodeView(viewer, espID: espID) else {
            return site.jsonError(.notFound, "no such node")
        }
        let query = try Query(request)
        guard let unit = PeriodUnit(rawValue: query.by ?? "day") else {
            return site.jsonError(.badRequest, "by must be hour, day, month or year")
        }
        let now = Date()
        let first =
            unit == .year && query.from == nil
            ? try await series.firstReadings(nodes: [view.node.espID]).values.min() : nil
        let range: DateInterval
        do {
            range = try ConsumptionReport.range(
                unit, from: query.from, to: query.to, now: now,
                timeZone: site.options.timeZone, meters: 1, first: first)
        } catch {
            return site.jsonError(.badRequest, error.message(Words(.en), from: "from", to: "to"))
        }
        let report = try await ConsumptionReport.compute(
            series: series, nodes: [view.node.espID], unit: unit, range: range, timeZone: site.options.timeZone,
            now: now)
        return site.stream(report.jsonChunks())
    }

    /// The JSON of `report cost --user <viewer>` (for one meter, or all the viewer's): by, from, to.
    func apiCost(_ request: Request, _ viewer: Viewer, espID: String?) async throws -> Response {
        var espIDs: [String]
        if let espID {
            guard let view = try await nodes.nodeView(viewer, espID: espID) else {
                return site.jsonError(.notFound, "no such node")
            }
            espIDs = [view.node.espID]
        } else {
            // All the viewer's meters: a site is billed once, by its connection meter.
            let views = try await nodes.nodeViews(viewer)
            espIDs = views.map(\.node.espID).filter(try await nodes.sites(views).counts)
        }
        let query = try Query(request)
        guard let grouping = CostReport.Grouping(rawValue: query.by ?? "month") else {
            return site.jsonError(.badRequest, "by must be hour, day, month, year or bill")
        }
        let now = Date()
        let first =
            grouping == .year && query.from == nil ? try await series.firstReadings(nodes: espIDs).values.min() : nil
        let range: DateInterval
        do {
            range = try CostReport.range(
                grouping, from: query.from, to: query.to, now: now,
                timeZone: site.options.timeZone, meters: espIDs.count, first: first)
        } catch {
            return site.jsonError(.badRequest, error.message(Words(.en), from: "from", to: "to"))
        }
        do {
            let report = try await CostReport.query(
                directory: directory, series: series, espIDs: espIDs, user: viewer.user.username, grouping: grouping,
                range: range, timeZone: site.options.timeZone, now: now)
            return site.stream(report.jsonChunks())
        } catch let error as TariffError {
            let status: HTTPResponse.Status = error.exitStatus == .usage ? .badRequest : .conflict
            return site.jsonError(status, error.description)
        }
    }

    /// The set's row (`KPIs.Row`'s keys, `node` "ALL") with each meter's row under `nodes`:
    /// the same keys and figures as `report kpi`.
    func apiKPI(_ viewer: Viewer) async throws -> Response {
        let views = try await nodes.nodeViews(viewer, latest: true)
        return site.json(try await nodes.kpis(views).answer(timeZone: site.options.timeZone))
    }

    /// The home page's live figures in the viewer's language and number format: the totals, and
    /// only the meters that changed after `since` (ms; a new reading, or gone quiet since).
    func apiLive(_ request: Request, _ viewer: Viewer) async throws -> Response {
        let query = try Query(request)
        let since = query.since.flatMap { Int64($0) } ?? 0
        let now = Date()
        let views = try await nodes.nodeViews(viewer, latest: true)
        let sites = try await nodes.sites(views)
        let kpi = try await nodes.kpis(views, sites: sites)
        let l = viewer.l
        let zone = site.options.timeZone
        let quiet = Int64(site.options.inactiveAfter * 1000)
        var out = JSONWriter(capacity: 256 + views.count * 160)
        out.raw("{\"now\":\(now.milliseconds),\"power_kw\":")
        out.string(l.number(kpi.powerW.map { $0 / 1000 }, decimals: 2))
        out.raw(",\"energy_today_kwh\":")
        out.string(l.number(kpi.energyTodayKWh, decimals: 2))
        SiteCards.write(sites, latest: latestReadings(views), l, to: &out)
        out.raw(",\"nodes\":[")
        var first = true
        for (view, meter) in zip(views, kpi.meters) {
            // The newest reading's time (or last-seen): new since, or gone quiet since.
            guard let seen = view.latest?.time ?? view.node.lastSeen?.milliseconds,
                seen > since || (seen + quiet > since && seen + quiet <= now.milliseconds)
            else { continue }
            out.raw(first ? "{\"esp_id\":" : ",{\"esp_id\":")
            first = false
            out.string(view.node.espID)
            out.raw(",\"power_kw\":")
            out.string(l.number(view.latest?.power.map { $0 / 1000 }, decimals: 2))
            out.raw(",\"today_kwh\":")
            out.string(l.number(meter.todayKWh, decimals: 2))
            out.raw(",\"last_seen\":")
            out.string(l.time(view.node.lastSeen, zone))
            out.raw(",\"badge\":")
            out.string(site.badge(view.status, l).text)
            out.raw("}")
        }
        out.raw("]}")
        return site.json(out)
    }

    func apiAlerts(_ viewer: Viewer) async throws -> Response {
        site.json(try await directory.alertRules(userID: viewer.user.id).map(AlertRuleView.init))
    }

    /// `/healthz`: each store, "ok" or "unavailable".
    struct Health: Codable {
        var directory: String
        var series: String
    }

    func healthz() async -> Response {
        var directoryOK = true
        var seriesOK = true
        do { try await directory.ping() } catch { directoryOK = false }
        do { try await series.check() } catch { seriesOK = false }
        return site.json(
            Health(directory: directoryOK ? "ok" : "unavailable", series: seriesOK ? "ok" : "unavailable"),
            status: directoryOK && seriesOK ? .ok : .serviceUnavailable)
    }
}
