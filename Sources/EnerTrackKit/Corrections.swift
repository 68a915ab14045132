import EnerTrackCore
import Foundation

/// Corrections to a meter's readings as `readings delete|correct` and the node page make them:
/// a preview first (what the days' energy will be: the dry run, which also refuses a
/// correction that would store a value ingest refuses), then the store's change and its rollups,
/// then the days' energy as the store now reports it, kept in the audit trail.
public enum Corrections {
    public struct Request: Sendable {
        public var node: String
        public var from: Int64
        public var to: Int64
        public var change: ReadingCorrection
        public var reason: String?
        public var actor: String

        public init(node: String, from: Int64, to: Int64, change: ReadingCorrection, reason: String?, actor: String) {
            self.node = node
            self.from = from
            self.to = to
            self.change = change
            self.reason = reason
            self.actor = actor
        }
    }

    /// How far back the readings that anchor a correction are looked for.
    static let lookBack: Int64 = 2 * 86_400_000
    static let day: Int64 = 86_400_000

    /// The dry run: the record the correction would leave, its days' `after` predicted.
    public static func preview(_ request: Request, series: any SeriesStore, timeZone: TimeZone, now: Date = Date())
        async throws -> CorrectionRecord
    {
        try await plan(request, series: series, timeZone: timeZone, now: now).record
    }

    /// The preview, the walk the store is to apply (anchored, not yet applied), and the span of
    /// the days it lists.
    static func plan(_ request: Request, series: any SeriesStore, timeZone: TimeZone, now: Date) async throws
        -> (record: CorrectionRecord, walk: CorrectionWalk, days: Range<Int64>)
    {
        try request.change.validate()
        if let pruned = try await series.prunedBefore(), request.from < pruned {
            throw CorrectionError.pruned(before: ISO8601.format(milliseconds: pruned, timeZone: timeZone))
        }
        let before = try await contextBefore(series, node: request.node, time: request.from)
        let initial = try await walk(request, series: series, before: before)
        var walk = initial
        let mark = walk.endBreak
        // The buckets the changed readings decide: from the context before to the context after.
        let after = try await series.readings(
            node: request.node, from: request.to, to: nil, limit: EnergyBuckets.contextReadings)
        let start = EnergyBuckets.floor(before.first?.time ?? request.from)
        let end = EnergyBuckets.floor(after.last?.time ?? request.to) + EnergyBuckets.bucket
        let maxKW = series.limits.kw(for: request.node)
        var delta: [Int64: (kwh: Double, export: Double)] = [:]
        var count = 0
        let first = try await contextBefore(series, node: request.node, time: start)
        var tail = (original: first, corrected: first)
        var chunk = start
        while chunk < end {
            let chunkEnd = min(chunk + day, end)
            let readings = try await series.readings(node: request.node, from: chunk, to: chunkEnd, limit: nil)
            let next = try await series.readings(
                node: request.node, from: chunkEnd, to: nil, limit: EnergyBuckets.contextReadings)
            let inRange = { (reading: Reading) in reading.time >= request.from && reading.time < request.to }
            var corrected: [Reading] = []
            for part in split(readings, by: inRange) {
                corrected += part.inRange ? try walk.apply(part.readings) : part.readings
            }
            if let mark, mark.time >= chunk, mark.time < chunkEnd { corrected = inserted(mark, into: corrected) }
            count += readings.count { inRange($0) && !$0.isCounterBreak }
            var ahead = walk
            var nextCorrected: [Reading] = []
            for part in split(next, by: inRange) {
                nextCorrected += part.inRange ? try ahead.apply(part.readings) : part.readings
            }
            if let mark, mark.time >= chunkEnd, mark.time < next.last?.time ?? chunkEnd {
                nextCorrected = inserted(mark, into: nextCorrected)
            }
            let old = EnergyBuckets.rollups(
                tail.original + readings + next, from: chunk, to: chunkEnd, dense: true, maxPowerKW: maxKW)
            let new = EnergyBuckets.rollups(
                tail.corrected + corrected + nextCorrected, from: chunk, to: chunkEnd, dense: true, maxPowerKW: maxKW)
            for (a, b) in zip(old, new) where a.kwh != b.kwh || a.exportKwh != b.exportKwh {
                delta[a.bucket] = (b.kwh - a.kwh, b.exportKwh - a.exportKwh)
            }
            tail = (
                counting(tail.original + readings).suffix(EnergyBuckets.contextReadings),
                counting(tail.corrected + corrected).suffix(EnergyBuckets.contextReadings)
            )
            chunk = chunkEnd
        }
        guard count > 0 else { throw CorrectionError.nothingToCorrect(node: request.node) }
        var days = try await dayEnergy(
            series, node: request.node, from: min(start, request.from), to: max(end, request.to), timeZone: timeZone,
            now: now)
        let span = (days.first?.range.lowerBound ?? start)..<(days.last?.range.upperBound ?? end)
        for index in days.indices {
            let range = days[index].range
            let change = delta.filter { range.contains($0.key) }.values
            days[index].day.afterKWh = rounded(days[index].day.beforeKWh + change.reduce(0) { $0 + $1.kwh })
            days[index].day.afterExportKWh = rounded(
                days[index].day.beforeExportKWh + change.reduce(0) { $0 + $1.export })
        }
        let record = CorrectionRecord(
            node: request.node, action: request.change.action, detail: request.change.detail, from: request.from,
            to: request.to, actor: request.actor, at: now.milliseconds, readings: count, days: days.map(\.day),
            reason: request.reason, store: series.location)
        return (record, initial, span)
    }

