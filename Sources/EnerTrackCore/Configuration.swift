import Foundation

/// Where an effective configuration value came from, so `config show` can say it.
public enum ConfigSource: Sendable, Equatable, CustomStringConvertible {
    case flag(String)
    case environment(String)
    case file(path: String, line: Int)
    case derived(String)
    case defaultValue

    public var description: String {
        switch self {
        case .flag(let flag): "flag \(flag)"
        case .environment(let name): "environment \(name)"
        case .file(let path, let line): "file \(path):\(line)"
        case .derived(let why): why
        case .defaultValue: "default"
        }
    }
}

/// A value together with its origin.
public struct ConfigValue: Sendable, Equatable {
    public let value: String
    public let source: ConfigSource

    public init(_ value: String, _ source: ConfigSource) {
        self.value = value
        self.source = source
    }
}

/// A configuration value that fails its check: names the key and where the value came from,
/// never the value of a secret.
public struct ConfigError: ExitStatusError, Equatable {
    public let description: String
    public var exitStatus: ExitStatus { .configuration }

    public init(_ description: String) { self.description = description }

    static func invalid(_ key: ConfigKey, _ value: String, _ source: ConfigSource, expected: String) -> ConfigError {
        let shown = key.isSecret ? "" : " " + LogText.quoted(key.kind == .url ? Redact.url(value) : value, max: 200)
        return ConfigError("invalid \(key.name)\(shown) (\(source)): expected \(expected)")
    }
}

/// The effective configuration: every known key resolved by precedence
/// flag > environment > env file > default, each value checked.
public struct Configuration: Sendable {
    public let values: [String: ConfigValue]
    /// The env file that was read, if any.
    public let envFile: String?

    public init(values: [String: ConfigValue], envFile: String?) {
        self.values = values
        self.envFile = envFile
    }

    public subscript(_ key: ConfigKey) -> String? { values[key.name]?.value }

    public func source(of key: ConfigKey) -> ConfigSource? { values[key.name]?.source }

    /// Resolves every key from its layers and checks each value.
    ///
    /// - Parameters:
    ///   - flags: values given on the command line, by canonical key name, with the flag's spelling.
    ///   - environment: the process environment.
    ///   - file: the parsed env file, if one was read.
    public static func resolve(
        flags: [String: (value: String, flag: String)],
        environment: [String: String],
        file: EnvFile?
    ) throws -> Configuration {
        var values: [String: ConfigValue] = [:]
        for key in ConfigKey.all {
            guard let resolved = resolveOne(key, flags: flags, environment: environment, file: file) else { continue }
            try check(key, resolved)
            values[key.name] = resolved
        }
        return Configuration(values: values, envFile: file?.path)
    }

    private static func resolveOne(
        _ key: ConfigKey, flags: [String: (value: String, flag: String)],
        environment: [String: String], file: EnvFile?
    ) -> ConfigValue? {
        if let flag = flags[key.name] { return ConfigValue(flag.value, .flag(flag.flag)) }
        for name in key.allNames {
            if let value = environment[name], !value.isEmpty { return ConfigValue(value, .environment(name)) }
        }
        if let file {
            for name in key.allNames {
                if let entry = file.entries[name], !entry.value.isEmpty {
                    return ConfigValue(entry.value, .file(path: file.path, line: entry.line))
                }
            }
        }
        return key.defaultValue.map { ConfigValue($0, .defaultValue) }
    }

    private static func check(_ key: ConfigKey, _ resolved: ConfigValue) throws {
        let value = resolved.value
        switch key.kind {
        case .text, .path:
            break
        case .port:
            guard let port = Int(value), (1...65535).contains(port) else {
                throw ConfigError.invalid(key, value, resolved.source, expected: "a port number 1-65535")
            }
        case .url:
            guard let url = URL(string: value), let scheme = url.scheme?.lowercased(),
                ["http", "https"].contains(scheme), url.host != nil
            else {
                throw ConfigError.invalid(key, value, resolved.source, expected: "an http:// or https:// URL")
            }
        case .duration:
            guard TimeArgument.duration(value, allowZero: true) != nil else {
                throw ConfigError.invalid(key, value, resolved.source, expected: "a duration such as 30s, 5m or 2h")
            }
        case .number(let range):
            guard let number = Double(value), number.isFinite, range.contains(number) else {
                throw ConfigError.invalid(
                    key, value, resolved.source, expected: "a number from \(range.lowerBound) to \(range.upperBound)")
            }
        case .powerLimits:
            if case .failure(let failure) = PowerLimits.parseNodes(value) {
                throw ConfigError("invalid \(key.name) (\(resolved.source)): \(failure.description)")
            }
        case .timeZone:
            guard SiteTimeZone.parse(value) != nil else {
                throw ConfigError.invalid(
                    key, value, resolved.source, expected: "a time zone such as Europe/Madrid or UTC")
            }
        case .choice(let options):
            guard options.contains(value) else {
                throw ConfigError.invalid(
                    key, value, resolved.source, expected: "one of \(options.joined(separator: ", "))")
            }
        case .boolean:
            guard Configuration.boolean(value) != nil else {
                throw ConfigError.invalid(key, value, resolved.source, expected: "1, 0, true, false, yes or no")
            }
        }
    }

    static func boolean(_ text: String) -> Bool? {
        switch text.lowercased() {
        case "1", "true", "yes", "on": true
        case "0", "false", "no", "off": false
        default: nil
        }
    }

    // Typed values (time zone, language, which stores) are read in one place: Kit's `Settings`.

    /// The plausible maximum power of the site and of each named node (values already checked).
    public var powerLimits: PowerLimits {
        let site = self[.maxPowerKW].flatMap(PowerLimits.parseKW) ?? PowerLimits.defaultKW
        let nodes = self[.nodeMaxPowerKW].flatMap { try? PowerLimits.parseNodes($0).get() } ?? [:]
        return PowerLimits(siteKW: site, nodeKW: nodes)
    }

    /// How far ahead of its arrival a reading may be dated, in ms.
    public var maxClockAhead: Int64 {
        self[.maxClockAhead].flatMap { TimeArgument.duration($0, allowZero: true) }.map { Int64($0 * 1000) }
            ?? ReadingRules.defaultMaxAhead
    }
}

/// Parsing of the `TZ` forms people actually write (`Europe/Madrid`, `:Europe/Madrid`, `UTC`).
public enum SiteTimeZone {
    public static func parse(_ text: String) -> TimeZone? {
        let name = text.hasPrefix(":") ? String(text.dropFirst()) : text
        guard !name.isEmpty else { return nil }
        return TimeZone(identifier: name) ?? TimeZone(abbreviation: name)
    }
}
