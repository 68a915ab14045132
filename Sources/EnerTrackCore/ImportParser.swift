import Foundation

/// Reads backfill files line by line: CSV with a `time,node,<quantities>` header, or InfluxDB
/// line protocol as `influx export` / `influx_inspect export` write it. Every reading passes the
/// same checks as an MQTT message.
public struct ImportParser: Sendable {
    public enum Format: String, Sendable, CaseIterable {
        case csv
        case lineProtocol = "line-protocol"
    }

    public let format: Format
    private var columns: [Column]?
    private let now: Int64
    private let maxAhead: Int64

    enum Column: Sendable {
        case time, node
        case quantity(Quantity)
        case ignored
    }

    public init(format: Format, now: Date = Date(), maxAhead: Int64 = ReadingRules.defaultMaxAhead) {
        self.format = format
        self.now = now.milliseconds
        self.maxAhead = maxAhead
    }

    /// Guesses the format from the first meaningful line: a CSV header starts with `time,`.
    public static func detect(firstLine: Substring) -> Format {
        firstLine.lowercased().replacingOccurrences(of: "\"", with: "").hasPrefix("time,") ? .csv : .lineProtocol
    }

    /// A reading, nil for a line to skip (blank, comment, header), or a rejection.
    public mutating func parse(_ line: Substring) throws(Rejection) -> Reading? {
        let line = line.hasSuffix("\r") ? line.dropLast() : line
        switch format {
        case .csv: return try parseCSV(line)
        case .lineProtocol: return try parseLineProtocol(line)
        }
    }

    private mutating func parseCSV(_ line: Substring) throws(Rejection) -> Reading? {
        if line.allSatisfy({ $0 == " " || $0 == "\t" }) || line.hasPrefix("#") { return nil }
        let cells = line.split(separator: ",", omittingEmptySubsequences: false).map(Self.unquote)
        guard let columns else {
            var header: [Column] = []
            for name in cells {
                switch name.lowercased() {
                case "time", "ts", "timestamp": header.append(.time)
                case "node", "esp_id", "espid", "nodo": header.append(.node)
                default: header.append(Quantity(name: name).map(Column.quantity) ?? .ignored)
                }
            }
            guard header.contains(where: { if case .time = $0 { true } else { false } }),
                header.contains(where: { if case .node = $0 { true } else { false } })
            else {
                throw Rejection(
                    .badLine,
                    "the CSV header must name 'time' and 'node' columns, then quantities (voltage,current,power,energy,pf,frequency,energy_export)"
                )
            }
            self.columns = header
            return nil
        }
        guard cells.count == columns.count else {
            throw Rejection(.badLine, "\(cells.count) fields where the header has \(columns.count)")
        }
        var node: String?
        var time: Int64?
        var values: [(Quantity, Double)] = []
        for (column, cell) in zip(columns, cells) {
            switch column {
            case .time:
                guard let parsed = ReadingRules.time(fromText: cell) else {
                    throw Rejection(
                        .badTimestamp,
                        "time \(LogText.quoted(cell, max: 40)) is neither ISO 8601 nor unix s/ms (1970 to 9999)")
                }
                time = parsed
            case .node:
                node = cell
            case .quantity(let quantity):
                guard !cell.isEmpty else { continue }
                guard let value = PayloadDecoder.number(Array(cell.utf8)) else {
                    throw Rejection(
                        .notANumber, "\(quantity.rawValue) \(LogText.quoted(cell, max: 40)) is not a number")
                }
                values.append((quantity, value))
            case .ignored:
                continue
            }
        }
        return try reading(node: node, time: time, values: values)
    }

    private func parseLineProtocol(_ line: Substring) throws(Rejection) -> Reading? {
        guard let point = try LineProtocol.parse(line) else { return nil }
        let node = LineProtocol.nodeTags.lazy.compactMap { point.tags[$0] }.first
        guard let stamp = point.timestamp else { throw Rejection(.badTimestamp, "the line has no timestamp") }
        let values = point.fields.compactMap { name, value in Quantity(name: name).map { ($0, value) } }
        return try reading(node: node, time: LineProtocol.milliseconds(stamp), values: values)
    }

    private func reading(node: String?, time: Int64?, values: [(Quantity, Double)]) throws(Rejection) -> Reading {
        guard let node, !node.isEmpty else {
            throw Rejection(
                .badNode, "no node (a 'node' column or tag: \(LineProtocol.nodeTags.joined(separator: ", ")))")
        }
        try ReadingRules.checkNode(node)
        guard let time else { throw Rejection(.badTimestamp, node: node, "no time") }
        try ReadingRules.check(time: time, now: now, maxAhead: maxAhead, node: node)
        var reading = Reading(node: node, time: time)
        for (quantity, value) in values {
            try ReadingRules.check(value: value, of: quantity, node: node)
            reading[quantity] = value
        }
        guard !reading.isEmpty else { throw Rejection(.empty, node: node, "no quantity in the line") }
        return reading
    }

    private static func unquote(_ cell: Substring) -> String {
        let trimmed = cell.trimmingCharacters(in: .whitespaces)
        if trimmed.count >= 2, trimmed.hasPrefix("\""), trimmed.hasSuffix("\"") {
            return String(trimmed.dropFirst().dropLast()).replacingOccurrences(of: "\"\"", with: "\"")
        }
        return trimmed
    }
}
