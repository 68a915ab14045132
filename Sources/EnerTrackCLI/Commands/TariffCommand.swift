import ArgumentParser
import EnerTrackCore
import EnerTrackKit
import EnerTrackRuntime
import Foundation

struct TariffCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tariff",
        abstract: "Tariffs (prices, periods, power term, fixed charges, taxes) and who has which.",
        discussion: """
            A tariff is a TOML file you can keep in git (examples/tariff-2.0TD.toml documents \
            every key): a currency and dated versions, each in force from its local date until \
            the next, so a new price never changes the past. Costs are computed from the \
            15-minute rollups (enertrack report cost).

            Examples:
              enertrack tariff import /etc/enertrack/tariffs/hogar.toml
              enertrack tariff assign ESP32_COCINA hogar
              enertrack tariff assign --user ana hogar --from 2026-01-01
              enertrack tariff export hogar > hogar.toml
            """,
        subcommands: [
            Import.self, List.self, Show.self, Export.self, Assign.self, Unassign.self, Assignments.self,
            Remove.self, Prices.self, CheckSyntax.self,
        ])

    static func admin(_ global: GlobalOptions) throws -> (TariffAdmin, Settings) {
        let services = try global.services()
        return (try services.tariffAdmin(), services.settings)
    }

    /// A file's text, `-` being standard input.
    static func text(_ path: String, maxBytes: Int, what: String) throws -> String {
        guard path == "-" else { return try FileInput.text(path: path, maxBytes: maxBytes, what: what) }
        var lines: [String] = []
        var size = 0
        while let line = CommandContext.current.readInputLine() {
            size += line.utf8.count + 1
            guard size <= maxBytes else {
                throw Failure(.dataError, "\(what) on standard input is over \(maxBytes / 1024) KiB")
            }
            lines.append(line)
        }
        return lines.joined(separator: "\n")
    }

    static func summary(_ tariff: Tariff) -> Record {
        let current = tariff.version(on: CalendarDay.today(timeZone: .current)) ?? tariff.versions[0]
        return Record([
            "name": .text(tariff.name), "currency": .text(tariff.currency),
            "versions": .list(tariff.versions.map(\.from.description)),
            "periods": .list(current.periods.names),
            "energy": .text(Self.energyText(current)),
            "dynamic": .flag(tariff.usesSeries),
        ])
    }

    static func energyText(_ version: TariffVersion) -> String {
        switch version.energy {
        case .series: "price series"
        case .periods(let prices): version.periods.names.map { "\($0) \(prices[$0] ?? 0)" }.joined(separator: ", ")
        }
    }

    struct Import: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Add a tariff from a TOML file, or replace the tariff of the same name.",
            discussion: """
                Every key is checked before anything is stored: a syntax error names its line and \
                column, a wrong value its key (version[2].energy.P4). What is stored is the \
                file's canonical form (tariff export prints it); comments are not kept.

                Examples:
                  enertrack tariff import examples/tariff-2.0TD.toml
                  enertrack tariff import hogar.toml --dry-run
                """)

        @OptionGroup var global: GlobalOptions
        @Argument(help: ArgumentHelp("TOML file, or - for standard input.", valueName: "FILE")) var file: String
        @Flag(help: "Check the file and say what would change; store nothing.") var dryRun = false
        @OptionGroup var output: OutputOptions

        func run() async throws {
            let (admin, settings) = try TariffCommand.admin(global)
            let text = try TariffCommand.text(file, maxBytes: TariffFile.maxBytes, what: "tariff file")
            let (tariff, replaced) = try await admin.importTariff(
                text: text, source: file == "-" ? "standard input" : file, dryRun: dryRun)
            if output.json {
                Print.record(TariffCommand.summary(tariff), json: true, settings: settings)
            } else {
                let verb = dryRun ? (replaced ? "would replace" : "would add") : (replaced ? "replaced" : "added")
                Print.out(
                    "\(verb) tariff \(tariff.name) (\(tariff.currency), \(tariff.versions.count) version(s) from \(tariff.versions[0].from))\n"
                )
            }
        }
    }

    /// The child that parses an untrusted file (`TariffFile.parseUntrusted`): text on standard
    /// input, the plain values as JSON on standard output, or the error and exit 65.
    struct CheckSyntax: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "check-syntax", abstract: "Parse a tariff file's TOML (used by tariff import).",
            shouldDisplay: false)

        @Option(help: "The file's name, for messages.") var source = "the tariff file"

        func run() async throws {
            // This child parses files from outside: it bounds itself before reading a byte.
            ProcessLimits.confine(
                dataBytes: TariffFile.ParserLimits.memoryBytes, cpuSeconds: TariffFile.ParserLimits.cpuSeconds)
            let data = FileHandle.standardInput.readData(ofLength: TariffFile.maxBytes + 1)
            do {
                let values = try TariffFile.syntax(String(decoding: data, as: UTF8.self), source: source)
                let encoder = JSONEncoder()
                Print.out(String(decoding: try encoder.encode(values), as: UTF8.self))
            } catch let error as TariffError {
                // The template and its arguments when there are: the parent words them in its
                // viewer's language.
                let carried = try error.carried.map { String(decoding: try JSONEncoder().encode($0), as: UTF8.self) }
                Print.out((carried ?? error.description) + "\n")
                throw ExitCode(65)
            }
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "List tariffs with the version in force today.",
            discussion: "Example:\n  enertrack tariff list --json")

        @OptionGroup var global: GlobalOptions
        @OptionGroup var output: OutputOptions

        func run() async throws {
            let (admin, settings) = try TariffCommand.admin(global)
            let book = try await TariffBook.load(admin.store)
            let records = book.tariffs.values.sorted { $0.name < $1.name }.map(TariffCommand.summary)
            Print.records(
                records, json: output.json, settings: settings, empty: "no tariffs (tariff import FILE)")
        }
    }

    struct Show: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "A tariff's versions, who has it, and its dynamic prices.",
            discussion: "Example:\n  enertrack tariff show hogar")

        @OptionGroup var global: GlobalOptions
        @Argument(help: "Tariff name.") var name: String
        @OptionGroup var output: OutputOptions

        func run() async throws {
            let (admin, settings) = try TariffCommand.admin(global)
            let tariff = try await admin.tariff(named: name)
            let assignments = try await admin.store.tariffAssignments().filter { $0.tariff == tariff.name }
            let span = try await admin.store.priceSpan(tariff: tariff.name)
            var versions: [String] = []
            for version in tariff.versions {
                var text = "from \(version.from): energy \(TariffCommand.energyText(version))"
                if !version.chargedPowerPeriods.isEmpty {
                    text +=
                        "; power "
                        + version.chargedPowerPeriods.map {
                            "\($0) \(version.contractedKW[$0] ?? 0) kW × \(version.power[$0] ?? 0)/kW·day"
                        }
                        .joined(separator: ", ")
                }
                if version.fixedPerDay != 0 { text += "; \(version.fixedPerDay)/day" }
                if version.fixedPerMonth != 0 { text += "; \(version.fixedPerMonth)/month" }
                if !version.taxes.isEmpty {
                    text += "; taxes " + version.taxes.map { "\($0.name) \($0.percent)%" }.joined(separator: ", ")
                }
                versions.append(text)
            }
            let renderer = RecordRenderer(timeZone: settings.timeZone)
            let record = Record([
                "name": .text(tariff.name), "currency": .text(tariff.currency), "versions": .list(versions),
                "assigned": .list(
                    assignments.map { assignment in
                        switch assignment.target {
                        case .node(let espID): "\(espID) from \(assignment.from)"
                        case .user(let user): "user \(user) from \(assignment.from)"
                        }
                    }),
                "prices": .text(
                    span.map {
                        "\($0.count) from \(renderer.iso8601(Date(milliseconds: $0.first))) to \(renderer.iso8601(Date(milliseconds: $0.last)))"
                    } ?? (tariff.usesSeries ? "none yet (tariff prices import \(tariff.name) FILE)" : nil)),
            ])
            Print.record(record, json: output.json, settings: settings)
        }
    }

    struct Export: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Print a tariff as the TOML file it is imported from.",
            discussion: "Example:\n  enertrack tariff export hogar > hogar.toml")

        @OptionGroup var global: GlobalOptions
        @Argument(help: "Tariff name.") var name: String

        func run() async throws {
            let (admin, _) = try TariffCommand.admin(global)
            guard let stored = try await admin.store.storedTariff(named: name) else {
                throw TariffError.unknown(name)
            }
            Print.out(stored.definition)
        }
    }

    static func day(_ text: String?, flag: String) throws -> CalendarDay? {
        guard let text else { return nil }
        guard let day = CalendarDay(checking: text) else {
            throw ValidationError("\(flag) '\(text)' is not a date like 2026-01-01 (2000 to 2199)")
        }
        return day
    }

    static func target(_ arguments: [String], user: String?, expecting: Int) throws -> (
        TariffAssignment.Target, [String]
    ) {
        if let user {
            guard arguments.count == expecting - 1 else {
                throw ValidationError("with --user give only \(expecting == 2 ? "the tariff" : "no meter")")
            }
            return (.user(user), arguments)
        }
        guard arguments.count == expecting, let node = arguments.first else {
            throw ValidationError(
                expecting == 2 ? "give NODE TARIFF, or --user USER TARIFF" : "give NODE, or --user USER")
        }
        return (.node(node), Array(arguments.dropFirst()))
    }

    struct Assign: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Give a meter, or all of a user's meters, a tariff from a day on.",
            discussion: """
                A meter's own tariff wins over its user's; before a meter's first own assignment \
                its user's applies (with several users, the first by name that has one). Without \
                --from a target's first tariff covers all its history and a later one starts today. \
                Another assignment of the same target and day is replaced.

                Examples:
                  enertrack tariff assign ESP32_COCINA hogar
                  enertrack tariff assign ESP32_COCINA pvpc --from 2026-06-01
                  enertrack tariff assign --user ana hogar
                """)

        @OptionGroup var global: GlobalOptions
        @Argument(help: ArgumentHelp("NODE TARIFF, or with --user just TARIFF.", valueName: "NODE TARIFF"))
        var arguments: [String] = []
        @Option(help: "Assign to all the meters of this user (username or email).") var user: String?
        @Option(help: ArgumentHelp("First local day (YYYY-MM-DD) the tariff applies.", valueName: "DATE")) var from:
            String?
        @OptionGroup var output: OutputOptions

        func validate() throws {
            _ = try TariffCommand.target(arguments, user: user, expecting: 2)
            _ = try TariffCommand.day(from, flag: "--from")
        }

        func run() async throws {
            let (admin, settings) = try TariffCommand.admin(global)
            let (target, rest) = try TariffCommand.target(arguments, user: user, expecting: 2)
            let assignment = try await admin.assign(
                tariff: rest[0], to: target, from: try TariffCommand.day(from, flag: "--from"))
            Print.record(assignment.record, json: output.json, settings: settings)
        }
    }

    struct Unassign: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Remove the assignment of a meter or user that starts on a day.",
            discussion: "Example:\n  enertrack tariff unassign ESP32_COCINA --from 2026-06-01")

        @OptionGroup var global: GlobalOptions
        @Argument(help: ArgumentHelp("The meter (or none, with --user).", valueName: "NODE")) var arguments: [String] =
            []
        @Option(help: "The user whose assignment it is.") var user: String?
        @Option(help: ArgumentHelp("The day the assignment starts (tariff assignments lists them).", valueName: "DATE"))
        var from: String

        func validate() throws {
            _ = try TariffCommand.target(arguments, user: user, expecting: 1)
            _ = try TariffCommand.day(from, flag: "--from")
        }

        func run() async throws {
            let (admin, _) = try TariffCommand.admin(global)
            let (target, _) = try TariffCommand.target(arguments, user: user, expecting: 1)
            guard let day = try TariffCommand.day(from, flag: "--from") else { return }
            guard try await admin.store.unassignTariff(target: target, from: day) else {
                throw TariffError(
                    "no tariff assignment of \(target.text) starts on \(day) (tariff assignments lists them)",
                    status: .noUser)
            }
            Print.out("removed the assignment of \(target.text) from \(day)\n")
        }
    }

    struct Assignments: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Which meters and users have which tariff from when.",
            discussion: "Example:\n  enertrack tariff assignments --json")

        @OptionGroup var global: GlobalOptions
        @OptionGroup var output: OutputOptions

        func run() async throws {
            let (admin, settings) = try TariffCommand.admin(global)
            let records = try await admin.store.tariffAssignments().map(\.record)
            Print.records(records, json: output.json, settings: settings, empty: "no tariff assignments")
        }
    }

    struct Remove: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Delete a tariff and its prices (refused while anyone has it).",
            discussion: "Example:\n  enertrack tariff remove viejo")

        @OptionGroup var global: GlobalOptions
        @Argument(help: "Tariff name.") var name: String

        func run() async throws {
            let (admin, _) = try TariffCommand.admin(global)
            try await admin.store.removeTariff(named: name)
            Print.out("removed tariff \(name)\n")
        }
    }

    struct Prices: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Dynamic prices (PVPC, day-ahead) of tariffs with energy = \"series\".",
            subcommands: [PricesImport.self])
    }

    struct PricesImport: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "import",
            abstract: "Store a tariff's prices per hour or 15 minutes from a CSV of time,price.",
            discussion: """
                One row per hour or per 15 minutes: time (ISO 8601; without an offset, the site's \
                wall clock), price per kWh (--per-mwh: per MWh, as market exports give it). A \
                header line is optional; ';' may separate the columns, then ',' may be the decimal \
                mark. Prices already stored for the span the file covers are replaced. Errors name \
                the line; nothing is stored unless every line is good.

                Examples:
                  enertrack tariff prices import pvpc pvpc-2026-03.csv
                  enertrack tariff prices import indexado omie.csv --per-mwh
                """)

        @OptionGroup var global: GlobalOptions
        @Argument(help: "Tariff name.") var name: String
        @Argument(help: ArgumentHelp("CSV file, or - for standard input.", valueName: "FILE")) var file: String
        @Flag(help: "Prices are per MWh (divided by 1000).") var perMwh = false

        func run() async throws {
            let (admin, settings) = try TariffCommand.admin(global)
            let text = try TariffCommand.text(file, maxBytes: 32 << 20, what: "price file")
            let points: [PricePoint]
            do {
                points = try await admin.importPrices(tariff: name, text: text, perMWh: perMwh)
            } catch let error as TariffError {
                throw TariffError(
                    "\(file == "-" ? "standard input" : file): \(error.description)", status: error.exitStatus)
            }
            let renderer = RecordRenderer(timeZone: settings.timeZone)
            let first = points.first.map { renderer.iso8601(Date(milliseconds: $0.time)) } ?? "-"
            let last = points.last.map { renderer.iso8601(Date(milliseconds: $0.time + $0.duration)) } ?? "-"
            Print.out(
                "stored \(points.count) prices for \(name) (\(points.first?.duration == 3_600_000 ? "hourly" : "15-minute")) from \(first) to \(last)\n"
            )
        }
    }
}

extension TariffAssignment.Target {
    var text: String {
        switch self {
        case .node(let espID): espID
        case .user(let user): "user \(user)"
        }
    }
}

extension TariffAssignment {
    var record: Record {
        switch target {
        case .node(let espID):
            Record(["node": .text(espID), "user": .text(nil), "tariff": .text(tariff), "from": .text(from.description)])
        case .user(let user):
            Record(["node": .text(nil), "user": .text(user), "tariff": .text(tariff), "from": .text(from.description)])
        }
    }
}
