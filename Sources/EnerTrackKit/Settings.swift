import EnerTrackCore
import EnerTrackInflux
import EnerTrackMariaDB
import Foundation

/// The configuration, typed: read once from the checked `Configuration` (every value has passed
/// its key's check, and defaults are the keys' own, `ConfigKey`), and the only thing commands and
/// services read. Ports are integers, flags `Bool`, choices enums, durations seconds.
public struct Settings: Sendable {
    /// Where the directory (users, meters, assignments, sessions, tariffs) lives.
    public enum DirectoryStoreChoice: Sendable {
        case sqlite(path: String)
        case mariaDB(MariaDBSettings)
    }

    /// Where the readings live.
    public enum SeriesStoreChoice: Sendable {
        case sqlite(path: String)
        case influx(InfluxSettings)
    }

    /// The MQTT broker (`DOMINIO`, `PUERTO_MQTTS`, …); `host` is nil when it is not configured.
    public struct Broker: Sendable {
        public var host: String?
        public var port: Int
        public var user: String?
        public var password: String?
        public var caFile: String?
        public var topicPrefix: String
        public var clientID: String?
    }

    public struct Telegram: Sendable {
        /// `enertrackBotToken`; nil without a bot.
        public var token: String?
        public var apiURL: URL
        public var webhookSecret: String?
    }

    public struct Web: Sendable {
        public var registrationOpen: Bool
        public var insecureCookies: Bool
        public var hsts: Bool
        public var publicURL: URL?
        public var assetsDirectory: String
    }

    public struct Readings: Sendable {
        public var limits: PowerLimits
        /// How far ahead of its arrival a reading may be dated (ms).
        public var maxClockAhead: Int64
        public var maxNewNodesPerHour: Int
        /// `ENERTRACK_RETENTION` (ms): raw readings older than this are pruned; nil keeps all.
        public var retention: Int64?
    }

    public var dataDirectory: String
    public var timeZone: TimeZone
    public var language: Language
    public var directory: DirectoryStoreChoice
    public var series: SeriesStoreChoice
    public var broker: Broker
    public var telegram: Telegram
    public var web: Web
    public var readings: Readings
    /// `ENERTRACK_LOG_LEVEL` (`--log-level`): trace … critical, or nil for each command's own.
    public var logLevel: String?
    /// `ENERTRACK_METRICS_TEXTFILE`: where `alerts run` writes its metrics; nil writes none.
    public var metricsTextfile: String?
    /// The node exporter's textfile directory of Debian's prometheus-node-exporter.
    public static let nodeExporterTextfiles = "/var/lib/prometheus/node-exporter"
    /// The configuration it was read from, for `config show` (sources of each value).
    public let configuration: Configuration

