import EnerTrackCore
import Foundation

/// What a cost report reads of the directory: users, who sees which meter, and tariffs.
public typealias CostDirectory = UserStore & AssignmentStore & TariffStore & SiteStore

/// `report cost`: what each meter's energy cost per day, month or year, or as one bill.
public struct CostReport: Sendable {
    public enum Grouping: String, Sendable, CaseIterable {
        case hour, day, month, year, bill

        public var unit: PeriodUnit {
            switch self {
            case .hour: .hour
            case .day, .bill: .day
            case .month: .month
            case .year: .year
            }
        }
    }

    public struct Row: Sendable {
        public var node: String
        public var start: Date
        public var end: Date
        public var bill: Bill
        /// The row ends in the past (a running period is cut at now).
        public var complete: Bool
    }

    public var grouping: Grouping
    public var timeZone: TimeZone
    public var currency: String
    public var from: Date
    public var to: Date
    public var rows: [Row]
    /// Meters left out for want of dynamic prices (`finish(leaveOut:)`): the instants lacking one.
    public var unpriced: [String: [Int64]] = [:]
    /// `--by bill`: every meter's lines as one bill.
    public var bill: Bill?

    public var total: Decimal { rows.reduce(0) { $0 + $1.bill.total } }

    /// The range of a cost report: `--by bill` defaults to this month so far, the others to the
    /// consumption report's ranges (the same rule on every front end).
    public static func range(
        _ grouping: Grouping, from: String?, to: String?, now: Date, timeZone: TimeZone, meters: Int,
        first: Int64? = nil
    ) throws(RangeError) -> DateInterval {
        guard grouping == .bill, from == nil, to == nil else {
            return try ConsumptionReport.range(
                grouping.unit, from: from, to: to, now: now, timeZone: timeZone, meters: meters, first: first)
        }
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = timeZone
        let month = calendar.dateInterval(of: .month, for: now) ?? DateInterval(start: now, duration: 0)
        return DateInterval(start: month.start, end: max(now, month.start))
    }

    /// A meter the report cannot price.
    public static func noTariff(_ nodes: [String]) -> TariffError {
        TariffError(
            "no tariff for \(nodes.joined(separator: ", ")): give one with enertrack tariff assign \(nodes[0]) TARIFF (or --user USER TARIFF)",
            status: .configuration)
    }

    /// Meters with the users they are assigned to (for inherited tariffs).
    public struct Meter: Sendable {
        public var espID: String
        public var users: [String]

        public init(espID: String, users: [String]) {
            self.espID = espID
            self.users = users
        }
    }

    /// The meters of `espIDs` with their users: `user` alone when given, else every user
    /// actively assigned to each.
    public static func meters(directory: any UserStore & AssignmentStore, espIDs: [String], user: String?) async throws
        -> [Meter]
    {
        if let user {
            let name = try await directory.existingUser(named: user).username
            return espIDs.map { Meter(espID: $0, users: [name]) }
        }
        var users: [String: [String]] = [:]
        for assignment in try await directory.assignments(AssignmentFilter()) where assignment.isActive {
            users[assignment.espID, default: []].append(assignment.username)
        }
        return espIDs.map { Meter(espID: $0, users: users[$0] ?? []) }
    }

    /// Computes the report over `range` (cut at `now`: charges accrue day by day, so a running
    /// period is priced so far and a future one is not listed).
    /// `firstReadings`, when the caller read them already, saves reading them again.
    public static func compute(
        book: TariffBook, tariffs store: any TariffStore, series: any SeriesStore, meters: [Meter],
        grouping: Grouping, range: DateInterval, timeZone: TimeZone, now: Date = Date(),
        firstReadings known: [String: Int64]? = nil, closed: ClosedPeriods.Snapshot? = nil
    ) async throws -> CostReport {
        let prepared = try await prepare(
            book: book, tariffs: store, series: series, meters: meters, grouping: grouping, range: range,
            timeZone: timeZone, now: now, firstReadings: known, closed: closed)
        let energy = try await series.energy(EnergyQuery(periods: [:], buckets: prepared.buckets), timeZone: timeZone)
        return try await prepared.finish(energy.buckets, series: series)
    }

