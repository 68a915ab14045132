import ArgumentParser
import EnerTrackCore
import EnerTrackIngest
import EnerTrackKit
import Foundation

extension PeriodUnit: ExpressibleByArgument {}
extension CostReport.Grouping: ExpressibleByArgument {}

struct ReportCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "report",
        abstract: "Readings, consumption, KPIs and node status as a table, CSV or JSON.",
        subcommands: [Consumption.self, Cost.self, Site.self, KPI.self, Status.self, Readings.self])

    struct KPI: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "kpi",
            abstract: "Latest readings, mean power over a window and energy today, per meter and in total.",
            discussion: """
                Per meter: the latest voltage, current, power, power factor, frequency and energy \
                counter with their time, the mean power over --window, and the energy used today \
                (site time zone). The last row, ALL, follows the dashboard's rule: power sums the \
                meters active within --inactive-after (none active: no value), mean power and \
                today's energy sum every meter, voltage, frequency and power factor average their \
                latest readings. Where meters make a site (enertrack site), its power and energy count \
                once, as the site's consumption (grid plus production used), and a production meter \
                never counts as consumption.

                Examples:
                  enertrack report kpi
                  enertrack report kpi --user ana --window 1h --json
                """)

        @OptionGroup var global: GlobalOptions
        @Option(help: ArgumentHelp("Meter (repeatable).", valueName: "ESPID")) var node: [String] = []
        @Option(help: "The meters actively assigned to this user.") var user: String?
        @Option(help: ArgumentHelp("Window of the mean power (30s, 15m, 1h).", valueName: "AGE")) var window = "15m"
        @Option(
            help: ArgumentHelp(
                "A meter counts in the power of the ALL row when it reported within this age.", valueName: "AGE"))
        var inactiveAfter = "5m"
        @OptionGroup var output: OutputOptions

        var inactiveAfterSeconds: TimeInterval { TimeArgument.duration(inactiveAfter) ?? 300 }

        func validate() throws {
            guard TimeArgument.duration(window) != nil else {
                throw ValidationError("--window '\(window)' is not an age like 15m or 1h")
            }
            guard TimeArgument.duration(inactiveAfter) != nil else {
                throw ValidationError("--inactive-after '\(inactiveAfter)' is not an age like 5m or 1h")
            }
            if user != nil, !node.isEmpty { throw ValidationError("give --node or --user, not both") }
        }

        func run() async throws {
            let services = try global.services()
            let settings = services.settings
            let directory = try services.directory()
            let nodes = try await ReportCommand.selectNodes(directory: directory, nodes: node, user: user)
            let known = Dictionary(
                try await directory.nodes(includeInactive: true).map { ($0.espID, $0) }, uniquingKeysWith: { a, _ in a }
            )
            let kpi = try await KPIs.compute(
                series: try services.series(), nodes: nodes.compactMap { known[$0] },
                window: try TimeArgument.durationMS(window, flag: "--window"), inactiveAfter: inactiveAfterSeconds,
                timeZone: settings.timeZone, sites: try await SiteScope.read(directory, meters: nodes))
            Print.records(kpi.records, json: output.json, settings: settings, empty: "no meters")
        }
    }

    /// --node (each must exist), --user (their active assignments) or every active meter.
    static func selectNodes(directory: any AdminDirectory, nodes: [String], user: String?) async throws -> [String] {
        if let user {
            _ = try await directory.existingUser(named: user)
            return try await directory.assignments(AssignmentFilter(username: user)).filter(\.isActive).map(\.espID)
        }
        if !nodes.isEmpty {
            var resolved: [String] = []
            for espID in nodes {
                let known = try await directory.existingNode(espID: espID)
                resolved.append(known.espID)
            }
            return resolved
        }
        return try await directory.nodes(includeInactive: false).map(\.espID)
    }

    struct Status: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Which meters report: active, inactive, no_data (never reported) or removed.",
            discussion: """
                A meter is active when its last reading is at most --inactive-after old (last-seen \
                is kept by ingest, at most 30 s behind). With --check it prints one line and exits \
                0 when every meter reports, 1 when some are inactive, 2 when some never reported: \
                the convention Nagios and Icinga expect.

                Examples:
                  enertrack report status
                  enertrack report status --check --inactive-after 10m
                """)

        @OptionGroup var global: GlobalOptions
        @Option(help: "Only the meters actively assigned to this user.") var user: String?
        @Option(help: ArgumentHelp("Age after which a meter counts as inactive (30s, 5m, 1h).", valueName: "AGE"))
        var inactiveAfter = "5m"
        @Flag(help: "Also removed and self-registered (inactive) meters.") var all = false
        @Flag(help: "One line for monitoring, exit 0 OK / 1 some inactive / 2 some never reported.") var check = false
        @OptionGroup var output: OutputOptions

        func validate() throws {
            guard TimeArgument.duration(inactiveAfter) != nil else {
                throw ValidationError("--inactive-after '\(inactiveAfter)' is not an age like 30s, 5m or 1h")
            }
        }

        func run() async throws {
            let services = try global.services()
            let settings = services.settings
            let directory = try services.directory()
            var nodes = try await directory.nodes(includeInactive: all || user != nil)
            if let user {
                _ = try await directory.existingUser(named: user)
                let assigned = Set(
                    try await directory.assignments(AssignmentFilter(username: user)).filter(\.isActive).map(\.espID))
                nodes = nodes.filter { assigned.contains($0.espID) && ($0.isActive || all) }
            }
            let now = Date()
            let threshold = TimeArgument.duration(inactiveAfter) ?? 300
            let statuses = nodes.map { ($0, NodeStatus(node: $0, now: now, inactiveAfter: threshold)) }
            if check {
                let verdict = StatusCheck(statuses.map { ($0.0.espID, $0.1) })
                Print.out(verdict.line + "\n")
                if verdict.status != 0 { throw ExitCode(verdict.status) }
                return
            }
            let records = statuses.map { node, status in
                Record([
                    "esp_id": .text(node.espID), "name": .text(node.name), "status": .text(status.rawValue),
                    "last_seen": .time(node.lastSeen),
                    "age_seconds": .integer(
                        node.lastSeen.map { Int64(saturating: now.timeIntervalSince($0).rounded()) }),
                ])
            }
            Print.records(records, json: output.json, settings: settings, empty: "no meters")
        }
    }

    struct Consumption: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Energy used per hour, day, month or year, per meter, in the site's time zone.",
            discussion: """
                Consumption is the increase of each meter's energy counter: a single reading that \
                drops (to 0 or lower) and comes back is ignored, zeros are missing values, and a \
                counter that restarts low and keeps climbing starts a new cycle from zero. Meters \
                without a counter have their power integrated over time (gaps over 15 minutes are \
                not bridged). Periods are calendar periods in --tz (default TZ): a spring-forward \
                day has 23 hours, an autumn one 25. A period that is still running or has gaps in \
                its data is marked incomplete.

                Without --node or --user: every active meter. Default range, as on the consumption \
                page: the last 24 hours (--by hour), the last 30 days (day), the last 12 months \
                (month), every year since the first reading (year). Periods in the future and before a meter's first \
                reading are not listed. --pivot prints periods × meters with totals, as the \
                page's CSV download.

                Examples:
                  enertrack report consumption --by day
                  enertrack report consumption --by hour --node ESP32_COCINA --from 2026-03-29 --to 2026-03-30 --tz Europe/Madrid
                  enertrack report consumption --by month --user ana --total --format json
                  enertrack report consumption --by day --pivot > last-30-days.csv
                """)

        @OptionGroup var global: GlobalOptions
        @Option(help: "hour, day, month or year.") var by: PeriodUnit = .day
        @Option(help: ArgumentHelp("Meter (repeatable).", valueName: "ESPID")) var node: [String] = []
        @Option(help: "The meters actively assigned to this user.") var user: String?
        @Option(help: ArgumentHelp("Start: \(TimeArgument.help).", valueName: "TIME")) var from: String?
        @Option(help: ArgumentHelp("End, exclusive.", valueName: "TIME")) var to: String?
        @Option(help: ArgumentHelp("Time zone of the periods (default: TZ, else the system zone).", valueName: "ZONE"))
        var tz: String?
        @Flag(help: "Add the total over all rows (tables; JSON always has total_kwh).") var total = false
        @Flag(help: "CSV of periods × meters with totals (what the consumption page downloads).") var pivot = false
        @OptionGroup var output: FormatOptions
        var format: ReadingFormatter.Format { output.chosen }

        func validate() throws {
            if pivot, output.json || (output.format != nil && output.format != .csv) {
                throw ValidationError("--pivot prints CSV: give it without --json or another --format")
            }
            if let tz, SiteTimeZone.parse(tz) == nil {
                throw ValidationError("--tz '\(tz)' is not a time zone (for example Europe/Madrid)")
            }
            if user != nil, !node.isEmpty { throw ValidationError("give --node or --user, not both") }
        }

        func run() async throws {
            let services = try global.services()
            let settings = services.settings
            let zone = tz.flatMap(SiteTimeZone.parse) ?? settings.timeZone
            let now = Date()
            let directory = try services.directory()
            let nodes = try await ReportCommand.selectNodes(directory: directory, nodes: node, user: user)
            let series = try services.series()
            // Years from the first reading on, unless --from says otherwise.
            let first = by == .year && from == nil ? try await series.firstReadings(nodes: nodes).values.min() : nil
            let range: DateInterval
            do {
                range = try ConsumptionReport.range(
                    by, from: from, to: to, now: now, timeZone: zone, meters: nodes.count, first: first)
            } catch {
                throw error.failure(from: "--from", to: "--to")
            }

            let report = try await ConsumptionReport.compute(
                series: series, nodes: nodes, unit: by, range: range,
                timeZone: zone, now: now)
            if pivot { return Print.out(report.pivotCSV()) }
            switch format {
            case .json: Print.out(report.json())
            case .csv: Print.out(report.csv())
            case .table: Print.out(report.rows.isEmpty ? "no meters to report\n" : report.table(total: total))
            }
        }
    }

    struct Cost: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "What the energy cost per day, month or year, per meter, or as one bill.",
            discussion: """
                Each meter's tariff (tariff assign) prices every 15-minute bucket of its \
                consumption at the price of the period that bucket falls in, on the version in \
                force that day; the power term (contracted kW × price per kW and day), fixed \
                charges per day and per month (prorated by days) and taxes (in order, each on the \
                rounded parts it names) are added per row. Every line is rounded to the cent, half \
                away from zero; a row's total is the sum of its rounded lines. A running period \
                is priced up to now; future ones are not listed. --by bill prints one bill for the \
                range with a real bill's lines (energy per period, power, fixed, each tax).

                Without --node or --user: every active meter. Default range: this month so far \
                (--by bill), else as report consumption: the last 24 hours (hour), 30 days (day), \
                12 months (month), every year since the first reading (year). Rows before a meter's first reading are \
                not listed.

                Examples:
                  enertrack report cost --by month
                  enertrack report cost --by bill --node ESP32_COCINA --from 2026-03-01 --to 2026-04-01
                  enertrack report cost --by day --user ana --format csv
                  enertrack report cost --by bill --site casa

                A meter that reports export (or a site, --site) gets a compensation line: the \
                exported kWh at the tariff's export price, capped at the bill's energy term unless \
                the version says export_cap = "none". --site bills the site's grid import and \
                export with its connection meter's tariff. Without --node, a site is billed once, by \
                its connection meter: its production meters and circuits get no bill of their own \
                (report site --cost shares the energy cost among the circuits).
                """)

        @OptionGroup var global: GlobalOptions
        @Option(help: "hour, day, month, year or bill.") var by: CostReport.Grouping = .month
        @Option(help: ArgumentHelp("Meter (repeatable).", valueName: "ESPID")) var node: [String] = []
        @Option(help: "The meters actively assigned to this user (and the user's tariff for those without their own).")
        var user: String?
        @Option(help: "A site: its grid import and export, with its connection meter's tariff.") var site: String?
        @Option(help: ArgumentHelp("Start: \(TimeArgument.help).", valueName: "TIME")) var from: String?
        @Option(help: ArgumentHelp("End, exclusive.", valueName: "TIME")) var to: String?
        @OptionGroup var output: FormatOptions

        func validate() throws {
            if user != nil, !node.isEmpty { throw ValidationError("give --node or --user, not both") }
            if site != nil, user != nil || !node.isEmpty {
                throw ValidationError("give --site alone, not with --node or --user")
            }
        }

        func run() async throws {
            let services = try global.services()
            let settings = services.settings
            let zone = settings.timeZone
            let now = Date()
            let directory = try services.directory()
            if let site { return try await siteBill(site, services: services, directory: directory, now: now) }
            var nodes = try await ReportCommand.selectNodes(directory: directory, nodes: node, user: user)
            // A user's or every meter: a site is billed once, by its connection meter.
            if node.isEmpty { nodes = nodes.filter(try await SiteScope.read(directory, meters: nodes).counts) }
            let first =
                by == .year && from == nil ? try await services.series().firstReadings(nodes: nodes).values.min() : nil
            let range: DateInterval
            do {
                range = try CostReport.range(
                    by, from: from, to: to, now: now, timeZone: zone, meters: nodes.count, first: first)
            } catch {
                throw error.failure(from: "--from", to: "--to")
            }
            let report = try await CostReport.query(
                directory: directory, series: try services.series(), espIDs: nodes, user: user,
                grouping: by, range: range, timeZone: zone, now: now)
            print(report)
        }

        func siteBill(_ name: String, services: Services, directory: any DirectoryStore, now: Date) async throws {
            let admin = try services.siteAdmin(directory)
            let layout = try await admin.layout(name)
            let zone = admin.zone(of: layout.site)
            let series = try services.series()
            let first =
                by == .year && from == nil ? try await series.firstReadings(nodes: layout.espIDs).values.min() : nil
            let range: DateInterval
            do {
                range = try CostReport.range(by, from: from, to: to, now: now, timeZone: zone, meters: 1, first: first)
            } catch {
                throw error.failure(from: "--from", to: "--to")
            }
            print(
                try await CostReport.site(
                    layout: layout, directory: directory, series: series, grouping: by, range: range, timeZone: zone,
                    now: now))
        }

        func print(_ report: CostReport) {
            switch output.chosen {
            case .json: Print.out(report.json())
            case .csv: Print.out(report.csv())
            case .table: Print.out(report.table())
            }
        }
    }

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
        @Option(
            help: ArgumentHelp("Start, inclusive (default: 24 hours ago): \(TimeArgument.help).", valueName: "TIME"))
        var from: String?
        @Option(help: ArgumentHelp("End, exclusive (default: now).", valueName: "TIME")) var to: String?
        @OptionGroup var output: FormatOptions
        var format: ReadingFormatter.Format { output.chosen }

        func run() async throws {
            let services = try global.services()
            let settings = services.settings
            let zone = settings.timeZone
            let now = Date()
            let range: (from: Int64, to: Int64)
            do {
                range = try ReadingsRange.resolve(from: from, to: to, defaultSpan: 86_400, now: now, timeZone: zone)
            } catch {
                throw error.failure(from: "--from", to: "--to")
            }
            let (start, end) = range
            let directory = try services.directory()
            let espID = try await directory.node(espID: node)?.espID ?? node
            let series = try services.series()
            var page = try await series.readings(node: espID, from: start, to: end, limit: 10_000)
            // A three-phase meter's columns: its first page or its latest reading has phases.
            var phases = page.contains(where: \.hasPhases)
            if !phases { phases = try await series.latest(nodes: [espID])[espID]?.hasPhases == true }
            let formatter = ReadingFormatter(format: format, timeZone: zone, phases: phases)
            Print.out(formatter.header())
            var cursor = start
            var first = true
            while true {
                if !first { page = try await series.readings(node: espID, from: cursor, to: end, limit: 10_000) }
                if page.isEmpty { break }
                Print.out(formatter.page(page, first: first))
                first = false
                guard page.count == 10_000, let last = page.last else { break }
                cursor = last.time + 1
            }
            Print.out(formatter.footer(empty: first))
            if let pruned = try await series.prunedBefore(), start < pruned {
                Print.err(
                    "note: readings before \(ISO8601.format(milliseconds: pruned, timeZone: zone)) were pruned (ENERTRACK_RETENTION); consumption, cost and charts there come from the 15-minute rollups\n"
                )
            }
        }
    }
}
