import EnerTrackCore
import EnerTrackKit
import Foundation
import HTTPTypes
import Hummingbird

/// The dashboard and the node pages.
struct PagesController: Sendable {
    let site: Site
    let nodes: ViewerNodes
    let directory: any CostDirectory & CorrectionStore

    var routes: RouteCollection<WebContext> {
        let routes = RouteCollection(context: WebContext.self)
        routes.get("/") { request, context in
            try await self.site.signedIn(request, context) { try await self.dashboard(request, $0) }
        }
        routes.get("nodes/:esp") { request, context in
            let espID = context.parameters.get("esp") ?? ""
            return try await self.site.signedIn(request, context) { try await self.nodePage(request, $0, espID: espID) }
        }
        return routes
    }
}

extension PagesController {
    /// The energy home page: the period's kWh stacked by meter (today by hours unless asked
    /// otherwise), stepping back and forth; cost; live power; the meters' table.
    func dashboard(_ request: Request, _ viewer: Viewer) async throws -> Response {
        let l = viewer.l
        let zone = site.options.timeZone
        let now = Date()
        let asked = try Query(request)
        let period = HomePeriod(
            kind: asked.period.flatMap(HomePeriod.Kind.init(rawValue:)) ?? .day, date: asked.date, now: now,
            timeZone: zone)
        let views = try await nodes.nodeViews(viewer, latest: true)
        let sites = try await nodes.sites(views)
        let kpi = try await nodes.kpis(views, sites: sites)
        let outlook = try? await CostOutlook.month(
            directory: directory, series: nodes.series, espIDs: views.map(\.node.espID),
            user: viewer.user.username,
            timeZone: zone, now: now)
        let energy =
            views.isEmpty || period.interval.start > now
            ? nil
            : try await ConsumptionView.build(
                series: nodes.series, tariffs: directory, user: viewer.user.username,
                meters: views.map { ($0.node.espID, $0.label) }, unit: period.kind.unit,
                range: period.range(now: now), timeZone: zone, now: now, sites: sites)
        func card(_ label: String, _ value: String, _ unit: String, field: String? = nil) -> HTML {
            Component.figure(label, value, unit: unit, columns: "col-6 col-lg-3", field: field)
        }
        var cards: [HTML] = [
            card(l("Power now"), l.number(kpi.powerW.map { $0 / 1000 }, decimals: 2), "kW", field: "power-total"),
            card(l("Energy today"), l.number(kpi.energyTodayKWh, decimals: 2), "kWh", field: "energy-total"),
        ]
        if let outlook {
            cards.append(card(l("Cost today"), l.money(outlook.today, currency: outlook.currency), ""))
            cards.append(
                """
                <div class="col-6 col-lg-3"><div class="card kpi h-100" id="cost-card"><div class="card-body">\
                <div class="label">\(l("This month so far / projected"))</div>\
                <div class="value">\(l.money(outlook.soFar, currency: outlook.currency)) <small class="fs-6">/ \(l.money(outlook.projected, currency: outlook.currency))</small></div>\
                </div></div></div>
                """)
        }
        let rows: [HTML] = views.map { view in
            """
            <tr data-node="\(view.node.espID)"><th scope="row" class="fw-normal"><a href="/nodes/\(view.node.espID)">\(view.label)</a><div class="esp text-body-secondary">\(view.node.espID)</div></th>
            <td class="d-none d-md-table-cell">\(view.assignment.location)</td>
            <td>\(site.badge(view.status, l))</td>
            <td class="text-end" data-field="power">\(l.number(view.latest?.power.map { $0 / 1000 }, decimals: 2))</td>
            <td class="text-end" data-field="today">\(l.number(kpi.meters.first { $0.node.espID == view.node.espID }?.todayKWh, decimals: 2))</td>
            <td class="d-none d-sm-table-cell small" data-field="seen">\(l.time(view.node.lastSeen, zone))</td></tr>
            """
        }
        let body: HTML = """
            <h1 class="h3 mb-3">\(l("Energy"))</h1>
            <div class="row g-3 mb-3" data-live="\(now.milliseconds)">\(cards)</div>
            \(SiteCards.cards(sites, latest: latestReadings(views), l))
            \(views.isEmpty ? "<p class=\"text-body-secondary\">\(l("No meters are assigned to you."))</p>" as HTML : periodSection(period, energy, viewer, now: now, today: outlook))
            \(HTML.when(!views.isEmpty, """
            <h2 class="h5">\(l("Meters"))</h2>
            <div class="table-responsive"><table class="table table-hover">
            <thead><tr><th scope="col">\(l("Meter"))</th><th scope="col" class="d-none d-md-table-cell">\(l("Location"))</th><th scope="col">\(l("Status"))</th>
            <th scope="col" class="text-end">kW</th><th scope="col" class="text-end">\(l("kWh today"))</th><th scope="col" class="d-none d-sm-table-cell">\(l("Last seen"))</th></tr></thead>
            <tbody>\(rows)</tbody></table></div>
            <p class="small text-body-secondary" id="live-refresh">\(l("Power and today's energy update every 10 s."))
            \(l("Mean voltage")) \(l.number(kpi.voltage, decimals: 1)) V · \(l("Frequency")) \(l.number(kpi.frequency, decimals: 2)) Hz · \(l("Power factor")) \(l.number(kpi.pf, decimals: 2))</p>
            """))
            """
        return site.page(request, viewer, title: l("Energy"), active: "dashboard", body: body)
    }