    /// The report but for its bills, with the bucket energy they still need (`Prepared.buckets`):
    /// a caller that reads other figures too asks the store once (`SeriesStore.energy(_:timeZone:)`).
    public static func prepare(
        book: TariffBook, tariffs store: any TariffStore, series: any SeriesStore, meters: [Meter],
        grouping: Grouping, range: DateInterval, timeZone: TimeZone, now: Date = Date(),
        firstReadings known: [String: Int64]? = nil, closed: ClosedPeriods.Snapshot? = nil
    ) async throws -> Prepared {
        let from = EnergyBuckets.floor(range.start.milliseconds)
        let nowBucket = EnergyBuckets.floor(now.milliseconds) + EnergyBuckets.bucket
        let to = min(EnergyBuckets.floor(range.end.milliseconds + EnergyBuckets.bucket - 1), nowBucket)
        var timelines: [(meter: Meter, timeline: TariffTimeline)] = []
        var missing: [String] = []
        for meter in meters {
            if let timeline = book.timeline(node: meter.espID, users: meter.users) {
                timelines.append((meter, timeline))
            } else {
                missing.append(meter.espID)
            }
        }
        guard missing.isEmpty else { throw noTariff(missing) }
        let currencies = Set(timelines.flatMap { $0.timeline.segments.map(\.currency) })
        guard currencies.count <= 1 else {
            throw TariffError(
                "the meters' tariffs are in different currencies (\(currencies.sorted().joined(separator: ", "))): report them separately",
                status: .usage)
        }
        let currency = currencies.first ?? book.tariffs.values.first?.currency ?? "EUR"
        let report = CostReport(
            grouping: grouping, timeZone: timeZone, currency: currency, from: Date(milliseconds: from),
            to: Date(milliseconds: max(to, from)), rows: [], bill: nil)
        guard to > from, !timelines.isEmpty else { return Prepared(report: report, pricing: nil) }

        // The rows: calendar periods cut to the range, or the whole range as one bill.
        let rows: [Range<Int64>]
        if grouping == .bill {
            rows = [from..<to]
        } else {
            rows = grouping.unit.periods(from: Date(milliseconds: from), to: Date(milliseconds: to), in: timeZone)
                .map { max($0.start.milliseconds, from)..<min($0.end.milliseconds, to) }.filter { !$0.isEmpty }
        }
        guard let first = rows.first?.lowerBound, let last = rows.last?.upperBound else {
            return Prepared(report: report, pricing: nil)
        }

        let schedules = try await schedules(
            timelines.map(\.timeline), store: store, from: first, to: last, timeZone: timeZone)
        // Hourly sums need rows of whole hours (the last may end at now: nothing is stored after it).
        let hourly =
            schedules.allSatisfy(\.schedule.hourly)
            && rows.allSatisfy {
                $0.lowerBound % 3_600_000 == 0 && ($0.upperBound % 3_600_000 == 0 || $0.upperBound >= nowBucket)
            }
        let espIDs = timelines.map(\.meter.espID)
        let firstReadings: [String: Int64]
        if let known { firstReadings = known } else { firstReadings = try await series.firstReadings(nodes: espIDs) }
        let pricing = Pricing(
            rows: rows, timelines: timelines, schedules: schedules, listAll: grouping == .bill,
            firstReadings: firstReadings, timeZone: timeZone, now: now, closed: closed,
            step: hourly ? 3_600_000 : EnergyBuckets.bucket)
        return Prepared(report: report, pricing: pricing)
    }

    /// A report made but for its bills: what they need of the store (`buckets`, nil when every
    /// bill is kept or nothing is priced), then `finish` with the answer.
    public struct Prepared: Sendable {
        var report: CostReport
        var pricing: Pricing?

        /// The bucket energy the bills not kept need.
        public var buckets: EnergyQuery.Buckets? { pricing?.buckets }

        /// The report with its bills; `energy` is the answer to `buckets` (a node it lacks is
        /// computed from raw readings, for a store that keeps no rollups).
        public func finish(_ energy: [String: [BucketEnergy]], series: any SeriesStore, leaveOut: Bool = false)
            async throws -> CostReport
        {
            var report = self.report
            guard let pricing else { return report }
            var energy = energy
            if let buckets = pricing.buckets {
                for node in buckets.nodes where energy[node] == nil {
                    energy[node] = try await CostReport.rawBucketEnergy(
                        series: series, node: node, from: buckets.from, to: buckets.to)
                }
            }
            (report.rows, report.unpriced) = try pricing.price(energy, leaveOut: leaveOut)
            if report.grouping == .bill {
                report.bill = Bill.combined(report.rows.map { ($0.node, $0.bill) }, currency: report.currency)
            }
            return report
        }
    }

