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
    let directory: any DirectoryStore

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
        var nodes = views.map(\.node.espID)
        if let node = query["node"].map(String.init), !node.isEmpty {
            nodes = nodes.filter { $0.lowercased() == node.lowercased() }
        }
        do {
            range = try ConsumptionReport.range(
                unit, from: from, to: to, now: now, timeZone: site.options.timeZone, meters: nodes.count)
        } catch let failure {
            // The rule's facts in the page's words (its field names), on the default range.
            let l = viewer.l
            error = l("Invalid range: ") + failure.message(l, from: l("From"), to: l("To"))
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
        // A download says what is wrong with its range; the page shows the default range beside the error.
        if csv, let error = query.error {
            return site.respond(error + "\n", type: "text/plain; charset=utf-8", status: .badRequest)
        }
        let report = try await ConsumptionReport.compute(
            series: series, nodes: query.nodes, unit: query.unit, range: query.range, timeZone: site.options.timeZone)
        if csv {
            return site.respond(
                report.pivotCSV(), type: "text/csv; charset=utf-8",
                headers: [.contentDisposition: "attachment; filename=\"consumption-\(query.unit.rawValue).csv\""])
        }
        // Cost beside kWh, for the meters with a tariff (the user's own where a meter has none).
        let book = try await TariffBook.load(directory)
        var cost: CostReport?
        var costError: String?
        do {
            let priced = try await CostReport.query(
                directory: directory, series: series, espIDs: query.nodes, user: viewer.user.username,
                grouping: CostReport.Grouping(rawValue: query.unit.rawValue) ?? .day, range: query.range,
                timeZone: site.options.timeZone, pricedOnly: true, book: book)
            if !priced.rows.isEmpty { cost = priced }
        } catch let error as ExitStatusError {
            costError = error.description
        }
        let labels = Dictionary(views.map { ($0.node.espID, $0.label) }, uniquingKeysWith: { first, _ in first })
        // The viewer's tariffs today, by meter: name and energy prices.
        let today = CalendarDay.today(timeZone: site.options.timeZone)
        var tariffLines: [String] = []
        for node in query.nodes {
            guard let timeline = book.timeline(node: node, users: [viewer.user.username]),
                let index = timeline.segment(on: today)
            else { continue }
            let segment = timeline.segments[index]
            let prices: String =
                switch segment.version.energy {
                case .series: l("price series")
                case .periods(let table):
                    segment.version.periods.names.map { "\($0) \(table[$0] ?? 0)" }.joined(separator: " · ")
                }
            tariffLines.append("\(labels[node] ?? node): \(segment.tariff) (\(prices) \(segment.currency)/kWh)")
        }
        let pivot = report.pivot
        let incomplete = Set(report.rows.filter { !$0.complete }.map(\.start))
        let meters = report.nodes
        // Cost per period and per tariff period (band), summed over the meters.
        var costByPeriod: [Date: (total: Decimal, bands: [String: Decimal])] = [:]
        var bandNames: [String] = []
        for row in cost?.rows ?? [] {
            var entry = costByPeriod[row.start] ?? (0, [:])
            entry.total += row.bill.total
            for band in row.bill.bands {
                entry.bands[band.period, default: 0] += band.cost
                if !bandNames.contains(band.period) { bandNames.append(band.period) }
            }
            costByPeriod[row.start] = entry
        }
        let currency = cost?.currency ?? "EUR"
        func stacked(_ unit: String, _ series: [(label: String, values: [Double])]) -> String {
            JSONValue.object([
                "unit": .string(unit), "labels": .array(pivot.map { .string(periodLabel($0.start, query.unit)) }),
                "series": .array(
                    series.map {
                        .object(["label": .string($0.label), "values": .array($0.values.map(JSONValue.number))])
                    }),
            ]).compact()  // read by JSON.parse: no need for JSONEncoder's pretty print
        }
        let kwhChart = stacked(
            "kWh",
            meters.map { node in
                (labels[node] ?? node, pivot.map { ConsumptionReport.rounded($0.kwh[node] ?? 0) })
            })
        let costChart = stacked(
            currency,
            bandNames.map { band in
                (band, pivot.map { (costByPeriod[$0.start]?.bands[band] ?? 0).double })
            })
        var columns: [Component.Column] = [.init(l("Period"))]
        columns += meters.map { Component.Column(labels[$0] ?? $0, end: true) }
        columns.append(.init(l("Total") + " kWh", end: true))
        if cost != nil { columns.append(.init(l("Cost"), end: true)) }
        var rows: [[HTML]] = pivot.map { period in
            let running = incomplete.contains(period.start)
            var cells: [HTML] = [
                "\(periodLabel(period.start, query.unit))\(HTML.when(running, " <small class=\"text-body-secondary\">\(l("incomplete"))</small>"))"
            ]
            cells += meters.map { node in "\(l.number(period.kwh[node], decimals: 3))" }
            cells.append("<strong>\(l.number(period.kwh.values.reduce(0, +), decimals: 3))</strong>")
            if cost != nil { cells.append("\(l.money(costByPeriod[period.start]?.total, currency: currency))") }
            return cells
        }
        if !pivot.isEmpty {
            var totals: [HTML] = ["<strong>\(l("Total"))</strong>"]
            totals += meters.map { node in
                "<strong>\(l.number(report.rows.filter { $0.node == node }.reduce(0) { $0 + $1.kwh }, decimals: 3))</strong>"
            }
            totals.append("<strong>\(l.number(report.totalKWh, decimals: 3))</strong>")
            if let cost { totals.append("<strong>\(l.money(cost.total, currency: currency))</strong>") }
            rows.append(totals)
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
        let tariffs = Set((cost?.rows ?? []).flatMap { $0.bill.lines.isEmpty ? [] : [$0.node] })
        let summary: HTML =
            cost.map { cost in
                let note = HTML.when(
                    tariffs.count < meters.count,
                    " <span class=\"text-body-secondary\">(\(l("meters without a tariff are not priced")))</span>")
                return " · \(l("Cost")): <strong>\(l.money(cost.total, currency: cost.currency))</strong>\(note)"
            } ?? ""
        let body: HTML = """
            <h1 class="h3 mb-3">\(l("Consumption"))</h1>
            \(HTML.when(query.error != nil, "<div class=\"alert alert-warning\">\(query.error ?? "")</div>"))
            \(HTML.when(costError != nil, "<div class=\"alert alert-warning\">\(costError ?? "")</div>"))
            <form class="row g-2 align-items-end mb-3" method="get" action="/consumption">
              <div class="col-6 col-md-2"><label class="form-label" for="by">\(l("By"))</label><select class="form-select" id="by" name="by">\(units)</select></div>
              <div class="col-6 col-md-3"><label class="form-label" for="node">\(l("Meter"))</label><select class="form-select" id="node" name="node"><option value="">\(l("All"))</option>\(nodeOptions)</select></div>
              <div class="col-6 col-md-2"><label class="form-label" for="from">\(l("From"))</label><input class="form-control" type="date" id="from" name="from" value="\(from)"></div>
              <div class="col-6 col-md-2"><label class="form-label" for="to">\(l("To"))</label><input class="form-control" type="date" id="to" name="to" value="\(to)"></div>
              <div class="col-12 col-md-3 d-flex gap-2"><button class="btn btn-primary" type="submit">\(l("Show"))</button>
                <a class="btn btn-outline-secondary" href="/consumption.csv\(queryString)">CSV</a></div>
            </form>
            <p>\(l("Total")): <strong>\(l.number(report.totalKWh, decimals: 3)) kWh</strong>\(summary)</p>
            \(HTML.when(!tariffLines.isEmpty, "<p class=\"small text-body-secondary\" id=\"tariffs\">\(l("Your tariff")): \(tariffLines.joined(separator: "; "))</p>"))
            \(pivot.isEmpty ? "<p class=\"text-body-secondary\">\(l("No readings in this range."))</p>" as HTML : """
            <div class="chart-box mb-3"><canvas id="consumption-chart" data-stacked="\(kwhChart)" aria-label="kWh"></canvas></div>
            \(HTML.when(cost != nil, "<h2 class=\"h5\">\(l("Cost by tariff period"))</h2><div class=\"chart-box mb-3\"><canvas id=\"cost-chart\" data-stacked=\"\(costChart)\" aria-label=\"\(l("Cost"))\"></canvas></div>"))
            <div class="pivot">\(Component.table(columns, rows: rows))</div>
            """ as HTML)
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
