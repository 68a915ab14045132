import EnerTrackCore
import Foundation

/// `report consumption`: kWh per node and calendar period in a time zone.
public struct ConsumptionReport: Sendable {
    public struct Row: Sendable, Equatable {
        public var node: String
        public var start: Date
        public var end: Date
        public var kwh: Double
        public var complete: Bool
        /// kWh sent to the grid; nil for a meter that sent none in the report's range (so a
        /// meter that reports no export keeps the report it always had).
        public var exportKwh: Double? = nil

        /// Import − export.
        public var netKwh: Double? { exportKwh.map { kwh - $0 } }
    }

    public var unit: PeriodUnit
    public var timeZone: TimeZone
    public var rows: [Row]
    /// The meters asked for, in order (a pivot's columns, even those without rows).
    public var meters: [String] = []
    public var totalKWh: Double { rows.reduce(0) { $0 + $1.kwh } }
    /// Exported kWh of the meters that exported (nil when none did).
    public var totalExportKWh: Double? {
        rows.contains { $0.exportKwh != nil } ? rows.reduce(0) { $0 + ($1.exportKwh ?? 0) } : nil
    }
    /// Whether any meter of the report exported: its outputs then carry export and net columns.
    public var hasExport: Bool { rows.contains { $0.exportKwh != nil } }

    /// The default range, the same on every front end: the last 24 hours by hour, the last 30
    /// days by day, the last 12 months by month, and by year every year since 2000 (years before
    /// a meter's first reading are omitted from the rows, so that is every year with data).
    public static func defaultRange(_ unit: PeriodUnit, now: Date, timeZone: TimeZone, first: Int64? = nil)
        -> DateInterval
    {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = timeZone
        // Years from the first reading's (this year when there is none yet).
        let firstYear = first.map { calendar.component(.year, from: Date(milliseconds: $0)) }
        let (component, back): (Calendar.Component, Int) =
            switch unit {
            case .hour: (.hour, 23)
            case .day: (.day, 29)
            case .month: (.month, 11)
            case .year:
                (
                    .year,
                    max(calendar.component(.year, from: now) - (firstYear ?? calendar.component(.year, from: now)), 0)
                )
            }
        let current = calendar.dateInterval(of: component, for: now) ?? DateInterval(start: now, duration: 0)
        let start = calendar.date(byAdding: component, value: -back, to: current.start) ?? current.start
        return DateInterval(start: start, end: current.end)
    }

    /// Today in the zone, midnight to midnight.
    public static func today(now: Date, timeZone: TimeZone) -> DateInterval {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = timeZone
        return calendar.dateInterval(of: .day, for: now) ?? DateInterval(start: now, duration: 0)
    }

    /// At most this many rows (periods × meters) in one report, on every front end: a report by
    /// hour over months for twenty meters is a mistake (or an attack), not a request, and its
    /// rows are what a report holds in memory and writes out.
    public static let maxRows = 10_000

    /// The most periods a report over `meters` meters may hold (`maxRows` shared among them).
    public static func maxPeriods(meters: Int) -> Int { maxRows / max(meters, 1) }

    /// The range a report covers, from optional `from`/`to` texts (`TimeArgument`) and the
    /// unit's default range; a `RangeError` when a time is unreadable or out of range, when `to`
    /// is not after `from`, or when the range holds more periods than `maxPeriods(meters:)`. The
    /// CLI, the consumption page and the API all resolve their ranges here (and word the error
    /// their way).
    public static func range(
        _ unit: PeriodUnit, from: String?, to: String?, now: Date, timeZone: TimeZone, meters: Int, first: Int64? = nil
    ) throws(RangeError) -> DateInterval {
        let defaults = defaultRange(unit, now: now, timeZone: timeZone, first: first)
        func read(_ text: String?, _ bound: RangeError.Bound, fallback: Date) throws(RangeError) -> Date {
            try RangeError.time(text, bound, fallback: fallback, timeZone: timeZone, now: now)
        }
        let start = try read(from, .from, fallback: defaults.start)
        let end = try read(to, .to, fallback: from == nil ? defaults.end : max(defaults.end, start))
        guard end > start else { throw .endBeforeStart }
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = timeZone
        let count: Int? =
            switch unit {
            case .hour: Int(end.timeIntervalSince(start) / 3600)
            case .day: calendar.dateComponents([.day], from: start, to: end).day
            case .month: calendar.dateComponents([.month], from: start, to: end).month
            case .year: calendar.dateComponents([.year], from: start, to: end).year
            }
        let limit = maxPeriods(meters: meters)
        guard let count, count < limit else { throw .tooManyPeriods(unit, max: limit, meters: max(meters, 1)) }
        return DateInterval(start: start, end: end)
    }