    /// The period picker, previous/next, the stacked chart and its totals.
    func periodSection(
        _ period: HomePeriod, _ energy: ConsumptionView?, _ viewer: Viewer, now: Date, today: CostOutlook?
    ) -> HTML {
        let l = viewer.l
        var figures: HTML = "<p class=\"text-body-secondary\">\(l("No readings in this range."))</p>"
        var totals: HTML = ""
        if let energy, !energy.periods.isEmpty {
            let chart = StackedChart(
                unit: "kWh", labels: energy.periods.map { barLabel($0.start, period.kind, l) },
                series: energy.meters.indices.map { index in
                    StackedChart.Series(
                        label: energy.meters[index].label,
                        values: energy.periods.map { ConsumptionReport.rounded($0.kwh[index] ?? 0) })
                })
            // Today's cost is the card's (the bill so far, power and fixed terms included).
            let cost: HTML =
                period.kind == .day && period.contains(now) && today != nil
                ? " · \(l("Cost")) <strong>\(l.money(today?.today, currency: today?.currency ?? ""))</strong>"
                : energy.costCents.map {
                    " · \(l("Cost")) <strong>\(l.money(cents: $0, currency: energy.currency))</strong>"
                } ?? ""
            totals =
                "<p class=\"mb-2\">\(l("Total")) <strong>\(l.number(energy.totalKWh, decimals: 2)) kWh</strong>\(cost)\(HTML.when(period.contains(now), " <span class=\"text-body-secondary\">(\(l("so far")))</span>"))</p>"
            figures = """
                <div class="chart-box mb-2"><canvas id="home-chart" data-stacked="\(chart.json)" role="img" aria-label="\(l("kWh by meter, {0}", period.label(l)))" aria-describedby="home-table-summary">\(l("The chart's figures are in the table below."))</canvas></div>
                <details class="mb-3"><summary id="home-table-summary">\(l("The chart's figures as a table"))</summary>\(figureTable(energy, period.kind, l))</details>
                """
        }
        return """
            \(Component.periodPicker(period, now: now, l, path: "/"))
            \(energy.map { site.costNotices($0, viewer) } ?? "")
            \(totals)
            \(figures)
            """
    }

    func barLabel(_ start: Date, _ kind: HomePeriod.Kind, _ l: Words) -> String {
        Component.barLabel(start, kind, l, timeZone: site.options.timeZone)
    }

    /// The chart's bars as rows: period, each meter, total.
    func figureTable(_ energy: ConsumptionView, _ kind: HomePeriod.Kind, _ l: Words) -> HTML {
        var columns: [Component.Column] = [.init(l("Period"))]
        columns += energy.meters.map { Component.Column($0.label + " kWh", end: true) }
        columns.append(.init(l("Total") + " kWh", end: true))
        let rows: [[HTML]] = energy.periods.map { row in
            var cells: [HTML] = ["\(barLabel(row.start, kind, l))"]
            cells += row.kwh.map { "\(l.number($0, decimals: 3))" }
            cells.append("<strong>\(l.number(row.totalKWh, decimals: 3))</strong>")
            return cells
        }
        return Component.table(columns, rows: rows)
    }

    func nodePage(_ request: Request, _ viewer: Viewer, espID: String) async throws -> Response {
        guard let view = try await nodes.nodeView(viewer, espID: espID, latest: true) else {
            return site.notFound(request, viewer)
        }
        try await directory.recordAccess(userID: viewer.user.id, nodeID: view.node.id, at: Date())
        let l = viewer.l
        let reading = view.latest
        let values: [(String, String)] = [
            (l("Power"), l.number(reading?.power, decimals: 1) + " W"),
            (l("Voltage"), l.number(reading?.voltage, decimals: 1) + " V"),
            (l("Current"), l.number(reading?.current, decimals: 3) + " A"),
            (l("Energy (counter)"), l.number(reading?.energy, decimals: 3) + " kWh"),
            (l("Power factor"), l.number(reading?.pf, decimals: 2)),
            (l("Frequency"), l.number(reading?.frequency, decimals: 2) + " Hz"),
        ]
        var items: [HTML] = values.map {
            Component.figure($0.0, $0.1, columns: "col-6 col-md-4 col-xl-2", size: "fs-5")
        }
        // Today's cost of this meter, when it has a tariff.
        if let today = try? await CostReport.query(
            directory: directory, series: nodes.series, espIDs: [view.node.espID], user: viewer.user.username,
            grouping: .bill, range: ConsumptionReport.today(now: Date(), timeZone: site.options.timeZone),
            timeZone: site.options.timeZone, pricedOnly: true), let bill = today.bill, !bill.lines.isEmpty
        {
            items.append(
                Component.figure(
                    l("Cost today"), l.money(bill.total, currency: today.currency), columns: "col-6 col-md-4 col-xl-2",
                    size: "fs-5"))
        }
        // The range and quantity of the URL (a reload or a shared link keeps them); the script
        // reads the same parameters.
        let asked = try Query(request)
        let zoomed = asked.from.flatMap(\.nonEmpty) != nil && asked.to.flatMap(\.nonEmpty) != nil
        let range = HistoryChart.presets.contains { $0.name == asked.range } ? asked.range ?? "24h" : "24h"
        let quantity = asked.quantity.flatMap(Quantity.init(rawValue:)) ?? .power
        func pressed(_ on: Bool) -> HTML { on ? " active\" aria-pressed=\"true" : "\" aria-pressed=\"false" }
        let ranges: [HTML] = HistoryChart.presets.map(\.name).map { name in
            "<button type=\"button\" class=\"btn btn-outline-primary btn-sm\(pressed(!zoomed && name == range))\" data-set-range=\"\(name)\">\(name)</button>"
        }
        let quantities: [(Quantity, String)] =
            [
                (.power, l("Power")), (.energy, l("Energy")), (.voltage, l("Voltage")), (.current, l("Current")),
                (.pf, l("Power factor")), (.frequency, l("Frequency")),
            ] + Component.phaseQuantities(reading)
        let quantityButtons: [HTML] = quantities.map { key, label in
            "<button type=\"button\" class=\"btn btn-outline-secondary btn-sm\(pressed(key == quantity))\" data-set-quantity=\"\(key.rawValue)\">\(label)</button>"
        }
        let zoom: [(String, String, String)] = [
            ("earlier", "◀", l("Earlier")), ("out", "−", l("Zoom out")), ("in", "+", l("Zoom in")),
            ("later", "▶", l("Later")),
        ]
        let zoomButtons: [HTML] = zoom.map { action, symbol, label in
            "<button type=\"button\" class=\"btn btn-outline-secondary btn-sm\" data-zoom=\"\(action)\" aria-label=\"\(label)\" title=\"\(label)\">\(symbol)</button>"
        }
        // Admins see the corrections made to this meter's readings.
        let corrections =
            viewer.user.isAdmin ? try await directory.corrections(node: view.node.espID, limit: 20) : []
        let body: HTML = """
            <h1 class="h3">\(view.label) \(site.badge(view.status, l))</h1>
            <p class="text-body-secondary mb-2"><span class="esp">\(view.node.espID)</span>\(HTML.when(view.assignment.location != nil, " · \(view.assignment.location ?? "")")) · \(l("last seen")) \(l.time(view.node.lastSeen, site.options.timeZone))</p>
            <div class="d-flex flex-wrap gap-2 mb-2">
              <div class="btn-group" role="group" aria-label="\(l("Range"))">\(ranges)</div>
              <div class="btn-group" role="group" aria-label="\(l("Zoom"))">\(zoomButtons)</div>
              <div class="btn-group flex-wrap" role="group" aria-label="\(l("Quantity"))">\(quantityButtons)</div>
            </div>
            <div class="chart-box"><canvas id="history-chart" data-history="\(view.node.espID)" data-range="\(range)" data-quantity="\(quantity.rawValue)" role="img" aria-label="\(l("History of {0}", view.label))" aria-describedby="history-status">\(l("The chart's figures are in the table below."))</canvas></div>
            <p class="small text-body-secondary mt-1 mb-2"><span id="history-status" aria-live="polite"></span> · \(l("Drag across the chart to zoom."))</p>
            <details class="mb-3"><summary>\(l("The chart's figures as a table"))</summary>
              <div class="table-responsive table-scroll"><table class="table table-sm" id="history-table"></table></div></details>
            <div class="row g-2 mb-3">\(items)</div>
            \(Component.phases(reading, l))
            <p><a href="/consumption?node=\(view.node.espID)">\(l("Consumption of this meter"))</a></p>
            \(Component.corrections(corrections, l, timeZone: site.options.timeZone))
            """
        return site.page(request, viewer, title: view.label, active: "dashboard", body: body)
    }
}
