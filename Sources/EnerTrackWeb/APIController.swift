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
                node: view.node.espID, from: range.from, to: range.to, limit: 10_000)
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

    /// Chart points of one quantity: raw readings up to a day (at most ~720 points), rollup
    /// means of 15 minutes beyond.
    func apiHistory(_ request: Request, _ viewer: Viewer, espID: String) async throws -> Response {
        guard let view = try await nodes.nodeView(viewer, espID: espID) else {
            return site.jsonError(.notFound, "no such node")
        }
        let query = try Query(request)
        let ranges: [String: Int64] = [
            "1h": 3_600_000, "24h": 86_400_000, "7d": 7 * 86_400_000, "30d": 30 * 86_400_000,
        ]
        let range = query.range ?? "24h"
        guard let span = ranges[range] else { return site.jsonError(.badRequest, "range must be 1h, 24h, 7d or 30d") }
        guard
            let quantity = query.quantity.flatMap(Quantity.init(rawValue:)) ?? (query.quantity == nil ? .power : nil)
        else {
            return site.jsonError(.badRequest, "unknown quantity")
        }
        let now = Date().milliseconds
        let from = now - span
        var points: [(Int64, Double)] = []
        var source = "readings"
        if span > 86_400_000,
            let rows = try await series.rollups(node: view.node.espID, from: EnergyBuckets.floor(from), to: now)
        {
            source = "rollups (15 min)"
            for row in rows {
                let value: Double? =
                    switch quantity {
                    case .voltage: row.voltage
                    case .current: row.current
                    case .power: row.power
                    case .energy: row.lastEnergy
                    case .pf: row.pf
                    case .frequency: row.frequency
                    }
                if let value { points.append((row.bucket, value)) }
            }
        } else {
            let readings = try await series.readings(node: view.node.espID, from: from, to: now + 1, limit: 50_000)
            let raw = readings.compactMap { reading in reading[quantity].map { (reading.time, $0) } }
            // Means of equal slices, so the chart stays light.
            let slices = 720
            if raw.count > slices {
                let step = span / Int64(slices)
                var sums: [Int64: (Double, Int)] = [:]
                for (time, value) in raw {
                    let slot = from + (time - from) / step * step
                    let current = sums[slot] ?? (0, 0)
                    sums[slot] = (current.0 + value, current.1 + 1)
                }
                points = sums.keys.sorted().map { ($0, sums[$0]!.0 / Double(sums[$0]!.1)) }
            } else {
                points = raw
            }
        }
        let long = span > 86_400_000
        let answer = HistoryAnswer(
            node: view.node.espID, quantity: quantity.rawValue, unit: quantity.unit, range: range, source: source,
            points: points.map { time, value in
                let iso = ISO8601.format(milliseconds: time, timeZone: site.options.timeZone)
                let label =
                    long
                    ? String(iso.dropFirst(5).prefix(11)).replacingOccurrences(of: "T", with: " ")
                    : String(iso.dropFirst(11).prefix(5))
                return HistoryAnswer.Point(time: iso, label: label, value: (value * 1000).rounded() / 1000)
            })
        return site.json(answer)
    }

    /// `/api/v1/nodes/ESPID/history`: a chart's points (means of equal slices over long ranges).
    struct HistoryAnswer: Codable {
        struct Point: Codable {
            var time: String
            /// The point's local time as the chart labels it.
            var label: String
            var value: Double
        }

        var node: String
        var quantity: String
        var unit: String
        var range: String
        /// Where the points come from: raw readings, or the rollups' means for long ranges.
        var source: String
        var points: [Point]
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
        let range: DateInterval
        do {
            range = try ConsumptionReport.range(
                unit, from: query.from, to: query.to, now: now,
                timeZone: site.options.timeZone, meters: 1)
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
            espIDs = try await nodes.nodeViews(viewer).map(\.node.espID)
        }
        let query = try Query(request)
        guard let grouping = CostReport.Grouping(rawValue: query.by ?? "month") else {
            return site.jsonError(.badRequest, "by must be hour, day, month, year or bill")
        }
        let now = Date()
        let range: DateInterval
        do {
            range = try CostReport.range(
                grouping, from: query.from, to: query.to, now: now,
                timeZone: site.options.timeZone, meters: espIDs.count)
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
