import Foundation
import Synchronization

/// Energy used, attributed to 15-minute UTC buckets — the unit every calendar period in every
/// time zone is made of (all zone offsets are multiples of 15 minutes), and the unit rollups
/// can keep.
///
/// Semantics (DESIGN.md):
/// - With an energy counter, consumption is its increase. A single reading that drops (to 0 or
///   lower) and then returns is a glitch and ignored; zeros after a positive counter are missing
///   values, not consumption; a counter that restarts low and keeps climbing is a reset, and the
///   new cycle counts from zero.
/// - Without a counter, power is integrated over time (trapezoid); intervals longer than
///   `maxGap` are not bridged.
/// - The energy of an interval between two readings is spread over its time in proportion, so
///   consumption that spans a gap lands in the hours of the gap.
/// - A counter cannot rise faster than the meter's plausible maximum power (`PowerLimits`)
///   allows: a rise beyond it is a spike (a faulty reading) when a later reading, within
///   `spikeReadings`, comes back within reach, and skipped; otherwise the counter moved to a new
///   level (a meter swapped), which starts a new cycle without counting the jump. Either way the
///   readings after it are not a reset.
/// - Export (energy sent to the grid) follows exactly the same rules on its own counter
///   (`energy_export`); a meter without counters integrates positive power to import and
///   negative power to export.
public struct EnergyBuckets: Sendable, Equatable {
    public static let bucket: Int64 = 900_000
    /// Longer intervals between readings are gaps: their buckets are incomplete.
    public static let maxGap: Int64 = 900_000
    /// The longest run of spike readings that is recognised as a spike.
    public static let spikeReadings = 10
    /// Readings of context a recompute reads on each side of a range: enough for a spike run and
    /// the two readings that decide a glitch.
    public static let contextReadings = spikeReadings + 2
    /// A counter's rise allowed on top of maximum power × time (the counter's resolution).
    static let counterSlack = 0.05

    /// kWh per bucket start (ms since the epoch).
    public var energy: [Int64: Double] = [:]
    /// Exported kWh per bucket start (only meters that report export, or negative power).
    public var exported: [Int64: Double] = [:]
    /// Buckets fully covered by intervals no longer than `maxGap`.
    public var covered: Set<Int64> = []
    /// Partly covered buckets: how many ms of them are covered.
    public var partial: [Int64: Int64] = [:]

    public init() {}

    /// The buckets of `[from, to)` as rollup rows with the summary of the readings in each:
    /// `readings` sorted by time (as `from(_:)` gets them, context on either side included).
    /// `dense` gives a row for every bucket, empty ones too (for stores that overwrite instead
    /// of deleting).
    public static func rollups(
        _ readings: [Reading], from: Int64, to: Int64, dense: Bool = false, maxPowerKW: Double = PowerLimits.defaultKW
    ) -> [RollupRow] {
        let buckets = EnergyBuckets.from(readings, maxPowerKW: maxPowerKW)
        var summaries: [Int64: RollupRow] = [:]
        for reading in readings where reading.time >= from && reading.time < to && !reading.isCounterBreak {
            let bucket = floor(reading.time)
            summaries[bucket, default: RollupRow(bucket: bucket)].add(reading)
        }
        var rows: [RollupRow] = []
        var bucket = from
        while bucket < to {
            var row = summaries[bucket] ?? RollupRow(bucket: bucket)
            row.kwh = buckets.energy[bucket] ?? 0
            row.exportKwh = buckets.exported[bucket] ?? 0
            row.covered = buckets.covered.contains(bucket) ? Self.bucket : (buckets.partial[bucket] ?? 0)
            if dense || row.kwh != 0 || row.exportKwh != 0 || row.covered > 0 || row.samples > 0 {
                rows.append(row.finished())
            }
            bucket += Self.bucket
        }
        return rows
    }

    /// Per node, the first and last time a batch wrote: the span its rollups must recompute.
    public static func writtenSpans(_ readings: [Reading]) -> [String: (start: Int64, finish: Int64)] {
        var spans: [String: (start: Int64, finish: Int64)] = [:]
        for reading in readings where !reading.isEmpty {
            if let span = spans[reading.node] {
                spans[reading.node] = (min(span.start, reading.time), max(span.finish, reading.time))
            } else {
                spans[reading.node] = (reading.time, reading.time)
            }
        }
        return spans
    }

