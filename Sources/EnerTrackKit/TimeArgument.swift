import EnerTrackCore
import Foundation

/// A point in time as a command-line argument: `now`, `today` / `yesterday` (local midnight),
/// `15m` / `2h` / `7d` ago (`-15m` too), unix seconds
/// or milliseconds, or ISO 8601 — with an offset as given, without one in the site time zone.
public enum TimeArgument {
    public static func parse(_ text: String, timeZone: TimeZone, now: Date = Date()) -> Date? {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        if trimmed == "now" { return now }
        if trimmed == "today" || trimmed == "yesterday" {
            var calendar = Calendar(identifier: .gregorian)
            calendar.timeZone = timeZone
            let midnight = calendar.startOfDay(for: now)
            return trimmed == "today" ? midnight : calendar.date(byAdding: .day, value: -1, to: midnight)
        }
        let relative = trimmed.hasPrefix("-") ? trimmed.dropFirst() : trimmed[...]
        if let unit = relative.last, "smhd".contains(unit), let amount = Double(relative.dropLast()), amount >= 0 {
            let seconds: Double? = switch unit {
            case "s": amount
            case "m": amount * 60
            case "h": amount * 3600
            case "d": amount * 86_400
            default: nil
            }
            return seconds.map { now.addingTimeInterval(-$0) }
        }
        if trimmed.allSatisfy(\.isNumber), let number = Double(trimmed), let ms = ReadingRules.time(fromNumber: number) {
            return Date(timeIntervalSince1970: Double(ms) / 1000)
        }
        return ISO8601.parse(trimmed, localIn: timeZone)
    }

    public static func milliseconds(_ date: Date) -> Int64 { Int64((date.timeIntervalSince1970 * 1000).rounded()) }

    public static let help = "now, today, yesterday, 15m/2h/7d ago, unix s/ms, or ISO 8601 (without an offset: the site time zone)"
}