    /// One schedule per distinct timeline, with the dynamic prices it needs (schedules without
    /// dynamic prices come from `CostSchedules.shared`).
    static func schedules(
        _ timelines: [TariffTimeline], store: any TariffStore, from first: Int64, to last: Int64, timeZone: TimeZone
    ) async throws -> [(timeline: TariffTimeline, schedule: CostSchedule)] {
        var schedules: [(timeline: TariffTimeline, schedule: CostSchedule)] = []
        for timeline in timelines where !schedules.contains(where: { $0.timeline == timeline }) {
            var prices: [String: [PricePoint]] = [:]
            for segment in timeline.segments where segment.version.energy == .series && prices[segment.tariff] == nil {
                prices[segment.tariff] = try await store.prices(tariff: segment.tariff, from: first, to: last)
            }
            // Export prices from another tariff's series (`export_series`).
            for name in Set(timeline.segments.compactMap(\.version.exportSeries)) where prices[name] == nil {
                prices[name] = try await store.prices(tariff: name, from: first, to: last)
            }
            let schedule = try CostSchedules.shared.schedule(
                timeline: timeline, from: first, to: last, timeZone: timeZone, prices: prices)
            schedules.append((timeline, schedule))
        }
        return schedules
    }

    /// One node's bucket energy computed from raw readings (stores without rollups).
    static func rawBucketEnergy(series: any SeriesStore, node: String, from first: Int64, to last: Int64)
        async throws -> [BucketEnergy]
    {
        let buckets = try await ConsumptionReport.rawBuckets(
            series: series, node: node, from: first - 6 * 3_600_000, to: last + EnergyBuckets.maxGap)
        return Set(buckets.energy.keys).union(buckets.exported.keys).filter { $0 >= first && $0 < last }
            .map { BucketEnergy(bucket: $0, kwh: buckets.energy[$0] ?? 0, exportKwh: buckets.exported[$0] ?? 0) }
            .filter { $0.kwh != 0 || $0.exportKwh != 0 }.sorted { $0.bucket < $1.bucket }
    }

    // MARK: Output

    func label(_ row: Row) -> String { grouping.unit.label(row.start, timeZone: timeZone) }

    public func json() -> String {
        if let bill { return JSONChunks.rendered(billView(bill)) }
        return JSONChunks.rendered(view)
    }

    /// The same JSON in compact pieces, rendered a few rows at a time (what the API sends).
    public func jsonChunks() -> JSONChunks {
        if let bill { return JSONChunks(whole: JSONChunks.compact(billView(bill))) }
        var head = view
        head.rows = []
        let rows = rows
        return JSONChunks(encoding: head, arrayKey: "rows", count: rows.count) { rowView(rows[$0]) }
    }

    func iso(_ date: Date) -> String { ISO8601.format(milliseconds: date.milliseconds, timeZone: timeZone) }

    /// The band names in the order the rows first use them (columns of tables and CSV).
    var bandNames: [String] {
        var names: [String] = []
        for row in rows {
            for line in row.bill.lines where line.part == "energy" {
                if let period = line.period, !names.contains(period) { names.append(period) }
            }
        }
        return names
    }

    var taxNames: [String] {
        var names: [String] = []
        for row in rows {
            for tax in row.bill.taxes where !names.contains(tax.name) { names.append(tax.name) }
        }
        return names
    }

    /// Rows as cells: node, period, kWh, per band kWh and cost, energy, power, fixed, each tax, total.
    func cells() -> (header: [String], rows: [[String]]) {
        let bands = bandNames
        let taxes = taxNames
        var header = ["node", "period", "kwh"]
        for band in bands { header += ["\(band)_kwh", "\(band)_cost"] }
        header += ["energy", "power", "fixed"] + taxes + ["total"]
        let lines = rows.map { row -> [String] in
            var cells = [row.node, label(row), String(format: "%.3f", row.bill.kwh)]
            let rowBands = row.bill.bands
            for band in bands {
                let found = rowBands.first { $0.period == band }
                cells += [String(format: "%.3f", found?.kwh.double ?? 0), found.map { Self.text($0.cost) } ?? "0.00"]
            }
            cells += [
                Self.text(row.bill.sum(part: "energy")), Self.text(row.bill.sum(part: "power")),
                Self.text(row.bill.sum(part: "fixed")),
            ]
            let rowTaxes = row.bill.taxes
            for tax in taxes { cells.append(Self.text(rowTaxes.first { $0.name == tax }?.amount ?? 0)) }
            cells.append(Self.text(row.bill.total))
            return cells
        }
        return (header, lines)
    }