    /// Dirty spans in time order, those within an hour of each other merged, so each
    /// stretch is recomputed once.
    public static func mergedSpans(_ spans: [(start: Int64, finish: Int64)]) -> [(start: Int64, finish: Int64)] {
        var merged: [(start: Int64, finish: Int64)] = []
        for span in spans.sorted(by: { $0.start < $1.start }) {
            if let last = merged.last, span.start <= last.finish + 3_600_000 {
                merged[merged.count - 1].finish = max(last.finish, span.finish)
            } else {
                merged.append(span)
            }
        }
        return merged
    }

    public static func from(_ readings: [Reading], maxPowerKW: Double = PowerLimits.defaultKW) -> EnergyBuckets {
        var buckets = EnergyBuckets()
        let sorted = Reading.coalesce(readings.sorted { $0.time < $1.time })
        // A correction's break (counters of −1) tells no meter has a counter.
        let importCounter = sorted.contains(where: { ($0.energy ?? -1) >= 0 })
        let exportCounter = sorted.contains(where: { ($0.energyExport ?? -1) >= 0 })
        if importCounter {
            buckets.addCounter(
                sorted.compactMap { reading in reading.energy.map { (reading.time, $0) } }, maxPowerKW: maxPowerKW,
                into: \.energy, cover: true)
        }
        if exportCounter {
            buckets.addCounter(
                sorted.compactMap { reading in reading.energyExport.map { (reading.time, $0) } },
                maxPowerKW: maxPowerKW, into: \.exported, cover: !importCounter)
        }
        if !importCounter {
            // Power where the import counter is missing: its positive part is import, its
            // negative part export unless an export counter says (a meter with an import
            // counter and none for export has no export it can tell).
            buckets.addPower(
                sorted.compactMap { reading in reading.power.map { (reading.time, $0) } }, exporting: !exportCounter)
        }
        return buckets
    }

    /// `total(from:to:)` of each period.
    public func totals(_ periods: [Range<Int64>]) -> [PeriodEnergy] {
        periods.map { period in
            let (kwh, exportKwh, complete) = totals(from: period.lowerBound, to: period.upperBound)
            return PeriodEnergy(kwh: kwh, complete: complete, exportKwh: exportKwh)
        }
    }

    /// kWh and completeness over `[start, end)` (both on bucket boundaries).
    public func total(from start: Int64, to end: Int64) -> (kwh: Double, complete: Bool) {
        let (kwh, _, complete) = totals(from: start, to: end)
        return (kwh, complete)
    }

    /// Imported and exported kWh and completeness over `[start, end)`.
    public func totals(from start: Int64, to end: Int64) -> (kwh: Double, exportKwh: Double, complete: Bool) {
        var kwh = 0.0
        var exportKwh = 0.0
        var complete = true
        var bucket = start - Self.floorMod(start, Self.bucket)
        while bucket < end {
            kwh += energy[bucket] ?? 0
            exportKwh += exported[bucket] ?? 0
            if !covered.contains(bucket) { complete = false }
            bucket += Self.bucket
        }
        return (kwh, exportKwh, complete)
    }

    // MARK: Counter

    private mutating func addCounter(
        _ points: [(time: Int64, energy: Double)], maxPowerKW: Double,
        into target: WritableKeyPath<Self, [Int64: Double]>,
        cover: Bool
    ) {
        /// The most a meter can have counted between two readings.
        func reach(_ a: (time: Int64, energy: Double), _ b: (time: Int64, energy: Double)) -> Double {
            maxPowerKW * Double(max(b.time - a.time, 0)) / 3_600_000 + Self.counterSlack
        }
        // Drop single-reading glitches, zeros that follow a positive counter, and spikes.
        var kept: [(time: Int64, energy: Double, restart: Bool)] = []
        var index = 0
        // A correction's break (a counter of −1): the step to the next reading is not consumption.
        var broken = false
        while index < points.count {
            let point = points[index]
            defer { index += 1 }
            if point.energy < 0 {
                broken = true
                continue
            }
            guard let last = kept.last else {
                kept.append((point.time, point.energy, false))
                continue
            }
            if broken, point.energy > 0 {  // zeros stay missing values
                broken = false
                kept.append((point.time, point.energy, true))
                continue
            }
            let anchor = (time: last.time, energy: last.energy)
            if point.energy < last.energy {
                if point.energy <= 0 { continue }  // a drop to zero is a missing value
                // a glitch: it comes back
                if index + 1 < points.count, points[index + 1].energy >= last.energy { continue }
            } else if point.energy - last.energy > reach(anchor, point) {
                // More than the meter could have counted: a spike if the counter comes back
                // within reach soon; else a new counter level, whose jump is not consumption.
                let end = min(points.count, index + 1 + Self.spikeReadings)
                if let back = (index + 1..<end).first(where: {
                    points[$0].energy - last.energy <= reach(anchor, points[$0])
                }) {
                    index = back - 1  // the deferred step lands on `back`
                    continue
                }
                kept.append((point.time, point.energy, true))
                continue
            }
            kept.append((point.time, point.energy, false))
        }
        for (a, b) in zip(kept, kept.dropFirst()) {
            let delta: Double
            if b.restart {
                delta = 0
            } else if b.energy >= a.energy {
                delta = b.energy - a.energy
            } else {
                // A reset: the meter started again from zero and counted b.energy since — when it
                // could have; a counter that restarts higher than that is a new level.
                delta = b.energy <= reach((a.time, a.energy), (b.time, b.energy)) ? b.energy : 0
            }
            spread(delta, from: a.time, to: b.time, into: target, cover: cover)
        }
    }

