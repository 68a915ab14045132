import ArgumentParser
import EnerTrackCore
import EnerTrackKit

struct NodeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "node",
        abstract: "Register, list, edit and remove ESP32 meters.",
        subcommands: [Add.self, Edit.self, List.self, Show.self, Remove.self, Restore.self])

    struct Add: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Register a meter by its ESP id (the MQTT topic segment).",
            discussion: """
                ESP ids are 1-64 characters of A-Z, a-z, 0-9, '_' and '-', unique regardless of case.

                Example:
                  enertrack node add ESP32_COCINA --name "Cocina" --description "PZEM-004T, cuadro general"
                """)

        @OptionGroup var global: GlobalOptions
        @Argument(help: "ESP id.") var espID: String
        @Option(help: "Short name shown in lists and the dashboard.") var name: String?
        @Option(help: "Longer description.") var description: String?
        @OptionGroup var output: OutputOptions

        func run() async throws {
            let (admin, settings) = try global.directoryAdmin()
            let node = try await admin.addNode(espID: espID, name: name, description: description)
            Print.record(node.record, json: output.json, settings: settings)
        }
    }

    struct Edit: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Change a meter's name or description, or its site and role.",
            discussion: """
                Roles within a site (enertrack site add first): grid (at the connection: import \
                counter 'energy', export counter 'energy_export'), production (an inverter), \
                consumption (a circuit, optionally under a --parent circuit) and total (the whole \
                site's consumption where there is no grid meter). A site has one grid or total meter. \
                A meter given a site without a role keeps its role there, or becomes a circuit.

                Examples:
                  enertrack node edit ESP32_COCINA --name "Cocina nueva"
                  enertrack node edit ESP32_RED --site casa --role grid
                  enertrack node edit ESP32_HORNO --site casa --role consumption --parent ESP32_COCINA
                  enertrack node edit ESP32_HORNO --no-site
                """)

        @OptionGroup var global: GlobalOptions
        @Argument(help: "ESP id.") var espID: String
        @Option(help: "New name.") var name: String?
        @Option(help: "New description.") var description: String?
        @Option(help: "The site the meter belongs to (enertrack site list).") var site: String?
        @Option(help: "Its role there: grid, production, consumption or total.") var role: MeterRole?
        @Option(help: "The parent circuit (a circuit of the same site); '' for none.") var parent: String?
        @Flag(help: "Take the meter out of its site.") var noSite = false
        @OptionGroup var output: OutputOptions

        func validate() throws {
            guard name != nil || description != nil || site != nil || role != nil || parent != nil || noSite else {
                throw ValidationError(
                    "nothing to change: give --name, --description, --site, --role, --parent or --no-site")
            }
            if noSite, site != nil || role != nil || parent != nil {
                throw ValidationError("--no-site cannot go with --site, --role or --parent")
            }
        }

        func run() async throws {
            let services = try global.services()
            let settings = services.settings
            let store = try services.directory()
            var node = try await services.admin(store).node(espID)
            // Every field is checked before anything is written: a refused site or role leaves
            // the name as it was, and a refused name leaves the site.
            try DirectoryRules.checkText(name, field: .name, maxLength: DirectoryRules.maxNameLength)
            try DirectoryRules.checkText(
                description, field: .description, maxLength: DirectoryRules.maxDescriptionLength)
            var placed: SiteMeter?
            if noSite {
                _ = try await services.siteAdmin(store).unplace(espID: node.espID)
            } else if site != nil || role != nil || parent != nil {
                placed = try await services.siteAdmin(store).place(
                    espID: node.espID, site: site, role: role, parent: parent)
            }
            if name != nil || description != nil {
                node = try await services.admin(store).editNode(
                    espID: espID, changes: NodeChanges(name: name, description: description))
            }
            var record = node.record
            if let placed { record.fields += placed.record.fields.filter { $0.key != "esp_id" } }
            Print.record(record, json: output.json, settings: settings)
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "List meters.",
            discussion: """
                Without --all only active meters are listed; --all adds removed ones and those that \
                'ingest' registered on their own because they published before anyone added them.

                Examples:
                  enertrack node list
                  enertrack node list --all --json | jq -r '.[] | select(.active | not) | .esp_id'
                """)

        @OptionGroup var global: GlobalOptions
        @Flag(help: "Include removed and not yet registered meters.") var all = false
        @OptionGroup var output: OutputOptions

        func run() async throws {
            let (admin, settings) = try global.directoryAdmin()
            let nodes = try await admin.nodes(includeInactive: all)
            Print.records(nodes.map(\.record), json: output.json, settings: settings, empty: "no nodes")
        }
    }

    struct Show: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Show one meter.",
            discussion: "Example:\n  enertrack node show ESP32_COCINA --json")

        @OptionGroup var global: GlobalOptions
        @Argument(help: "ESP id.") var espID: String
        @OptionGroup var output: OutputOptions

        func run() async throws {
            let (admin, settings) = try global.directoryAdmin()
            Print.record(try await admin.node(espID).record, json: output.json, settings: settings)
        }
    }

    struct Remove: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Remove a meter (logically: activo = 0; its readings and assignments are kept).",
            discussion: "Example:\n  enertrack node remove ESP32_COCINA")

        @OptionGroup var global: GlobalOptions
        @Argument(help: "ESP id.") var espID: String
        @OptionGroup var output: OutputOptions

        func run() async throws {
            let (admin, settings) = try global.directoryAdmin()
            let node = try await admin.setNodeActive(false, espID: espID)
            Print.record(node.record, json: output.json, settings: settings)
        }
    }

    struct Restore: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Make a removed or self-registered meter active again.",
            discussion: "Example:\n  enertrack node restore ESP32_COCINA")

        @OptionGroup var global: GlobalOptions
        @Argument(help: "ESP id.") var espID: String
        @OptionGroup var output: OutputOptions

        func run() async throws {
            let (admin, settings) = try global.directoryAdmin()
            let node = try await admin.setNodeActive(true, espID: espID)
            Print.record(node.record, json: output.json, settings: settings)
        }
    }
}
