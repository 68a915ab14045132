import EnerTrackCore
import Foundation

/// What the consumption page shows: each meter's kWh per calendar period and, for the meters
/// with a tariff (the user's own where a meter has none), what that energy cost, per period and
/// per tariff period (band). One value a front end renders, made with one read of each kind: the
/// meters' first readings once, the tariffs (parsed once per process), and one read of the
/// energy of the periods not kept together with the bucket energy their bills are made of.
public struct ConsumptionView: Sendable, Codable, Equatable {
    public struct Meter: Sendable, Codable, Equatable {
        public var espID: String
        public var label: String
        /// The meter's kWh over the whole range.
        public var kwh: Double
        /// Whether its energy is priced (it, or the user, has a tariff).
        public var priced: Bool
        /// kWh it sent to the grid over the range; nil for a meter that exported none.
        public var exportKwh: Double?
    }

    public struct Period: Sendable, Codable, Equatable {
        public var start: Date
        /// `PeriodUnit.label`: the one way every front end names a period.
        public var label: String
        /// By meter, in `meters`' order; nil before a meter's first reading.
        public var kwh: [Double?]
        /// Exported kWh by meter, in `meters`' order; nil for a meter that exported none in the range.
        public var exportKwh: [Double?]
        public var totalKWh: Double
        /// False while the period runs, or where a meter's readings have gaps in it.
        public var complete: Bool
        /// The priced meters' cost in cents (nil when no meter is priced, or none has a reading in
        /// it yet): the sum of the bills' lines, each to the cent.
        public var costCents: Int128?
        /// By band, in `bands`' order: the energy part of the cost, in cents.
        public var bandCents: [Int128]
    }

    /// A meter's tariff today, for a line under the figures.
    public struct TariffToday: Sendable, Codable, Equatable {
        public var meter: String
        public var tariff: String
        public var currency: String
        /// The energy price of each tariff period; nil for a tariff priced by a series.
        public var prices: [BandPrice]?
    }

    public struct BandPrice: Sendable, Codable, Equatable {
        public var band: String
        public var price: Decimal
    }

    public var unit: PeriodUnit
    public var from: Date
    public var to: Date
    public var meters: [Meter]
    public var periods: [Period]
    public var totalKWh: Double
    public var currency: String
    /// Every priced meter's cost over the range in cents (nil when no meter is priced or a price
    /// is missing).
    public var costCents: Int128?
    /// The tariff periods the costs use, in the order they first appear.
    public var bands: [String]
    /// Why no cost is shown although a meter has a tariff (a missing dynamic price, say).
    public var costProblem: String?
    /// Meters whose cost is left out for want of dynamic prices, and the local days lacking them.
    public var unpriced: [String: [CalendarDay]] = [:]
    public var tariffs: [TariffToday]

