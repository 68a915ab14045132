import ArgumentParser
import EnerTrackCore
import EnerTrackIngest
import EnerTrackKit
import Foundation

extension ImportParser.Format: ExpressibleByArgument {}
extension ReadingFormatter.Format: ExpressibleByArgument {}

struct ImportCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "import",
        abstract: "Backfill readings from a CSV or InfluxDB line-protocol file into the series store.",
        discussion: """
            CSV: a header 'time,node,' followed by any of voltage,current,power,energy,pf,frequency \
            (Spanish names work too); time in ISO 8601 (without an offset: UTC) or unix s/ms. \
            Line protocol: as 'influx export' or 'influx_inspect export' write it; the meter is the \
            'node' tag (or esp_id/espid/nodo/device), fields are quantities, timestamps in s, ms, µs \
            or ns (told by size). Without --format the first line decides.

            Readings pass the same checks as MQTT messages; rejected lines are listed with their \
            numbers on stderr and the good ones are stored all the same. Importing a file twice \
            changes nothing (same node and time overwrite). Unknown ESP ids are registered inactive.

            Exit status: 0 all lines stored, 65 some lines rejected, 66 file not found, 69 store unreachable.

            Examples:
              enertrack import readings.csv
              influx_inspect export -database enertrack -out - | enertrack import --format line-protocol -
            """)

    @OptionGroup var global: GlobalOptions
    @Option(help: "csv or line-protocol (default: detected from the first line).") var format: ImportParser.Format?
    @Flag(help: "Drop readings of ESP ids that are not registered instead of registering them.") var knownOnly = false
    @Flag(help: "Print the summary as JSON.") var json = false
    @Argument(help: ArgumentHelp("File to read, or - for standard input.", valueName: "FILE")) var file: String

    func run() async throws {
        let configuration = try global.configuration()
        let sink = ReadingSink(
            series: try Stores.series(configuration), directory: try Stores.directory(configuration), knownOnly: knownOnly)
        let importer = ReadingImporter(sink: sink)
        let context = CommandContext.current
        let summary: ImportSummary
        if file == "-" {
            summary = try await importer.run(format: format) { context.readInputLine() }
        } else {
            let reader = try LineReader(path: file)
            summary = try await importer.run(format: format) { reader.next() }
        }
        for (line, rejection) in summary.rejected {
            Print.err("line \(line): \(rejection.description)")
        }
        if summary.rejectedCount > summary.rejected.count {
            Print.err("… and \(summary.rejectedCount - summary.rejected.count) more rejected lines")
        }
        if json {
            let errors: [JSONValue] = summary.rejected.map { line, rejection in
                .object(["line": .int(Int64(line)), "reason": .string(rejection.reason.rawValue), "detail": .string(rejection.description)])
            }
            Print.out(JSONValue.object([
                "format": .string(summary.format.rawValue), "lines": .int(Int64(summary.lines)),
                "stored": .int(Int64(summary.stored)), "rejected": .int(Int64(summary.rejectedCount)),
                "unknown_dropped": .int(Int64(summary.unknown)), "errors": .array(errors),
                "registered": .array(summary.registered.sorted().map(JSONValue.string)),
            ]).rendered() + "\n")
        } else {
            var line = "\(file == "-" ? "standard input" : file) (\(summary.format.rawValue)): \(summary.lines) lines, \(summary.stored) readings stored, \(summary.rejectedCount) lines rejected"
            if summary.unknown > 0 { line += ", \(summary.unknown) readings of unknown nodes dropped" }
            Print.out(line + "\n")
            if !summary.registered.isEmpty {
                Print.out("registered as inactive: \(summary.registered.sorted().joined(separator: ", ")) (see 'enertrack node list --all')\n")
            }
        }
        if summary.rejectedCount > 0 {
            throw Failure(.dataError, "\(summary.rejectedCount) of \(summary.lines) lines were rejected; the others are stored")
        }
    }
}

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

struct SimulateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "simulate",
        abstract: "Publish realistic readings of simulated meters to the configured broker (demos, load tests).",
        discussion: """
            Meters are named <PREFIX>-001, <PREFIX>-002, …; each follows a household daily load \
            curve (scaled per meter), 230 V ± noise, 50 Hz, its own power factor, and an energy \
            counter that rises with the power drawn. JSON messages carry 'ts' in ms; the topics \
            format publishes one plain number per quantity.

            Examples:
              enertrack simulate --nodes 5
              enertrack simulate --nodes 1000 --rate 2000 --duration 60 --qos 0
            """)

    @OptionGroup var global: GlobalOptions
    @Option(help: "Number of simulated meters.") var nodes = 5
    @Option(help: ArgumentHelp("Readings per second, all meters together (default: one per meter every 10 s).", valueName: "PER_SECOND"))
    var rate: Double?
    @Option(help: ArgumentHelp("Stop after this many seconds (default: run until interrupted).", valueName: "S")) var duration: Double?
    @Option(help: "json (one message per reading) or topics (one message per quantity).") var format: SimulatedFormat = .json
    @Option(help: "MQTT QoS, 0 or 1.") var qos: Int32 = 1
    @Option(help: "ESP id prefix of the simulated meters.") var nodePrefix = "SIM"

    enum SimulatedFormat: String, ExpressibleByArgument, CaseIterable {
        case json, topics
    }

    func validate() throws {
        guard (1...100_000).contains(nodes) else { throw ValidationError("--nodes must be 1 to 100000") }
        if let rate, !(rate > 0 && rate <= 1_000_000) { throw ValidationError("--rate must be above 0") }
        if let duration, duration <= 0 { throw ValidationError("--duration must be above 0") }
        guard qos == 0 || qos == 1 else { throw ValidationError("--qos must be 0 or 1") }
        guard DirectoryRules.isESPID(nodePrefix + "-1") else { throw ValidationError("--node-prefix must be letters, digits, '_' or '-'") }
    }

    func run() async throws {
        let configuration = try global.configuration()
        var options = SimulateRunner.Options()
        options.nodes = nodes
        options.rate = rate ?? max(Double(nodes) / 10, 0.1)
        options.duration = duration
        options.json = format == .json
        options.qos = qos
        options.nodePrefix = nodePrefix
        let summary = try await SimulateRunner.run(configuration: configuration, options: options) { Print.err($0 + "\n") }
        Print.out(String(format: "published %d readings (%d messages, %d acknowledged) from %d meters in %.1f s\n",
                         summary.readings, summary.messages, summary.acknowledged, nodes, summary.seconds))
        if qos == 1, summary.acknowledged < summary.messages {
            throw Failure(.unavailable, "the broker acknowledged \(summary.acknowledged) of \(summary.messages) messages")
        }
    }
}
