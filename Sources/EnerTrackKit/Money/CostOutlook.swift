import EnerTrackCore
import Foundation

/// This month's cost so far and where it is heading: so far + the mean of the last 7 days × the
/// days left (the rule budget alerts, the dashboard card and the bot's /cost share).
public struct CostOutlook: Sendable, Equatable {
    public var currency: String
    /// `YYYY-MM`, local.
    public var month: String
    public var soFar: Decimal
    public var projected: Decimal
    public var today: Decimal
    public var kwhSoFar: Double

    /// Nil when none of the meters has a tariff (nothing to price, not an error for a page).
    /// Where meters make a site, the site's bill is its connection meter's: its production
    /// meters and circuits are not billed again (`SiteScope`).
    public static func month(
        directory: any CostDirectory, series: any SeriesStore, espIDs all: [String], user: String?, timeZone: TimeZone,
        now: Date = Date()
    ) async throws -> CostOutlook? {
        let espIDs = all.filter(try await SiteScope.read(directory, meters: all).counts)
        guard !espIDs.isEmpty else { return nil }
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = timeZone
        guard let month = calendar.dateInterval(of: .month, for: now),
            let day = calendar.dateInterval(of: .day, for: now)
        else { return nil }
        let meters = try await CostReport.meters(directory: directory, espIDs: espIDs, user: user)
        let book = try await TariffBook.load(directory)
        let priced = meters.filter { book.timeline(node: $0.espID, users: $0.users) != nil }
        guard !priced.isEmpty else { return nil }
        func total(_ range: DateInterval) async throws -> (Decimal, Double, String) {
            let report = try await CostReport.compute(
                book: book, tariffs: directory, series: series, meters: priced, grouping: .bill, range: range,
                timeZone: timeZone, now: now)
            return (report.total, report.bill?.kwh ?? 0, report.currency)
        }
        let (soFar, kwh, currency) = try await total(DateInterval(start: month.start, end: now))
        let (today, _, _) = try await total(DateInterval(start: day.start, end: now))
        let weekStart = now.addingTimeInterval(-7 * 86_400)
        let (week, _, _) = try await total(DateInterval(start: weekStart, end: now))
        let daysLeft = max(month.end.timeIntervalSince(now), 0) / 86_400
        let projected = (soFar + week / 7 * Decimal(figure: daysLeft, scale: 6)).rounded(2)
        let label = String(ISO8601.format(milliseconds: month.start.milliseconds, timeZone: timeZone).prefix(7))
        return CostOutlook(
            currency: currency, month: label, soFar: soFar, projected: projected, today: today, kwhSoFar: kwh)
    }
}
