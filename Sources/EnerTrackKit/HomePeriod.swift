import EnerTrackCore
import Foundation

/// The period the home page shows: a day by hours, a week (Monday to Sunday) or a month by days,
/// or a year by months, around a date; with the periods before and after it.
public struct HomePeriod: Sendable, Equatable {
    public enum Kind: String, Sendable, CaseIterable {
        case day, week, month, year

        /// The bars of one period.
        public var unit: PeriodUnit {
            switch self {
            case .day: .hour
            case .week, .month: .day
            case .year: .month
            }
        }
    }

    public var kind: Kind
    /// The first day of the period.
    public var start: CalendarDay
    public var interval: DateInterval
    public var timeZone: TimeZone

    /// The period of `kind` holding `date` (`YYYY-MM-DD`, today when nil or unreadable).
    public init(kind: Kind, date: String?, now: Date = Date(), timeZone: TimeZone) {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = timeZone
        calendar.firstWeekday = 2
        calendar.minimumDaysInFirstWeek = 4
        var day = now
        if let date, let parsed = CalendarDay(checking: date),
            let midday = calendar.date(
                from: DateComponents(year: parsed.year, month: parsed.month, day: parsed.day, hour: 12))
        {
            day = midday
        }
        let component: Calendar.Component =
            switch kind {
            case .day: .day
            case .week: .weekOfYear
            case .month: .month
            case .year: .year
            }
        let interval = calendar.dateInterval(of: component, for: day) ?? DateInterval(start: day, duration: 86_400)
        self.kind = kind
        self.interval = interval
        self.start = CalendarDay(interval.start, timeZone: timeZone)
        self.timeZone = timeZone
    }

    /// The period before (`-1`) or after (`1`) this one.
    public func shifted(_ by: Int) -> HomePeriod {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = timeZone
        let (component, amount): (Calendar.Component, Int) =
            switch kind {
            case .day: (.day, by)
            case .week: (.day, 7 * by)
            case .month: (.month, by)
            case .year: (.year, by)
            }
        let moved = calendar.date(byAdding: component, value: amount, to: interval.start.addingTimeInterval(43_200))
        return HomePeriod(
            kind: kind, date: moved.map { CalendarDay($0, timeZone: timeZone).description }, timeZone: timeZone)
    }

    public func contains(_ date: Date) -> Bool { interval.start <= date && date < interval.end }

    /// The range to read: the whole period, or up to now for the current one.
    public func range(now: Date) -> DateInterval {
        DateInterval(start: interval.start, end: max(interval.start, min(interval.end, now)))
    }

    /// The period's name in `words`' language: "4 de diciembre de 2026", "semana del 30 de
    /// noviembre de 2026", "diciembre de 2026", "2026".
    public func label(_ words: Words) -> String {
        let month = words.month(start.month)
        switch kind {
        case .day: return words.date(start)
        case .week: return words("week of {0} {1} {2}", String(start.day), month, String(start.year))
        case .month: return words("{0} {1}", month, String(start.year))
        case .year: return String(start.year)
        }
    }
}

extension Words {
    /// A month's name (1…12).
    public func month(_ number: Int) -> String {
        let months = [
            self("January"), self("February"), self("March"), self("April"), self("May"), self("June"),
            self("July"), self("August"), self("September"), self("October"), self("November"),
            self("December"),
        ]
        return months[max(0, min(11, number - 1))]
    }

    /// A weekday's short name, as Foundation numbers them (1 Sunday … 7 Saturday).
    public func weekday(_ number: Int) -> String {
        let days = [self("Sun"), self("Mon"), self("Tue"), self("Wed"), self("Thu"), self("Fri"), self("Sat")]
        return days[((number - 1) % 7 + 7) % 7]
    }

    /// A month's short name (1…12).
    public func shortMonth(_ number: Int) -> String {
        let months = [
            self("Jan"), self("Feb"), self("Mar"), self("Apr"), self("May"), self("Jun"), self("Jul"), self("Aug"),
            self("Sep"), self("Oct"), self("Nov"), self("Dec"),
        ]
        return months[max(0, min(11, number - 1))]
    }

    /// A day in words: "4 de diciembre de 2026", "4 December 2026".
    public func date(_ day: CalendarDay) -> String {
        self("{0} {1} {2}", String(day.day), month(day.month), String(day.year))
    }

    /// Days in words, at most `limit` named ("3 and 4 December…" as a list, then how many more).
    public func dates(_ days: [CalendarDay], limit: Int = 4) -> String {
        let named = days.prefix(limit).map(date).joined(separator: ", ")
        return days.count > limit ? self("{0} and {1} more days", named, String(days.count - limit)) : named
    }

    /// A tariff period's name: its own (P1, punta…), or for a single-price tariff, in words.
    public func period(_ name: String) -> String { name == "flat" ? self("single price") : name }

    /// A price as exact as the tariff gives it, with this language's decimal mark.
    public func price(_ value: Decimal) -> String {
        let text = "\(value)"
        return language.decimalComma ? text.replacingOccurrences(of: ".", with: ",") : text
    }
}
