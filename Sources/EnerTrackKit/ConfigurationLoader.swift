import EnerTrackCore
import Foundation

/// Reads the env file and the environment into a checked `Configuration`, resolving the data
/// directory as DESIGN.md orders it.
public struct ConfigurationLoader: Sendable {
    /// The env file read when neither `--config` nor `$ENERTRACK_CONFIG` names one.
    public static let systemEnvFile = "/etc/enertrack/enertrack.env"

    public var environment: [String: String]
    public var systemEnvFile: String
    public var currentDirectory: String

    public init(
        environment: [String: String], systemEnvFile: String = ConfigurationLoader.systemEnvFile,
        currentDirectory: String = FileManager.default.currentDirectoryPath
    ) {
        self.environment = environment
        self.systemEnvFile = systemEnvFile
        self.currentDirectory = currentDirectory
    }

    /// Loads the configuration. `configFile` is `--config`; `flags` are option values by key name.
    public func load(configFile: String?, flags: [String: (value: String, flag: String)] = [:]) throws -> Configuration
    {
        let file = try envFile(explicit: configFile)
        let resolved = try Configuration.resolve(flags: flags, environment: environment, file: file)
        var values = resolved.values
        if values[ConfigKey.dataDirectory.name] == nil {
            values[ConfigKey.dataDirectory.name] = defaultDataDirectory()
        } else if let given = values[ConfigKey.dataDirectory.name], !given.value.hasPrefix("/") {
            values[ConfigKey.dataDirectory.name] = ConfigValue(absolute(given.value), given.source)
        }
        if values[ConfigKey.timeZone.name] == nil {
            values[ConfigKey.timeZone.name] = ConfigValue(TimeZone.current.identifier, .derived("system zone"))
        }
        return Configuration(values: values, envFile: resolved.envFile)
    }

    private func envFile(explicit: String?) throws -> EnvFile? {
        let path: String
        if let explicit {
            path = explicit
        } else if let fromEnvironment = environment["ENERTRACK_CONFIG"], !fromEnvironment.isEmpty {
            path = fromEnvironment
        } else if FileManager.default.fileExists(atPath: systemEnvFile) {
            path = systemEnvFile
        } else {
            return nil
        }
        guard FileManager.default.fileExists(atPath: path) else {
            throw ConfigError("config file \(path) does not exist")
        }
        // A FileHandle also reads /dev/null and pipes, which people use to skip the system file.
        guard let handle = FileHandle(forReadingAtPath: path), let data = try? handle.readToEnd() ?? Data() else {
            throw ConfigError("cannot read config file \(path): permission denied or not a file")
        }
        guard let text = String(data: data, encoding: .utf8) else {
            throw ConfigError("config file \(path) is not UTF-8 text")
        }
        return try EnvFile(path: path, text: text)
    }

    /// `$STATE_DIRECTORY` (systemd), else `/var/lib/enertrack` when it is or can be made
    /// writable, else `./enertrack-data`.
    private func defaultDataDirectory() -> ConfigValue {
        if let state = environment["STATE_DIRECTORY"], let first = state.split(separator: ":").first {
            return ConfigValue(String(first), .environment("STATE_DIRECTORY"))
        }
        let system = "/var/lib/enertrack"
        let manager = FileManager.default
        if manager.fileExists(atPath: system)
            ? manager.isWritableFile(atPath: system) : manager.isWritableFile(atPath: "/var/lib")
        {
            return ConfigValue(system, .defaultValue)
        }
        return ConfigValue(absolute("enertrack-data"), .derived("default (\(system) is not writable)"))
    }

    private func absolute(_ path: String) -> String {
        path.hasPrefix("/")
            ? path : URL(fileURLWithPath: currentDirectory).appendingPathComponent(path).standardized.path
    }
}

extension Configuration {
    /// The data directory; always present after `ConfigurationLoader.load`.
    public var dataDirectory: String { self[.dataDirectory] ?? "enertrack-data" }
}
