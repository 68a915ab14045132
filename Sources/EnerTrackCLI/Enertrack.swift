import ArgumentParser
import EnerTrackCore
import Foundation

/// The `enertrack` command: monitoring of ESP32 electricity meters.
public struct Enertrack: AsyncParsableCommand {
    public static let version = "0.1.0"

    public static let configuration = CommandConfiguration(
        commandName: "enertrack",
        abstract: "Self-hosted electricity monitoring for ESP32 smart meters.",
        discussion: """
            Configuration comes from flags, then the environment, then the env file (--config, \
            $ENERTRACK_CONFIG or /etc/enertrack/enertrack.env), then defaults. Without MYSQL_HOST and \
            INFLUX_URL everything is stored in SQLite under the data directory.

            First steps:
              enertrack user add ana --email ana@example.org --admin
              enertrack node add ESP32_COCINA --name "Cocina"
              enertrack assign add ana ESP32_COCINA --location "Planta baja"
              enertrack assign list --user ana

            Exit statuses follow sysexits(3): 64 usage, 65 bad data, 67 unknown user or node, \
            69 service unavailable, 73 cannot create, 74 I/O error, 77 permission, 78 configuration.
            """,
        version: version,
        subcommands: [
            UserCommand.self, NodeCommand.self, AssignCommand.self, ConfigCommand.self, DBCommand.self,
            IngestCommand.self, ImportCommand.self, SimulateCommand.self, ServeCommand.self, ReportCommand.self,
            AlertsCommand.self, TelegramCommand.self, TariffCommand.self, SiteCommand.self, SourceCommand.self,
            ReadingsCommand.self, DemoCommand.self,
        ]
    )

    public init() {}

    /// Parses `arguments`, runs the command against `context`, prints any failure as one line on
    /// stderr and returns the exit status (sysexits).
    public static func execute(_ arguments: [String], context: CommandContext) async -> Int32 {
        await CommandContext.$current.withValue(context) {
            do {
                var command = try parseAsRoot(arguments)
                if var asyncCommand = command as? AsyncParsableCommand {
                    try await asyncCommand.run()
                } else {
                    try command.run()
                }
                return ExitStatus.success.rawValue
            } catch let error as ExitStatusError {
                context.writeError("enertrack: \(ErrorText.render(error))\n")
                return error.exitStatus.rawValue
            } catch {
                let code = exitCode(for: error)
                let message = fullMessage(for: error)
                if !message.isEmpty {
                    let text = message.hasSuffix("\n") ? message : message + "\n"
                    if code == .success { context.writeOutput(text) } else { context.writeError(text) }
                }
                // ArgumentParser reports every parse failure as 64 (EX_USAGE) already.
                return code.rawValue
            }
        }
    }
}

/// What the command line says for an error: the domain's message, and what to type next.
enum ErrorText {
    static func render(_ error: any ExitStatusError) -> String {
        guard let error = error as? DirectoryError else { return error.description }
        let next: String =
            switch error {
            case .unknownUser: " (see 'enertrack user list --all')"
            case .unknownNode: " (see 'enertrack node list --all')"
            case .unknownAssignment: " (see 'enertrack assign list --all')"
            case .nodeExistsInactive(let espID): "; use 'enertrack node restore \(espID)'"
            case .userRemoved(let username): "; enable it first with 'enertrack user enable \(username)'"
            case .nodeInactive(let espID): "; restore it first with 'enertrack node restore \(espID)'"
            default: ""
            }
        return error.description + next
    }
}