    /// Computes the report from raw readings. Readings are fetched from a little before the range,
    /// so the interval that crosses its start is counted in proportion.
    /// `firstReadings`, when the caller read them already, saves reading them again; `closed`
    /// gives the figures of past periods a long-running process kept.
    public static func compute(
        series: any SeriesStore, nodes: [String], unit: PeriodUnit, range: DateInterval, timeZone: TimeZone,
        now: Date = Date(), firstReadings known: [String: Int64]? = nil, closed: ClosedPeriods.Snapshot? = nil
    ) async throws -> ConsumptionReport {
        // Periods in the future, and before a meter's first reading, are not listed.
        let firstReadings: [String: Int64]
        if let known { firstReadings = known } else { firstReadings = try await series.firstReadings(nodes: nodes) }
        let plan = Plan(
            nodes: nodes, unit: unit, range: range, timeZone: timeZone, now: now, firstReadings: firstReadings,
            closed: closed)
        let energy = try await series.energy(EnergyQuery(periods: plan.asked, buckets: nil), timeZone: timeZone)
        return try await plan.report(energy.periods, series: series)
    }

    /// What a report needs of the store: each meter's listed periods (not in the future, not
    /// before its first reading), the figures kept of them, and the spans still to read (`asked`).
    public struct Plan: Sendable {
        let unit: PeriodUnit
        let timeZone: TimeZone
        let nodes: [String]
        let periods: [DateInterval]
        let spans: [Range<Int64>]
        let nowMS: Int64
        let closed: ClosedPeriods.Snapshot?
        /// By node: the indices of its listed periods and, for each, the figure kept (nil: to read).
        var listed: [String: (indices: [Int], energy: [PeriodEnergy?])] = [:]
        /// By node: the spans to read, ascending (empty where everything is kept).
        public private(set) var asked: [String: [Range<Int64>]] = [:]

        public init(
            nodes: [String], unit: PeriodUnit, range: DateInterval, timeZone: TimeZone, now: Date,
            firstReadings: [String: Int64], closed: ClosedPeriods.Snapshot?
        ) {
            self.unit = unit
            self.timeZone = timeZone
            self.nodes = nodes
            self.closed = closed
            periods = unit.periods(from: range.start, to: range.end, in: timeZone)
            let spans = periods.map { $0.start.milliseconds..<$0.end.milliseconds }
            self.spans = spans
            nowMS = now.milliseconds
            for node in nodes {
                guard let firstReading = firstReadings[node] else { continue }
                let indices = spans.indices.filter {
                    spans[$0].lowerBound < nowMS && spans[$0].upperBound > firstReading
                }
                let energy = indices.map { closed?.energy(node: node, span: spans[$0], timeZone: timeZone) }
                listed[node] = (indices, energy)
                asked[node] = energy.indices.filter { energy[$0] == nil }.map { spans[indices[$0]] }
            }
        }

        /// The report from the figures read for `asked` (computed from raw readings for a node the
        /// store keeps no rollups of); what was read of closed periods is kept.
        public func report(_ computed: [String: [PeriodEnergy]], series: any SeriesStore) async throws
            -> ConsumptionReport
        {
            var rows: [Row] = []
            rows.reserveCapacity(nodes.count * periods.count)
            for node in nodes {
                guard let (indices, kept) = listed[node] else { continue }
                var energy = kept
                let asked = self.asked[node] ?? []
                if !asked.isEmpty {
                    var read = computed[node]
                    if read == nil, let first = periods.first, let last = periods.last {
                        let from = first.start.milliseconds - 6 * 3_600_000
                        let to = last.end.milliseconds + EnergyBuckets.maxGap
                        read = try await rawBuckets(series: series, node: node, from: from, to: to).totals(asked)
                    }
                    let missing = energy.indices.filter { energy[$0] == nil }
                    for (index, total) in zip(missing, read ?? []) {
                        energy[index] = total
                        closed?.keep(energy: total, node: node, span: spans[indices[index]], timeZone: timeZone)
                    }
                }
                let exports = energy.contains { ($0?.exportKwh ?? 0) != 0 }
                for (index, total) in zip(indices, energy) {
                    guard let total else { continue }
                    rows.append(
                        Row(
                            node: node, start: periods[index].start, end: periods[index].end, kwh: total.kwh,
                            complete: total.complete && spans[index].upperBound <= nowMS,
                            exportKwh: exports ? total.exportKwh : nil))
                }
            }
            return ConsumptionReport(unit: unit, timeZone: timeZone, rows: rows, meters: nodes)
        }
    }

