import EnerTrackCore
import EnerTrackKit
import Foundation
import HTTPTypes
import Hummingbird

/// The consumption page and its CSV.
struct ConsumptionController: Sendable {
    let site: Site
    let nodes: ViewerNodes
    let series: any SeriesStore

    var routes: RouteCollection<WebContext> {
        let routes = RouteCollection(context: WebContext.self)
        routes.get("consumption") { request, _ in
            try await self.site.signedIn(request) { try await self.consumptionPage(request, $0, csv: false) }
        }
        routes.get("consumption.csv") { request, _ in
            try await self.site.signedIn(request) { try await self.consumptionPage(request, $0, csv: true) }
        }
        return routes
    }
}

extension ConsumptionController {
    struct ConsumptionQuery {
        var unit: PeriodUnit
        var range: DateInterval
        var nodes: [String]
        var error: String?
    }

    func consumptionQuery(_ request: Request, _ viewer: Viewer, views: [NodeView]) -> ConsumptionQuery {
        let query = request.uri.queryParameters
        let unit = query["by"].flatMap { PeriodUnit(rawValue: String($0)) } ?? .day
        let now = Date()
        var range = ConsumptionReport.defaultRange(unit, now: now, timeZone: site.options.timeZone)
        var error: String?
        let from = query["from"].map(String.init).flatMap(\.nonEmpty)
        let to = query["to"].map(String.init).flatMap(\.nonEmpty)
        do {
            range = try ConsumptionReport.range(
                unit, from: from, to: to, now: now, timeZone: site.options.timeZone)
        } catch let failure {
            // The rule's facts in the page's words (its field names), on the default range.
            let l = viewer.l
            error = l("Invalid range: ") + failure.message(l, from: l("From"), to: l("To"))
        }
        var nodes = views.map(\.node.espID)
        if let node = query["node"].map(String.init), !node.isEmpty {
            nodes = nodes.filter { $0.lowercased() == node.lowercased() }
        }
        return ConsumptionQuery(unit: unit, range: range, nodes: nodes, error: error)
    }

    func consumptionPage(_ request: Request, _ viewer: Viewer, csv: Bool) async throws -> Response {
        let l = viewer.l
        let views = try await nodes.nodeViews(viewer)
        let query = consumptionQuery(request, viewer, views: views)
        if let node = request.uri.queryParameters["node"], !node.isEmpty, query.nodes.isEmpty {
            return site.notFound(request, viewer)
        }
        let report = try await ConsumptionReport.compute(
            series: series, nodes: query.nodes, unit: query.unit, range: query.range, timeZone: site.options.timeZone)
        if csv {
            return site.respond(
                report.csv(), type: "text/csv; charset=utf-8",
                headers: [.contentDisposition: "attachment; filename=\"consumption-\(query.unit.rawValue).csv\""])
        }
        let labels = Dictionary(views.map { ($0.node.espID, $0.label) }, uniquingKeysWith: { first, _ in first })
        // Totals per period for the chart.
        var totals: [(label: String, kwh: Double)] = []
        var index: [Date: Int] = [:]
        for row in report.rows {
            if let at = index[row.start] {
                totals[at].kwh += row.kwh
            } else {
                index[row.start] = totals.count
                totals.append((periodLabel(row.start, query.unit), row.kwh))
            }
        }
        let chartData = JSONValue.array(
            totals.map { .object(["label": .string($0.label), "kwh": .number(ConsumptionReport.rounded($0.kwh))]) }
        ).rendered()
        let columns: [Component.Column] = [.init(l("Meter")), .init(l("Period")), .init("kWh", end: true), .init("")]
        let rows: [[HTML]] = report.rows.map { row in
            [
                "\(labels[row.node] ?? row.node)", "\(periodLabel(row.start, query.unit))",
                "\(l.number(row.kwh, decimals: 3))", "\(row.complete ? "" : l("incomplete"))",
            ]
        }
        let units: [HTML] = PeriodUnit.allCases.map { unit in
            let label =
                switch unit {
                case .hour: l("Hour")
                case .day: l("Day")
                case .month: l("Month")
                case .year: l("Year")
                }
            return "<option value=\"\(unit.rawValue)\"\(HTML.when(unit == query.unit, " selected"))>\(label)</option>"
        }
        let selected = request.uri.queryParameters["node"].map(String.init) ?? ""
        let nodeOptions: [HTML] = views.map {
            "<option value=\"\($0.node.espID)\"\(HTML.when($0.node.espID.lowercased() == selected.lowercased(), " selected"))>\($0.label)</option>"
        }
        let from = String(
            ISO8601.format(milliseconds: query.range.start.milliseconds, timeZone: site.options.timeZone).prefix(10))
        let to = String(
            ISO8601.format(milliseconds: query.range.end.milliseconds, timeZone: site.options.timeZone).prefix(10))
        let queryString = request.uri.query.map { "?" + $0 } ?? ""
        let body: HTML = """
            <h1 class="h3 mb-3">\(l("Consumption"))</h1>
            \(HTML.when(query.error != nil, "<div class=\"alert alert-warning\">\(query.error ?? "")</div>"))
            <form class="row g-2 align-items-end mb-3" method="get" action="/consumption">
              <div class="col-6 col-md-2"><label class="form-label" for="by">\(l("By"))</label><select class="form-select" id="by" name="by">\(units)</select></div>
              <div class="col-6 col-md-3"><label class="form-label" for="node">\(l("Meter"))</label><select class="form-select" id="node" name="node"><option value="">\(l("All"))</option>\(nodeOptions)</select></div>
              <div class="col-6 col-md-2"><label class="form-label" for="from">\(l("From"))</label><input class="form-control" type="date" id="from" name="from" value="\(from)"></div>
              <div class="col-6 col-md-2"><label class="form-label" for="to">\(l("To"))</label><input class="form-control" type="date" id="to" name="to" value="\(to)"></div>
              <div class="col-12 col-md-3 d-flex gap-2"><button class="btn btn-primary" type="submit">\(l("Show"))</button>
                <a class="btn btn-outline-secondary" href="/consumption.csv\(queryString)">CSV</a></div>
            </form>
            <p>\(l("Total")): <strong>\(l.number(report.totalKWh, decimals: 3)) kWh</strong></p>
            <div class="chart-box mb-3"><canvas id="consumption-chart" data-rows="\(chartData)"></canvas></div>
            \(Component.table(columns, rows: rows))
            """
        return site.page(request, viewer, title: l("Consumption"), active: "consumption", body: body)
    }

    func periodLabel(_ date: Date, _ unit: PeriodUnit) -> String {
        let iso = ISO8601.format(milliseconds: date.milliseconds, timeZone: site.options.timeZone)
        return switch unit {
        case .hour: String(iso.prefix(16)).replacingOccurrences(of: "T", with: " ")
        case .day: String(iso.prefix(10))
        case .month: String(iso.prefix(7))
        case .year: String(iso.prefix(4))
        }
    }
}
