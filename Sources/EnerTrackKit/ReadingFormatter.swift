import EnerTrackCore
import Foundation

/// Raw readings as a table, CSV (the same columns `import` reads) or a JSON array, written
/// page by page so an export of years of data never sits in memory.
public struct ReadingFormatter: Sendable {
    public enum Format: String, Sendable, CaseIterable {
        case table, csv, json
    }

    public let format: Format
    public let timeZone: TimeZone
    /// The quantities of the table and CSV columns: the per-phase ones only for a meter that
    /// has phases, so a single-phase export keeps its columns. (JSON writes each reading's own.)
    public let quantities: [Quantity]
    public var columns: [String] { ["time", "node"] + quantities.map(\.rawValue) }

    public init(format: Format, timeZone: TimeZone, phases: Bool = false) {
        self.format = format
        self.timeZone = timeZone
        quantities = phases ? Quantity.allCases : Quantity.totals
    }

    public func header() -> String {
        switch format {
        case .table: row(columns) + "\n"
        case .csv: columns.joined(separator: ",") + "\n"
        case .json: "["
        }
    }

    /// `first` is true for the first page (JSON needs to know where commas go).
    public func page(_ readings: [Reading], first: Bool) -> String {
        let readings = readings.filter { !$0.isCounterBreak }
        var out = ""
        var json = JSONWriter(capacity: format == .json ? readings.count * 160 : 0)
        for (index, reading) in readings.enumerated() {
            let time = ISO8601.format(milliseconds: reading.time, timeZone: timeZone)
            switch format {
            case .table:
                out += row([time, reading.node] + quantities.map { reading[$0].map(Self.number) ?? "-" }) + "\n"
            case .csv:
                out +=
                    ([time, reading.node] + quantities.map { reading[$0].map(Self.number) ?? "" }).joined(
                        separator: ",") + "\n"
            case .json:
                json.raw(first && index == 0 ? "\n  " : ",\n  ")
                json.reading(reading, timeZone: timeZone)
            }
        }
        return format == .json ? json.text : out
    }

    public func footer(empty: Bool) -> String {
        format == .json ? (empty ? "]\n" : "\n]\n") : ""
    }

    /// The shortest text that reads back as the same double (`230.1`, `12`).
    static func number(_ value: Double) -> String { JSONWriter.number(value) }

    private func row(_ cells: [String]) -> String {
        // 29: an ISO 8601 time with milliseconds and an offset.
        let widths = [29, 16] + Array(repeating: 10, count: quantities.count)
        return zip(cells, widths).enumerated().map { index, pair in
            index == cells.count - 1
                ? pair.0 : pair.0.padding(toLength: max(pair.1, pair.0.count), withPad: " ", startingAt: 0)
        }.joined(separator: " ")
    }
}