    /// The view for `user` of `meters` (ESP id and the label the user knows it by). Where meters
    /// make a site (`sites`), the site is one column, by its name: its consumption (grid import
    /// plus the production used), priced by its connection meter's bill; its circuits and
    /// production meters are not columns of their own.
    public static func build(
        series: any SeriesStore, tariffs store: any TariffStore, user: String,
        meters all: [(espID: String, label: String)], unit: PeriodUnit, range: DateInterval, timeZone: TimeZone,
        now: Date = Date(), cache: ClosedPeriods = .shared, sites: SiteScope = .none
    ) async throws -> ConsumptionView {
        let meters = all.filter { sites.counts($0.espID) }.map { meter in
            (espID: meter.espID, label: sites.site(of: meter.espID)?.site.label ?? meter.label)
        }
        let ids = meters.map(\.espID)
        let firstReadings = try await series.firstReadings(nodes: ids)
        let closed = try await ClosedPeriods.Snapshot.read(cache, series: series, nodes: ids, now: now)
        let plan = ConsumptionReport.Plan(
            nodes: ids, unit: unit, range: range, timeZone: timeZone, now: now, firstReadings: firstReadings,
            closed: closed)
        let book = try await TariffBook.load(store)
        let priced = ids.filter { book.timeline(node: $0, users: [user]) != nil }
        var prepared: CostReport.Prepared?
        var problem: String?
        // The cost of the same spans as the kWh: whole periods (a range from `30d` starts
        // mid-day, and its first day's kWh is the whole day's).
        let whole = unit.periods(from: range.start, to: range.end, in: timeZone)
        let costRange = DateInterval(
            start: whole.first?.start ?? range.start, end: max(range.end, whole.first?.start ?? range.end))
        if !priced.isEmpty {
            do {
                prepared = try await CostReport.prepare(
                    book: book, tariffs: store, series: series,
                    meters: priced.map { CostReport.Meter(espID: $0, users: [user]) },
                    grouping: CostReport.Grouping(rawValue: unit.rawValue) ?? .day, range: costRange,
                    timeZone: timeZone, now: now, firstReadings: firstReadings, closed: closed)
            } catch let error as ExitStatusError {
                problem = error.description
            }
        }
        // The kWh and the buckets the bills need, of the periods not kept: one read of the store.
        let energy = try await series.energy(
            EnergyQuery(periods: plan.asked, buckets: prepared?.buckets), timeZone: timeZone)
        var report = try await plan.report(energy.periods, series: series)
        if !sites.sites.isEmpty {
            let consumption = try await sites.consumption(
                series: series, unit: unit, range: range, timeZone: timeZone, now: now, cache: cache)
            for index in report.rows.indices {
                guard let kwh = consumption[report.rows[index].node]?[report.rows[index].start] else { continue }
                report.rows[index].kwh = kwh
                report.rows[index].exportKwh = nil
            }
        }
        var cost: CostReport?
        var unpriced: [String: [Int64]] = [:]
        if let prepared {
            do {
                // A meter whose dynamic prices are missing is left out, not every meter's cost.
                cost = try await prepared.finish(energy.buckets, series: series, leaveOut: true)
                unpriced = cost?.unpriced ?? [:]
                if cost?.rows.isEmpty == true { cost = nil }  // nothing priced in this range
            } catch let error as ExitStatusError {
                problem = error.description
            }
        }
        var view = ConsumptionView(
            unit: unit, from: range.start, to: range.end, meters: [], periods: [], totalKWh: report.totalKWh,
            currency: cost?.currency ?? "EUR",
            costCents: cost.map { $0.rows.reduce(0) { $0 + $1.bill.totalCents } },
            bands: cost?.bandNames ?? [], costProblem: problem,
            tariffs: [])
        view.unpriced = unpriced.mapValues { instants in
            Array(Set(instants.map { CalendarDay(Date(milliseconds: $0), timeZone: timeZone) })).sorted()
        }
        view.meters = meters.map { meter in
            Meter(
                espID: meter.espID, label: meter.label,
                kwh: report.rows.lazy.filter { $0.node == meter.espID }.reduce(0) { $0 + $1.kwh },
                priced: priced.contains(meter.espID) && view.unpriced[meter.espID] == nil,
                exportKwh: report.rows.contains { $0.node == meter.espID && $0.exportKwh != nil }
                    ? report.rows.lazy.filter { $0.node == meter.espID }.reduce(0) { $0 + ($1.exportKwh ?? 0) } : nil)
        }
        view.periods = periods(report, cost: cost, bands: view.bands, ids: ids, timeZone: timeZone)
        view.tariffs = tariffsToday(book, meters: meters, user: user, timeZone: timeZone, now: now)
        return view
    }

