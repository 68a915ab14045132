import ArgumentParser
import EnerTrackCore
import EnerTrackKit
import EnerTrackRuntime
import Foundation

struct ReadingsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "readings",
        abstract: "Correct a meter's stored readings, with an audit trail.",
        discussion: """
            When a meter was swapped, misconfigured or reported nonsense that the automatic rules \
            let through, delete or correct its readings over a range: the 15-minute rollups of \
            exactly the affected range are recomputed, so consumption, costs and bills follow, on \
            the embedded store and on InfluxDB alike. Each correction is recorded — who, when, \
            what, how many readings, and each affected day's kWh before and after — and listed by \
            'readings history' and, for admins, on the meter's page. --dry-run shows the effect \
            and changes nothing; run it first. Take a backup before large corrections \
            ('enertrack db backup').

            Exit status: 0 done, 64 bad arguments, 65 a corrected value would be out of range or \
            the range reaches before the retention horizon, 66 no readings in the range, 69 a \
            store is unavailable.
            """,
        subcommands: [Delete.self, Correct.self, History.self])

    /// The arguments `delete` and `correct` share.
    struct RangeOptions: ParsableArguments {
        @Argument(help: "ESP id of the meter.") var node: String
        @Option(help: ArgumentHelp("Start, inclusive: \(TimeArgument.help).", valueName: "TIME")) var from: String
        @Option(help: ArgumentHelp("End, exclusive (same forms; 'now').", valueName: "TIME")) var to: String
        @Option(help: ArgumentHelp("Why, for the audit trail (up to 500 characters).", valueName: "TEXT"))
        var reason: String?
        @Flag(help: "Show what would change (readings, each day's kWh before and after) and change nothing.")
        var dryRun = false
        @Flag(help: "No progress line, even on a terminal.") var quiet = false
        @OptionGroup var output: OutputOptions

        func validate() throws {
            if let reason, reason.count > 500 { throw ValidationError("--reason is longer than 500 characters") }
        }

        /// Resolves the meter and range, previews the change and applies it unless a dry run.
        func run(_ change: ReadingCorrection, global: GlobalOptions) async throws {
            let services = try global.services()
            let settings = services.settings
            let range: (from: Int64, to: Int64)
            do {
                range = try ReadingsRange.resolve(
                    from: from, to: to, defaultSpan: 86_400, now: Date(), timeZone: settings.timeZone)
            } catch {
                throw error.failure(from: "--from", to: "--to")
            }
            guard range.to <= Date().milliseconds + 1000 else {
                throw Failure(
                    .usage, "--to is in the future: readings not stored yet cannot be corrected (use --to now)")
            }
            let directory = try services.directory()
            let espID = try await directory.node(espID: node)?.espID ?? node
            let series = try services.series()
            let request = Corrections.Request(
                node: espID, from: range.from, to: range.to, change: change, reason: reason, actor: Actor.name)
            let record: CorrectionRecord
            if dryRun {
                record = try await Corrections.preview(request, series: series, timeZone: settings.timeZone)
            } else {
                let progress = ProgressLine("correcting \(espID)", unit: "days", quiet: quiet)
                record = try await Corrections.apply(
                    request, series: series, audit: directory, timeZone: settings.timeZone
                ) { done, total in
                    progress.update(Double(done) / 86_400_000, of: Double(total) / 86_400_000)
                }
                progress.finish()
            }
            if output.json {
                try Print.json([CorrectionView(record, applied: !dryRun)], settings: settings)
            } else {
                Print.out(CorrectionText.summary(record, applied: !dryRun, timeZone: settings.timeZone))
            }
        }
    }

    struct Delete: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Delete a meter's readings in a range.",
            discussion: """
                With an energy counter, the counter's increase across the hole is still \
                consumption, spread over it: deleting removes readings that were wrong (a spike, \
                nonsense power), not the energy the counter says was used. To change that energy, \
                use 'readings correct --scale' or '--energy-offset'.

                Examples:
                  enertrack readings delete ESP32_COCINA --from 2026-11-02T10:00 --to 2026-11-02T10:05 --dry-run
                  enertrack readings delete ESP32_COCINA --from 2026-11-02T10:00 --to 2026-11-02T10:05 --reason 'spike'
                """)

        @OptionGroup var global: GlobalOptions
        @OptionGroup var range: RangeOptions

        func run() async throws { try await range.run(.delete, global: global) }
    }

    struct Correct: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Correct a meter's readings in a range: offset its counter, scale, or set a quantity.",
            discussion: """
                Give exactly one of:
                  --energy-offset KWH  add KWH to the energy counter of every reading (zeros stay \
                missing values): a swapped meter's new counter made continuous with the old one.
                  --scale F            multiply power and current (totals and phases) and each \
                counter's increase from reading to reading: consumption in the range scales by F \
                (a wrong CT ratio). Voltage, pf and frequency are left alone.
                  --set QUANTITY=VALUE give one quantity this value in every reading.

                A correction is continuous where the range starts. Where it ends, the corrected \
                counter meets the stored readings after it: a step larger than the meter could \
                count in that interval is a new counter level, not consumption, so nothing is \
                counted twice. A value ingest would refuse (out of range) refuses the whole \
                correction before anything is written. Readings that arrive later in the range are \
                not corrected.

                Examples:
                  enertrack readings correct ESP32_TALLER --from 2026-10-01 --to 2026-10-08 --scale 0.5 --dry-run
                  enertrack readings correct ESP32_TALLER --from 2026-11-15T09:30 --to now --energy-offset 12840.5 \\
                      --reason 'meter swapped'
                  enertrack readings correct ESP32_AULA --from 2026-11-20 --to 2026-11-21 --set frequency=50
                """)

        @OptionGroup var global: GlobalOptions
        @OptionGroup var range: RangeOptions
        @Option(help: ArgumentHelp("Add KWH to the energy counter.", valueName: "KWH")) var energyOffset: Double?
        @Option(help: ArgumentHelp("Multiply power, current and the counters' increase by F.", valueName: "F"))
        var scale: Double?
        @Option(help: ArgumentHelp("Set QUANTITY to VALUE (e.g. frequency=50).", valueName: "QUANTITY=VALUE"))
        var set: String?

        func change() throws -> ReadingCorrection {
            let given = [energyOffset != nil, scale != nil, set != nil].filter { $0 }.count
            guard given == 1 else { throw ValidationError("give exactly one of --energy-offset, --scale and --set") }
            let change: ReadingCorrection
            if let energyOffset {
                change = .energyOffset(energyOffset)
            } else if let scale {
                change = .scale(scale)
            } else {
                let parts = (set ?? "").split(separator: "=", maxSplits: 1).map(String.init)
                guard parts.count == 2, let quantity = Quantity(name: parts[0]) else {
                    throw ValidationError(
                        "--set takes QUANTITY=VALUE, QUANTITY one of \(Quantity.allCases.map(\.rawValue).joined(separator: ", "))"
                    )
                }
                guard let value = Double(parts[1]) else {
                    throw ValidationError("--set \(parts[0]): '\(parts[1])' is not a number")
                }
                change = .set(quantity, value)
            }
            do {
                try change.validate()
            } catch {
                throw ValidationError(error.description)
            }
            return change
        }

        func validate() throws { _ = try change() }

        func run() async throws { try await range.run(try change(), global: global) }
    }

    struct History: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "List the corrections made to readings, newest first.",
            discussion: """
                Each line: when, who, what, the meter and range, how many readings, and the kWh \
                of the affected days before and after. --json gives each day's figures too.

                Examples:
                  enertrack readings history
                  enertrack readings history ESP32_TALLER --json
                """)

        @OptionGroup var global: GlobalOptions
        @Argument(help: "Only this meter's corrections.") var node: String?
        @Option(help: "At most this many (default 50).") var limit = 50
        @OptionGroup var output: OutputOptions

        func validate() throws {
            guard (1...10_000).contains(limit) else { throw ValidationError("--limit must be 1 to 10000") }
        }

        func run() async throws {
            let services = try global.services()
            let settings = services.settings
            let directory = try services.directory()
            var espID = node
            if let node { espID = try await directory.node(espID: node)?.espID ?? node }
            let records = try await directory.corrections(node: espID, limit: limit)
            if output.json {
                try Print.json(records.map { CorrectionView($0) }, settings: settings)
            } else if records.isEmpty {
                Print.out("no corrections\(espID.map { " of \($0)" } ?? "")\n")
            } else {
                for record in records {
                    Print.out(CorrectionText.line(record, timeZone: settings.timeZone))
                }
            }
        }
    }
}

/// Who makes a correction from the command line: the user sudo was run by, else the user.
enum Actor {
    static var name: String {
        let environment = ProcessInfo.processInfo.environment
        if let sudo = environment["SUDO_USER"], !sudo.isEmpty { return "\(sudo) (sudo)" }
        if let entry = getpwuid(geteuid()), let name = entry.pointee.pw_name { return String(cString: name) }
        return "uid \(geteuid())"
    }
}
