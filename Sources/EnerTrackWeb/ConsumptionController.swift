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
    let directory: any TariffStore

    var routes: RouteCollection<WebContext> {
        let routes = RouteCollection(context: WebContext.self)
        routes.get("consumption") { request, context in
            try await self.site.signedIn(request, context) { try await self.consumptionPage(request, $0, csv: false) }
        }
        routes.get("consumption.csv") { request, context in
            try await self.site.signedIn(request, context) { try await self.consumptionPage(request, $0, csv: true) }
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

    func consumptionQuery(_ query: Query, _ viewer: Viewer, views: [NodeView]) async throws -> ConsumptionQuery {
        let unit = query.by.flatMap(PeriodUnit.init(rawValue:)) ?? .day
        let now = Date()
        var error: String?
        let from = query.from.flatMap(\.nonEmpty)
        let to = query.to.flatMap(\.nonEmpty)
        var nodes = views.map(\.node.espID)
        if let node = query.node, !node.isEmpty {
            nodes = nodes.filter { $0.lowercased() == node.lowercased() }
        }
        // Years start at the meters' first reading, not in 2000.
        let first = unit == .year && from == nil ? try await series.firstReadings(nodes: nodes).values.min() : nil
        var range = ConsumptionReport.defaultRange(unit, now: now, timeZone: site.options.timeZone, first: first)
        do {
            range = try ConsumptionReport.range(
                unit, from: from, to: to, now: now, timeZone: site.options.timeZone, meters: nodes.count, first: first)
        } catch let failure {
            // The rule's facts in the page's words (its field names), on the default range.
            let l = viewer.l
            error =
                l("Invalid range: ")
                + failure.message(l, from: l("From"), to: l("To"), help: l("a date such as 2026-12-04"))
        }
        return ConsumptionQuery(unit: unit, range: range, nodes: nodes, error: error)
    }

    func consumptionPage(_ request: Request, _ viewer: Viewer, csv: Bool) async throws -> Response {
        let views = try await nodes.nodeViews(viewer)
        let asked = try Query(request)
        let query = try await consumptionQuery(asked, viewer, views: views)
        if let node = asked.node, !node.isEmpty, query.nodes.isEmpty {
            return site.notFound(request, viewer)
        }
        if csv { return try await consumptionCSV(query) }
        let labels = Dictionary(views.map { ($0.node.espID, $0.label) }, uniquingKeysWith: { first, _ in first })
        // All meters: a site is one column (its consumption); one meter asked for: that meter.
        let sites = asked.node?.isEmpty == false ? SiteScope.none : try await nodes.sites(views)
        let view = try await ConsumptionView.build(
            series: series, tariffs: directory, user: viewer.user.username,
            meters: query.nodes.map { ($0, labels[$0] ?? $0) }, unit: query.unit, range: query.range,
            timeZone: site.options.timeZone, sites: sites)
        let body: HTML = """
            <h1 class="h3 mb-3">\(viewer.l("Consumption"))</h1>
            \(HTML.when(query.error != nil, "<div class=\"alert alert-warning\">\(query.error ?? "")</div>"))
            \(site.costNotices(view, viewer))
            \(form(request, viewer, query, views: views, selected: asked.node ?? ""))
            \(summary(view, viewer.l))
            \(figures(view, viewer.l))
            """
        return site.page(request, viewer, title: viewer.l("Consumption"), active: "consumption", body: body)
    }

    /// The download: the periods × meters pivot; a range it cannot give is a 400 with the reason.
    func consumptionCSV(_ query: ConsumptionQuery) async throws -> Response {
        if let error = query.error {
            return site.respond(error + "\n", type: "text/plain; charset=utf-8", status: .badRequest)
        }
        let report = try await ConsumptionReport.compute(
            series: series, nodes: query.nodes, unit: query.unit, range: query.range, timeZone: site.options.timeZone)
        return site.respond(
            report.pivotCSV(), type: "text/csv; charset=utf-8",
            headers: [.contentDisposition: "attachment; filename=\"consumption-\(query.unit.rawValue).csv\""])
    }

    /// The range form: unit, meter, from, to, and the CSV of the same query.
    func form(_ request: Request, _ viewer: Viewer, _ query: ConsumptionQuery, views: [NodeView], selected: String)
        -> HTML
    {
        let l = viewer.l
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
        let nodeOptions: [HTML] = views.map {
            "<option value=\"\($0.node.espID)\"\(HTML.when($0.node.espID.lowercased() == selected.lowercased(), " selected"))>\($0.label)</option>"
        }
        let timeZone = site.options.timeZone
        let from = PeriodUnit.day.label(query.range.start, timeZone: timeZone)
        let to = PeriodUnit.day.label(query.range.end, timeZone: timeZone)
        let queryString = request.uri.query.map { "?" + $0 } ?? ""
        return """
            <form class="row g-2 align-items-end mb-3" method="get" action="/consumption">
              <div class="col-6 col-md-2"><label class="form-label" for="by">\(l("By"))</label><select class="form-select" id="by" name="by">\(units)</select></div>
              <div class="col-6 col-md-3"><label class="form-label" for="node">\(l("Meter"))</label><select class="form-select" id="node" name="node"><option value="">\(l("All"))</option>\(nodeOptions)</select></div>
              <div class="col-6 col-md-2"><label class="form-label" for="from">\(l("From"))</label><input class="form-control" type="date" id="from" name="from" value="\(from)"></div>
              <div class="col-6 col-md-2"><label class="form-label" for="to">\(l("To"))</label><input class="form-control" type="date" id="to" name="to" value="\(to)"></div>
              <div class="col-12 col-md-3 d-flex gap-2"><button class="btn btn-primary" type="submit">\(l("Show"))</button>
                <a class="btn btn-outline-secondary" href="/consumption.csv\(queryString)">CSV</a></div>
            </form>
            """
    }

    /// The totals line and the viewer's tariffs today.
    func summary(_ view: ConsumptionView, _ l: Words) -> HTML {
        let cost: HTML =
            view.costCents.map { cost in
                let note = HTML.when(
                    view.meters.contains { !$0.priced },
                    " <span class=\"text-body-secondary\">(\(l("meters without a tariff are not priced")))</span>")
                return " · \(l("Cost")): <strong>\(l.money(cents: cost, currency: view.currency))</strong>\(note)"
            } ?? ""
        // Meters on the same tariff share one line.
        var tariffs: [(meters: [String], text: String)] = []
        for today in view.tariffs {
            let money = today.currency == "EUR" ? "€" : today.currency
            let prices =
                today.prices.map {
                    $0.map { "\(l.period($0.band)) \(l.price($0.price)) \(money)/kWh" }.joined(separator: " · ")
                } ?? l("dynamic prices")
            let text = "\(today.tariff) (\(prices))"
            if let index = tariffs.firstIndex(where: { $0.text == text }) {
                tariffs[index].meters.append(today.meter)
            } else {
                tariffs.append(([today.meter], text))
            }
        }
        let lines = tariffs.map { $0.meters.joined(separator: ", ") + ": " + $0.text }
        return """
            <p>\(l("Total")): <strong>\(l.number(view.totalKWh, decimals: 3)) kWh</strong>\(cost)</p>
            \(HTML.when(!tariffs.isEmpty, "<p class=\"small text-body-secondary\" id=\"tariffs\">\(l("Your tariff")): \(lines.joined(separator: "; ")) · <a href=\"/tariff\">\(l("its terms"))</a></p>"))
            """
    }

    /// The kWh chart, the cost chart by tariff period and the table, or a word that there is nothing.
    func figures(_ view: ConsumptionView, _ l: Words) -> HTML {
        guard !view.periods.isEmpty else {
            return "<p class=\"text-body-secondary\">\(l("No readings in this range."))</p>"
        }
        func stacked(_ unit: String, _ series: [(label: String, values: [Double])], other: [Double]? = nil) -> String {
            var all = series.map { StackedChart.Series(label: $0.label, values: $0.values) }
            if let other, other.contains(where: { $0 != 0 }) {
                all.append(StackedChart.Series(label: l("Power, fixed charges and taxes"), values: other, other: true))
            }
            return StackedChart(unit: unit, labels: view.periods.map(\.label), series: all).json
        }
        let kwhChart = stacked(
            "kWh",
            view.meters.indices.map { index in
                (view.meters[index].label, view.periods.map { ConsumptionReport.rounded($0.kwh[index] ?? 0) })
            })
        // The bars add up to the table's cost: energy by tariff period, then the rest of the bill.
        let costChart = stacked(
            view.currency,
            view.bands.indices.map { index in
                (l.period(view.bands[index]), view.periods.map { Double($0.bandCents[index]) / 100 })
            },
            other: view.periods.map { period in
                Double((period.costCents ?? 0) - period.bandCents.reduce(0, +)) / 100
            })
        let alternative = l("The chart's figures are in the table below.")
        return """
            <div class="chart-box mb-3"><canvas id="consumption-chart" data-stacked="\(kwhChart)" role="img" aria-label="\(l("kWh by meter"))">\(alternative)</canvas></div>
            \(HTML.when(view.costCents != nil, "<h2 class=\"h5\">\(l("Cost by tariff period"))</h2><div class=\"chart-box mb-2\"><canvas id=\"cost-chart\" data-bands data-table=\"cost-table\" data-stacked=\"\(costChart)\" role=\"img\" aria-label=\"\(l("Cost by tariff period"))\" aria-describedby=\"cost-table-summary\">\(l("The chart's figures are in the table after it."))</canvas></div><details class=\"mb-3 pivot\"><summary id=\"cost-table-summary\">\(l("The chart's figures as a table"))</summary><div class=\"table-responsive\"><table class=\"table table-sticky\" id=\"cost-table\"></table></div></details>"))
            <div class="pivot">\(table(view, l))</div>
            """
    }

    /// Periods × meters, with the total and the cost of each period, then a totals row.
    func table(_ view: ConsumptionView, _ l: Words) -> HTML {
        let priced = view.costCents != nil
        // The total and the cost first: on a phone they are in view without scrolling sideways.
        var columns: [Component.Column] = [.init(l("Period"))]
        columns.append(.init(l("Total") + " kWh", end: true))
        if priced { columns.append(.init(l("Cost"), end: true)) }
        // A meter that exported: its import, then its export and net (import − export).
        let exporting = view.meters.indices.filter { view.meters[$0].exportKwh != nil }
        for (index, meter) in view.meters.enumerated() {
            columns.append(Component.Column(meter.label + " kWh", end: true))
            if exporting.contains(index) {
                columns.append(Component.Column(meter.label + " " + l("exported") + " kWh", end: true))
                columns.append(Component.Column(meter.label + " " + l("net") + " kWh", end: true))
            }
        }
        func meterCells(_ kwh: [Double?], _ export: [Double?], bold: Bool) -> [HTML] {
            kwh.indices.flatMap { index -> [HTML] in
                func cell(_ value: Double?) -> HTML {
                    bold ? "<strong>\(l.number(value, decimals: 3))</strong>" : "\(l.number(value, decimals: 3))"
                }
                guard exporting.contains(index) else { return [cell(kwh[index])] }
                let out = export[index] ?? 0
                return [cell(kwh[index]), cell(out), cell(kwh[index].map { $0 - out })]
            }
        }
        var rows: [[HTML]] = view.periods.map { period in
            var cells: [HTML] = [
                "\(period.label)\(HTML.when(!period.complete, " <small class=\"text-body-secondary\">\(l("incomplete"))</small>"))",
                "<strong>\(l.number(period.totalKWh, decimals: 3))</strong>",
            ]
            if priced { cells.append("\(l.money(cents: period.costCents, currency: view.currency))") }
            cells += meterCells(period.kwh, period.exportKwh, bold: false)
            return cells
        }
        var totals: [HTML] = [
            "<strong>\(l("Total"))</strong>", "<strong>\(l.number(view.totalKWh, decimals: 3))</strong>",
        ]
        if let cost = view.costCents {
            totals.append("<strong>\(l.money(cents: cost, currency: view.currency))</strong>")
        }
        totals += meterCells(view.meters.map(\.kwh), view.meters.map(\.exportKwh), bold: true)
        rows.append(totals)
        return Component.table(columns, rows: rows)
    }
}

extension Site {
    /// Why some cost is not shown, in the viewer's words: a meter without dynamic prices for some
    /// days (only that meter's cost is left out; administrators get the way to upload them), or a
    /// range the cost cannot be computed for.
    func costNotices(_ view: ConsumptionView, _ viewer: Viewer) -> HTML {
        let l = viewer.l
        var notices: [HTML] = []
        for meter in view.meters {
            guard let days = view.unpriced[meter.espID], !days.isEmpty else { continue }
            notices.append(
                "<div class=\"alert alert-warning\">\(l("{0}: there are no dynamic prices for {1} yet, so its cost is left out.", meter.label, l.dates(days)))\(HTML.when(viewer.user.isAdmin, " <a class=\"alert-link\" href=\"/admin/tariffs#prices\">\(l("Upload prices"))</a>"))</div>"
            )
        }
        if let problem = view.costProblem {
            logger.notice("cost not shown: \(problem)")
            notices.append(
                "<div class=\"alert alert-warning\">\(l("The cost of this range cannot be computed."))</div>")
        }
        return "\(notices)"
    }
}
