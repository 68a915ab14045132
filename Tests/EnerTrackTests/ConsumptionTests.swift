import EnerTrackCore
import EnerTrackIngest
@testable import EnerTrackSQLite
import Foundation
import Testing

/// Ground truth made here: a known power profile gives known kWh per period.
@Suite("Consumption semantics")
struct ConsumptionTests {
    let madrid = TimeZone(identifier: "Europe/Madrid")!
    /// 2026-11-27T00:00:00Z
    let t0: Int64 = 1_795_737_600_000

    /// A meter drawing `kw` from `start` for `hours`, read every `step` ms: counter and power.
    func constant(kw: Double, from start: Int64, hours: Double, step: Int64 = 60_000, counterFrom: Double = 100,
                  counter: Bool = true) -> [Reading] {
        let count = Int(hours * 3_600_000 / Double(step))
        return (0...count).map { index in
            let time = start + Int64(index) * step
            let energy = counterFrom + kw * Double(time - start) / 3_600_000
            return Reading(node: "A", time: time, power: kw * 1000, energy: counter ? energy : nil)
        }
    }

    func hourly(_ buckets: EnergyBuckets, from: Int64, hours: Int) -> [Double] {
        (0..<hours).map { buckets.total(from: from + Int64($0) * 3_600_000, to: from + Int64($0 + 1) * 3_600_000).kwh }
    }

    func expectClose(_ actual: [Double], _ expected: [Double], _ comment: Comment? = nil, sourceLocation: SourceLocation = #_sourceLocation) {
        #expect(actual.count == expected.count, comment, sourceLocation: sourceLocation)
        for (a, e) in zip(actual, expected) {
            #expect(abs(a - e) <= max(abs(e) * 0.001, 1e-9), "\(actual) vs \(expected) \(comment?.description ?? "")", sourceLocation: sourceLocation)
        }
    }

    @Test("a steady 1 kW gives 1 kWh per hour, complete hours")
    func steady() {
        let buckets = EnergyBuckets.from(constant(kw: 1, from: t0, hours: 3))
        expectClose(hourly(buckets, from: t0, hours: 3), [1, 1, 1])
        #expect(buckets.total(from: t0, to: t0 + 3 * 3_600_000).complete)
        #expect(!buckets.total(from: t0, to: t0 + 4 * 3_600_000).complete, "no data in the fourth hour")
    }

    @Test("a zero glitch and a single low reading that comes back change nothing")
    func glitches() {
        var readings = constant(kw: 1, from: t0, hours: 2)
        readings[30].energy = 0
        readings[70].energy = 3.5
        expectClose(hourly(EnergyBuckets.from(readings), from: t0, hours: 2), [1, 1])
        // Several zeros in a row (the meter lost its counter for a while) are missing values too.
        var zeros = constant(kw: 1, from: t0, hours: 2)
        for index in 40..<45 { zeros[index].energy = 0 }
        expectClose(hourly(EnergyBuckets.from(zeros), from: t0, hours: 2), [1, 1])
    }

    @Test("a counter reset starts a new cycle from zero")
    func reset() {
        let before = constant(kw: 1, from: t0, hours: 1, counterFrom: 50)
        // The meter restarted at the start of the second hour and counts again from 0.
        let after = constant(kw: 1, from: t0 + 3_600_000 + 60_000, hours: 1, counterFrom: 1.0 / 60)
        // The interval across the restart counts what the new cycle counted (1/60 kWh); the second
        // hour still sums to 1 kWh, its last minute spills into the third.
        expectClose(hourly(EnergyBuckets.from(before + after), from: t0, hours: 3), [1, 1, 1.0 / 60])
    }

    @Test("a 2-hour gap: the counter's increase lands in the gap's hours, which are incomplete")
    func gap() {
        let first = constant(kw: 1, from: t0, hours: 1)
        let second = constant(kw: 1, from: t0 + 3 * 3_600_000, hours: 1, counterFrom: 103)
        let buckets = EnergyBuckets.from(first + second)
        expectClose(hourly(buckets, from: t0, hours: 4), [1, 1, 1, 1])
        #expect(buckets.total(from: t0, to: t0 + 3_600_000).complete)
        #expect(!buckets.total(from: t0 + 3_600_000, to: t0 + 3 * 3_600_000).complete)
        #expect(buckets.total(from: t0 + 3 * 3_600_000, to: t0 + 4 * 3_600_000).complete)
    }

    @Test("duplicated and out-of-order readings give the same figures")
    func disorder() {
        let readings = constant(kw: 1.5, from: t0, hours: 2)
        let messy = (readings + readings.prefix(50)).shuffled()
        expectClose(hourly(EnergyBuckets.from(messy), from: t0, hours: 2), [1.5, 1.5])
    }

