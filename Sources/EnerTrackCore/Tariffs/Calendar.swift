import Foundation

/// A day of the year on the wall calendar.
public struct CalendarDay: Hashable, Sendable, Comparable, CustomStringConvertible, Codable {
    public var year: Int
    public var month: Int
    public var day: Int

    public init(year: Int, month: Int, day: Int) {
        self.year = year
        self.month = month
        self.day = day
    }

    public static func < (a: CalendarDay, b: CalendarDay) -> Bool {
        (a.year, a.month, a.day) < (b.year, b.month, b.day)
    }

    public var description: String { String(format: "%04d-%02d-%02d", year, month, day) }
}

/// Spain's national holidays, the days the 2.0TD access tariff counts as valle (P3) all day:
/// the fixed national dates, 6 January, and Good Friday (two days before Easter Sunday).
public enum SpanishHolidays {
    static let fixed: [(month: Int, day: Int)] = [
        (1, 1), (1, 6), (5, 1), (8, 15), (10, 12), (11, 1), (12, 6), (12, 8), (12, 25),
    ]

    /// Easter Sunday of a Gregorian year (the anonymous Gregorian algorithm, "Meeus/Jones/Butcher").
    public static func easterSunday(year: Int) -> CalendarDay {
        let a = year % 19
        let b = year / 100
        let c = year % 100
        let d = b / 4
        let e = b % 4
        let f = (b + 8) / 25
        let g = (b - f + 1) / 3
        let h = (19 * a + b - d - g + 15) % 30
        let i = c / 4
        let k = c % 4
        let l = (32 + 2 * e + 2 * i - h - k) % 7
        let m = (a + 11 * h + 22 * l) / 451
        let month = (h + l - 7 * m + 114) / 31
        let day = (h + l - 7 * m + 114) % 31 + 1
        return CalendarDay(year: year, month: month, day: day)
    }

    /// Good Friday: Easter Sunday less two days (March 20 at the earliest, so within one month
    /// or at the end of the previous one).
    public static func goodFriday(year: Int) -> CalendarDay {
        let easter = easterSunday(year: year)
        if easter.day > 2 { return CalendarDay(year: year, month: easter.month, day: easter.day - 2) }
        // Easter on 1 or 2 April: Good Friday on 30 or 31 March.
        return CalendarDay(year: year, month: 3, day: 29 + easter.day)
    }

    public static func days(year: Int) -> Set<CalendarDay> {
        Set(fixed.map { CalendarDay(year: year, month: $0.month, day: $0.day) } + [goodFriday(year: year)])
    }

    public static func contains(_ day: CalendarDay) -> Bool {
        day == goodFriday(year: day.year) || fixed.contains { $0.month == day.month && $0.day == day.day }
    }
}
