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
            abstract: "Change a meter's name or description.",
            discussion: "Example:\n  enertrack node edit ESP32_COCINA --name \"Cocina nueva\"")

        @OptionGroup var global: GlobalOptions
        @Argument(help: "ESP id.") var espID: String
        @Option(help: "New name.") var name: String?
        @Option(help: "New description.") var description: String?
        @OptionGroup var output: OutputOptions

        func validate() throws {
            guard name != nil || description != nil else {
                throw ValidationError("nothing to change: give --name and/or --description")
            }
        }

        func run() async throws {
            let (admin, settings) = try global.directoryAdmin()
            let node = try await admin.editNode(
                espID: espID, changes: NodeChanges(name: name, description: description))
            Print.record(node.record, json: output.json, settings: settings)
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
