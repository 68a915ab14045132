import EnerTrackCore
import Foundation
import Testing

@testable import EnerTrackKit
@testable import EnerTrackSQLite

/// The figures `serve` keeps of periods that ended over an hour ago: the same as computed
/// afresh, and recomputed once late readings, an import or a rebuild change the past.
@Suite("kept figures of closed periods")
struct ClosedPeriodsTests {
    static let day: Int64 = 86_400_000
    /// Three days of readings every 5 minutes (1.2 kWh an hour), from midnight UTC three days ago,
    /// one minute past each five so that no reading is on a period boundary.
    static func readings(until now: Int64, scale: Double = 1) -> [Reading] {
        let start = now - now % day - 3 * day
        return stride(from: start + 60_000, to: now, by: 300_000).enumerated().map { index, time in
            Reading(node: "M", time: time, power: 1200 * scale, energy: 100 + Double(index) / 10 * scale)
        }
    }

    static let tariff = Tariff(
        name: "dos", currency: "EUR",
        versions: [
            TariffVersion(
                from: CalendarDay(year: 2020, month: 1, day: 1),
                periods: PeriodScheme(
                    rules: [PeriodRule(name: "day", days: Set(0...7), hours: [8..<20])], defaultPeriod: "night"),
                holidays: HolidayCalendar(), energy: .periods(["day": 0.2, "night": 0.1]), fixedPerDay: 0.5,
                taxes: [Tax(name: "IVA", percent: 21, on: ["energy", "fixed"])])
        ])

    struct Figures: Equatable {
        var kwh: [ConsumptionReport.Row]
        var bills: [String]
    }

    /// kWh by day and cost by day over the three days, with `cache` (none: computed afresh).
    static func figures(_ series: SQLiteSeriesStore, directory: SQLiteDirectoryStore, cache: ClosedPeriods?, now: Date)
        async throws -> Figures
    {
        var closed: ClosedPeriods.Snapshot?
        if let cache { closed = try await ClosedPeriods.Snapshot.read(cache, series: series, nodes: ["M"], now: now) }
        let range = DateInterval(start: now.addingTimeInterval(-3 * 86_400), end: now)
        let kwh = try await ConsumptionReport.compute(
            series: series, nodes: ["M"], unit: .day, range: range, timeZone: .gmt, now: now, closed: closed)
        let book = TariffBook(
            tariffs: ["dos": tariff],
            assignments: [
                TariffAssignment(target: .node("M"), tariff: "dos", from: CalendarDay(year: 2020, month: 1, day: 1))
            ])
        let cost = try await CostReport.compute(
            book: book, tariffs: directory, series: series, meters: [CostReport.Meter(espID: "M", users: [])],
            grouping: .day, range: range, timeZone: .gmt, now: now, closed: closed)
        return Figures(
            kwh: kwh.rows, bills: cost.rows.map { "\($0.start) \($0.bill.kwh) \($0.bill.total) \($0.bill.lines.count)" }
        )
    }

    @Test("history versions: recent writes keep them, late readings and rebuilds move them; kept figures follow")
    func keptFiguresFollowThePast() async throws {
        let directoryPath = try temporaryDirectory("enertrack-closed")
        let series = try SQLiteSeriesStore(path: directoryPath + "/series.sqlite")
        let directory = try SQLiteDirectoryStore(path: directoryPath + "/directory.sqlite")
        let now = Date()
        try await series.write(Self.readings(until: now.milliseconds))
        let first = try #require(try await series.historyVersions(nodes: ["M", "NONE"]))
        #expect(first["NONE"] == 0 && first.count == 2)

        // A reading of now refreshes recent buckets only: the past is unchanged.
        try await series.write([Reading(node: "M", time: now.milliseconds, power: 1200, energy: 200)])
        #expect(try await series.historyVersions(nodes: ["M"]) == ["M": first["M"] ?? -1])

        let cache = ClosedPeriods(capacity: 1_000)
        let fresh = try await Self.figures(series, directory: directory, cache: nil, now: now)
        #expect(fresh.kwh.count == 4 && fresh.bills.count == 4, "\(fresh)")
        #expect(try await Self.figures(series, directory: directory, cache: cache, now: now) == fresh)
        let kept = cache.count
        #expect(kept.energy >= 2 && kept.bills >= 2, "the closed days are kept: \(kept)")
        #expect(try await Self.figures(series, directory: directory, cache: cache, now: now) == fresh, "from the cache")

        // A late reading 30 s before midnight two days ago moves energy from one day to the one before.
        let midnight = now.milliseconds - now.milliseconds % Self.day - Self.day
        let before = try #require(
            try await series.readings(node: "M", from: midnight - 300_000, to: midnight, limit: 1).first)
        try await series.write([
            Reading(node: "M", time: midnight - 30_000, power: 1200, energy: (before.energy ?? 0) + 0.099)
        ])
        let moved = try #require(try await series.historyVersions(nodes: ["M"]))
        #expect(moved["M"] != first["M"], "a late reading moves the version")
        let after = try await Self.figures(series, directory: directory, cache: nil, now: now)
        #expect(after != fresh, "the late reading changed two closed days")
        #expect(try await Self.figures(series, directory: directory, cache: cache, now: now) == after)

        // A rebuild moves it too.
        try await series.rebuildRollups(from: nil)
        #expect(try await series.historyVersions(nodes: ["M"]) != moved)
        #expect(try await Self.figures(series, directory: directory, cache: cache, now: now) == after)
    }

    @Test("one cache, two stores with a meter of one name: each store's own figures")
    func storesApart() async throws {
        let now = Date()
        let cache = ClosedPeriods(capacity: 1_000)
        var figures: [Figures] = []
        for scale in [1.0, 2.0] {
            let path = try temporaryDirectory("enertrack-closed")
            let series = try SQLiteSeriesStore(path: path + "/series.sqlite")
            let directory = try SQLiteDirectoryStore(path: path + "/directory.sqlite")
            try await series.write(Self.readings(until: now.milliseconds, scale: scale))
            let fresh = try await Self.figures(series, directory: directory, cache: nil, now: now)
            #expect(try await Self.figures(series, directory: directory, cache: cache, now: now) == fresh)
            figures.append(fresh)
        }
        #expect(figures[0] != figures[1], "the two stores hold different energy")
    }
}
