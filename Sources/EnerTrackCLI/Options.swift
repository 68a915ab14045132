import ArgumentParser
import EnerTrackCore
import EnerTrackKit

/// Options every command takes: where the configuration and the data are.
struct GlobalOptions: ParsableArguments {
    @Option(
        name: .long,
        help: ArgumentHelp(
            "Env file to read (KEY=value lines).",
            discussion: "Default: $ENERTRACK_CONFIG, else /etc/enertrack/enertrack.env when it exists.",
            valueName: "file"))
    var config: String?

    @Option(name: .long, help: ArgumentHelp("Directory of the embedded stores (ENERTRACK_DATA_DIR).", valueName: "dir"))
    var dataDir: String?

    @Option(
        name: .long,
        help: ArgumentHelp(
            "Lowest level to log: trace, debug, info, notice, warning, error, critical (ENERTRACK_LOG_LEVEL).",
            valueName: "level"))
    var logLevel: String?

    /// The configuration with these flags on top of environment, env file and defaults.
    func configuration() throws -> Configuration {
        let context = CommandContext.current
        var flags: [String: (value: String, flag: String)] = [:]
        if let dataDir { flags[ConfigKey.dataDirectory.name] = (dataDir, "--data-dir") }
        if let logLevel { flags[ConfigKey.logLevel.name] = (logLevel, "--log-level") }
        let loader = ConfigurationLoader(
            environment: context.environment, systemEnvFile: context.systemEnvFile,
            currentDirectory: context.currentDirectory)
        return try loader.load(configFile: config, flags: flags)
    }

    /// The typed settings of that configuration: what every command reads.
    func settings() throws -> Settings {
        try Settings(configuration())
    }

    /// The administration service over the configured directory store.
    func directoryAdmin() throws -> (DirectoryAdmin, Settings) {
        let services = try services()
        return (try services.admin(), services.settings)
    }
}

/// `--json` for read commands.
struct OutputOptions: ParsableArguments {
    @Flag(name: .long, help: "Print a JSON array of objects (sorted keys) instead of a table.")
    var json = false
}

/// `--format table|csv|json` and `--json` (the same as `--format json`, as on every read command).
struct FormatOptions: ParsableArguments {
    @Option(help: "table, csv or json.") var format: ReadingFormatter.Format?
    @Flag(name: .long, help: "Print JSON (the same as --format json).") var json = false

    func validate() throws {
        if json, let format, format != .json {
            throw ValidationError("give --json or --format \(format.rawValue), not both")
        }
    }

    var chosen: ReadingFormatter.Format { json ? .json : format ?? .table }
}

/// Printing helpers shared by the commands.
enum Print {
    static func out(_ text: String) { CommandContext.current.writeOutput(text) }
    static func err(_ text: String) { CommandContext.current.writeError(text) }

    /// A view model as pretty JSON (its `CodingKeys`, keys sorted, nil as null, times in the
    /// site's zone), ending in a newline.
    static func json(_ value: some Encodable, settings: Settings) throws {
        out(try JSONValue(encoding: value, timeZone: settings.timeZone).rendered() + "\n")
    }

    /// A list as a table or JSON array.
    static func records(_ records: [Record], json: Bool, settings: Settings, empty: String) {
        let renderer = RecordRenderer(timeZone: settings.timeZone)
        out(json ? renderer.json(records) : renderer.table(records, empty: empty))
    }

    /// One record as `key: value` lines or a one-element JSON array.
    static func record(_ record: Record, json: Bool, settings: Settings) {
        let renderer = RecordRenderer(timeZone: settings.timeZone)
        out(json ? renderer.json([record]) : renderer.details(record))
    }
}

/// Reading a new password: from standard input with `--password-stdin`, else twice from the
/// terminal without echo. There is deliberately no way to pass one as an argument (it would show in `ps`).
enum PasswordInput {
    static func read(fromStandardInput: Bool) throws -> String {
        let context = CommandContext.current
        if fromStandardInput {
            guard let line = context.readInputLine(), !line.isEmpty else {
                throw Failure(.dataError, "no password on standard input")
            }
            return line
        }
        guard context.inputIsTerminal else {
            throw Failure(.usage, "standard input is not a terminal; pipe the password in with --password-stdin")
        }
        guard let first = context.promptSecret("Password: "), let second = context.promptSecret("Repeat password: ")
        else { throw Failure(.usage, "cannot read from the terminal; use --password-stdin") }
        guard first == second else { throw Failure(.dataError, "the two passwords do not match; nothing was changed") }
        return first
    }
}
