import Foundation

/// From which local day a meter (or a user's meters) has a tariff; the next assignment ends it.
public struct TariffAssignment: Sendable, Equatable {
    public enum Target: Sendable, Equatable, Hashable {
        case node(String)
        case user(String)
    }

    public var target: Target
    public var tariff: String
    public var from: CalendarDay

    public init(target: Target, tariff: String, from: CalendarDay) {
        self.target = target
        self.tariff = tariff
        self.from = from
    }
}

/// One price of a dynamic tariff: `price` per kWh for `[time, time + duration)` (an hour or 15 minutes).
public struct PricePoint: Sendable, Equatable {
    public var time: Int64
    public var duration: Int64
    public var price: Double

    public init(time: Int64, duration: Int64, price: Double) {
        self.time = time
        self.duration = duration
        self.price = price
    }
}

/// kWh of one bucket (15 minutes, or an hour where the store summed four) starting at `bucket`.
public struct BucketEnergy: Sendable, Equatable {
    public var bucket: Int64
    public var kwh: Double
    /// kWh sent to the grid in the bucket (0 for a meter that reports no export).
    public var exportKwh: Double

    public init(bucket: Int64, kwh: Double, exportKwh: Double = 0) {
        self.bucket = bucket
        self.kwh = kwh
        self.exportKwh = exportKwh
    }
}

/// The tariff versions in force over time for one meter: its assignments (each from its day
/// until the next) crossed with each tariff's own dated versions.
public struct TariffTimeline: Sendable, Equatable {
    public struct Segment: Sendable, Equatable {
        public var tariff: String
        public var currency: String
        public var version: TariffVersion
        public var from: CalendarDay
        /// The first day no longer in this segment (nil: still in force).
        public var until: CalendarDay?
    }

    public var segments: [Segment]

    /// `assignments`: (first day, tariff), in any order; a later assignment of the same day wins.
    public init(assignments: [(from: CalendarDay, tariff: Tariff)]) {
        let sorted = assignments.enumerated().sorted { ($0.element.from, $0.offset) < ($1.element.from, $1.offset) }
            .map(\.element)
        var starts: [(from: CalendarDay, tariff: Tariff)] = []
        for assignment in sorted {
            if starts.last?.from == assignment.from { starts.removeLast() }
            starts.append(assignment)
        }
        var segments: [Segment] = []
        for (index, assignment) in starts.enumerated() {
            let end = index + 1 < starts.count ? starts[index + 1].from : nil
            let versions = assignment.tariff.versions
            for (position, version) in versions.enumerated() {
                let next = position + 1 < versions.count ? versions[position + 1].from : nil
                let from = max(version.from, assignment.from)
                var until = next
                if let end { until = until.map { min($0, end) } ?? end }
                if let until, until <= from { continue }
                segments.append(
                    Segment(
                        tariff: assignment.tariff.name, currency: assignment.tariff.currency, version: version,
                        from: from, until: until))
            }
        }
        self.segments = segments
    }

    /// The segment in force on a day.
    public func segment(on day: CalendarDay) -> Int? {
        segments.lastIndex { $0.from <= day && ($0.until.map { day < $0 } ?? true) }
    }
}

/// The price and period of every 15-minute bucket of a range for one timeline, worked out
/// once and shared by every meter with that timeline: a year is 35,040 buckets.
///
/// Each bucket is placed by the wall clock of the site zone at its start (every period boundary
/// is on a quarter hour, and every zone offset is a multiple of 15 minutes, so no bucket
/// straddles one); a DST day has its 92 or 100 buckets, the repeated hour taking the period of
/// its wall-clock hour both times.
public struct CostSchedule: Sendable {
    /// A local day of the range: its instants (clipped to nothing), segment, and its month's length.
    public struct Day: Sendable {
        public var day: CalendarDay
        public var start: Int64
        public var end: Int64
        public var segment: Int?
    }

    /// A priced period of one segment.
    public struct Band: Sendable, Equatable {
        public var segment: Int
        public var period: String
    }

