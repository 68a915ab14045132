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

    /// The period's name in `words`' language: "4 dic 2026", "semana del 30 nov 2026", "diciembre 2026", "2026".
    public func label(_ words: Words) -> String {
        let months = [
            words("January"), words("February"), words("March"), words("April"), words("May"), words("June"),
            words("July"), words("August"), words("September"), words("October"), words("November"),
            words("December"),
        ]
        let month = months[(start.month - 1) % 12]
        switch kind {
        case .day: return words("{0} {1} {2}", String(start.day), month, String(start.year))
        case .week: return words("week of {0} {1} {2}", String(start.day), month, String(start.year))
        case .month: return words("{0} {1}", month, String(start.year))
        case .year: return String(start.year)
        }
    }
}
