import ArgumentParser
import EnerTrackCore
import EnerTrackIngest
import EnerTrackKit
import Foundation

struct ReportCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "report",
        abstract: "Readings, consumption, KPIs and node status as a table, CSV or JSON.",
        subcommands: [Readings.self])

    struct Readings: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Export a meter's raw readings.",
            discussion: """
                Times are printed in ISO 8601 with the site time zone's offset (TZ). CSV has the \
                columns 'enertrack import' reads, so an export can be imported elsewhere. JSON is \
                an array of objects time, node, voltage, current, power, energy, pf, frequency \
                (absent quantities are null).

                Examples:
                  enertrack report readings --node ESP32_COCINA --from 1h
                  enertrack report readings --node ESP32_COCINA --from 2026-11-01 --to 2026-12-01 --format csv > nov.csv
                """)

        @OptionGroup var global: GlobalOptions
        @Option(help: "ESP id of the meter.") var node: String
        @Option(help: ArgumentHelp("Start, inclusive (default: 24 hours ago): \(TimeArgument.help).", valueName: "TIME"))
        var from: String?
        @Option(help: ArgumentHelp("End, exclusive (default: now).", valueName: "TIME")) var to: String?
        @Option(help: "table, csv or json.") var format: ReadingFormatter.Format = .table

        func run() async throws {
            let configuration = try global.configuration()
            let zone = configuration.timeZone
            let now = Date()
            func time(_ text: String?, _ fallback: Date, _ flag: String) throws -> Int64 {
                guard let text else { return TimeArgument.milliseconds(fallback) }
                guard let date = TimeArgument.parse(text, timeZone: zone, now: now) else {
                    throw Failure(.usage, "\(flag) '\(text)' is not a time: use \(TimeArgument.help)")
                }
                return TimeArgument.milliseconds(date)
            }
            let start = try time(from, now.addingTimeInterval(-86_400), "--from")
            let end = try time(to, now, "--to")
            let directory = try Stores.directory(configuration)
            let espID = try await directory.node(espID: node)?.espID ?? node
            let series = try Stores.series(configuration)
            let formatter = ReadingFormatter(format: format, timeZone: zone)
            Print.out(formatter.header())
            var cursor = start
            var first = true
            while true {
                let page = try await series.readings(node: espID, from: cursor, to: end, limit: 10_000)
                if page.isEmpty { break }
                Print.out(formatter.page(page, first: first))
                first = false
                guard page.count == 10_000, let last = page.last else { break }
                cursor = last.time + 1
            }
            Print.out(formatter.footer(empty: first))
        }
    }
}
