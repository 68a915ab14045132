import EnerTrackCore
import Foundation

/// A meter's chart over a range, on a real time axis: at most about `slices` points, each at
/// its time (ms), and a `nil` value where the meter was silent, so a gap draws as a gap.
///
/// - Voltage, current, power, power factor and frequency are means: raw readings up to a day
///   (means of equal slices when there are more than `slices`), the rollups' 15-minute means
///   beyond (weighted by their samples, merged into wider slices for long ranges).
/// - A three-phase meter's per-phase values are means of raw readings over any range (they
///   are not rolled up), at most the range's first 50,000 readings.
/// - Energy is the kWh of each interval (the rollups' figures, the ones consumption and cost
///   use), never the cumulative counter.
public struct HistoryChart: Sendable, Equatable, JSONWritable {
    public struct Point: Sendable, Equatable {
        /// The start of the point's interval (ms since 1970).
        public var time: Int64
        public var value: Double?
    }

    public enum Source: String, Sendable {
        case readings, rollups
    }

    public var node: String
    public var quantity: Quantity
    public var from: Int64
    public var to: Int64
    /// The width of one point's interval (ms): what each energy value covers.
    public var step: Int64
    public var source: Source
    public var points: [Point]

    public var unit: String { quantity.unit }

    /// The ranges the chart's buttons offer, and the longest one a URL may ask for.
    public static let presets: [(name: String, span: Int64)] = [
        ("1h", 3_600_000), ("24h", 86_400_000), ("7d", 7 * 86_400_000), ("30d", 30 * 86_400_000),
        ("365d", 365 * 86_400_000),
    ]
    public static let longest: Int64 = 400 * 86_400_000
    public static let shortest: Int64 = 60_000
    public static let slices = 720
    /// Up to this span a chart of means reads raw readings.
    public static let rawSpan: Int64 = 86_400_000

    public static func compute(
        series: any SeriesStore, node: String, quantity: Quantity, from: Int64, to: Int64
    ) async throws -> HistoryChart {
        let span = to - from
        // Per-phase values are not rolled up: their charts always read the readings. Where the
        // readings were pruned (retention), the rollups answer for any span.
        let pruned = try await series.prunedBefore().map { from < $0 } ?? false
        if quantity.phase == nil, quantity.isCounter || span > rawSpan || pruned,
            let rows = try await series.rollups(node: node, from: EnergyBuckets.floor(from), to: to)
        {
            return fromRollups(rows, node: node, quantity: quantity, from: from, to: to)
        }
        let readings = try await series.readings(node: node, from: from, to: to, limit: 50_000)
        return fromReadings(readings, node: node, quantity: quantity, from: from, to: to)
    }

    /// The slice width for a span: equal slices, at least `minimum`, a multiple of it.
    static func step(span: Int64, minimum: Int64) -> Int64 {
        let wanted = (span + Int64(slices) - 1) / Int64(slices)
        return max(minimum, (wanted + minimum - 1) / minimum * minimum)
    }

    static func fromRollups(_ rows: [RollupRow], node: String, quantity: Quantity, from: Int64, to: Int64)
        -> HistoryChart
    {
        let bucket = EnergyBuckets.bucket
        let step = step(span: to - from, minimum: bucket)
        let start = EnergyBuckets.floor(from)
        var slices = Slices(start: start, step: step)
        for row in rows {
            if quantity.isCounter {
                let kwh = quantity == .energy ? row.kwh : row.exportKwh
                guard row.samples > 0 || kwh != 0 else { continue }
                slices.add(row.bucket, kwh, weight: 1, sum: true)
            } else if let value = row.value(quantity) {
                slices.add(row.bucket, value, weight: Double(max(row.samples, 1)), sum: false)
            }
        }
        return HistoryChart(
            node: node, quantity: quantity, from: from, to: to, step: step, source: .rollups,
            points: slices.points(until: to))
    }

    static func fromReadings(_ readings: [Reading], node: String, quantity: Quantity, from: Int64, to: Int64)
        -> HistoryChart
    {
        let raw = readings.compactMap { reading in reading[quantity].map { (reading.time, $0) } }
        guard raw.count > slices || quantity.isCounter else {
            return HistoryChart(
                node: node, quantity: quantity, from: from, to: to, step: 0, source: .readings,
                points: withGaps(raw))
        }
        let step = step(span: to - from, minimum: 1000)
        var slices = Slices(start: from, step: step)
        if quantity.isCounter {
            // kWh per slice from the counter's rises (a store without rollups): a fall is a reset.
            var previous: Double?
            for (time, value) in raw {
                if let previous, value >= previous { slices.add(time, value - previous, weight: 1, sum: true) }
                previous = value
            }
        } else {
            for (time, value) in raw { slices.add(time, value, weight: 1, sum: false) }
        }
        return HistoryChart(
            node: node, quantity: quantity, from: from, to: to, step: step, source: .readings,
            points: slices.points(until: to))
    }