    public let timeline: TariffTimeline
    public let from: Int64
    public let to: Int64
    public let days: [Day]
    public let bands: [Band]
    /// Band of each bucket (-1: no tariff in force).
    public let bandOf: [Int32]
    /// Energy price of each bucket (per kWh; NaN where a dynamic price is missing, 0 with no tariff).
    public let priceOf: [Double]
    /// Export price of each bucket, for versions whose export is priced by a series
    /// (`export_series`): NaN where the series has no price; empty when no version has one.
    public let exportPriceOf: [Double]
    /// Whether the period and price are the same in all four quarters of every hour, so stores
    /// may sum energy per hour.
    public let hourly: Bool
    /// Each segment's prices as exact decimals and the words of its lines (`bill`).
    let terms: [SegmentTerms]

    /// The longest range one schedule covers (25 years of buckets).
    public static let maxBuckets = 25 * 366 * 96

    /// `from`/`to` on bucket boundaries; `prices` by tariff name, for versions priced by series.
    public init(
        timeline: TariffTimeline, from: Int64, to: Int64, timeZone: TimeZone, prices: [String: [PricePoint]] = [:]
    ) throws(TariffError) {
        guard from % EnergyBuckets.bucket == 0, to % EnergyBuckets.bucket == 0, to > from else {
            throw TariffError("a cost range must be whole 15-minute buckets, its end after its start", status: .usage)
        }
        let count = Int((to - from) / EnergyBuckets.bucket)
        guard count <= Self.maxBuckets else {
            throw TariffError("a cost range may span 25 years at most", status: .usage)
        }
        self.timeline = timeline
        self.terms = timeline.segments.map { SegmentTerms($0.version) }
        self.from = from
        self.to = to
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = timeZone
        days = Self.localDays(timeline: timeline, from: from, to: to, calendar: calendar)
        bands = Self.bands(timeline).bands
        let table = Self.bucketTable(
            timeline: timeline, days: days, from: from, to: to, count: count, calendar: calendar, prices: prices)
        bandOf = table.bands
        priceOf = table.prices
        exportPriceOf = Self.exportPrices(
            timeline: timeline, days: days, from: from, to: to, count: count, prices: prices)
        hourly =
            Self.isHourly(bandOf: table.bands, priceOf: table.prices, from: from)
            && (exportPriceOf.isEmpty
                || Self.isHourly(bandOf: table.bands, priceOf: exportPriceOf, from: from))
    }

    /// The local days that meet `[from, to)`, each with the segment in force.
    static func localDays(timeline: TariffTimeline, from: Int64, to: Int64, calendar: Calendar) -> [Day] {
        var days: [Day] = []
        var start = calendar.startOfDay(for: Date(timeIntervalSince1970: Double(from) / 1000))
        while start.milliseconds < to {
            guard let next = calendar.date(byAdding: .day, value: 1, to: start), next > start else { break }
            let parts = calendar.dateComponents([.year, .month, .day], from: start)
            let day = CalendarDay(year: parts.year ?? 2000, month: parts.month ?? 1, day: parts.day ?? 1)
            days.append(
                Day(day: day, start: start.milliseconds, end: next.milliseconds, segment: timeline.segment(on: day)))
            start = next
        }
        return days
    }

    /// Bands: each segment's energy periods, in order, and each one's index by segment and name.
    static func bands(_ timeline: TariffTimeline) -> (bands: [Band], bandIndex: [Int: [String: Int32]]) {
        var bands: [Band] = []
        var bandIndex: [Int: [String: Int32]] = [:]
        for (index, segment) in timeline.segments.enumerated() {
            for period in segment.version.periods.names {
                bandIndex[index, default: [:]][period] = Int32(bands.count)
                bands.append(Band(segment: index, period: period))
            }
        }
        return (bands, bandIndex)
    }

    /// Series prices of the range, per tariff, by bucket (NaN where none is known).
    static func seriesPrices(
        timeline: TariffTimeline, from: Int64, to: Int64, count: Int, prices: [String: [PricePoint]]
    ) -> [String: [Double]] {
        var seriesPrices: [String: [Double]] = [:]
        for segment in timeline.segments where segment.version.energy == .series {
            guard seriesPrices[segment.tariff] == nil else { continue }
            seriesPrices[segment.tariff] = table(prices[segment.tariff] ?? [], from: from, to: to, count: count)
        }
        return seriesPrices
    }