    // MARK: Power

    /// Trapezoids of power: the part above zero is import, the part below export (an interval
    /// that crosses zero is split where the line between its readings does).
    private mutating func addPower(_ points: [(time: Int64, power: Double)], exporting: Bool) {
        for (a, b) in zip(points, points.dropFirst()) {
            let span = b.time - a.time
            guard span > 0, span <= Self.maxGap else { continue }
            let hours = Double(span) / 3_600_000 / 1000
            var (imported, exported) = (0.0, 0.0)
            if a.power >= 0, b.power >= 0 {
                imported = (a.power + b.power) / 2 * hours
            } else if a.power <= 0, b.power <= 0 {
                exported = -(a.power + b.power) / 2 * hours
            } else {
                let crossing = a.power / (a.power - b.power)  // the fraction of the interval before zero
                let before = abs(a.power) * crossing / 2 * hours
                let after = abs(b.power) * (1 - crossing) / 2 * hours
                (imported, exported) = a.power > 0 ? (before, after) : (after, before)
            }
            spread(imported, from: a.time, to: b.time, into: \.energy, cover: true)
            if exporting, exported != 0 { spread(exported, from: a.time, to: b.time, into: \.exported, cover: false) }
        }
    }

    /// Spreads `kwh` over `[from, to)` in proportion to time; marks coverage (when `cover`) where
    /// the interval is no gap.
    private mutating func spread(
        _ kwh: Double, from: Int64, to: Int64, into target: WritableKeyPath<Self, [Int64: Double]>, cover: Bool
    ) {
        guard to > from else { return }
        let span = Double(to - from)
        let bridged = cover && to - from <= Self.maxGap
        var bucket = from - Self.floorMod(from, Self.bucket)
        while bucket < to {
            let start = max(bucket, from)
            let end = min(bucket + Self.bucket, to)
            self[keyPath: target][bucket, default: 0] += kwh * Double(end - start) / span
            if bridged {
                let covered = (partial[bucket] ?? 0) + (end - start)
                if covered >= Self.bucket {
                    self.covered.insert(bucket)
                    partial[bucket] = nil
                } else {
                    partial[bucket] = covered
                }
            }
            bucket += Self.bucket
        }
    }

    public static func floor(_ time: Int64) -> Int64 { time - floorMod(time, bucket) }

    public static func floorMod(_ value: Int64, _ modulus: Int64) -> Int64 {
        let remainder = value % modulus
        return remainder < 0 ? remainder + modulus : remainder
    }
}

/// The most power a meter can plausibly draw, per site with overrides per node
/// (`ENERTRACK_MAX_POWER_KW`, `ENERTRACK_NODE_MAX_POWER_KW`): a counter rising faster than this
/// is a faulty reading, not consumption.
public struct PowerLimits: Sendable, Equatable {
    public static let defaultKW = 100.0
    public var siteKW: Double
    public var nodeKW: [String: Double]

    public init(siteKW: Double = PowerLimits.defaultKW, nodeKW: [String: Double] = [:]) {
        self.siteKW = siteKW
        self.nodeKW = nodeKW
    }

    public func kw(for node: String) -> Double { nodeKW[node] ?? siteKW }