    /// The report's periods with their kWh by meter and their cost.
    static func periods(
        _ report: ConsumptionReport, cost: CostReport?, bands: [String], ids: [String], timeZone: TimeZone
    ) -> [Period] {
        let pivot = report.pivot
        // A cost row starts where its period meets the range (a range from `30d` starts mid-day):
        // it belongs to the last period that starts at or before it (both are in time order).
        let starts = pivot.map(\.start)
        let bandIndex = Dictionary(bands.enumerated().map { ($1, $0) }, uniquingKeysWith: { first, _ in first })
        // Summed in cents (every bill line is to the cent): thousands of lines a page.
        var totals = [Int128?](repeating: nil, count: pivot.count)
        var bandTotals = [[Int128]](repeating: Array(repeating: 0, count: bands.count), count: pivot.count)
        for row in cost?.rows ?? [] {
            var upper = starts.count  // the first period starting after the row
            var lower = 0
            while lower < upper {
                let middle = (lower + upper) / 2
                if starts[middle] <= row.start { lower = middle + 1 } else { upper = middle }
            }
            guard lower > 0 else { continue }
            let at = lower - 1
            var total = totals[at] ?? 0
            for (line, amount) in zip(row.bill.lines, row.bill.lineCents) {
                total += amount
                if let period = line.period, line.part == "energy", let index = bandIndex[period] {
                    bandTotals[at][index] += amount
                }
            }
            totals[at] = total
        }
        var incomplete: Set<Date> = []
        var exported: [String: [Date: Double]] = [:]
        for row in report.rows {
            if !row.complete { incomplete.insert(row.start) }
            if let export = row.exportKwh { exported[row.node, default: [:]][row.start] = export }
        }
        return pivot.indices.map { index in
            let period = pivot[index]
            return Period(
                start: period.start, label: report.unit.label(period.start, timeZone: timeZone),
                kwh: ids.map { period.kwh[$0] }, exportKwh: ids.map { exported[$0]?[period.start] },
                totalKWh: period.kwh.values.reduce(0, +),
                complete: !incomplete.contains(period.start), costCents: totals[index], bandCents: bandTotals[index])
        }
    }

    /// Each meter's tariff today, with its energy prices.
    static func tariffsToday(
        _ book: TariffBook, meters: [(espID: String, label: String)], user: String, timeZone: TimeZone, now: Date
    ) -> [TariffToday] {
        let today = CalendarDay(now, timeZone: timeZone)
        return meters.compactMap { meter in
            guard let timeline = book.timeline(node: meter.espID, users: [user]),
                let index = timeline.segment(on: today)
            else { return nil }
            let segment = timeline.segments[index]
            var prices: [BandPrice]?
            if case .periods(let table) = segment.version.energy {
                prices = segment.version.periods.names.map { BandPrice(band: $0, price: table[$0] ?? 0) }
            }
            return TariffToday(meter: meter.label, tariff: segment.tariff, currency: segment.currency, prices: prices)
        }
    }
}

/// A stacked bar chart's data (a page's `data-stacked`, read by its script): a label per period
/// and a series of values per meter or tariff period.
public struct StackedChart: Encodable, Sendable {
    public struct Series: Encodable, Sendable {
        public var label: String
        public var values: [Double]
        /// Not a meter or tariff period: the rest of a bill (power, fixed charges, taxes).
        public var other: Bool?

        public init(label: String, values: [Double], other: Bool = false) {
            self.label = label
            self.values = values
            self.other = other ? true : nil
        }

        enum CodingKeys: String, CodingKey { case label, values, other }

        /// `other` only when true: a meter's or period's series carries no such key.
        public func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(label, forKey: .label)
            if other == true { try container.encode(true, forKey: .other) }
            try container.encode(values, forKey: .values)
        }
    }

    public var unit: String
    public var labels: [String]
    public var series: [Series]

    public init(unit: String, labels: [String], series: [Series]) {
        self.unit = unit
        self.labels = labels
        self.series = series
    }

    /// Compact JSON with the keys sorted, as `JSONValue(encoding:)` writes it (a page carries
    /// two of these: written directly).
    public var json: String {
        var writer = JSONWriter(capacity: 64 + labels.count * 16 * (series.count + 1))
        writer.raw("{\"labels\":[")
        for (index, label) in labels.enumerated() {
            if index > 0 { writer.raw(",") }
            writer.string(label)
        }
        writer.raw("],\"series\":[")
        for (index, one) in series.enumerated() {
            writer.raw(index > 0 ? ",{\"label\":" : "{\"label\":")
            writer.string(one.label)
            if one.other == true { writer.raw(",\"other\":true") }
            writer.raw(",\"values\":[")
            for (position, value) in one.values.enumerated() {
                if position > 0 { writer.raw(",") }
                writer.number(value)
            }
            writer.raw("]}")
        }
        writer.raw("],\"unit\":")
        writer.string(unit)
        writer.raw("}")
        return writer.text
    }
}
