import Foundation

/// ISO 8601 timestamps as meters, CSV files and users write them:
/// `2026-03-29T01:30:00Z`, `2026-03-29 02:30:00.250+01:00`, `2026-03-29T02:30:00+0100`.
/// A timestamp without an offset is UTC. Parsed by hand: DateFormatter is slow and locale-bound.
public enum ISO8601 {
    public static func parse(_ text: String) -> Date? {
        let bytes = Array(text.utf8)
        var at = 0
        func number(_ digits: Int) -> Int? {
            guard at + digits <= bytes.count else { return nil }
            var value = 0
            for byte in bytes[at..<(at + digits)] {
                guard byte >= 0x30, byte <= 0x39 else { return nil }
                value = value * 10 + Int(byte - 0x30)
            }
            at += digits
            return value
        }
        func expect(_ byte: UInt8) -> Bool {
            guard at < bytes.count, bytes[at] == byte else { return false }
            at += 1
            return true
        }
        guard let year = number(4), expect(0x2D), let month = number(2), expect(0x2D), let day = number(2) else {
            return nil
        }
        var hour = 0
        var minute = 0
        var second = 0
        var fraction = 0.0
        if at < bytes.count, bytes[at] == 0x54 || bytes[at] == 0x20 || bytes[at] == 0x74 {
            at += 1
            guard let h = number(2), expect(0x3A), let m = number(2) else { return nil }
            hour = h
            minute = m
            if expect(0x3A) {
                guard let s = number(2) else { return nil }
                second = s
                if expect(0x2E) || expect(0x2C) {
                    var scale = 0.1
                    var digits = 0
                    while at < bytes.count, bytes[at] >= 0x30, bytes[at] <= 0x39 {
                        fraction += Double(bytes[at] - 0x30) * scale
                        scale /= 10
                        at += 1
                        digits += 1
                    }
                    guard digits > 0 else { return nil }
                }
            }
        }
        var offset = 0
        if at < bytes.count {
            if bytes[at] == 0x5A || bytes[at] == 0x7A {
                at += 1
            } else if bytes[at] == 0x2B || bytes[at] == 0x2D {
                let sign = bytes[at] == 0x2D ? -1 : 1
                at += 1
                guard let oh = number(2) else { return nil }
                _ = expect(0x3A)
                let om = number(2) ?? 0
                offset = sign * (oh * 3600 + om * 60)
            } else {
                return nil
            }
        }
        guard at == bytes.count, (1...12).contains(month), (1...31).contains(day), hour < 24, minute < 60, second < 61
        else { return nil }
        let days = daysFromCivil(year: year, month: month, day: day)
        let seconds = Double(days * 86_400 + hour * 3600 + minute * 60 + second - offset) + fraction
        return Date(timeIntervalSince1970: seconds)
    }

    /// Like `parse`, but a timestamp without an offset (or a bare date) is wall-clock time in
    /// `timeZone`, as a person typing `--from 2026-11-27` means it.
    public static func parse(_ text: String, localIn timeZone: TimeZone) -> Date? {
        guard let asUTC = parse(text) else { return nil }
        let afterDate = text.dropFirst(10)
        let hasOffset =
            afterDate.hasSuffix("Z") || afterDate.hasSuffix("z")
            || afterDate.dropFirst(6).contains { $0 == "+" || $0 == "-" }
        if hasOffset { return asUTC }
        let guess = asUTC.addingTimeInterval(-TimeInterval(timeZone.secondsFromGMT(for: asUTC)))
        return asUTC.addingTimeInterval(-TimeInterval(timeZone.secondsFromGMT(for: guess)))
    }

