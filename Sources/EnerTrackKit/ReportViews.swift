import EnerTrackCore
import Foundation

/// `report consumption --format json` and the API's consumption answers: the report's fields and
/// its rows, one per meter and period.
public struct ConsumptionJSON: Codable, Sendable, Equatable {
    public struct Row: Codable, Sendable, Equatable {
        public var node: String
        /// ISO 8601 with the zone's offset.
        public var start: String
        public var end: String
        public var kwh: Double
        public var complete: Bool
        /// Only for a meter that exported in the report's range: kWh sent to the grid, and
        /// import − export.
        public var exportKwh: Double?
        public var netKwh: Double?

        enum CodingKeys: String, CodingKey {
            case node, start, end, kwh, complete
            case exportKwh = "export_kwh"
            case netKwh = "net_kwh"
        }
    }

    public var by: String
    public var tz: String
    public var unit: String
    public var totalKWh: Double
    /// Only when a meter exported.
    public var totalExportKWh: Double?
    public var rows: [Row]

    enum CodingKeys: String, CodingKey {
        case by, tz, unit, rows
        case totalKWh = "total_kwh"
        case totalExportKWh = "total_export_kwh"
    }
}

/// `report cost --format json` and the API's cost answers: the report's fields and its rows, one
/// per meter and period, each with its bill's parts. Amounts are in the currency, to the cent.
public struct CostJSON: Codable, Sendable, Equatable {
    public struct Band: Codable, Sendable, Equatable {
        public var kwh: Double
        public var cost: Double
    }

    public struct Row: Codable, Sendable, Equatable {
        public var node: String
        /// `PeriodUnit.label` of the row's start.
        public var period: String
        public var start: String
        public var end: String
        public var kwh: Double
        public var energy: Double
        public var power: Double
        public var fixed: Double
        /// By tax name.
        public var taxes: [String: Double]
        public var total: Double
        /// By tariff period (band).
        public var bands: [String: Band]
        public var complete: Bool
        /// Energy no price covered (nil when all of it was priced).
        public var unpricedKWh: Double?

        enum CodingKeys: String, CodingKey {
            case node, period, start, end, kwh, energy, power, fixed, taxes, total, bands, complete
            case unpricedKWh = "unpriced_kwh"
        }
    }

    public var currency: String
    public var by: String
    public var from: String
    public var to: String
    public var total: Double
    public var rows: [Row]
}

/// `report cost --bill --format json` and the API's bill: the lines of one bill.
public struct BillJSON: Codable, Sendable, Equatable {
    public struct Line: Codable, Sendable, Equatable {
        public var label: String
        public var quantity: Double
        public var unit: String
        public var price: Double
        public var amount: Double
        /// `energy`, `power`, `fixed`, `tax`…
        public var part: String
        /// The meter a line is for (nil for a line of the whole bill).
        public var node: String?
        /// The tariff period of an energy line.
        public var period: String?
    }

    public var currency: String
    public var from: String
    public var to: String
    public var kwh: Double
    public var lines: [Line]
    public var total: Double
    public var unpricedKWh: Double?

    enum CodingKeys: String, CodingKey {
        case currency, from, to, kwh, lines, total
        case unpricedKWh = "unpriced_kwh"
    }
}

extension ConsumptionReport {
    /// The report as its view model.
    public var view: ConsumptionJSON {
        ConsumptionJSON(
            by: unit.rawValue, tz: timeZone.identifier, unit: "kWh", totalKWh: Self.rounded(totalKWh),
            totalExportKWh: totalExportKWh.map(Self.rounded), rows: rows.map(rowView))
    }

    func rowView(_ row: Row) -> ConsumptionJSON.Row {
        ConsumptionJSON.Row(
            node: row.node, start: iso(row.start), end: iso(row.end), kwh: Self.rounded(row.kwh),
            complete: row.complete, exportKwh: row.exportKwh.map(Self.rounded), netKwh: row.netKwh.map(Self.rounded))
    }
}

extension CostReport {
    /// The report as its view model.
    public var view: CostJSON {
        CostJSON(
            currency: currency, by: grouping.rawValue, from: iso(from), to: iso(to), total: total.double,
            rows: rows.map(rowView))
    }

    func rowView(_ row: Row) -> CostJSON.Row {
        var bands: [String: CostJSON.Band] = [:]
        for band in row.bill.bands { bands[band.period] = CostJSON.Band(kwh: band.kwh.double, cost: band.cost.double) }
        var taxes: [String: Double] = [:]
        for tax in row.bill.taxes { taxes[tax.name] = tax.amount.double }
        return CostJSON.Row(
            node: row.node, period: label(row), start: iso(row.start), end: iso(row.end),
            kwh: Decimal(figure: row.bill.kwh, scale: 3).double, energy: row.bill.sum(part: "energy").double,
            power: row.bill.sum(part: "power").double, fixed: row.bill.sum(part: "fixed").double, taxes: taxes,
            total: row.bill.total.double, bands: bands, complete: row.complete,
            unpricedKWh: row.bill.unpricedKWh == 0 ? nil : Decimal(figure: row.bill.unpricedKWh, scale: 3).double)
    }

    /// A bill as its view model.
    public func billView(_ bill: Bill) -> BillJSON {
        BillJSON(
            currency: currency, from: iso(from), to: iso(to), kwh: Decimal(figure: bill.kwh, scale: 3).double,
            lines: bill.lines.map {
                BillJSON.Line(
                    label: $0.label, quantity: $0.quantity.double, unit: $0.unit, price: $0.price.double,
                    amount: $0.amount.double, part: $0.part, node: $0.node, period: $0.period)
            }, total: bill.total.double,
            unpricedKWh: bill.unpricedKWh == 0 ? nil : Decimal(figure: bill.unpricedKWh, scale: 3).double)
    }
}