    /// Buckets computed from raw readings (stores without rollups).
    static func rawBuckets(series: any SeriesStore, node: String, from: Int64, to: Int64) async throws -> EnergyBuckets
    {
        var readings: [Reading] = []
        var cursor = from
        while true {
            let page = try await series.readings(node: node, from: cursor, to: to, limit: 50_000)
            readings += page
            guard page.count == 50_000, let end = page.last else { break }
            cursor = end.time + 1
        }
        return EnergyBuckets.from(readings, maxPowerKW: series.limits.kw(for: node))
    }

    // MARK: Output

    public func json() -> String { JSONChunks.rendered(view) + "\n" }

    /// The same JSON in compact pieces, rendered a few rows at a time (what the API sends).
    public func jsonChunks() -> JSONChunks {
        var head = view
        head.rows = []
        let rows = rows
        return JSONChunks(encoding: head, arrayKey: "rows", count: rows.count) { rowView(rows[$0]) }
    }

    public func csv() -> String {
        let export = hasExport
        var out = "node,start,end,kwh,complete" + (export ? ",export_kwh,net_kwh\n" : "\n")
        for row in rows {
            out += "\(row.node),\(iso(row.start)),\(iso(row.end)),\(Self.rounded(row.kwh)),\(row.complete)"
            if export {
                out += "," + (row.exportKwh.map { "\(Self.rounded($0))" } ?? "")
                out += "," + (row.netKwh.map { "\(Self.rounded($0))" } ?? "")
            }
            out += "\n"
        }
        return out
    }

    /// The periods of the rows, in order, each with its meters' kWh (a meter absent where its
    /// row was omitted).
    public var pivot: [(start: Date, kwh: [String: Double])] {
        var periods: [(start: Date, kwh: [String: Double])] = []
        var index: [Date: Int] = [:]
        for row in rows {
            if let at = index[row.start] {
                periods[at].kwh[row.node] = row.kwh
            } else {
                index[row.start] = periods.count
                periods.append((row.start, [row.node: row.kwh]))
            }
        }
        return periods.sorted { $0.start < $1.start }
    }

    /// The meters asked for, then any other with rows, in order.
    public var nodes: [String] {
        var nodes = meters
        for row in rows where !nodes.contains(row.node) { nodes.append(row.node) }
        return nodes
    }

    /// Periods × meters with totals (`report consumption --pivot`, the consumption page's CSV):
    /// `start,<meter>…,total`, then a `total` row. A meter's cell is empty before its first reading.
    public func pivotCSV() -> String {
        let nodes = nodes
        var out = "start," + nodes.map(Self.csvHeader).joined(separator: ",") + ",total\n"
        var totals = [String: Double]()
        for period in pivot {
            let cells = nodes.map { node in period.kwh[node].map { "\(Self.rounded($0))" } ?? "" }
            for (node, kwh) in period.kwh { totals[node, default: 0] += kwh }
            out +=
                iso(period.start) + "," + cells.joined(separator: ",")
                + ",\(Self.rounded(period.kwh.values.reduce(0, +)))\n"
        }
        out +=
            "total," + nodes.map { "\(Self.rounded(totals[$0] ?? 0))" }.joined(separator: ",")
            + ",\(Self.rounded(totalKWh))\n"
        return out
    }

    /// ESP ids are safe in CSV; anything else is quoted.
    static func csvHeader(_ text: String) -> String {
        text.allSatisfy { $0.isLetter || $0.isNumber || $0 == "_" || $0 == "-" }
            ? text : "\"" + text.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }

    /// Aligned columns and a bar scaled to the largest row, so the shape shows at a glance.
    public func table(total: Bool) -> String {
        let largest = rows.map(\.kwh).max() ?? 0
        let nodeWidth = max(4, rows.map(\.node.count).max() ?? 0)
        let export = hasExport
        func figure(_ kwh: Double?) -> String { kwh.map { String(format: "%.3f", $0) } ?? "-" }
        let values = rows.map { [figure($0.kwh)] + (export ? [figure($0.exportKwh), figure($0.netKwh)] : []) }
        let headers = export ? ["KWH", "EXPORT_KWH", "NET_KWH"] : ["KWH"]
        let widths = headers.indices.map { column in
            max(headers[column].count, values.map { $0[column].count }.max() ?? 0)
        }
        func right(_ text: String, _ width: Int) -> String { String(repeating: " ", count: width - text.count) + text }
        var out =
            "NODE".padding(toLength: nodeWidth, withPad: " ", startingAt: 0) + "  "
            + "START".padding(toLength: 25, withPad: " ", startingAt: 0) + "  "
            + zip(headers, widths).map { right($0, $1) + "  " }.joined() + "BAR\n"
        for (row, cells) in zip(rows, values) {
            out += row.node.padding(toLength: nodeWidth, withPad: " ", startingAt: 0) + "  "
            out += iso(row.start).padding(toLength: 25, withPad: " ", startingAt: 0) + "  "
            out += zip(cells, widths).map { right($0, $1) + "  " }.joined()
            out += Self.bar(row.kwh, of: largest) + (row.complete ? "" : " (incomplete)") + "\n"
        }
        if total {
            out += "total: " + String(format: "%.3f", totalKWh) + " kWh"
            if let exported = totalExportKWh {
                out +=
                    ", exported " + String(format: "%.3f", exported) + " kWh, net "
                    + String(format: "%.3f", totalKWh - exported) + " kWh"
            }
            out += "\n"
        }
        return out
    }

