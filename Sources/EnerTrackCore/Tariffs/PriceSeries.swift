import Foundation

/// Reads dynamic prices (`tariff prices import`): CSV `time,price`, one row per hour or per 15
/// minutes, as exports of PVPC or a day-ahead market give them. A header line is optional;
/// `;` may separate the columns, and then `,` may be the decimal mark (`0,1234`). Times are ISO
/// 8601; one without an offset is the site's wall clock. Every error names its line.
public enum PriceSeries {
    /// The most rows one file may have (ten years of quarter hours).
    public static let maxRows = 400_000
    /// The largest price per kWh, in either sign (day-ahead prices go negative).
    public static let maxPrice = 100.0

    /// Prices per kWh (`perMWh`: the file gives them per MWh), ascending, each for its step: the
    /// smallest gap between rows, which must be 15 minutes or an hour.
    public static func parse(_ text: String, timeZone: TimeZone, perMWh: Bool = false) throws(TariffError)
        -> [PricePoint]
    {
        var rows: [(line: Int, time: Int64, price: Double)] = []
        var lineNumber = 0
        for rawLine in text.split(omittingEmptySubsequences: false, whereSeparator: \.isNewline) {
            lineNumber += 1
            let line = rawLine.trimmingCharacters(in: .whitespaces)
            if line.isEmpty || line.hasPrefix("#") { continue }
            let semicolon = line.contains(";")
            let fields = line.split(separator: semicolon ? ";" : ",", omittingEmptySubsequences: false).map {
                $0.trimmingCharacters(in: .whitespaces).trimmingCharacters(in: CharacterSet(charactersIn: "\""))
            }
            guard fields.count >= 2 else {
                throw TariffError(
                    "line {0}: expected time,price; found {1} field", ["\(lineNumber)", "\(fields.count)"])
            }
            guard let date = ISO8601.parse(fields[0], localIn: timeZone) else {
                if rows.isEmpty, lineNumber == firstContentLine(text) { continue }  // the header
                throw TariffError(
                    "line {0}: '{1}' is not a time like 2026-03-01T00:00:00+01:00",
                    ["\(lineNumber)", "\(fields[0].prefix(40))"])
            }
            let priceText = semicolon ? fields[1].replacingOccurrences(of: ",", with: ".") : fields[1]
            guard let price = Double(priceText), price.isFinite, priceText.allSatisfy({ $0.isASCII }) else {
                throw TariffError("line {0}: '{1}' is not a price", ["\(lineNumber)", "\(fields[1].prefix(40))"])
            }
            let perKWh = perMWh ? price / 1000 : price
            guard abs(perKWh) <= maxPrice else {
                throw TariffError(
                    "line {0}: price {1} per kWh is out of range (±{2})", ["\(lineNumber)", "\(perKWh)", "\(maxPrice)"])
            }
            let time = date.milliseconds
            guard time % EnergyBuckets.bucket == 0 else {
                throw TariffError("line {0}: {1} is not on a quarter hour", ["\(lineNumber)", "\(fields[0])"])
            }
            guard TimeArgument.range.contains(time) else {
                throw TariffError(
                    "line {0}: {1} is out of range ({2})",
                    ["\(lineNumber)", "\(fields[0])", "\(TimeArgument.rangeText)"])
            }
            rows.append((lineNumber, time, perKWh))
            guard rows.count <= maxRows else { throw TariffError("more than {0} prices in one file", ["\(maxRows)"]) }
        }
        guard !rows.isEmpty else { throw TariffError("no prices in the file (expected lines of time,price)") }
        rows.sort { $0.time < $1.time }
        var step: Int64 = 3_600_000
        for (a, b) in zip(rows, rows.dropFirst()) {
            guard b.time != a.time else {
                throw TariffError(
                    "line {0}: a second price for {1} (line {2} has one)",
                    [
                        "\(max(a.line, b.line))", "\(ISO8601.format(milliseconds: b.time, timeZone: timeZone))",
                        "\(min(a.line, b.line))",
                    ]
                )
            }
            step = min(step, b.time - a.time)
        }
        guard step == 3_600_000 || step == EnergyBuckets.bucket else {
            throw TariffError(
                "prices must be one per hour or per 15 minutes; the smallest step in the file is {0} minutes",
                ["\(step / 60_000)"]
            )
        }
        if step == 3_600_000, let odd = rows.first(where: { ($0.time - rows[0].time) % 3_600_000 != 0 }) {
            throw TariffError("line {0}: hourly prices must all start on the same minute of the hour", ["\(odd.line)"])
        }
        return rows.map { PricePoint(time: $0.time, duration: step, price: $0.price) }
    }

    static func firstContentLine(_ text: String) -> Int {
        var number = 0
        for line in text.split(omittingEmptySubsequences: false, whereSeparator: \.isNewline) {
            number += 1
            let trimmed = line.trimmingCharacters(in: .whitespaces)
            if !trimmed.isEmpty, !trimmed.hasPrefix("#") { return number }
        }
        return number
    }
}
