import EnerTrackCore
import Foundation

/// `report site`, `/api/v1/sites/<site>/flows` and the site page: a site's flows per calendar
/// period in its zone and, with a tariff on its connection meter, what the grid energy cost and
/// each circuit's share of it.
public struct SiteReport: Sendable {
    public struct Row: Sendable, Equatable {
        public var start: Date
        public var end: Date
        public var flows: FlowFigures
        public var complete: Bool
        public var cost: Cost?
    }

    /// A row's grid energy cost and its shares: circuits (top level and children, each at the
    /// bucket's rate) and the untracked remainder. Top-level circuits + untracked = energy, to
    /// the cent.
    public struct Cost: Sendable, Equatable {
        public var energyCents: Int128
        public var circuitCents: [String: Int128]
        public var untrackedCents: Int128
    }

    public var layout: SiteLayout
    public var unit: PeriodUnit
    public var timeZone: TimeZone
    public var from: Date
    public var to: Date
    public var rows: [Row]
    public var currency: String?

    public var total: FlowFigures {
        var total = FlowFigures()
        for row in rows { total.add(row.flows) }
        return total
    }

    /// The rows' costs summed (nil when no row is priced).
    public var totalCost: Cost? {
        guard rows.contains(where: { $0.cost != nil }) else { return nil }
        var sum = Cost(energyCents: 0, circuitCents: [:], untrackedCents: 0)
        for cost in rows.compactMap(\.cost) {
            sum.energyCents += cost.energyCents
            sum.untrackedCents += cost.untrackedCents
            for (meter, cents) in cost.circuitCents { sum.circuitCents[meter, default: 0] += cents }
        }
        return sum
    }

    /// What prices a site: the tariffs, and the users of its connection meter (whose tariff it
    /// inherits when it has none of its own).
    public struct Pricing: Sendable {
        public var book: TariffBook
        public var tariffs: any TariffStore
        public var users: [String]
        /// Whether the connection meter has a tariff at all.
        public var priced: Bool

        public static func read(_ layout: SiteLayout, directory: any CostDirectory) async throws -> Pricing {
            guard let connection = layout.connection ?? layout.meters.first?.espID else {
                throw SiteError.empty(layout.site.name)
            }
            let users = try await directory.assignments(AssignmentFilter(espID: connection)).filter(\.isActive)
                .map(\.username)
            let book = try await TariffBook.load(directory)
            return Pricing(
                book: book, tariffs: directory, users: users,
                priced: book.timeline(node: connection, users: users) != nil)
        }
    }

    /// The range of a site report, the consumption report's rule in the site's zone (by year:
    /// from the first reading of its meters).
    public static func range(
        _ layout: SiteLayout, series: any SeriesStore, unit: PeriodUnit, from: String?, to: String?, now: Date,
        timeZone: TimeZone
    ) async throws -> Result<DateInterval, RangeError> {
        let first =
            unit == .year && from == nil ? try await series.firstReadings(nodes: layout.espIDs).values.min() : nil
        return Result { () throws(RangeError) in
            try ConsumptionReport.range(unit, from: from, to: to, now: now, timeZone: timeZone, meters: 1, first: first)
        }
    }

    /// The report over `range`: periods in the future, and before the first reading of any of the
    /// site's meters, are not listed (a site without readings has no rows). With `pricing`, the
    /// grid energy is priced by the connection meter's tariff (its own, else its users').
    public static func compute(
        layout: SiteLayout, series: any SeriesStore, unit: PeriodUnit, range: DateInterval, timeZone: TimeZone,
        now: Date = Date(), pricing: Pricing? = nil
    ) async throws -> SiteReport {
        let nowMS = now.milliseconds
        let firstReading =
            layout.espIDs.isEmpty ? nil : try await series.firstReadings(nodes: layout.espIDs).values.min()
        let periods = unit.periods(from: range.start, to: range.end, in: timeZone)
            .filter { $0.start.milliseconds < nowMS && $0.end.milliseconds > (firstReading ?? Int64.max) }
        var report = SiteReport(
            layout: layout, unit: unit, timeZone: timeZone, from: range.start, to: range.end, rows: [], currency: nil)
        guard let first = periods.first, let last = periods.last else { return report }
        let from = EnergyBuckets.floor(first.start.milliseconds)
        let to = min(last.end.milliseconds, EnergyBuckets.floor(nowMS) + EnergyBuckets.bucket)
        let flows = try await SiteFlows.read(layout: layout, series: series, from: from, to: to)
        report.rows = periods.map { period in
            let (start, end) = (period.start.milliseconds, min(period.end.milliseconds, to))
            return Row(
                start: period.start, end: period.end, flows: flows.total(from: start, to: end),
                complete: period.end.milliseconds <= nowMS, cost: nil)
        }
        if let pricing, let connection = layout.connection ?? layout.meters.first?.espID {
            try await report.price(
                flows: flows, connection: connection, pricing: pricing, from: from, to: to, now: now)
        }
        return report
    }

