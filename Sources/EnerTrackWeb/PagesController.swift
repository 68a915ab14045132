import EnerTrackCore
import EnerTrackKit
import Foundation
import HTTPTypes
import Hummingbird

/// The dashboard and the node pages.
struct PagesController: Sendable {
    let site: Site
    let nodes: ViewerNodes
    let directory: any CostDirectory

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
    func dashboard(_ request: Request, _ viewer: Viewer) async throws -> Response {
        let l = viewer.l
        let views = try await nodes.nodeViews(viewer, latest: true)
        let kpi = try await nodes.kpis(views)
        func card(_ label: String, _ value: String, _ unit: String) -> HTML {
            Component.figure(label, value, unit: unit, columns: "col-6 col-md-4 col-xl")
        }
        var cards: [HTML] = [
            card(l("Power now"), l.number(kpi.powerW.map { $0 / 1000 }, decimals: 2), "kW"),
            card(l("Energy today"), l.number(kpi.energyTodayKWh, decimals: 2), "kWh"),
            card(l("Mean voltage"), l.number(kpi.voltage, decimals: 1), "V"),
            card(l("Frequency"), l.number(kpi.frequency, decimals: 2), "Hz"),
            card(l("Power factor"), l.number(kpi.pf, decimals: 2), ""),
        ]
        // This month's cost so far and projected, when the meters have a tariff.
        if let outlook = try? await CostOutlook.month(
            directory: directory, series: nodes.series, espIDs: views.map(\.node.espID), user: viewer.user.username,
            timeZone: site.options.timeZone)
        {
            cards.append(
                """
                <div class="col-12 col-md-8 col-xl-4"><div class="card kpi h-100" id="cost-card"><div class="card-body">\
                <div class="label">\(l("This month so far / projected"))</div>\
                <div class="value">\(l.money(outlook.soFar, currency: outlook.currency)) <small class="fs-6">/ \(l.money(outlook.projected, currency: outlook.currency))</small></div>\
                </div></div></div>
                """)
        }
        let rows: [HTML] = views.map { view in
            """
            <tr><td><a href="/nodes/\(view.node.espID)">\(view.label)</a><div class="esp text-body-secondary">\(view.node.espID)</div></td>
            <td class="d-none d-md-table-cell">\(view.assignment.location)</td>
            <td>\(site.badge(view.status, l))</td>
            <td class="text-end">\(l.number(view.latest?.power.map { $0 / 1000 }, decimals: 2))</td>
            <td class="text-end">\(l.number(kpi.meters.first { $0.node.espID == view.node.espID }?.todayKWh, decimals: 2))</td>
            <td class="d-none d-sm-table-cell small">\(l.time(view.node.lastSeen, site.options.timeZone))</td></tr>
            """
        }
        let body: HTML = """
            <h1 class="h3 mb-3">\(l("Dashboard"))</h1>
            <div class="row g-3 mb-4">\(cards)</div>
            <h2 class="h5">\(l("Meters"))</h2>
            \(views.isEmpty ? "<p class=\"text-body-secondary\">\(l("No meters are assigned to you."))</p>" as HTML : """
            <div class="table-responsive"><table class="table table-hover">
            <thead><tr><th>\(l("Meter"))</th><th class="d-none d-md-table-cell">\(l("Location"))</th><th>\(l("Status"))</th>
            <th class="text-end">kW</th><th class="text-end">\(l("kWh today"))</th><th class="d-none d-sm-table-cell">\(l("Last seen"))</th></tr></thead>
            <tbody>\(rows)</tbody></table></div>
            """ as HTML)
            """
        return site.page(request, viewer, title: l("Dashboard"), active: "dashboard", body: body)
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
        let ranges: [HTML] = ["1h", "24h", "7d", "30d"].map { range in
            "<button type=\"button\" class=\"btn btn-outline-primary btn-sm\(range == "24h" ? " active" : "")\" data-set-range=\"\(range)\">\(range)</button>"
        }
        let quantities: [(String, String)] = [
            ("power", l("Power")), ("voltage", l("Voltage")),
            ("current", l("Current")),
            ("energy", l("Energy")), ("pf", "FP"), ("frequency", l("Frequency")),
        ]
        let quantityButtons: [HTML] = quantities.map { key, label in
            "<button type=\"button\" class=\"btn btn-outline-secondary btn-sm\(key == "power" ? " active" : "")\" data-set-quantity=\"\(key)\">\(label)</button>"
        }
        let body: HTML = """
            <h1 class="h3">\(view.label) \(site.badge(view.status, l))</h1>
            <p class="text-body-secondary"><span class="esp">\(view.node.espID)</span>\(HTML.when(view.assignment.location != nil, " · \(view.assignment.location ?? "")")) · \(l("last seen")) \(l.time(view.node.lastSeen, site.options.timeZone))</p>
            <div class="row g-2 mb-3">\(items)</div>
            <div class="d-flex flex-wrap gap-2 mb-2"><div class="btn-group" role="group">\(ranges)</div><div class="btn-group flex-wrap" role="group">\(quantityButtons)</div></div>
            <div class="chart-box"><canvas id="history-chart" data-node="\(view.node.espID)" data-range="24h" data-quantity="power" aria-label="\(l("History"))"></canvas></div>
            <p class="small text-body-secondary mt-2">\(l("Refreshes every 10 s. Source:")) <span id="history-source">–</span></p>
            <p><a href="/consumption?node=\(view.node.espID)">\(l("Consumption of this meter"))</a></p>
            """
        return site.page(request, viewer, title: view.label, active: "dashboard", body: body)
    }
}
