import Foundation

/// A point in time as a command-line argument or query parameter: `now`, `today` /
/// `yesterday` (local midnight), `15m` / `2h` / `7d` ago (`-15m` too), unix seconds or
/// milliseconds, or ISO 8601 — with an offset as given, without one in the site time zone.
///
/// Whatever the text holds, the answer is a date within `range` or a rejection that says why:
/// a time argument comes from users and HTTP clients, and `?from=1e300d` must not trap.
public enum TimeArgument {
    /// The instants a time argument may name, in ms: 1970-01-01 to 9999-12-31 (UTC).
    public static let range: ClosedRange<Int64> = 0...253_402_300_799_999
    /// The longest duration (`--window`, `7d` ago): a hundred years.
    public static let maxDuration: TimeInterval = 100 * 365.25 * 86_400

    public static let help =
        "now, today, yesterday, 15m/2h/7d ago, unix s/ms, or ISO 8601 (without an offset: the site time zone)"
    public static let rangeText = "1970-01-01 to 9999-12-31"

    /// Why a text is not a time argument.
    public enum Problem: Error, Sendable, Equatable {
        case unreadable
        case outOfRange
    }

    /// The date, or nil for text that is not a time or names one outside `range`.
    public static func parse(_ text: String, timeZone: TimeZone, now: Date = Date()) -> Date? {
        try? read(text, timeZone: timeZone, now: now).get()
    }

    public static func read(_ text: String, timeZone: TimeZone, now: Date = Date()) -> Result<Date, Problem> {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        guard trimmed.utf8.count <= 64 else { return .failure(.unreadable) }
        let ago = readDuration(trimmed.hasPrefix("-") ? String(trimmed.dropFirst()) : trimmed, allowZero: true)
        let date: Date
        if trimmed == "now" {
            date = now
        } else if trimmed == "today" || trimmed == "yesterday" {
            var calendar = Calendar(identifier: .gregorian)
            calendar.timeZone = timeZone
            let midnight = calendar.startOfDay(for: now)
            guard let day = trimmed == "today" ? midnight : calendar.date(byAdding: .day, value: -1, to: midnight)
            else {
                return .failure(.outOfRange)
            }
            date = day
        } else if case .success(let seconds) = ago {
            date = now.addingTimeInterval(-seconds)
        } else if case .failure(.outOfRange) = ago {
            return .failure(.outOfRange)
        } else if !trimmed.isEmpty, trimmed.utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }) {
            guard let number = Double(trimmed), let ms = ReadingRules.time(fromNumber: number) else {
                return .failure(.outOfRange)
            }
            date = Date(milliseconds: ms)
        } else if let parsed = ISO8601.parse(trimmed, localIn: timeZone) {
            date = parsed
        } else {
            return .failure(.unreadable)
        }
        let ms = date.timeIntervalSince1970 * 1000
        guard ms.isFinite, ms >= Double(range.lowerBound), ms <= Double(range.upperBound) else {
            return .failure(.outOfRange)
        }
        return .success(date)
    }

    /// `30s`, `15m`, `2h`, `7d` in seconds; nil for anything else, for zero unless allowed, and
    /// for more than `maxDuration`.
    public static func duration(_ text: String, allowZero: Bool = false) -> TimeInterval? {
        try? readDuration(text, allowZero: allowZero).get()
    }

    static func readDuration(_ text: String, allowZero: Bool) -> Result<TimeInterval, Problem> {
        guard let unit = text.last, text.utf8.count <= 32 else { return .failure(.unreadable) }
        let digits = text.dropLast()
        // Plain decimals only: `Double` would also read `1e300`, `nan` and `0x10`.
        guard !digits.isEmpty, digits.utf8.allSatisfy({ ($0 >= 0x30 && $0 <= 0x39) || $0 == 0x2E }),
            let amount = Double(digits),
            allowZero ? amount >= 0 : amount > 0
        else { return .failure(.unreadable) }
        let scale: TimeInterval
        switch unit {
        case "s": scale = 1
        case "m": scale = 60
        case "h": scale = 3600
        case "d": scale = 86_400
        default: return .failure(.unreadable)
        }
        let seconds = amount * scale
        return seconds <= maxDuration ? .success(seconds) : .failure(.outOfRange)
    }

    /// An optional time option: `fallback` when absent; a usage error naming `flag` and the
    /// accepted forms or range otherwise.
    public static func option(_ text: String?, flag: String, fallback: Date, timeZone: TimeZone, now: Date = Date())
        throws(Failure) -> Date
    {
        guard let text else { return fallback }
        switch read(text, timeZone: timeZone, now: now) {
        case .success(let date): return date
        case .failure(.unreadable): throw Failure(.usage, "\(flag) '\(text.prefix(64))' is not a time: use \(help)")
        case .failure(.outOfRange):
            throw Failure(
                .usage,
                "\(flag) '\(text.prefix(64))' is out of range: times from \(rangeText), durations up to 100 years")
        }
    }

    /// A duration option in ms (`--window 15m`): a usage error naming `flag` when unreadable.
    public static func durationMS(_ text: String, flag: String, allowZero: Bool = false) throws(Failure) -> Int64 {
        switch readDuration(text, allowZero: allowZero) {
        case .success(let seconds): return Int64(seconds * 1000)
        case .failure(.unreadable):
            throw Failure(.usage, "\(flag) '\(text.prefix(32))' is not a duration such as 30s, 15m, 2h or 7d")
        case .failure(.outOfRange): throw Failure(.usage, "\(flag) '\(text.prefix(32))' is longer than 100 years")
        }
    }
}

extension Int64 {
    /// Division rounding towards minus infinity (times before an epoch or a slice's start).
    public func floorDivided(by divisor: Int64) -> Int64 {
        let quotient = self / divisor
        return (self % divisor != 0 && (self < 0) != (divisor < 0)) ? quotient - 1 : quotient
    }
}