    /// Prices each row: the bills of the site's import (and export) as the connection meter's,
    /// their energy lines the row's energy cost, shared per bucket among the circuits and the
    /// untracked remainder in proportion to their consumption.
    mutating func price(
        flows: SiteFlows, connection: String, pricing: Pricing, from: Int64, to: Int64, now: Date
    ) async throws {
        guard let timeline = pricing.book.timeline(node: connection, users: pricing.users) else {
            throw CostReport.noTariff([connection])
        }
        currency = timeline.segments.first?.currency
        guard to > from,
            let schedule = try await CostReport.schedules(
                [timeline], store: pricing.tariffs, from: from, to: to, timeZone: timeZone
            ).first?.schedule
        else { return }
        let ranges = rows.map { max($0.start.milliseconds, from)..<min($0.end.milliseconds, to) }
        let usages = schedule.usage(rows: ranges, energy: flows.gridEnergy)
        for (index, usage) in usages.enumerated() {
            let bill = schedule.bill(usage)
            if let missing = bill.missingPrice {
                throw TariffError(
                    "no dynamic price for \(ISO8601.format(milliseconds: missing, timeZone: timeZone)) (site \(layout.site.name) used grid energy then): import them with enertrack tariff prices import",
                    status: .dataError)
            }
            let energyCents = zip(bill.lines, bill.lineCents).filter { $0.0.period != nil }.reduce(Int128(0)) {
                $0 + $1.1
            }
            rows[index].cost = Self.shares(
                flows: flows, schedule: schedule, range: ranges[index], energyCents: energyCents)
        }
    }

    /// The energy cost of a row shared out: each bucket's grid cost (import × price) at one rate
    /// per kWh consumed in it, scaled to the row's energy cost and rounded so that the top-level
    /// circuits and the untracked remainder add up to it exactly (largest remainders).
    static func shares(flows: SiteFlows, schedule: CostSchedule, range: Range<Int64>, energyCents: Int128) -> Cost {
        let layout = flows.layout
        let top = layout.topCircuits
        var exact: [String: Double] = [:]
        var untracked = 0.0
        var gridCost = 0.0
        for bucket in flows.order where range.contains(bucket) {
            guard let flow = flows.buckets[bucket] else { continue }
            guard let price = schedule.energyPrice(at: bucket), flow.importKwh > 0 else { continue }
            let cost = flow.importKwh * price
            gridCost += cost
            let weight = top.reduce(0) { $0 + max(0, flow.circuits[$1] ?? 0) } + max(0, flow.untrackedKwh)
            guard weight > 0 else {
                untracked += cost
                continue
            }
            let rate = cost / weight
            for (meter, kwh) in flow.circuits { exact[meter, default: 0] += rate * max(0, kwh) }
            untracked += rate * max(0, flow.untrackedKwh)
        }
        let scale = gridCost > 0 ? Double(energyCents) / gridCost : 0
        // Largest remainders over the parts that add up (top-level circuits, then untracked).
        let parts = top + [""]
        let wanted = parts.map { ($0.isEmpty ? untracked : exact[$0] ?? 0) * scale }
        var cents = wanted.map { Int128($0.rounded(.down)) }
        var left = energyCents - cents.reduce(0, +)
        for index in wanted.indices.sorted(by: {
            wanted[$0] - wanted[$0].rounded(.down) > wanted[$1] - wanted[$1].rounded(.down)
        }) where left > 0 {
            cents[index] += 1
            left -= 1
        }
        var circuitCents: [String: Int128] = [:]
        for (part, value) in zip(parts, cents) where !part.isEmpty { circuitCents[part] = value }
        for meter in layout.meters where meter.role == .consumption && meter.parent != nil {
            circuitCents[meter.espID] = Int128(((exact[meter.espID] ?? 0) * scale).rounded())
        }
        return Cost(energyCents: energyCents, circuitCents: circuitCents, untrackedCents: cents.last ?? 0)
    }

    func label(_ row: Row) -> String { unit.label(row.start, timeZone: timeZone) }
}
