import EnerTrackCore
import Foundation
import Testing

/// The calendar of Spain's 2.0TD access tariff: the `es-2.0TD` preset's rules and the national
/// holiday calendar, asked for single instants (bills use the same rules through `CostSchedule`).
@Suite("2.0TD periods and the Spanish holiday calendar")
struct AccessTariffTests {
    static let madrid = TimeZone(identifier: "Europe/Madrid")!

    /// Milliseconds of a Madrid wall-clock time.
    static func madrid(_ text: String) -> Int64 {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = madrid
        let parts = text.split(whereSeparator: { "- :".contains($0) }).compactMap { Int($0) }
        let date = calendar.date(
            from: DateComponents(year: parts[0], month: parts[1], day: parts[2], hour: parts[3], minute: parts[4]))!
        return Int64(date.timeIntervalSince1970 * 1000)
    }

    /// The es-2.0TD energy period of an instant on the wall clock of `zone`.
    static func period(_ milliseconds: Int64, zone: TimeZone = madrid) -> String {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = zone
        let parts = calendar.dateComponents(
            [.year, .month, .day, .hour, .minute, .weekday], from: Date(milliseconds: milliseconds))
        let day = CalendarDay(year: parts.year!, month: parts.month!, day: parts.day!)
        return PeriodScheme.es20TD.period(
            weekday: parts.weekday!, month: day.month, minute: parts.hour! * 60 + parts.minute!,
            holiday: HolidayCalendar.esNational.contains(day))
    }

    @Test("Easter Sunday and Good Friday, against published dates (including Easter on 1 April)")
    func easter() {
        let known: [(Int, Int, Int)] = [
            (2000, 4, 23), (2018, 4, 1), (2019, 4, 21), (2024, 3, 31), (2025, 4, 20), (2026, 4, 5), (2027, 3, 28),
            (2038, 4, 25), (2285, 3, 22),
        ]
        for (year, month, day) in known {
            #expect(SpanishHolidays.easterSunday(year: year) == CalendarDay(year: year, month: month, day: day))
        }
        #expect(SpanishHolidays.goodFriday(year: 2018) == CalendarDay(year: 2018, month: 3, day: 30))
        #expect(SpanishHolidays.goodFriday(year: 2026) == CalendarDay(year: 2026, month: 4, day: 3))
        #expect(SpanishHolidays.days(year: 2026).count == 10)
        #expect(SpanishHolidays.contains(CalendarDay(year: 2026, month: 1, day: 6)))
        #expect(!SpanishHolidays.contains(CalendarDay(year: 2026, month: 4, day: 6)), "Easter Monday is regional")
    }

    @Test("working days: P3 0–8, P2 8–10, P1 10–14, P2 14–18, P1 18–22, P2 22–24")
    func workingDay() {
        // Tuesday 1 December 2026.
        let expected: [String] =
            Array(repeating: "P3", count: 8) + ["P2", "P2"] + Array(repeating: "P1", count: 4)
            + Array(repeating: "P2", count: 4) + Array(repeating: "P1", count: 4) + ["P2", "P2"]
        for hour in 0..<24 {
            let at = Self.madrid("2026-12-01 \(hour):30")
            #expect(Self.period(at) == expected[hour], "\(hour):30")
        }
        #expect(Self.period(Self.madrid("2026-12-01 7:59")) == "P3")
        #expect(Self.period(Self.madrid("2026-12-01 8:00")) == "P2")
        #expect(Self.period(Self.madrid("2026-12-01 22:00")) == "P2")
    }

    @Test("Saturdays, Sundays, national holidays, 6 January and Good Friday are P3 all day")
    func valleDays() {
        for day in ["2026-12-05", "2026-12-06", "2026-12-08", "2026-01-06", "2026-04-03", "2026-12-25"] {
            for hour in [0, 9, 11, 19, 23] {
                #expect(
                    Self.period(Self.madrid("\(day) \(hour):15")) == "P3",
                    "\(day) \(hour):15")
            }
        }
        #expect(Self.period(Self.madrid("2026-12-07 11:00")) == "P1")
    }

    @Test("DST days: the periods follow the wall clock, 23 and 25 hours")
    func daylightSaving() {
        // Monday 30 March 2026 is a working day after the spring change; Tuesday 27 October 2026
        // after the autumn one. The change days themselves (Sundays) are valle.
        #expect(Self.period(Self.madrid("2026-03-30 10:00")) == "P1")
        let springStart = Self.madrid("2026-03-29 0:00")
        let springEnd = Self.madrid("2026-03-30 0:00")
        #expect((springEnd - springStart) / 3_600_000 == 23)
        let autumnStart = Self.madrid("2026-10-25 0:00")
        let autumnEnd = Self.madrid("2026-10-26 0:00")
        #expect((autumnEnd - autumnStart) / 3_600_000 == 25)
        for hour in stride(from: autumnStart, to: autumnEnd, by: 3_600_000) {
            #expect(Self.period(hour) == "P3")
        }
        // In UTC, 10:00 Madrid is 08:00 in summer and 09:00 in winter.
        #expect(Self.period(Self.madrid("2026-07-01 10:00")) == "P1")
        #expect(Self.period(Self.madrid("2026-07-01 10:00"), zone: .gmt) == "P2")
    }
}
