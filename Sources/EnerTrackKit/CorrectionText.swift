import EnerTrackCore
import Foundation

/// Corrections as text: the summary `readings delete|correct` prints, and one line of
/// `readings history`.
public enum CorrectionText {
    /// What was (or, in a dry run, would be) done, and each affected day's kWh before and after.
    public static func summary(_ record: CorrectionRecord, applied: Bool, timeZone: TimeZone) -> String {
        var text = "\(what(record)) \(record.node) \(span(record, timeZone)): \(record.readings) readings"
        text += applied ? " (correction #\(record.id))\n" : " (dry run: nothing was changed)\n"
        let changed = record.days.filter { $0.beforeKWh != $0.afterKWh || $0.beforeExportKWh != $0.afterExportKWh }
        let exports = record.days.contains { $0.beforeExportKWh != 0 || $0.afterExportKWh != 0 }
        var header =
            pad("day", 12) + pad("before kWh", 13, right: true) + pad("after kWh", 13, right: true)
            + pad("change", 12, right: true)
        if exports { header += pad("export before", 15, right: true) + pad("after", 12, right: true) }
        var lines = [text + header]
        func row(_ label: String, _ before: Double, _ after: Double, _ exportBefore: Double, _ exportAfter: Double)
            -> String
        {
            var line =
                pad(label, 12) + pad(kwh(before), 13, right: true) + pad(kwh(after), 13, right: true)
                + pad(signed(after - before), 12, right: true)
            if exports { line += pad(kwh(exportBefore), 15, right: true) + pad(kwh(exportAfter), 12, right: true) }
            return line
        }
        for day in record.days {
            lines.append(row(day.day, day.beforeKWh, day.afterKWh, day.beforeExportKWh, day.afterExportKWh))
        }
        lines.append(
            row(
                "total", record.beforeKWh, record.afterKWh, record.days.reduce(0) { $0 + $1.beforeExportKWh },
                record.days.reduce(0) { $0 + $1.afterExportKWh }))
        if changed.isEmpty { lines.append("no day's energy changes") }
        return lines.joined(separator: "\n") + "\n"
    }

    /// `#3 2026-12-05 14:30 ana scale × 0.5 ESP32_TALLER 2026-10-01 00:00 → 2026-10-08 00:00: 10080 readings, 120.5 → 60.25 kWh (CT ratio)`
    public static func line(_ record: CorrectionRecord, timeZone: TimeZone) -> String {
        var text = "#\(record.id) \(minute(record.at, timeZone)) \(record.actor): \(what(record)) \(record.node) "
        text += "\(span(record, timeZone)): \(record.readings) readings, "
        text +=
            "\(kwh(record.beforeKWh)) → \(kwh(record.afterKWh)) kWh over \(record.days.count) day\(record.days.count == 1 ? "" : "s")"
        if let reason = record.reason { text += " (\(LogText.quoted(reason)))" }
        return text + "\n"
    }

    public static func what(_ record: CorrectionRecord) -> String {
        record.detail.isEmpty ? record.action : "\(record.action) \(record.detail)"
    }

    public static func span(_ record: CorrectionRecord, _ timeZone: TimeZone) -> String {
        "\(minute(record.from, timeZone)) → \(minute(record.to, timeZone))"
    }

    static func minute(_ ms: Int64, _ timeZone: TimeZone) -> String {
        let text = ISO8601.format(milliseconds: ms, timeZone: timeZone)
        // 2026-10-01T00:00:00+02:00 → 2026-10-01 00:00
        return String(text.prefix(16)).replacingOccurrences(of: "T", with: " ")
    }

    static func kwh(_ value: Double) -> String { String(format: "%.3f", value) }
    static func signed(_ value: Double) -> String {
        abs(value) < 0.0005 ? "0.000" : String(format: "%+.3f", value)
    }
    static func pad(_ text: String, _ width: Int, right: Bool = false) -> String {
        let space = String(repeating: " ", count: max(0, width - text.count))
        return right ? space + text : text + space
    }
}
