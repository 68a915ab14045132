import ArgumentParser
import EnerTrackCore
import EnerTrackKit
import Foundation

extension MeterRole: ExpressibleByArgument {}

struct SiteCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "site",
        abstract: "Sites (a home, a school): their grid, production and circuit meters.",
        discussion: """
            A site groups meters: one grid meter at the connection (import and export counters) \
            or one total meter, production meters (an inverter) and circuits, optionally nested. \
            From them EnerTrack computes per 15 minutes the site's import, export, production, \
            consumption, self-consumption and what no circuit meters (enertrack report site). \
            Meters join a site with 'enertrack node edit ESPID --site NAME --role ROLE'. A user \
            sees a site when assigned to its grid (or total) meter.

            Examples:
              enertrack site add casa --name "Casa de la playa"
              enertrack node edit ESP32_RED --site casa --role grid
              enertrack node edit ESP32_SOLAR --site casa --role production
              enertrack site show casa
              enertrack report site casa --by day
            """,
        subcommands: [Add.self, List.self, Show.self, Edit.self, Remove.self, Restore.self])

    static func admin(_ global: GlobalOptions) throws -> (SiteAdmin, Settings) {
        let services = try global.services()
        return (try services.siteAdmin(), services.settings)
    }

    struct Add: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Add a site.",
            discussion: """
                Site names follow the rules of ESP ids (1-64 of A-Z a-z 0-9 _ -), unique regardless \
                of case.

                Example:
                  enertrack site add colegio --name "CEIP La Paz" --tz Atlantic/Canary
                """)

        @OptionGroup var global: GlobalOptions
        @Argument(help: "Site name (what commands use).") var site: String
        @Option(help: "The name pages show.") var name: String?
        @Option(help: "The site's time zone (default: the configuration's TZ).") var tz: String?
        @OptionGroup var output: OutputOptions

        func run() async throws {
            let (admin, settings) = try SiteCommand.admin(global)
            let added = try await admin.add(name: site, displayName: name, timeZone: tz)
            Print.record(added.record, json: output.json, settings: settings)
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "List sites with their meters.",
            discussion: "Example:\n  enertrack site list --json")

        @OptionGroup var global: GlobalOptions
        @Flag(help: "Include removed sites.") var all = false
        @OptionGroup var output: OutputOptions

        func run() async throws {
            let (admin, settings) = try SiteCommand.admin(global)
            let records = try await admin.layouts(includeRemoved: all).map { layout in
                var record = layout.site.record
                record.fields +=
                    Record(["meters": .list(layout.meters.map { "\($0.espID) (\($0.role.rawValue))" })])
                    .fields
                return record
            }
            Print.records(records, json: output.json, settings: settings, empty: "no sites")
        }
    }

    struct Show: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Show a site and its meters (role and parent circuit).",
            discussion: "Example:\n  enertrack site show casa")

        @OptionGroup var global: GlobalOptions
        @Argument(help: "Site name.") var site: String
        @OptionGroup var output: OutputOptions

        func run() async throws {
            let (admin, settings) = try SiteCommand.admin(global)
            let layout = try await admin.layout(site)
            if output.json {
                try Print.json(SiteJSON(layout), settings: settings)
                return
            }
            Print.record(layout.site.record, json: false, settings: settings)
            Print.out("\n")
            Print.records(layout.meters.map(\.record), json: false, settings: settings, empty: "no meters in this site")
        }
    }

    struct Edit: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Change a site's shown name or time zone.",
            discussion: "Example:\n  enertrack site edit casa --name \"Casa\" --tz Europe/Madrid")

        @OptionGroup var global: GlobalOptions
        @Argument(help: "Site name.") var site: String
        @Option(help: "The name pages show ('' for none).") var name: String?
        @Option(help: "The site's time zone ('' for the configuration's).") var tz: String?
        @OptionGroup var output: OutputOptions

        func validate() throws {
            guard name != nil || tz != nil else { throw ValidationError("nothing to change: give --name and/or --tz") }
        }

        func run() async throws {
            let (admin, settings) = try SiteCommand.admin(global)
            let edited = try await admin.edit(name: site, changes: SiteChanges(displayName: name, timeZone: tz))
            Print.record(edited.record, json: output.json, settings: settings)
        }
    }

    struct Remove: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Remove a site (logically: its meters and history are kept; 'site restore' undoes it).",
            discussion: "Example:\n  enertrack site remove casa")

        @OptionGroup var global: GlobalOptions
        @Argument(help: "Site name.") var site: String
        @OptionGroup var output: OutputOptions

        func run() async throws {
            let (admin, settings) = try SiteCommand.admin(global)
            Print.record(try await admin.setActive(false, name: site).record, json: output.json, settings: settings)
        }
    }

    struct Restore: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Make a removed site active again, with its meters.",
            discussion: "Example:\n  enertrack site restore casa")

        @OptionGroup var global: GlobalOptions
        @Argument(help: "Site name.") var site: String
        @OptionGroup var output: OutputOptions

        func run() async throws {
            let (admin, settings) = try SiteCommand.admin(global)
            Print.record(try await admin.setActive(true, name: site).record, json: output.json, settings: settings)
        }
    }
}

/// `site show --json`: the site and its meters.
struct SiteJSON: Encodable {
    var name: String
    var displayName: String?
    var timeZone: String?
    var active: Bool
    var meters: [SiteFlowsJSON.Meter]

    enum CodingKeys: String, CodingKey {
        case name, active, meters
        case displayName = "display_name"
        case timeZone = "time_zone"
    }

    init(_ layout: SiteLayout) {
        name = layout.site.name
        displayName = layout.site.displayName
        timeZone = layout.site.timeZone
        active = layout.site.isActive
        meters = layout.meters.map(SiteFlowsJSON.Meter.init)
    }
}
