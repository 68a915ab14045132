import EnerTrackCore
import EnerTrackIngest
import EnerTrackKit
import Foundation
import Testing

@testable import EnerTrackInflux
@testable import EnerTrackSQLite

/// Ground truth made here: a known power profile gives known kWh per period. Each case is
/// checked three ways: computed from the raw readings in memory, and reported from each series
/// store (SQLite, and the real InfluxDB), where the readings land in shuffled batches so the
/// rollups are built incrementally.
struct GroundTruth: Sendable, CustomTestStringConvertible {
    var name: String
    var readings: [Reading]
    var unit: PeriodUnit
    var from: Date
    var to: Date
    var expected: [Double]
    var complete: [Bool]? = nil

    var testDescription: String { name }

    static let madrid = TimeZone(identifier: "Europe/Madrid")!
    /// 2026-11-27T00:00:00Z
    static let t0: Int64 = 1_795_737_600_000

    /// A meter drawing `kw` from `start` for `hours`, read every `step` ms: counter and power.
    static func constant(
        kw: Double, from start: Int64, hours: Double, step: Int64 = 60_000, counterFrom: Double = 100,
        counter: Bool = true
    ) -> [Reading] {
        let count = Int(hours * 3_600_000 / Double(step))
        return (0...count).map { index in
            let time = start + Int64(index) * step
            let energy = counterFrom + kw * Double(time - start) / 3_600_000
            return Reading(node: "A", time: time, power: kw * 1000, energy: counter ? energy : nil)
        }
    }

    static func date(_ ms: Int64) -> Date { Date(timeIntervalSince1970: Double(ms) / 1000) }
    static func local(_ day: String) -> Date { ISO8601.parse(day, localIn: madrid)! }
    static let hour: Int64 = 3_600_000

