import ArgumentParser
import EnerTrackCore
import EnerTrackIngest
import EnerTrackKit
import EnerTrackRuntime
import Foundation

extension ImportParser.Format: ExpressibleByArgument {}
extension ReadingFormatter.Format: ExpressibleByArgument {}

struct ImportCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "import",
        abstract: "Backfill readings from a CSV or InfluxDB line-protocol file into the series store.",
        discussion: """
            CSV: a header 'time,node,' followed by any of voltage,current,power,energy,pf,frequency, \
            energy_export (the export counter; Spanish names work too); time in ISO 8601 (without an \
            offset: UTC) or unix s/ms. \
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
    @Flag(help: "No progress line, even on a terminal.") var quiet = false
    @Argument(help: ArgumentHelp("File to read, or - for standard input.", valueName: "FILE")) var file: String

    func run() async throws {
        let services = try global.services()
        let settings = services.settings
        let sink = ReadingSink(
            series: try services.series(), directory: try services.directory(),
            knownOnly: knownOnly)
        let importer = ReadingImporter(sink: sink, maxAhead: settings.readings.maxClockAhead)
        let context = CommandContext.current
        let summary: ImportSummary
        if file == "-" {
            summary = try await importer.run(format: format) { context.readInputLine() }
        } else {
            let reader = try LineReader(path: file)
            let size = reader.size.map { Double($0) / 1_048_576 }
            let progress = ProgressLine("importing \(file)", unit: "MiB", quiet: quiet)
            defer { progress.finish() }
            summary = try await importer.run(format: format) {
                progress.update(Double(reader.bytesRead) / 1_048_576, of: size)
                return reader.next()
            }
        }
        for (line, rejection) in summary.rejected {
            Print.err("line \(line): \(rejection.description)\n")
        }
        if summary.rejectedCount > summary.rejected.count {
            Print.err("… and \(summary.rejectedCount - summary.rejected.count) more rejected lines\n")
        }
        if json {
            try Print.json(ImportAnswer(summary), settings: settings)
        } else {
            var line =
                "\(file == "-" ? "standard input" : file) (\(summary.format.rawValue)): \(summary.lines) lines, \(summary.stored) readings stored, \(summary.rejectedCount) lines rejected"
            if summary.unknown > 0 { line += ", \(summary.unknown) readings of unknown nodes dropped" }
            Print.out(
                line + "; rollups brought up to date in " + String(format: "%.1f s", summary.rollupSeconds) + "\n")
            if !summary.registered.isEmpty {
                Print.out(
                    "registered as inactive: \(summary.registered.sorted().joined(separator: ", ")) (see 'enertrack node list --all')\n"
                )
            }
        }
        if summary.rejectedCount > 0 {
            throw Failure(
                .dataError, "\(summary.rejectedCount) of \(summary.lines) lines were rejected; the others are stored")
        }
    }
}

/// `import --json`: what was read, stored and refused, line by line.
struct ImportAnswer: Encodable {
    struct Rejected: Encodable {
        var line: Int
        var reason: String
        var detail: String
    }

    var format: String
    var lines: Int
    var stored: Int
    var rejected: Int
    var unknownDropped: Int
    var errors: [Rejected]
    var registered: [String]
    var rollupSeconds: Double

    enum CodingKeys: String, CodingKey {
        case format, lines, stored, rejected
        case unknownDropped = "unknown_dropped"
        case errors, registered
        case
            rollupSeconds = "rollup_seconds"
    }

    init(_ summary: ImportSummary) {
        format = summary.format.rawValue
        lines = summary.lines
        stored = summary.stored
        rejected = summary.rejectedCount
        unknownDropped = summary.unknown
        errors = summary.rejected.map { Rejected(line: $0.0, reason: $0.1.reason.rawValue, detail: $0.1.description) }
        registered = summary.registered.sorted()
        rollupSeconds = (summary.rollupSeconds * 1000).rounded() / 1000
    }
}
