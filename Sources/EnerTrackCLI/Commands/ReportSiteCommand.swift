import ArgumentParser
import EnerTrackCore
import EnerTrackKit
import Foundation

extension ReportCommand {
    struct Site: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "A site's flows per period: import, export, production, consumption, self-consumption, circuits.",
            discussion: """
                Per 15-minute bucket: import and export from the grid meter's two counters (or, \
                with a total meter instead, import = max(0, consumption − production) and export \
                = max(0, production − consumption)); production the sum of the production meters; \
                consumption = import + production − export; self-consumption = production − \
                export; untracked = consumption − the top-level circuits (a child circuit counts \
                inside its parent). Periods sum their buckets; a period's self-sufficiency is its \
                self-consumption over its consumption. Periods are calendar periods in the site's \
                zone (site add --tz, else TZ). Default range as report consumption.
                --cost prices the grid import with the connection meter's tariff (tariff assign): \
                energy_cost is the bill's energy term, shared per bucket among the circuits and \
                the untracked remainder in proportion to their consumption, so the top-level \
                circuits and untracked add up to it to the cent.

                Examples:
                  enertrack report site casa --by day
                  enertrack report site colegio --by month --cost --format csv
                  enertrack report site casa --by hour --from today --json
                """)

        @OptionGroup var global: GlobalOptions
        @Argument(help: "Site name.") var site: String
        @Option(help: "hour, day, month or year.") var by: PeriodUnit = .day
        @Option(help: ArgumentHelp("Start: \(TimeArgument.help).", valueName: "TIME")) var from: String?
        @Option(help: ArgumentHelp("End, exclusive.", valueName: "TIME")) var to: String?
        @Flag(help: "Add the grid energy cost and each circuit's share.") var cost = false
        @OptionGroup var output: FormatOptions

        func run() async throws {
            let services = try global.services()
            let directory = try services.directory()
            let admin = try services.siteAdmin(directory)
            let layout = try await admin.layout(site)
            guard !layout.meters.isEmpty else { throw SiteError.empty(layout.site.name) }
            let zone = admin.zone(of: layout.site)
            let series = try services.series()
            let now = Date()
            let range = try await SiteReport.range(
                layout, series: series, unit: by, from: from, to: to, now: now, timeZone: zone
            ).mapError { $0.failure(from: "--from", to: "--to") }.get()
            let pricing = cost ? try await SiteReport.Pricing.read(layout, directory: directory) : nil
            let report = try await SiteReport.compute(
                layout: layout, series: series, unit: by, range: range, timeZone: zone, now: now, pricing: pricing)
            switch output.chosen {
            case .json: Print.out(report.json())
            case .csv: Print.out(report.csv())
            case .table:
                Print.out(
                    report.rows.isEmpty ? "no readings of site \(layout.site.name) in this range\n" : report.table())
            }
        }
    }
}