    /// A limit in kW: a plain positive number up to 1 GW (the range a counter can hold per hour).
    public static func parseKW(_ text: String) -> Double? {
        guard let value = Double(text.trimmingCharacters(in: .whitespaces)), value.isFinite, value > 0,
            value <= 1_000_000
        else { return nil }
        return value
    }

    /// `ESPID=kW` pairs separated by commas: `taller=250,casa=15`; nil with the offending pair.
    public static func parseNodes(_ text: String) -> Result<[String: Double], Failure> {
        var limits: [String: Double] = [:]
        for pair in text.split(separator: ",") {
            let parts = pair.split(separator: "=", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
            guard parts.count == 2, DirectoryRules.isESPID(parts[0]), let kw = parseKW(parts[1]) else {
                return .failure(
                    Failure(.configuration, "\(LogText.quoted(pair, max: 60)) is not ESPID=kW (a kW from 0 to 1000000)")
                )
            }
            limits[parts[0]] = kw
        }
        return .success(limits)
    }
}

/// A period's energy: kWh, and whether every 15-minute bucket of it was fully covered by
/// readings no farther apart than `EnergyBuckets.maxGap`.
public struct PeriodEnergy: Sendable, Equatable {
    public var kwh: Double
    public var complete: Bool
    /// kWh sent to the grid (0 for a meter that reports no export).
    public var exportKwh: Double

    public init(kwh: Double, complete: Bool, exportKwh: Double = 0) {
        self.kwh = kwh
        self.complete = complete
        self.exportKwh = exportKwh
    }
}

/// Calendar periods in a time zone: hours, days, months, years, DST-correct (a spring-forward
/// day has 23 hours, an autumn one 25).
public enum PeriodUnit: String, Sendable, CaseIterable, Codable {
    case hour, day, month, year

    /// The one way every front end names a period by its start, in local time:
    /// `2026-12-04 10:00` by hour, `2026-12-04` by day, `2026-12` by month, `2026` by year.
    public func label(_ start: Date, timeZone: TimeZone) -> String {
        let iso = ISO8601.format(milliseconds: start.milliseconds, timeZone: timeZone)
        return switch self {
        case .hour: String(iso.prefix(10)) + " " + String(iso.dropFirst(11).prefix(5))
        case .day: String(iso.prefix(10))
        case .month: String(iso.prefix(7))
        case .year: String(iso.prefix(4))
        }
    }

    var component: Calendar.Component {
        switch self {
        case .hour: .hour
        case .day: .day
        case .month: .month
        case .year: .year
        }
    }

    /// The periods that overlap `[from, to)`, whole, in order. The calendar's arithmetic is slow
    /// (a page asks for the same thirty days several times a request), so lists are kept by
    /// their first period and end (`PeriodLists`).
    public func periods(from: Date, to: Date, in timeZone: TimeZone) -> [DateInterval] {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = timeZone
        guard let first = calendar.dateInterval(of: component, for: from) else { return [] }
        let key = PeriodLists.Key(unit: self, timeZone: timeZone.identifier, start: first.start, end: to)
        if let known = PeriodLists.shared.list(key) { return known }
        let periods = periods(first: first, to: to, calendar: calendar)
        PeriodLists.shared.keep(periods, key)
        return periods
    }

    private func periods(first: DateInterval, to: Date, calendar: Calendar) -> [DateInterval] {
        var periods: [DateInterval] = []
        var current = first
        while current.start < to {
            periods.append(current)
            guard let next = calendar.dateInterval(of: component, for: current.end), next.start > current.start else {
                break
            }
            current = next
        }
        return periods
    }
}

/// Period lists made once per process for the ranges asked again and again; bounded (past
/// `capacity` lists it starts over).
final class PeriodLists: Sendable {
    static let shared = PeriodLists(capacity: 128)

    struct Key: Hashable {
        var unit: PeriodUnit
        var timeZone: String
        var start: Date
        var end: Date
    }

    private let lists = Mutex<[Key: [DateInterval]]>([:])
    let capacity: Int

    init(capacity: Int) { self.capacity = capacity }

    func list(_ key: Key) -> [DateInterval]? { lists.withLock { $0[key] } }

    func keep(_ list: [DateInterval], _ key: Key) {
        lists.withLock { lists in
            if lists.count >= capacity { lists.removeAll() }
            lists[key] = list
        }
    }
}