    /// Two decimals, always (`12.30`).
    static func text(_ amount: Decimal) -> String {
        let rounded = amount.rounded(2)
        var text = "\(rounded)"
        if !text.contains(".") { text += ".00" } else if text.split(separator: ".").last?.count == 1 { text += "0" }
        return text
    }

    /// A CSV field, quoted when it holds a comma, a quote or a line break.
    static func csvField(_ text: String) -> String {
        guard text.contains(where: { $0 == "," || $0 == "\"" || $0.isNewline }) else { return text }
        return "\"" + text.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }

    public func csv() -> String {
        if let bill {
            var out = "node,label,quantity,unit,price,amount\n"
            for line in bill.lines {
                out +=
                    [
                        line.node ?? "", line.label, "\(line.quantity)", line.unit, "\(line.price)",
                        Self.text(line.amount),
                    ]
                    .map(Self.csvField).joined(separator: ",") + "\n"
            }
            return out + ",total,,,,\(Self.text(bill.total))\n"
        }
        let (header, rows) = cells()
        return ([header] + rows).map { $0.map(Self.csvField).joined(separator: ",") }.joined(separator: "\n")
            + "\n"
    }

    public func table() -> String {
        if let bill {
            var lines = [["", "QUANTITY", "UNIT", "PRICE", "AMOUNT"]]
            for line in bill.lines {
                lines.append([line.label, "\(line.quantity)", line.unit, "\(line.price)", Self.text(line.amount)])
            }
            lines.append(["Total (\(currency))", "", "", "", Self.text(bill.total)])
            let title = "Bill \(iso(from)) to \(iso(to)), \(Decimal(figure: bill.kwh, scale: 3)) kWh\n"
            return title + Self.aligned(lines, rightFrom: 1)
        }
        let (header, rows) = cells()
        guard !rows.isEmpty else { return "no costs to report\n" }
        let footer = Array(repeating: "", count: header.count - 2) + ["TOTAL \(currency)", Self.text(total)]
        return Self.aligned([header.map { $0.uppercased() }] + rows + [footer], rightFrom: 2)
    }

    /// Columns aligned, numbers (from column `rightFrom` on) to the right.
    static func aligned(_ lines: [[String]], rightFrom: Int) -> String {
        var widths: [Int] = []
        for line in lines {
            for (index, cell) in line.enumerated() {
                if index >= widths.count { widths.append(0) }
                widths[index] = max(widths[index], cell.count)
            }
        }
        return lines.map { line in
            line.enumerated().map { index, cell in
                let pad = String(repeating: " ", count: widths[index] - cell.count)
                return index >= rightFrom ? pad + cell : cell + pad
            }.joined(separator: "  ").replacingOccurrences(of: "\\s+$", with: "", options: .regularExpression)
        }.joined(separator: "\n") + "\n"
    }
}

extension CostReport {
    /// The report every front end asks for: the given meters (`user`: that user's, priced with
    /// their tariff where a meter has none of its own), tariffs read from the directory.
    /// With `pricedOnly`, meters without a tariff are left out (pages price what they can).
    public static func query(
        directory: any CostDirectory, series: any SeriesStore, espIDs: [String], user: String?, grouping: Grouping,
        range: DateInterval, timeZone: TimeZone, now: Date = Date(), pricedOnly: Bool = false,
        book given: TariffBook? = nil
    ) async throws -> CostReport {
        var meters = try await meters(directory: directory, espIDs: espIDs, user: user)
        let book: TariffBook
        if let given { book = given } else { book = try await TariffBook.load(directory) }
        if pricedOnly { meters = meters.filter { book.timeline(node: $0.espID, users: $0.users) != nil } }
        return try await compute(
            book: book, tariffs: directory, series: series, meters: meters, grouping: grouping, range: range,
            timeZone: timeZone, now: now)
    }
}