    /// A series' price of every bucket of `[from, to)` (NaN where it has none).
    static func table(_ points: [PricePoint], from: Int64, to: Int64, count: Int) -> [Double] {
        var table = [Double](repeating: .nan, count: count)
        for point in points {
            var bucket = max(point.time, from)
            bucket -= EnergyBuckets.floorMod(bucket - from, EnergyBuckets.bucket)
            while bucket < min(point.time + point.duration, to) {
                if bucket >= point.time { table[Int((bucket - from) / EnergyBuckets.bucket)] = point.price }
                bucket += EnergyBuckets.bucket
            }
        }
        return table
    }

    /// The export price of every bucket whose version takes it from a series (NaN elsewhere).
    static func exportPrices(
        timeline: TariffTimeline, days: [Day], from: Int64, to: Int64, count: Int, prices: [String: [PricePoint]]
    ) -> [Double] {
        guard timeline.segments.contains(where: { $0.version.exportSeries != nil }) else { return [] }
        var tables: [String: [Double]] = [:]
        var out = [Double](repeating: .nan, count: count)
        for day in days {
            guard let index = day.segment, let name = timeline.segments[index].version.exportSeries else { continue }
            if tables[name] == nil { tables[name] = table(prices[name] ?? [], from: from, to: to, count: count) }
            var bucket = max(day.start, from)
            while bucket < min(day.end, to) {
                let at = Int((bucket - from) / EnergyBuckets.bucket)
                out[at] = tables[name]?[at] ?? .nan
                bucket += EnergyBuckets.bucket
            }
        }
        return out
    }

    /// The band and the energy price of every bucket.
    static func bucketTable(
        timeline: TariffTimeline, days: [Day], from: Int64, to: Int64, count: Int, calendar: Calendar,
        prices: [String: [PricePoint]]
    ) -> (bands: [Int32], prices: [Double]) {
        let timeZone = calendar.timeZone
        let bandIndex = bands(timeline).bandIndex
        let seriesPrices = seriesPrices(timeline: timeline, from: from, to: to, count: count, prices: prices)
        var periodPrices: [Int: [String: Double]] = [:]
        for (index, segment) in timeline.segments.enumerated() {
            if case .periods(let prices) = segment.version.energy { periodPrices[index] = prices.mapValues(\.double) }
        }
        var bandOf = [Int32](repeating: -1, count: count)
        var priceOf = [Double](repeating: 0, count: count)
        for day in days {
            guard let segmentIndex = day.segment else { continue }
            let segment = timeline.segments[segmentIndex]
            let version = segment.version
            let weekday = calendar.component(.weekday, from: Date(timeIntervalSince1970: Double(day.start) / 1000))
            let holiday = version.holidays.contains(day.day)
            let regular = day.end - day.start == 86_400_000
            let startWall = Int64(timeZone.secondsFromGMT(for: Date(timeIntervalSince1970: Double(day.start) / 1000)))
            var bucket = max(day.start, from)
            while bucket < min(day.end, to) {
                let minute: Int
                if regular {
                    minute = Int((bucket - day.start) / 60_000)
                } else {
                    // A DST day: the wall clock of the bucket, by its own offset.
                    let offset = Int64(timeZone.secondsFromGMT(for: Date(timeIntervalSince1970: Double(bucket) / 1000)))
                    minute = Int((bucket + offset * 1000 - day.start - startWall * 1000) / 60_000)
                }
                let period = version.periods.period(
                    weekday: weekday, month: day.day.month, minute: min(max(minute, 0), 1439), holiday: holiday)
                let index = Int((bucket - from) / EnergyBuckets.bucket)
                bandOf[index] = bandIndex[segmentIndex]?[period] ?? -1
                switch version.energy {
                case .periods: priceOf[index] = periodPrices[segmentIndex]?[period] ?? 0
                case .series: priceOf[index] = seriesPrices[segment.tariff]?[index] ?? .nan
                }
                bucket += EnergyBuckets.bucket
            }
        }
        return (bandOf, priceOf)
    }

    /// Whether the band and price are the same in all four quarters of every hour.
    static func isHourly(bandOf: [Int32], priceOf: [Double], from: Int64) -> Bool {
        var hourly = from % 3_600_000 == 0
        var index = 0
        while hourly, index < bandOf.count {
            let hourStart = index - Int(((from / EnergyBuckets.bucket) + Int64(index)) % 4)
            if hourStart >= 0 {
                let same = bandOf[index] == bandOf[hourStart]
                let price = priceOf[index] == priceOf[hourStart] || (priceOf[index].isNaN && priceOf[hourStart].isNaN)
                hourly = same && price
            }
            index += 1
        }
        return hourly
    }