    /// Applies the correction and records it: the preview's `before`, the store's `after`.
    public static func apply(
        _ request: Request, series: any SeriesStore, audit: any CorrectionStore, timeZone: TimeZone,
        progress: (@Sendable (Int64, Int64) -> Void)? = nil
    ) async throws -> CorrectionRecord {
        guard let store = series as? any Correctable else { throw CorrectionError.unsupported(store: series.location) }
        var (record, walk, span) = try await plan(request, series: series, timeZone: timeZone, now: Date())
        record.readings = try await store.correct(
            node: request.node, from: request.from, to: request.to, walk: &walk, progress: progress)
        if !record.days.isEmpty {
            let now = try await dayEnergy(
                series, node: request.node, from: span.lowerBound, to: span.upperBound, timeZone: timeZone,
                now: Date())
            let after = Dictionary(now.map { ($0.day.day, $0.day) }, uniquingKeysWith: { a, _ in a })
            for index in record.days.indices {
                record.days[index].afterKWh = after[record.days[index].day]?.beforeKWh ?? 0
                record.days[index].afterExportKWh = after[record.days[index].day]?.beforeExportKWh ?? 0
            }
        }
        record.at = Date().milliseconds
        record.id = try await audit.recordCorrection(record)
        return record
    }

    /// The walk of a request: anchored on the readings before it, and ending in a counter break
    /// when it changes a counter and no reading has the instant before its end.
    static func walk(_ request: Request, series: any SeriesStore, before: [Reading]) async throws -> CorrectionWalk {
        var walk = CorrectionWalk(request.change, before: before)
        if request.change.breaksCounters,
            try await series.readings(node: request.node, from: request.to - 1, to: request.to, limit: 1).isEmpty
        {
            walk.endBreak = Reading.counterBreak(node: request.node, time: request.to - 1)
        }
        return walk
    }

    static func inserted(_ reading: Reading, into readings: [Reading]) -> [Reading] {
        var readings = readings
        readings.insert(reading, at: readings.firstIndex { $0.time > reading.time } ?? readings.count)
        return readings
    }

    /// The last counting readings before `time` (zeros after a counter are missing values).
    static func contextBefore(_ series: any SeriesStore, node: String, time: Int64) async throws -> [Reading] {
        let recent = try await series.readings(node: node, from: time - lookBack, to: time, limit: nil)
        return Array(counting(recent).suffix(EnergyBuckets.contextReadings))
    }

    static func counting(_ readings: [Reading]) -> [Reading] { readings.filter { $0.energy != 0 } }

    /// Runs of readings inside and outside the range, in order.
    static func split(_ readings: [Reading], by inRange: (Reading) -> Bool) -> [(inRange: Bool, readings: [Reading])] {
        var parts: [(inRange: Bool, readings: [Reading])] = []
        for reading in readings {
            let inside = inRange(reading)
            if parts.last?.inRange == inside {
                parts[parts.count - 1].readings.append(reading)
            } else {
                parts.append((inside, [reading]))
            }
        }
        return parts
    }

    /// Each calendar day of `[from, to)` in the zone with its energy as the store reports it now
    /// (in `beforeKWh`; `after` equal).
    static func dayEnergy(
        _ series: any SeriesStore, node: String, from: Int64, to: Int64, timeZone: TimeZone, now: Date
    ) async throws -> [(day: CorrectionRecord.Day, range: Range<Int64>)] {
        let periods = PeriodUnit.day.periods(
            from: Date(milliseconds: from), to: Date(milliseconds: to), in: timeZone)
        guard let first = periods.first, let last = periods.last else { return [] }
        let report = try await ConsumptionReport.compute(
            series: series, nodes: [node], unit: .day, range: DateInterval(start: first.start, end: last.end),
            timeZone: timeZone, now: max(now, last.end))
        let rows = Dictionary(report.rows.map { ($0.start, $0) }, uniquingKeysWith: { a, _ in a })
        return periods.map { period in
            let row = rows[period.start]
            let kwh = rounded(row?.kwh ?? 0)
            let export = rounded(row?.exportKwh ?? 0)
            return (
                CorrectionRecord.Day(
                    day: PeriodUnit.day.label(period.start, timeZone: timeZone), beforeKWh: kwh, afterKWh: kwh,
                    beforeExportKWh: export, afterExportKWh: export),
                period.start.milliseconds..<period.end.milliseconds
            )
        }
    }

    static func rounded(_ kwh: Double) -> Double { ConsumptionReport.rounded(kwh) }
}

/// A correction as `readings history --json`, `/api/v1` and the node page show it.
public struct CorrectionView: Encodable, Sendable {
    public var id: Int64
    public var node: String
    public var action: String
    public var detail: String
    public var from: Date
    public var to: Date
    public var actor: String
    public var at: Date
    public var readings: Int
    public var beforeKWh: Double
    public var afterKWh: Double
    public var days: [CorrectionRecord.Day]
    public var reason: String?
    public var store: String
    /// False for a dry run.
    public var applied: Bool

    public init(_ record: CorrectionRecord, applied: Bool = true) {
        id = record.id
        node = record.node
        action = record.action
        detail = record.detail
        from = Date(milliseconds: record.from)
        to = Date(milliseconds: record.to)
        actor = record.actor
        at = Date(milliseconds: record.at)
        readings = record.readings
        beforeKWh = Corrections.rounded(record.beforeKWh)
        afterKWh = Corrections.rounded(record.afterKWh)
        days = record.days
        reason = record.reason
        store = record.store
        self.applied = applied
    }

    enum CodingKeys: String, CodingKey {
        case id, node, action, detail, from, to, actor, at, readings, days, reason, store, applied
        case beforeKWh = "before_kwh"
        case afterKWh = "after_kwh"
    }
}
