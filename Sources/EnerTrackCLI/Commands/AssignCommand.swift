import ArgumentParser
import EnerTrackCore
import EnerTrackKit

struct AssignCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "assign",
        abstract: "Give users access to meters (the UsuariosNodos table).",
        subcommands: [Add.self, Remove.self, Set.self, List.self])

    struct Add: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Assign a meter to a user, or reactivate a removed assignment.",
            discussion: """
                A meter can be assigned to many users and a user can have many meters.

                Example:
                  enertrack assign add ana ESP32_COCINA --location "Planta baja"
                """)

        @OptionGroup var global: GlobalOptions
        @Argument(help: "Username or email.") var username: String
        @Argument(help: "ESP id.") var espID: String
        @Option(help: "Where the meter is, as this user calls it.") var location: String?
        @OptionGroup var output: OutputOptions

        func run() async throws {
            let (admin, settings) = try global.directoryAdmin()
            let assignment = try await admin.assign(username: username, espID: espID, location: location)
            Print.record(assignment.record, json: output.json, settings: settings)
        }
    }

    struct Remove: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Take a meter away from a user (logically: activo = 0).",
            discussion: "Example:\n  enertrack assign remove ana ESP32_COCINA")

        @OptionGroup var global: GlobalOptions
        @Argument(help: "Username or email.") var username: String
        @Argument(help: "ESP id.") var espID: String
        @OptionGroup var output: OutputOptions

        func run() async throws {
            let (admin, settings) = try global.directoryAdmin()
            let assignment = try await admin.unassign(username: username, espID: espID)
            Print.record(assignment.record, json: output.json, settings: settings)
        }
    }

    struct Set: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Change the location of an active assignment.",
            discussion: "Example:\n  enertrack assign set ana ESP32_COCINA --location \"Cocina, junto a la nevera\"")

        @OptionGroup var global: GlobalOptions
        @Argument(help: "Username or email.") var username: String
        @Argument(help: "ESP id.") var espID: String
        @Option(help: "New location.") var location: String
        @OptionGroup var output: OutputOptions

        func run() async throws {
            let (admin, settings) = try global.directoryAdmin()
            let assignment = try await admin.setLocation(location, username: username, espID: espID)
            Print.record(assignment.record, json: output.json, settings: settings)
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "List assignments.",
            discussion: """
                Examples:
                  enertrack assign list --user ana
                  enertrack assign list --node ESP32_COCINA --all --json
                """)

        @OptionGroup var global: GlobalOptions
        @Option(help: "Only this user's assignments.") var user: String?
        @Option(help: "Only this meter's assignments.") var node: String?
        @Flag(help: "Include removed assignments.") var all = false
        @OptionGroup var output: OutputOptions

        func run() async throws {
            let (admin, settings) = try global.directoryAdmin()
            let assignments = try await admin.assignments(
                AssignmentFilter(username: user, espID: node, includeInactive: all))
            Print.records(
                assignments.map(\.record), json: output.json, settings: settings, empty: "no assignments")
        }
    }
}