    /// Raw points with a `nil` wherever the meter was silent for more than three of its usual
    /// intervals (the median, at least 30 s).
    static func withGaps(_ raw: [(Int64, Double)]) -> [Point] {
        guard raw.count > 2 else { return raw.map { Point(time: $0.0, value: $0.1) } }
        var intervals = zip(raw.dropFirst(), raw).map { $0.0 - $1.0 }
        intervals.sort()
        let limit = max(30_000, 3 * intervals[intervals.count / 2])
        var points: [Point] = []
        points.reserveCapacity(raw.count + 8)
        var last: Int64?
        for (time, value) in raw {
            if let last, time - last > limit { points.append(Point(time: last + 1, value: nil)) }
            points.append(Point(time: time, value: value))
            last = time
        }
        return points
    }

    /// Values gathered into equal slices from `start`: sums (energy) or weighted means.
    struct Slices {
        let start: Int64
        let step: Int64
        var totals: [Int64: (sum: Double, weight: Double)] = [:]
        var summing = false

        init(start: Int64, step: Int64) { (self.start, self.step) = (start, step) }

        mutating func add(_ time: Int64, _ value: Double, weight: Double, sum: Bool) {
            summing = sum
            let slot = start + (time - start).floorDivided(by: step) * step
            let current = totals[slot] ?? (0, 0)
            totals[slot] = (current.sum + value * weight, current.weight + weight)
        }

        /// One point per slice with values; one `nil` after a run of empty slices.
        func points(until end: Int64) -> [Point] {
            let slots = totals.keys.sorted()
            var points: [Point] = []
            points.reserveCapacity(slots.count + 8)
            var previous: Int64?
            for slot in slots {
                if let previous, slot - previous > step { points.append(Point(time: previous + step, value: nil)) }
                let total = totals[slot]!
                points.append(Point(time: slot, value: summing ? total.sum : total.sum / total.weight))
                previous = slot
            }
            return points
        }
    }

    public func write(to out: inout JSONWriter) {
        out.raw("{\"node\":")
        out.string(node)
        out.raw(",\"quantity\":")
        out.string(quantity.rawValue)
        out.raw(",\"unit\":")
        out.string(unit)
        out.raw(",\"from\":\(from),\"to\":\(to),\"step_ms\":\(step),\"source\":")
        out.string(source.rawValue)
        out.raw(",\"points\":[")
        for (index, point) in points.enumerated() {
            if index > 0 { out.raw(",") }
            out.raw("{\"t\":\(point.time),\"v\":")
            out.number(point.value.map { ($0 * 1000).rounded() / 1000 })
            out.raw("}")
        }
        out.raw("]}")
    }
}

extension RollupRow {
    /// The bucket's mean of a quantity (energy: the counter's last value).
    func value(_ quantity: Quantity) -> Double? {
        switch quantity {
        case .voltage: voltage
        case .current: current
        case .power: power
        case .energy: lastEnergy
        case .pf: pf
        case .frequency: frequency
        case .energyExport: nil
        default: nil  // phases are charted from the readings (`PhaseHistory`)
        }
    }
}

extension HistoryChart {
    /// Why a chart's range cannot be drawn.
    public enum RangeProblem: Error, Equatable, Sendable {
        case unknownPreset(String)
        case time(RangeError)
        case tooLong
        case tooShort

        public func message(_ words: Words) -> String {
            switch self {
            case .unknownPreset(let name):
                words(
                    "unknown range '{0}': use {1}", String(name.prefix(16)),
                    HistoryChart.presets.map(\.name).joined(separator: ", "))
            case .time(let error): error.message(words, from: "from", to: "to")
            case .tooLong: words("a chart spans at most {0} days", String(HistoryChart.longest / 86_400_000))
            case .tooShort: words("a chart spans at least a minute")
            }
        }
    }

    /// The range a chart URL asks for: `from`/`to` (a zoom) when either is given, else a preset
    /// back from now (24 h when none).
    public static func range(
        from: String?, to: String?, preset: String?, timeZone: TimeZone, now: Date = Date()
    ) -> Result<(from: Int64, to: Int64), RangeProblem> {
        let from = from.flatMap(\.nonEmpty)
        let to = to.flatMap(\.nonEmpty)
        if from != nil || to != nil {
            let range: (from: Int64, to: Int64)
            do {
                range = try ReadingsRange.resolve(
                    from: from, to: to, defaultSpan: 86_400, now: now, timeZone: timeZone)
            } catch {
                return .failure(.time(error))
            }
            if range.to - range.from > longest { return .failure(.tooLong) }
            if range.to - range.from < shortest { return .failure(.tooShort) }
            return .success(range)
        }
        let name = preset.flatMap(\.nonEmpty) ?? "24h"
        guard let span = presets.first(where: { $0.name == name })?.span else {
            return .failure(.unknownPreset(name))
        }
        let end = now.milliseconds
        return .success((end - span, end))
    }
}