    /// What one meter used in each row range (contiguous, ascending, on bucket boundaries within
    /// the schedule): kWh and dynamic cost per band. `energy` ascending; with `step` an hour, each
    /// entry is the sum of the hour's four buckets (only when `hourly`).
    public func usage(rows: [Range<Int64>], energy: [BucketEnergy]) -> [Usage] {
        var usages = rows.map { Usage(range: $0, bands: bands.count) }
        var row = 0
        for entry in energy where entry.bucket >= from && entry.bucket < to && (entry.kwh != 0 || entry.exportKwh != 0)
        {
            while row < rows.count, entry.bucket >= rows[row].upperBound { row += 1 }
            guard row < rows.count else { break }
            guard entry.bucket >= rows[row].lowerBound else { continue }
            let index = Int((entry.bucket - from) / EnergyBuckets.bucket)
            let band = Int(bandOf[index])
            guard band >= 0 else {
                usages[row].unpricedKWh += entry.kwh
                continue
            }
            usages[row].exported[band] += entry.exportKwh
            if entry.exportKwh != 0, !exportPriceOf.isEmpty,
                timeline.segments[bands[band].segment].version.exportSeries != nil
            {
                let price = exportPriceOf[index]
                if price.isNaN {
                    usages[row].missingPrice = usages[row].missingPrice ?? entry.bucket
                } else {
                    usages[row].exportCost[band] += entry.exportKwh * price
                }
            }
            usages[row].kwh[band] += entry.kwh
            let price = priceOf[index]
            if price.isNaN {
                usages[row].missingPrice = usages[row].missingPrice ?? entry.bucket
                usages[row].unpricedKWh += entry.kwh
            } else {
                usages[row].cost[band] += entry.kwh * price
            }
        }
        return usages
    }

    /// The energy price of the bucket starting at `bucket`; nil outside the schedule, where no
    /// tariff is in force or no dynamic price is known.
    public func energyPrice(at bucket: Int64) -> Double? {
        guard bucket >= from, bucket < to else { return nil }
        let index = Int((bucket - from) / EnergyBuckets.bucket)
        guard index < bandOf.count, bandOf[index] >= 0, !priceOf[index].isNaN else { return nil }
        return priceOf[index]
    }

    /// A meter's use in one row: kWh per band, and for dynamic prices their cost.
    public struct Usage: Sendable, Equatable {
        public var range: Range<Int64>
        public var kwh: [Double]
        public var cost: [Double]
        /// Exported kWh per band (zero for meters that report no export).
        public var exported: [Double]
        /// The compensation of the exported kWh per band where the export price is a series.
        public var exportCost: [Double]
        /// kWh with no tariff in force, or no dynamic price.
        public var unpricedKWh = 0.0
        /// The first bucket with energy but no dynamic price.
        public var missingPrice: Int64?

        public init(range: Range<Int64>, bands: Int) {
            self.range = range
            kwh = [Double](repeating: 0, count: bands)
            cost = [Double](repeating: 0, count: bands)
            exported = [Double](repeating: 0, count: bands)
            exportCost = [Double](repeating: 0, count: bands)
        }
    }

    /// Per segment, the days of `range` in it (fractions where the range cuts a day), and the
    /// months' worth (each day over its month's length).
    func dayShares(_ range: Range<Int64>) -> [Int: (days: Double, months: Double)] {
        var shares: [Int: (days: Double, months: Double)] = [:]
        var low = 0
        var high = days.count
        while low < high {
            let middle = (low + high) / 2
            if days[middle].end <= range.lowerBound { low = middle + 1 } else { high = middle }
        }
        var index = low
        while index < days.count, days[index].start < range.upperBound {
            let day = days[index]
            index += 1
            guard let segment = day.segment else { continue }
            let overlap = min(day.end, range.upperBound) - max(day.start, range.lowerBound)
            guard overlap > 0 else { continue }
            let fraction = Double(overlap) / Double(day.end - day.start)
            let monthLength = Double(CalendarDay.days(year: day.day.year, month: day.day.month))
            let share = shares[segment] ?? (0, 0)
            shares[segment] = (share.days + fraction, share.months + fraction / monthLength)
        }
        return shares
    }
}