    static let all: [GroundTruth] = {
        var cases: [GroundTruth] = []
        cases.append(
            GroundTruth(
                name: "a steady 1 kW: 1 kWh per hour, the hour without data incomplete",
                readings: constant(kw: 1, from: t0, hours: 3), unit: .hour, from: date(t0), to: date(t0 + 4 * hour),
                expected: [1, 1, 1, 0], complete: [true, true, true, false]))

        var glitches = constant(kw: 1, from: t0, hours: 2)
        glitches[30].energy = 0
        glitches[70].energy = 3.5
        for index in 90..<95 { glitches[index].energy = 0 }  // a run of zeros: missing values too
        cases.append(
            GroundTruth(
                name: "a zero glitch, a single low reading and a run of zeros change nothing",
                readings: glitches, unit: .hour, from: date(t0), to: date(t0 + 2 * hour), expected: [1, 1]))

        // The meter restarted at the start of the second hour and counts again from 0: the interval
        // across the restart counts what the new cycle counted (1/60 kWh); the last minute spills over.
        let reset =
            constant(kw: 1, from: t0, hours: 1, counterFrom: 50)
            + constant(kw: 1, from: t0 + hour + 60_000, hours: 1, counterFrom: 1.0 / 60)
        cases.append(
            GroundTruth(
                name: "a counter reset starts a new cycle from zero",
                readings: reset, unit: .hour, from: date(t0), to: date(t0 + 3 * hour), expected: [1, 1, 1.0 / 60]))

        let gap = constant(kw: 1, from: t0, hours: 1) + constant(kw: 1, from: t0 + 3 * hour, hours: 1, counterFrom: 103)
        cases.append(
            GroundTruth(
                name: "a 2-hour gap: the counter's increase lands in the gap's hours, which are incomplete",
                readings: gap, unit: .hour, from: date(t0), to: date(t0 + 4 * hour),
                expected: [1, 1, 1, 1], complete: [true, false, false, true]))

        var generator = SplitMix(seed: 7)
        let steady = constant(kw: 1.5, from: t0, hours: 2)
        cases.append(
            GroundTruth(
                name: "duplicated and out-of-order readings give the same figures",
                readings: (steady + steady.prefix(50) + steady.suffix(20)).shuffled(using: &generator), unit: .hour,
                from: date(t0), to: date(t0 + 2 * hour), expected: [1.5, 1.5]))

        cases.append(
            GroundTruth(
                name: "no counter: power is integrated",
                readings: constant(kw: 2, from: t0, hours: 2, counter: false), unit: .hour,
                from: date(t0), to: date(t0 + 2 * hour), expected: [2, 2]))
        // Readings at minutes 0-29, then from 60: the 31 minutes between are not bridged.
        let holed = constant(kw: 2, from: t0, hours: 2, counter: false).filter {
            $0.time < t0 + 1_800_000 || $0.time >= t0 + hour
        }
        cases.append(
            GroundTruth(
                name: "no counter: gaps over 15 minutes are not bridged",
                readings: holed, unit: .hour, from: date(t0), to: date(t0 + 2 * hour),
                expected: [2 * 29.0 / 60, 2], complete: [false, true]))

        for (day, hours) in [("2026-03-29", 23), ("2026-10-25", 25)] {
            let start = local(day)
            let from = Int64(start.timeIntervalSince1970 * 1000)
            let readings = constant(kw: 1, from: from - hour, hours: 27, step: 300_000)
            let end = start.addingTimeInterval(Double(hours) * 3600)
            cases.append(
                GroundTruth(
                    name: "Europe/Madrid \(day): \(hours) hourly rows of 1 kWh", readings: readings, unit: .hour,
                    from: start,
                    to: end, expected: Array(repeating: 1, count: hours)))
            cases.append(
                GroundTruth(
                    name: "Europe/Madrid \(day): one day of \(hours) kWh", readings: readings, unit: .day, from: start,
                    to: end, expected: [Double(hours)]))
        }

        // Counter spikes of a faulty meter (issue: one 999999999 kWh reading made a day of
        // 999,999,999 kWh and the drop after it a reset). Beyond the plausible 100 kW they are
        // faulty readings: the hours keep their 1 kWh.
        var spike = constant(kw: 1, from: t0, hours: 3)
        spike[70].energy = 999_999_999
        cases.append(
            GroundTruth(
                name: "a single upward counter spike is a faulty reading, and the drop after it no reset",
                readings: spike, unit: .hour, from: date(t0), to: date(t0 + 3 * hour), expected: [1, 1, 1]))
        var run = constant(kw: 1, from: t0, hours: 3)
        for index in 100..<106 { run[index].energy = 5_000_000 + Double(index) }
        cases.append(
            GroundTruth(
                name: "a spike of several readings is faulty too",
                readings: run, unit: .hour, from: date(t0), to: date(t0 + 3 * hour), expected: [1, 1, 1]))
        // 90 kW for an hour is a large load but a possible one: every kWh of it counts.
        let large =
            constant(kw: 1, from: t0, hours: 1)
            + constant(kw: 90, from: t0 + hour + 60_000, hours: 1, counterFrom: 101 + 90.0 / 60)
        cases.append(
            GroundTruth(
                name: "a genuine large load under the plausible maximum counts in full",
                readings: large, unit: .hour, from: date(t0), to: date(t0 + 2 * hour), expected: [1, 90]))
        // A swapped meter whose counter starts far higher and keeps climbing: a new level, the
        // jump itself no consumption.
        let swapped =
            constant(kw: 1, from: t0, hours: 1)
            + constant(kw: 1, from: t0 + hour + 60_000, hours: 1, counterFrom: 40_000)
        cases.append(
            GroundTruth(
                name: "a counter that moves to a new level and climbs on starts a new cycle without counting the jump",
                readings: swapped, unit: .hour, from: date(t0), to: date(t0 + 2 * hour), expected: [1, 59.0 / 60]))

        // January 31 days, February 29 (leap year), March 31 minus the spring-forward hour, April 30.
        let year = Int64(local("2028-01-01").timeIntervalSince1970 * 1000)
        let months = constant(kw: 1, from: year, hours: 2903, step: 900_000)
        cases.append(
            GroundTruth(
                name: "months of 31, 29 (leap), 31 (with the DST hour) and 30 days", readings: months, unit: .month,
                from: local("2028-01-01"), to: local("2028-05-01"), expected: [744, 696, 743, 720]))
        cases.append(
            GroundTruth(
                name: "the leap day", readings: months, unit: .day, from: local("2028-02-28"), to: local("2028-03-02"),
                expected: [24, 24, 24]))
        return cases
    }()

    var periods: [DateInterval] {
        unit.periods(from: from, to: to.addingTimeInterval(-0.001), in: Self.madrid)
    }

    func check(_ kwh: [Double], _ complete: [Bool], _ label: String, sourceLocation: SourceLocation = #_sourceLocation)
    {
        #expect(kwh.count == expected.count, "\(label): \(kwh.count) periods", sourceLocation: sourceLocation)
        for (actual, wanted) in zip(kwh, expected) {
            #expect(
                abs(actual - wanted) <= max(abs(wanted) * 0.001, 1e-9), "\(label): \(kwh) vs \(expected)",
                sourceLocation: sourceLocation)
        }
        if let expectedComplete = self.complete {
            #expect(complete == expectedComplete, "\(label): complete \(complete)", sourceLocation: sourceLocation)
        }
    }
}

@Suite("Consumption ground truth")
struct ConsumptionTests {
    @Test("computed from raw readings in memory", arguments: GroundTruth.all)
    func inMemory(_ truth: GroundTruth) {
        let spans = truth.periods.map {
            Int64($0.start.timeIntervalSince1970 * 1000)..<Int64($0.end.timeIntervalSince1970 * 1000)
        }
        let totals = EnergyBuckets.from(truth.readings).totals(spans)
        truth.check(totals.map(\.kwh), totals.map(\.complete), "memory")
    }