    static func bar(_ value: Double, of largest: Double, width: Int = 30) -> String {
        guard largest > 0, value > 0 else { return "" }
        let eighths = Int((value / largest * Double(width * 8)).rounded())
        let blocks = ["", "▏", "▎", "▍", "▌", "▋", "▊", "▉"]
        return String(repeating: "█", count: eighths / 8) + blocks[eighths % 8]
    }

    func iso(_ date: Date) -> String {
        ISO8601.format(milliseconds: date.milliseconds, timeZone: timeZone)
    }

    /// kWh to the watt-hour's thousandth: enough for any meter, no binary noise in the output.
    public static func rounded(_ kwh: Double) -> Double { (kwh * 1_000_000).rounded() / 1_000_000 }
}

/// Why a report's range was refused: facts each front end words its own way (the CLI names
/// `--from`/`--to`, the page its fields, in the reader's language).
public enum RangeError: Error, Equatable, Sendable {
    public enum Bound: Sendable { case from, to }

    case unreadable(Bound, String)
    case outOfRange(Bound, String)
    case endBeforeStart
    /// More periods than `max` for `meters` meters (`ConsumptionReport.maxRows` rows in all).
    case tooManyPeriods(PeriodUnit, max: Int, meters: Int)

    /// The error in `words`' language, naming the bounds as `from` and `to`; `help` says what a
    /// time may be (a page's date fields: `Words.dateHelp`).
    public func message(_ words: Words, from: String, to: String, help: String = TimeArgument.help) -> String {
        func name(_ bound: Bound) -> String { bound == .from ? from : to }
        return switch self {
        case .unreadable(let bound, let text):
            words("{0} '{1}' is not a time: use {2}", name(bound), text, help)
        case .outOfRange(let bound, let text):
            words(
                "{0} '{1}' is out of range: times from {2}, durations up to 100 years", name(bound), text,
                TimeArgument.rangeText)
        case .endBeforeStart: words("{0} must be after {1}", to, from)
        case .tooManyPeriods(let unit, let max, let meters) where meters > 1:
            words(
                "at most {0} periods of one {1} at a time for {2} meters ({3} rows in all): narrow {4}/{5}, choose fewer meters or use a longer unit",
                String(max), unit.name(words), String(meters), String(ConsumptionReport.maxRows), from, to)
        case .tooManyPeriods(let unit, let max, _):
            words(
                "at most {0} periods of one {1} at a time: narrow {2}/{3} or use a longer unit", String(max),
                unit.name(words), from, to)
        }
    }

    /// A time option of a range (`TimeArgument`): `fallback` when absent.
    static func time(_ text: String?, _ bound: Bound, fallback: Date, timeZone: TimeZone, now: Date)
        throws(RangeError) -> Date
    {
        guard let text else { return fallback }
        switch TimeArgument.read(text, timeZone: timeZone, now: now) {
        case .success(let date): return date
        case .failure(.unreadable): throw .unreadable(bound, String(text.prefix(64)))
        case .failure(.outOfRange): throw .outOfRange(bound, String(text.prefix(64)))
        }
    }

    /// The usage error of a command line or API with these option names.
    public func failure(from: String, to: String) -> Failure {
        Failure(.usage, message(Words(.en), from: from, to: to))
    }
}

extension PeriodUnit {
    /// The unit's name in `words`' language.
    public func name(_ words: Words) -> String {
        switch self {
        case .hour: words("hour")
        case .day: words("day")
        case .month: words("month")
        case .year: words("year")
        }
    }
}

/// The range of a raw-readings query (`report readings`, `GET /api/v1/nodes/:esp/readings`): the
/// last `span` by default, `to` after `from`; the same rule and errors as the consumption range.
public enum ReadingsRange {
    public static func resolve(
        from: String?, to: String?, defaultSpan: TimeInterval, now: Date, timeZone: TimeZone
    ) throws(RangeError) -> (from: Int64, to: Int64) {
        let start = try RangeError.time(
            from, .from, fallback: now.addingTimeInterval(-defaultSpan), timeZone: timeZone, now: now)
        let end = try RangeError.time(to, .to, fallback: now, timeZone: timeZone, now: now)
        guard end > start else { throw .endBeforeStart }
        return (start.milliseconds, end.milliseconds)
    }
}