    @Test("no counter: power is integrated, gaps over 15 minutes are not bridged")
    func powerOnly() {
        let readings = constant(kw: 2, from: t0, hours: 2, counter: false)
        expectClose(hourly(EnergyBuckets.from(readings), from: t0, hours: 2), [2, 2])
        let holed = readings.filter { $0.time < t0 + 1_800_000 || $0.time >= t0 + 3_600_000 }
        let buckets = EnergyBuckets.from(holed)
        // Readings at minutes 0-29, then from 60: the 31 minutes between are not bridged.
        expectClose(hourly(buckets, from: t0, hours: 2), [2 * 29.0 / 60, 2])
        #expect(!buckets.total(from: t0, to: t0 + 3_600_000).complete)
    }

    @Test("Europe/Madrid DST days have 23 and 25 hourly periods and 23 and 25 kWh at 1 kW")
    func dst() throws {
        for (day, hours) in [("2026-03-29", 23), ("2026-10-25", 25)] {
            let start = try #require(ISO8601.parse(day, localIn: madrid))
            let end = try #require(PeriodUnit.day.periods(from: start, to: start.addingTimeInterval(1), in: madrid).first?.end)
            let periods = PeriodUnit.hour.periods(from: start, to: end, in: madrid)
            #expect(periods.count == hours, "\(day)")
            let from = Int64(start.timeIntervalSince1970 * 1000)
            let buckets = EnergyBuckets.from(constant(kw: 1, from: from - 3_600_000, hours: 27, step: 300_000))
            let kwh = periods.map { buckets.total(from: Int64($0.start.timeIntervalSince1970 * 1000), to: Int64($0.end.timeIntervalSince1970 * 1000)).kwh }
            expectClose(kwh, Array(repeating: 1, count: hours), "\(day)")
            expectClose([kwh.reduce(0, +)], [Double(hours)])
        }
    }

    @Test("months of 28, 29, 30 and 31 days, a leap day")
    func months() throws {
        let start = try #require(ISO8601.parse("2028-01-01", localIn: madrid))
        let end = try #require(ISO8601.parse("2028-05-01", localIn: madrid))
        let from = Int64(start.timeIntervalSince1970 * 1000)
        let hours = end.timeIntervalSince(start) / 3600
        let buckets = EnergyBuckets.from(constant(kw: 1, from: from, hours: hours, step: 900_000))
        let months = PeriodUnit.month.periods(from: start, to: end.addingTimeInterval(-1), in: madrid)
        let kwh = months.map { buckets.total(from: Int64($0.start.timeIntervalSince1970 * 1000), to: Int64($0.end.timeIntervalSince1970 * 1000)).kwh }
        // January 31 days, February 29 (leap year), March 31 minus the spring-forward hour, April 30.
        expectClose(kwh, [744, 696, 743, 720])
        let leapDay = try #require(ISO8601.parse("2028-02-29", localIn: madrid))
        let day = try #require(PeriodUnit.day.periods(from: leapDay, to: leapDay.addingTimeInterval(1), in: madrid).first)
        #expect(day.duration == 86_400)
        #expect(PeriodUnit.month.periods(from: try #require(ISO8601.parse("2027-02-10", localIn: madrid)),
                                         to: try #require(ISO8601.parse("2027-02-11", localIn: madrid)), in: madrid).first?.duration == 28 * 86_400)
    }
}

/// The embedded store's rollups must say exactly what the raw readings say, however the
/// readings arrive: in random batches, out of order, with glitches, resets and gaps.
@Suite("Embedded rollups")
struct RollupTests {
    @Test("rollups kept on every write equal a computation over all raw readings", arguments: [1, 2, 3])
    func matchesRaw(_ seed: Int) async throws {
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
            if index == 900 { counter = 0.01; energy = counter }  // reset
            readings.append(Reading(node: "R", time: time, power: Double.random(in: 0...3000, using: &generator), energy: energy))
        }
        let store = try SQLiteSeriesStore(path: try temporaryDirectory("enertrack-rollup") + "/series.sqlite")
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
            if batches % 4 == 0 { _ = try await store.energy(node: "R", periods: [t0..<t0 + 900_000]) }
        }
        let raw = EnergyBuckets.from(readings)
        let end = EnergyBuckets.floor(time) + EnergyBuckets.bucket
        let hours = stride(from: t0, to: end, by: 3_600_000).map { $0..<$0 + 3_600_000 }
        let rolled = try #require(try await store.energy(node: "R", periods: hours))
        for (hour, (a, b)) in zip(hours, zip(raw.totals(hours), rolled)) {
            #expect(abs(a.kwh - b.kwh) < 1e-9 && a.complete == b.complete, "hour \(hour): raw \(a) rollup \(b)")
        }
        // The summaries: one per bucket with readings, as many samples as readings.
        let summaries = try await store.rollups(node: "R", from: t0, to: end)
        #expect(summaries.reduce(0) { $0 + $1.samples } == Int64(Set(readings.map(\.time)).count))
        try await store.refreshRollups()
        #expect(try await store.dirtyNodes() == 0)
        try await store.rebuildRollups(from: nil)
        let rebuilt = try #require(try await store.energy(node: "R", periods: [t0..<end]))
        #expect(abs(rebuilt[0].kwh - raw.total(from: t0, to: end).kwh) < 1e-9)
    }
}