    @Test("reported from each series store", arguments: GroundTruth.all, SeriesFactory.allCases)
    func stored(_ truth: GroundTruth, _ factory: SeriesFactory) async throws {
        let store = try factory.make()
        try await store.check()
        var generator = SplitMix(seed: 11)
        var pending = truth.readings.shuffled(using: &generator)
        while !pending.isEmpty {
            let size = min(pending.count, Int.random(in: 1...2_000, using: &generator))
            try await store.write(Array(pending.prefix(size)))
            pending.removeFirst(size)
        }
        let report = try await ConsumptionReport.compute(
            series: store, nodes: ["A"], unit: truth.unit, range: DateInterval(start: truth.from, end: truth.to),
            timeZone: GroundTruth.madrid, now: truth.to.addingTimeInterval(86_400 * 365))
        truth.check(report.rows.map(\.kwh), report.rows.map(\.complete), "\(factory)")
        #expect(report.rows.map(\.start) == truth.periods.map(\.start))
        let span = Int64(truth.from.timeIntervalSince1970 * 1000)..<Int64(truth.to.timeIntervalSince1970 * 1000)
        #expect(
            try await store.energy(node: "A", periods: [span], timeZone: GroundTruth.madrid) != nil,
            "from rollups, not raw readings")
    }
}

/// Each store's rollups must say exactly what the raw readings say, however the readings
/// arrive: in random batches, out of order, with glitches, resets and gaps.
@Suite("Rollups")
struct RollupTests {
    @Test(
        "rollups kept on every write equal a computation over all raw readings", arguments: SeriesFactory.allCases,
        [1, 2])
    func matchesRaw(_ factory: SeriesFactory, _ seed: Int) async throws {
        var generator = SplitMix(seed: UInt64(seed))
        let t0: Int64 = 1_795_737_600_000
        var readings: [Reading] = []
        var counter = 500.0
        var time = t0
        for index in 0..<1_500 {
            time += Int64.random(in: 20_000...90_000, using: &generator)
            if index % 400 == 399 { time += Int64.random(in: 1_000_000...8_000_000, using: &generator) }  // gaps
            counter += Double.random(in: 0...0.05, using: &generator)
            var energy = counter
            if index % 97 == 13 || (600..<606).contains(index) { energy = 0 }  // zero glitches, one run of six
            if index % 211 == 7 { energy = counter / 3 }  // single low reading
            if index == 900 {
                counter = 0.01
                energy = counter
            }  // reset
            readings.append(
                Reading(node: "R", time: time, power: Double.random(in: 0...3000, using: &generator), energy: energy))
        }
        let store = try factory.make()
        try await store.check()
        // In time order up to the middle of the zeros (so a refresh starts there), then shuffled.
        try await store.write(Array(readings[0..<603]))
        var shuffled = Array(readings[603...]).shuffled(using: &generator)
        var batches = 0
        while !shuffled.isEmpty {
            let size = min(shuffled.count, Int.random(in: 1...200, using: &generator))
            try await store.write(Array(shuffled.prefix(size)))
            shuffled.removeFirst(size)
            batches += 1
            // A report now and then refreshes what was written so far (incremental, not one pass).
            if batches % 4 == 0 { _ = try await store.energy(node: "R", periods: [t0..<t0 + 900_000], timeZone: .gmt) }
        }
        let raw = EnergyBuckets.from(readings)
        let end = EnergyBuckets.floor(time) + EnergyBuckets.bucket
        let hours = stride(from: t0, to: end, by: 3_600_000).map { $0..<$0 + 3_600_000 }
        let rolled = try #require(try await store.energy(node: "R", periods: hours, timeZone: .gmt))
        for (hour, (a, b)) in zip(hours, zip(raw.totals(hours), rolled)) {
            #expect(abs(a.kwh - b.kwh) < 1e-9 && a.complete == b.complete, "hour \(hour): raw \(a) rollup \(b)")
        }
        if let embedded = store as? SQLiteSeriesStore {
            // The summaries: one per bucket with readings, as many samples as readings.
            let summaries = try await embedded.rollups(node: "R", from: t0, to: end) ?? []
            #expect(summaries.reduce(0) { $0 + $1.samples } == Int64(Set(readings.map(\.time)).count))
            try await embedded.refreshRollups()
            #expect(try await embedded.dirtyNodes() == 0)
        }
        if let influx = store as? InfluxSeriesStore {
            // Marks stay three minutes after a refresh (writes may ride on them); with no hold,
            // a refresh deletes every mark it handled.
            var settings = influx.settings
            settings.markHold = 0
            try await InfluxSeriesStore(settings: settings).refreshRollups()
            let marks = try await influx.series("SELECT count(start) FROM \"energy_dirty\"")
            #expect(marks.isEmpty, "the refresh deleted the dirty marks it handled: \(marks.map(\.values))")
        }
        try await store.rebuildRollups(from: nil)
        let rebuilt = try #require(try await store.energy(node: "R", periods: [t0..<end], timeZone: .gmt))
        #expect(abs(rebuilt[0].kwh - raw.total(from: t0, to: end).kwh) < 1e-9)
    }
}
