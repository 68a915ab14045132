import Foundation

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
public struct EnergyBuckets: Sendable, Equatable {
    public static let bucket: Int64 = 900_000
    /// Longer intervals between readings are gaps: their buckets are incomplete.
    public static let maxGap: Int64 = 900_000

    /// kWh per bucket start (ms since the epoch).
    public var energy: [Int64: Double] = [:]
    /// Buckets fully covered by intervals no longer than `maxGap`.
    public var covered: Set<Int64> = []
    /// Partly covered buckets: how many ms of them are covered.
    public var partial: [Int64: Int64] = [:]

    public init() {}

    /// One stored rollup row.
    public struct Row: Sendable, Equatable {
        public var bucket: Int64
        public var kwh: Double
        public var covered: Int64

        public init(bucket: Int64, kwh: Double, covered: Int64) {
            self.bucket = bucket
            self.kwh = kwh
            self.covered = covered
        }
    }

    /// Rollup rows in bucket order, as a store reads them: summed by a binary search and a scan,
    /// no hashing (a year of one meter is 35,000 rows).
    private var rows: [Row]?

    public init(sortedRows: [Row]) {
        rows = sortedRows
    }

    /// The buckets of `[from, to)` as rollup rows (covered ms; full buckets 900,000).
    public func rows(from: Int64, to: Int64) -> [Row] {
        var rows: [Row] = []
        var bucket = from
        while bucket < to {
            let covered = covered.contains(bucket) ? Self.bucket : (partial[bucket] ?? 0)
            let kwh = energy[bucket] ?? 0
            if kwh != 0 || covered > 0 { rows.append(Row(bucket: bucket, kwh: kwh, covered: covered)) }
            bucket += Self.bucket
        }
        return rows
    }

    public static func from(_ readings: [Reading]) -> EnergyBuckets {
        var buckets = EnergyBuckets()
        let sorted = Reading.coalesce(readings.sorted { $0.time < $1.time })
        if sorted.contains(where: { $0.energy != nil }) {
            buckets.addCounter(sorted.compactMap { reading in reading.energy.map { (reading.time, $0) } })
        } else {
            buckets.addPower(sorted.compactMap { reading in reading.power.map { (reading.time, $0) } })
        }
        return buckets
    }

    /// kWh and completeness over `[start, end)` (both on bucket boundaries).
    public func total(from start: Int64, to end: Int64) -> (kwh: Double, complete: Bool) {
        if let rows { return Self.total(rows, from: start, to: end) }
        var kwh = 0.0
        var complete = true
        var bucket = start - Self.floorMod(start, Self.bucket)
        while bucket < end {
            kwh += energy[bucket] ?? 0
            if !covered.contains(bucket) { complete = false }
            bucket += Self.bucket
        }
        return (kwh, complete)
    }

    private static func total(_ rows: [Row], from start: Int64, to end: Int64) -> (kwh: Double, complete: Bool) {
        let first = floor(start)
        var low = 0, high = rows.count
        while low < high {
            let middle = (low + high) / 2
            if rows[middle].bucket < first { low = middle + 1 } else { high = middle }
        }
        var kwh = 0.0
        var full = 0
        var index = low
        while index < rows.count, rows[index].bucket < end {
            kwh += rows[index].kwh
            if rows[index].covered >= bucket { full += 1 }
            index += 1
        }
        let expected = Int((end - first + bucket - 1) / bucket)
        return (kwh, full == expected)
    }

    // MARK: Counter

    private mutating func addCounter(_ points: [(time: Int64, energy: Double)]) {
        // Drop single-reading glitches and zeros that follow a positive counter.
        var kept: [(time: Int64, energy: Double)] = []
        for (index, point) in points.enumerated() {
            if let last = kept.last, point.energy < last.energy {
                if point.energy <= 0 { continue }  // a drop to zero is a missing value
                if index + 1 < points.count, points[index + 1].energy >= last.energy { continue }  // a glitch: it comes back
            }
            kept.append(point)
        }
        for (a, b) in zip(kept, kept.dropFirst()) {
            // A reset: the meter started again from zero and counted b.energy since.
            let delta = b.energy >= a.energy ? b.energy - a.energy : b.energy
            spread(delta, from: a.time, to: b.time)
        }
    }

    // MARK: Power

    private mutating func addPower(_ points: [(time: Int64, power: Double)]) {
        for (a, b) in zip(points, points.dropFirst()) {
            let span = b.time - a.time
            guard span > 0, span <= Self.maxGap else { continue }
            let kwh = (a.power + b.power) / 2 * Double(span) / 3_600_000 / 1000
            spread(kwh, from: a.time, to: b.time)
        }
    }

    /// Spreads `kwh` over `[from, to)` in proportion to time; marks coverage when the interval is no gap.
    private mutating func spread(_ kwh: Double, from: Int64, to: Int64) {
        guard to > from else { return }
        let span = Double(to - from)
        let bridged = to - from <= Self.maxGap
        var bucket = from - Self.floorMod(from, Self.bucket)
        while bucket < to {
            let start = max(bucket, from)
            let end = min(bucket + Self.bucket, to)
            energy[bucket, default: 0] += kwh * Double(end - start) / span
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

    static func floorMod(_ value: Int64, _ modulus: Int64) -> Int64 {
        let remainder = value % modulus
        return remainder < 0 ? remainder + modulus : remainder
    }
}

/// Calendar periods in a time zone: hours, days, months, years, DST-correct (a spring-forward
/// day has 23 hours, an autumn one 25).
public enum PeriodUnit: String, Sendable, CaseIterable {
    case hour, day, month, year

    var component: Calendar.Component {
        switch self {
        case .hour: .hour
        case .day: .day
        case .month: .month
        case .year: .year
        }
    }

    /// The periods that overlap `[from, to)`, whole, in order.
    public func periods(from: Date, to: Date, in timeZone: TimeZone) -> [DateInterval] {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = timeZone
        var periods: [DateInterval] = []
        guard var current = calendar.dateInterval(of: component, for: from) else { return [] }
        while current.start < to {
            periods.append(current)
            guard let next = calendar.dateInterval(of: component, for: current.end), next.start > current.start else { break }
            current = next
        }
        return periods
    }
}
