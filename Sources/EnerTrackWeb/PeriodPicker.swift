import EnerTrackCore
import EnerTrackKit
import Foundation

extension Component {
    /// The period picker of a page that shows a day, week, month or year (`?period=&date=` on
    /// `path`): the four kinds, previous and next (no next into the future), and the period's name.
    static func periodPicker(_ period: HomePeriod, now: Date, _ l: Words, path: String) -> HTML {
        func link(_ target: HomePeriod) -> String { "\(path)?period=\(target.kind.rawValue)&date=\(target.start)" }
        let kinds: [HTML] = HomePeriod.Kind.allCases.map { kind in
            let label =
                switch kind {
                case .day: l("Day")
                case .week: l("Week")
                case .month: l("Month")
                case .year: l("Year")
                }
            let target = HomePeriod(kind: kind, date: period.start.description, now: now, timeZone: period.timeZone)
            return
                "<a class=\"btn btn-outline-primary btn-sm\(HTML.when(kind == period.kind, " active"))\" href=\"\(link(target))\"\(HTML.when(kind == period.kind, " aria-current=\"page\""))>\(label)</a>"
        }
        let previous = period.shifted(-1)
        let next = period.shifted(1)
        let nextLink: HTML =
            next.interval.start > now
            ? "<span class=\"btn btn-outline-secondary btn-sm disabled\" aria-disabled=\"true\" aria-label=\"\(l("Next"))\">▶</span>"
            : "<a class=\"btn btn-outline-secondary btn-sm\" href=\"\(link(next))\" aria-label=\"\(l("Next"))\" title=\"\(next.label(l))\">▶</a>"
        return """
            <div class="d-flex flex-wrap align-items-center gap-2 mb-2">
              <nav class="btn-group" aria-label="\(l("Period"))">\(kinds)</nav>
              <div class="btn-group" role="group" aria-label="\(l("Previous or next"))"><a class="btn btn-outline-secondary btn-sm" href="\(link(previous))" aria-label="\(l("Previous"))" title="\(previous.label(l))">◀</a>\(nextLink)</div>
              <h2 class="h5 mb-0">\(period.label(l))</h2>
            </div>
            """
    }

    /// A bar's label: the hour, the weekday and day, the day, or the month.
    static func barLabel(_ start: Date, _ kind: HomePeriod.Kind, _ l: Words, timeZone: TimeZone) -> String {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = timeZone
        let parts = calendar.dateComponents([.hour, .day, .month, .weekday], from: start)
        switch kind {
        case .day: return String(format: "%02d", parts.hour ?? 0)
        case .week: return l.weekday(parts.weekday ?? 1) + " " + String(parts.day ?? 1)
        case .month: return String(parts.day ?? 1)
        case .year: return l.shortMonth(parts.month ?? 1)
        }
    }
}