    /// `2026-11-27T11:57:13+01:00`, with `.250` when the time has milliseconds; offset of `timeZone`
    /// at that instant. Done by hand: thousands of readings per second go through here.
    public static func format(milliseconds: Int64, timeZone: TimeZone) -> String {
        // Years 0001 to 9999, what four digits write: a time read from disk may be anything.
        let milliseconds = min(max(milliseconds, -62_135_596_800_000), TimeArgument.range.upperBound)
        let seconds = milliseconds >= 0 ? milliseconds / 1000 : (milliseconds - 999) / 1000
        let millis = Int(milliseconds - seconds * 1000)
        let offset = timeZone.secondsFromGMT(for: Date(timeIntervalSince1970: TimeInterval(seconds)))
        let local = Int(seconds) + offset
        let days = local >= 0 ? local / 86_400 : (local - 86_399) / 86_400
        let secondOfDay = local - days * 86_400
        let (year, month, day) = civilFromDays(days)
        func two(_ value: Int) -> String { value < 10 ? "0\(value)" : "\(value)" }
        let yearText = year < 1000 ? String(String(year + 10_000).dropFirst()) : String(year)
        var text =
            "\(yearText)-\(two(month))-\(two(day))T\(two(secondOfDay / 3600)):\(two(secondOfDay / 60 % 60)):\(two(secondOfDay % 60))"
        if millis != 0 { text += "." + String(String(millis + 1000).dropFirst()) }
        if offset == 0 { return text + "Z" }
        let sign = offset < 0 ? "-" : "+"
        let magnitude = abs(offset)
        return text + sign + two(magnitude / 3600) + ":" + two(magnitude / 60 % 60)
    }

    /// `format`'s text as UTF-8 into `bytes`, for a time already clamped and its zone's offset
    /// (seconds) at that time: the hot path of reading exports.
    public static func write(milliseconds: Int64, offset: Int, into bytes: inout [UInt8]) {
        let seconds = milliseconds >= 0 ? milliseconds / 1000 : (milliseconds - 999) / 1000
        let millis = Int(milliseconds - seconds * 1000)
        let local = Int(seconds) + offset
        let days = local >= 0 ? local / 86_400 : (local - 86_399) / 86_400
        let secondOfDay = local - days * 86_400
        let (year, month, day) = civilFromDays(days)
        func digits(_ value: Int, _ count: Int) {
            var divisor = 1
            for _ in 1..<count { divisor *= 10 }
            var rest = value
            while divisor > 0 {
                bytes.append(UInt8(ascii: "0") + UInt8(rest / divisor % 10))
                rest %= divisor
                divisor /= 10
            }
        }
        if year < 10_000 { digits(year, 4) } else { bytes.append(contentsOf: String(year).utf8) }
        bytes.append(UInt8(ascii: "-"))
        digits(month, 2)
        bytes.append(UInt8(ascii: "-"))
        digits(day, 2)
        bytes.append(UInt8(ascii: "T"))
        digits(secondOfDay / 3600, 2)
        bytes.append(UInt8(ascii: ":"))
        digits(secondOfDay / 60 % 60, 2)
        bytes.append(UInt8(ascii: ":"))
        digits(secondOfDay % 60, 2)
        if millis != 0 {
            bytes.append(UInt8(ascii: "."))
            digits(millis, 3)
        }
        guard offset != 0 else { return bytes.append(UInt8(ascii: "Z")) }
        bytes.append(offset < 0 ? UInt8(ascii: "-") : UInt8(ascii: "+"))
        digits(abs(offset) / 3600, 2)
        bytes.append(UInt8(ascii: ":"))
        digits(abs(offset) / 60 % 60, 2)
    }

    static func civilFromDays(_ days: Int) -> (Int, Int, Int) {
        let z = days + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let day = doy - (153 * mp + 2) / 5 + 1
        let month = mp < 10 ? mp + 3 : mp - 9
        return (yoe + era * 400 + (month <= 2 ? 1 : 0), month, day)
    }

    /// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's algorithm).
    static func daysFromCivil(year: Int, month: Int, day: Int) -> Int {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let doy = (153 * (month > 2 ? month - 3 : month + 9) + 2) / 5 + day - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return era * 146_097 + doe - 719_468
    }
}

extension Date {
    /// ms since the epoch, the unit of every stored time. Saturates instead of trapping for a
    /// date no Int64 can hold (`Date.distantFuture` is fine; a date parsed from input is checked
    /// against `TimeArgument.range` before it gets here).
    public var milliseconds: Int64 { Int64(saturating: (timeIntervalSince1970 * 1000).rounded()) }

    public init(milliseconds: Int64) { self.init(timeIntervalSince1970: Double(milliseconds) / 1000) }
}

extension Int64 {
    /// The nearest Int64 to `value` (NaN is 0): for conversions of input that must never trap.
    public init(saturating value: Double) {
        if value.isNaN {
            self = 0
        } else if value >= 0x1p63 {
            self = .max
        } else if value <= -0x1p63 {
            self = .min
        } else {
            self = Int64(value)
        }
    }
}
