import EnerTrackCore
import Foundation

/// `report site --format json` and `/api/v1/sites/<site>/flows`: one row per period, kWh to the
/// watt-hour's thousandth, amounts in the currency to the cent.
public struct SiteFlowsJSON: Codable, Sendable, Equatable {
    public struct Figures: Codable, Sendable, Equatable {
        public var period: String
        public var start: String
        public var end: String
        public var importKwh: Double
        public var exportKwh: Double
        public var productionKwh: Double
        public var consumptionKwh: Double
        public var selfConsumptionKwh: Double
        /// Self-consumption / consumption (0–1); nil without consumption.
        public var selfSufficiency: Double?
        public var untrackedKwh: Double
        public var circuits: [String: Double]
        /// Parent circuits' own remainders (only where circuits are nested).
        public var remainders: [String: Double]?
        public var complete: Bool
        public var energyCost: Double?
        public var circuitCost: [String: Double]?
        public var untrackedCost: Double?

        enum CodingKeys: String, CodingKey {
            case period, start, end, circuits, remainders, complete
            case importKwh = "import_kwh"
            case exportKwh = "export_kwh"
            case productionKwh = "production_kwh"
            case consumptionKwh = "consumption_kwh"
            case selfConsumptionKwh = "self_consumption_kwh"
            case selfSufficiency = "self_sufficiency"
            case untrackedKwh = "untracked_kwh"
            case energyCost = "energy_cost"
            case circuitCost = "circuit_cost"
            case untrackedCost = "untracked_cost"
        }
    }

    public struct Meter: Codable, Sendable, Equatable {
        public var espID: String
        public var role: String
        public var parent: String?

        enum CodingKeys: String, CodingKey {
            case role, parent
            case espID = "esp_id"
        }

        public init(_ meter: SiteMeter) {
            espID = meter.espID
            role = meter.role.rawValue
            parent = meter.parent
        }
    }

    public var site: String
    public var name: String
    public var tz: String
    public var by: String
    public var from: String
    public var to: String
    public var currency: String?
    public var meters: [Meter]
    public var rows: [Figures]
    public var total: Figures
}

extension SiteReport {
    public var view: SiteFlowsJSON {
        let total = Row(
            start: from, end: to, flows: self.total, complete: rows.allSatisfy(\.complete), cost: totalCost)
        var totalView = figures(total)
        totalView.period = "total"
        return SiteFlowsJSON(
            site: layout.site.name, name: layout.site.label, tz: timeZone.identifier, by: unit.rawValue,
            from: iso(from), to: iso(to), currency: currency,
            meters: layout.meters.map(SiteFlowsJSON.Meter.init),
            rows: rows.map(figures), total: totalView)
    }

    func figures(_ row: Row) -> SiteFlowsJSON.Figures {
        let flows = row.flows
        func kwh(_ value: Double) -> Double { ConsumptionReport.rounded(value) }
        func amount(_ cents: Int128) -> Double { Double(cents) / 100 }
        return SiteFlowsJSON.Figures(
            period: label(row), start: iso(row.start), end: iso(row.end), importKwh: kwh(flows.importKwh),
            exportKwh: kwh(flows.exportKwh), productionKwh: kwh(flows.productionKwh),
            consumptionKwh: kwh(flows.consumptionKwh), selfConsumptionKwh: kwh(flows.selfConsumptionKwh),
            selfSufficiency: flows.selfSufficiency.map { ($0 * 10_000).rounded() / 10_000 },
            untrackedKwh: kwh(flows.untrackedKwh), circuits: flows.circuits.mapValues(kwh),
            remainders: flows.remainders.isEmpty ? nil : flows.remainders.mapValues(kwh), complete: row.complete,
            energyCost: row.cost.map { amount($0.energyCents) },
            circuitCost: row.cost.map { $0.circuitCents.mapValues(amount) },
            untrackedCost: row.cost.map { amount($0.untrackedCents) })
    }

    func iso(_ date: Date) -> String { ISO8601.format(milliseconds: date.milliseconds, timeZone: timeZone) }

    public func json() -> String { JSONChunks.rendered(view) + "\n" }

    /// The circuits in the site's order (top level first, each followed by its children).
    public var circuitOrder: [String] {
        func walk(_ meter: String, depth: Int) -> [String] {
            [meter] + (depth < 16 ? layout.children(of: meter).flatMap { walk($0, depth: depth + 1) } : [])
        }
        return layout.topCircuits.flatMap { walk($0, depth: 0) }
    }

    /// Columns of the table and the CSV: the flows, each circuit's kWh, then (priced) the costs.
    func cells(csv: Bool) -> (header: [String], rows: [[String]]) {
        let circuits = circuitOrder
        let priced = rows.contains { $0.cost != nil }
        var header = [
            "period", "import_kwh", "export_kwh", "production_kwh", "consumption_kwh", "self_consumption_kwh",
            "self_sufficiency", "untracked_kwh",
        ]
        if csv { header.insert(contentsOf: ["start", "end"], at: 1) }
        header += circuits.map { "\($0)_kwh" }
        if priced { header += ["energy_cost"] + circuits.map { "\($0)_cost" } + ["untracked_cost"] }
        func number(_ value: Double) -> String { String(format: "%.3f", value) }
        func money(_ cents: Int128?) -> String { cents.map { CostReport.text(Decimal(Double($0)) / 100) } ?? "" }
        let lines = rows.map { row -> [String] in
            let flows = row.flows
            var cells = [label(row)]
            if csv { cells += [iso(row.start), iso(row.end)] }
            cells += [
                number(flows.importKwh), number(flows.exportKwh), number(flows.productionKwh),
                number(flows.consumptionKwh), number(flows.selfConsumptionKwh),
                flows.selfSufficiency.map { String(format: "%.4f", $0) } ?? "", number(flows.untrackedKwh),
            ]
            cells += circuits.map { number(flows.circuits[$0] ?? 0) }
            if priced {
                cells += [money(row.cost?.energyCents)] + circuits.map { money(row.cost?.circuitCents[$0]) }
                cells += [money(row.cost?.untrackedCents)]
            }
            return cells
        }
        return (header, lines)
    }

    public func csv() -> String {
        let (header, rows) = cells(csv: true)
        return ([header] + rows).map { $0.joined(separator: ",") }.joined(separator: "\n") + "\n"
    }

    public func table() -> String {
        let (header, rows) = cells(csv: false)
        var out = "site \(layout.site.name) (\(timeZone.identifier))"
        if let currency { out += ", costs in \(currency)" }
        out += "\n" + CostReport.aligned([header.map { $0.uppercased() }] + rows, rightFrom: 1)
        let total = self.total
        out += String(
            format: "total: import %.3f kWh, export %.3f kWh, production %.3f kWh, consumption %.3f kWh",
            total.importKwh,
            total.exportKwh, total.productionKwh, total.consumptionKwh)
        if let share = total.selfSufficiency { out += String(format: ", self-sufficiency %.1f %%", share * 100) }
        return out + "\n"
    }
}
