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
        if let ago = duration(trimmed.hasPrefix("-") ? String(trimmed.dropFirst()) : trimmed, allowZero: true) {
            return now.addingTimeInterval(-ago)
        }
        if trimmed.allSatisfy(\.isNumber), let number = Double(trimmed), let ms = ReadingRules.time(fromNumber: number) {
            return Date(timeIntervalSince1970: Double(ms) / 1000)
        }
        return ISO8601.parse(trimmed, localIn: timeZone)
    }

    /// `30s`, `15m`, `2h`, `7d` in seconds; nil for anything else (or zero unless allowed).
    public static func duration(_ text: String, allowZero: Bool = false) -> TimeInterval? {
        guard let unit = text.last, let amount = Double(text.dropLast()), allowZero ? amount >= 0 : amount > 0 else { return nil }
        return switch unit {
        case "s": amount
        case "m": amount * 60
        case "h": amount * 3600
        case "d": amount * 86_400
        default: nil
        }
    }

    /// An optional time option: `fallback` when absent; a usage error naming `flag` when unreadable.
    public static func option(_ text: String?, flag: String, fallback: Date, timeZone: TimeZone, now: Date = Date()) throws -> Date {
        guard let text else { return fallback }
        guard let date = parse(text, timeZone: timeZone, now: now) else {
            throw Failure(.usage, "\(flag) '\(text)' is not a time: use \(help)")
        }
        return date
    }


    public static let help = "now, today, yesterday, 15m/2h/7d ago, unix s/ms, or ISO 8601 (without an offset: the site time zone)"
}
