import EnerTrackCore
import EnerTrackKit
import Foundation
import Hummingbird

/// The site page (`/sites/<site>?period=&date=`): a day, week, month or year of the site's
/// flows — import, export, production, consumption, self-consumption and self-sufficiency — as
/// figures and stacked bars (solar used and grid import above zero, export below), and its
/// circuits with their kWh, share and cost, the untracked remainder last.
extension SitesController {
    func sitePage(_ request: Request, _ viewer: Viewer, name: String) async throws -> Response {
        guard let layout = try await layout(viewer, name: name) else { return site.notFound(request, viewer) }
        let l = viewer.l
        let zone = zone(of: layout)
        let now = Date()
        let asked = try Query(request)
        let period = HomePeriod(
            kind: asked.period.flatMap(HomePeriod.Kind.init(rawValue:)) ?? .day, date: asked.date, now: now,
            timeZone: zone)
        let range = period.range(now: now)
        let report =
            range.duration > 0 ? try await report(layout, unit: period.kind.unit, range: range, now: now) : nil
        let labels = try await meterLabels()
        let path = "/sites/\(layout.site.name)"
        var content: HTML = "<p class=\"text-body-secondary\">\(l("No readings in this range."))</p>"
        if let report, !report.rows.isEmpty {
            content = "\(figures(report, period, l))\(chart(report, period, l))\(circuits(report, labels, l))"
        }
        let body: HTML = """
            <h1 class="h3 mb-3">\(layout.site.label)</h1>
            \(Component.periodPicker(period, now: now, l, path: path))
            \(content)
            """
        return site.page(request, viewer, title: layout.site.label, active: "dashboard", body: body)
    }

    /// Each meter's label (its name, else its ESP id), for the circuits table.
    func meterLabels() async throws -> [String: String] {
        Dictionary(
            try await directory.nodes(includeInactive: true).map { ($0.espID, $0.label) },
            uniquingKeysWith: { first, _ in first })
    }

    /// The period's totals as cards.
    func figures(_ report: SiteReport, _ period: HomePeriod, _ l: Words) -> HTML {
        let total = report.total
        func card(_ label: String, _ value: Double, _ unit: String = "kWh") -> HTML {
            Component.figure(label, l.number(value, decimals: 2), unit: unit, columns: "col-6 col-md-4 col-xl-2")
        }
        let share = total.selfSufficiency.map { l.number($0 * 100, decimals: 0) } ?? "–"
        return """
            <div class="row g-3 mb-3">
            \(card(l("Consumption"), total.consumptionKwh))\(card(l("From the grid"), total.importKwh))\
            \(card(l("To the grid"), total.exportKwh))\(card(l("Production"), total.productionKwh))\
            \(card(l("Self-consumption"), total.selfConsumptionKwh))\
            \(Component.figure(l("Self-sufficiency"), share, unit: "%", columns: "col-6 col-md-4 col-xl-2"))
            </div>
            """
    }

    /// Stacked bars per period: solar used and grid import make up consumption; export below zero.
    func chart(_ report: SiteReport, _ period: HomePeriod, _ l: Words) -> HTML {
        let rows = report.rows
        let chart = StackedChart(
            unit: "kWh",
            labels: rows.map { Component.barLabel($0.start, period.kind, l, timeZone: report.timeZone) },
            series: [
                StackedChart.Series(
                    label: l("Solar used"), values: rows.map { ConsumptionReport.rounded($0.flows.selfConsumptionKwh) }),
                StackedChart.Series(
                    label: l("From the grid"), values: rows.map { ConsumptionReport.rounded($0.flows.importKwh) }),
                StackedChart.Series(
                    label: l("To the grid"), values: rows.map { -ConsumptionReport.rounded($0.flows.exportKwh) }),
            ])
        return """
            <div class="chart-box mb-2"><canvas id="site-chart" data-above data-stacked="\(chart.json)" role="img" aria-label="\(l("The site's energy flows, {0}", period.label(l)))" aria-describedby="site-table-summary">\(l("The chart's figures are in the table below."))</canvas></div>
            <details class="mb-3"><summary id="site-table-summary">\(l("The chart's figures as a table"))</summary>\(table(report, period, l))</details>
            """
    }

    /// The flows of each bar.
    func table(_ report: SiteReport, _ period: HomePeriod, _ l: Words) -> HTML {
        let columns: [Component.Column] = [
            .init(l("Period")), .init(l("Consumption") + " kWh", end: true),
            .init(l("From the grid") + " kWh", end: true),
            .init(l("To the grid") + " kWh", end: true), .init(l("Production") + " kWh", end: true),
            .init(l("Self-consumption") + " kWh", end: true),
        ]
        let rows: [[HTML]] = report.rows.map { row in
            let flows = row.flows
            return ["\(Component.barLabel(row.start, period.kind, l, timeZone: report.timeZone))"]
                + [
                    flows.consumptionKwh, flows.importKwh, flows.exportKwh, flows.productionKwh,
                    flows.selfConsumptionKwh,
                ]
                .map { "\(l.number($0, decimals: 3))" }
        }
        return Component.table(columns, rows: rows)
    }

    /// The circuits (children under their parent), the untracked remainder and the total.
    func circuits(_ report: SiteReport, _ labels: [String: String], _ l: Words) -> HTML {
        let total = report.total
        let cost = report.totalCost
        let priced = report.currency != nil && cost != nil
        let currency = report.currency ?? ""
        func share(_ kwh: Double) -> String {
            total.consumptionKwh > 0 ? l.number(kwh / total.consumptionKwh * 100, decimals: 0) + " %" : "–"
        }
        var columns: [Component.Column] = [.init(l("Circuit")), .init("kWh", end: true), .init(l("Share"), end: true)]
        if priced { columns.append(.init(l("Cost"), end: true)) }
        func row(_ label: HTML, _ kwh: Double, _ cents: Int128?) -> [HTML] {
            var cells: [HTML] = [label, "\(l.number(kwh, decimals: 2))", "\(share(kwh))"]
            if priced { cells.append("\(l.money(cents: cents, currency: currency))") }
            return cells
        }
        var rows: [[HTML]] = []
        for meter in report.circuitOrder {
            let place = report.layout.meters.first { $0.espID == meter }
            let label = labels[meter] ?? meter
            let name: HTML = place?.parent == nil ? "\(label)" : "<span class=\"ms-3\">↳ \(label)</span>"
            rows.append(row(name, total.circuits[meter] ?? 0, cost?.circuitCents[meter]))
        }
        rows.append(row("<em>\(l("Not metered by any circuit"))</em>", total.untrackedKwh, cost?.untrackedCents))
        rows.append(row("<strong>\(l("Total"))</strong>", total.consumptionKwh, cost?.energyCents))
        let note: HTML =
            priced
            ? "<p class=\"small text-body-secondary\">\(l("Cost: the grid energy of each quarter hour, shared among the circuits in proportion to what they used (solar energy is free); power, fixed charges, taxes and the export compensation are on the bill."))</p>"
            : ""
        return """
            <h2 class="h5">\(l("Circuits"))</h2>
            \(Component.table(columns, rows: rows))
            \(note)
            """
    }
}