    /// Values are checked already (`Configuration.resolve`); what cannot be typed here is a
    /// configuration error naming its key (exit 78).
    public init(_ configuration: Configuration) throws {
        self.configuration = configuration
        let c = Reader(configuration)
        dataDirectory = configuration.dataDirectory
        timeZone = c[.timeZone].flatMap(SiteTimeZone.parse) ?? .current
        language = try c.choice(.language, Language.init(rawValue:))
        logLevel = c[.logLevel]
        switch c[.metricsTextfile] {
        case "none": metricsTextfile = nil
        case let path?: metricsTextfile = path
        case nil:
            // The node exporter's directory when it is there and ours to write (its owner is
            // the node exporter's user: the package's README line gives enertrack a group).
            var directory: ObjCBool = false
            metricsTextfile =
                FileManager.default.fileExists(atPath: Self.nodeExporterTextfiles, isDirectory: &directory)
                    && directory.boolValue && FileManager.default.isWritableFile(atPath: Self.nodeExporterTextfiles)
                ? Self.nodeExporterTextfiles + "/enertrack.prom" : nil
        }
        let limits = configuration.powerLimits
        readings = Readings(
            limits: limits, maxClockAhead: configuration.maxClockAhead,
            maxNewNodesPerHour: try c.integer(.maxNewNodes),
            retention: try c[.retention].map { text in
                // Less than a week would take the readings the charts, KPIs and alerts read.
                guard let seconds = TimeArgument.duration(text), seconds >= 7 * 86_400 else {
                    throw c.invalid(.retention, "must be at least 7d")
                }
                return Int64(seconds * 1000)
            })
        if c[.mysqlHost] != nil || c[.mysqlSocket] != nil {
            var maria = MariaDBSettings(
                host: c[.mysqlHost], port: UInt32(try c.integer(.mysqlPort)), socket: c[.mysqlSocket],
                user: try c.required(.mysqlUser), password: c[.mysqlPassword], database: try c.required(.mysqlDatabase),
                sslCA: c[.mysqlSSLCA])
            maria.columnMap = c[.mysqlColumnMap]
            directory = .mariaDB(maria)
        } else {
            directory = .sqlite(path: dataDirectory + "/directory.sqlite")
        }
        if let text = c[.influxURL] {
            guard let url = URL(string: text) else { throw c.invalid(.influxURL) }
            var influx = InfluxSettings(
                url: url, database: try c.required(.influxDatabase), user: c[.influxUser],
                password: c[.influxPassword], token: c[.influxToken], organization: c[.influxOrg],
                bucket: c[.influxBucket], measurement: try c.required(.influxMeasurement),
                compression: try c.choice(.influxGzip, InfluxSettings.Compression.init(rawValue:)))
            influx.limits = limits
            influx.nodeTag = c[.influxNodeTag]
            influx.connections = try c.integer(.influxConnections)
            influx.fields = try c[.influxFields].map(InfluxLayout.parseFields) ?? [:]
            series = .influx(influx)
        } else {
            series = .sqlite(path: dataDirectory + "/series.sqlite")
        }
        broker = Broker(
            host: c[.mqttHost], port: try c.integer(.mqttPort), user: c[.mqttUser], password: c[.mqttPassword],
            caFile: c[.mqttCAFile], topicPrefix: try c.required(.mqttTopicPrefix), clientID: c[.mqttClientID])
        telegram = Telegram(
            token: c[.botToken], apiURL: try c.url(.telegramAPIURL), webhookSecret: c[.telegramWebhookSecret])
        web = Web(
            registrationOpen: try c.choice(.registration) { ["open": true, "closed": false][$0] },
            insecureCookies: try c.choice(.insecureCookies) { ["1": true, "0": false][$0] },
            hsts: try c.choice(.hsts) { ["1": true, "0": false][$0] },
            publicURL: try c[.publicURL].map { _ in try c.url(.publicURL) },
            assetsDirectory: try c.required(.assetsDirectory))
    }

    public var usesMariaDB: Bool {
        if case .mariaDB = directory { return true }
        return false
    }

    public var usesInflux: Bool {
        if case .influx = series { return true }
        return false
    }

    /// Typed reads of checked values: a value that does not fit (only a key whose kind and
    /// reader disagree, a programming error) is a configuration error naming the key.
    private struct Reader {
        let configuration: Configuration

        init(_ configuration: Configuration) { self.configuration = configuration }

        /// Empty values count as unset.
        subscript(_ key: ConfigKey) -> String? {
            configuration[key].flatMap { $0.isEmpty ? nil : $0 }
        }

        func invalid(_ key: ConfigKey, _ why: String? = nil) -> ConfigError {
            ConfigError(
                "invalid \(key.name) (\(configuration.source(of: key).map(String.init(describing:)) ?? "unset"))"
                    + (why.map { ": \($0)" } ?? ""))
        }

        func required(_ key: ConfigKey) throws -> String {
            guard let value = self[key] else { throw invalid(key) }
            return value
        }

        func integer(_ key: ConfigKey) throws -> Int {
            guard let number = Double(try required(key)), number.isFinite, let value = Int(exactly: number.rounded())
            else { throw invalid(key) }
            return value
        }

        func url(_ key: ConfigKey) throws -> URL {
            guard let url = URL(string: try required(key)) else { throw invalid(key) }
            return url
        }

        func choice<T>(_ key: ConfigKey, _ make: (String) -> T?) throws -> T {
            guard let value = make(try required(key)) else { throw invalid(key) }
            return value
        }
    }
}
