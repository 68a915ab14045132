import Foundation

/// One setting EnerTrack reads from flags, the environment or the env file.
///
/// Names are those of the earlier Flask deployment so its `.env` keeps working unchanged.
public struct ConfigKey: Sendable, Hashable {
    /// How a value is checked before anything uses it.
    public enum Kind: Sendable, Hashable {
        case text
        case path
        case port
        case url
        case timeZone
        case choice([String])
        case boolean
        case duration
        case number(ClosedRange<Double>)
        /// `ESPID=kW,…`
        case powerLimits
    }

    public let name: String
    public let aliases: [String]
    public let kind: Kind
    public let isSecret: Bool
    public let defaultValue: String?
    public let summary: String

    public init(
        _ name: String, aliases: [String] = [], kind: Kind = .text, secret: Bool = false,
        default defaultValue: String? = nil, _ summary: String
    ) {
        self.name = name
        self.aliases = aliases
        self.kind = kind
        self.isSecret = secret
        self.defaultValue = defaultValue
        self.summary = summary
    }

    /// Every name the key answers to, canonical first.
    public var allNames: [String] { [name] + aliases }
}

extension ConfigKey {
    public static let dataDirectory = ConfigKey(
        "ENERTRACK_DATA_DIR", kind: .path,
        "Directory of the embedded stores (else $STATE_DIRECTORY, /var/lib/enertrack, ./enertrack-data)")
    public static let timeZone = ConfigKey(
        "TZ", kind: .timeZone, "Site time zone for calendar periods (default: the system zone)")
    public static let language = ConfigKey(
        "ENERTRACK_LANG", kind: .choice(["es", "en"]), default: "es", "Default language of messages")

    public static let mysqlHost = ConfigKey("MYSQL_HOST", "MariaDB host; set it (or MYSQL_SOCKET) to use MariaDB")
    public static let mysqlPort = ConfigKey("MYSQL_PORT", kind: .port, default: "3306", "MariaDB port")
    public static let mysqlSocket = ConfigKey("MYSQL_SOCKET", kind: .path, "MariaDB Unix socket")
    public static let mysqlUser = ConfigKey("MYSQL_USER", default: "root", "MariaDB user")
    public static let mysqlPassword = ConfigKey("MYSQL_PASSWORD", secret: true, "MariaDB password")
    public static let mysqlDatabase = ConfigKey(
        "MYSQL_DB", default: "medidoresEnergia", "MariaDB database (the earlier deployment's default)")
    public static let mysqlColumnMap = ConfigKey(
        "MYSQL_COLUMN_MAP",
        "Columns of an earlier Usuarios/Nodos, over detection: Usuarios.username=login,Nodos.esp_id=chip (see db status)"
    )
    public static let mysqlSSLCA = ConfigKey("MYSQL_SSL_CA", kind: .path, "CA file for TLS to MariaDB")

    public static let influxURL = ConfigKey(
        "INFLUX_URL", kind: .url, "InfluxDB URL; set it to use InfluxDB for readings")
    public static let influxToken = ConfigKey("INFLUX_TOKEN", secret: true, "InfluxDB 2.x/3.x API token")
    public static let influxOrg = ConfigKey("INFLUX_ORG", "InfluxDB 2.x/3.x organisation")
    public static let influxBucket = ConfigKey("INFLUX_BUCKET", "InfluxDB 2.x/3.x bucket")
    public static let influxDatabase = ConfigKey("INFLUX_DB", default: "enertrack", "InfluxDB 1.x database")
    public static let influxUser = ConfigKey("INFLUX_USER", "InfluxDB 1.x user")
    public static let influxPassword = ConfigKey("INFLUX_PASSWORD", secret: true, "InfluxDB 1.x password")
    public static let influxMeasurement = ConfigKey(
        "INFLUX_MEASUREMENT", default: "energy", "InfluxDB measurement of the readings")
    public static let influxNodeTag = ConfigKey(
        "INFLUX_NODE_TAG",
        "Tag naming the meter (default: found in the measurement among node, esp_id, espid, nodo, device; else node)")
    public static let influxFields = ConfigKey(
        "INFLUX_FIELDS",
        "Field of each quantity, e.g. power=potencia,energy=energia (default: found by English or Spanish name)")
    public static let influxGzip = ConfigKey(
        "INFLUX_GZIP", kind: .choice(["auto", "always", "never"]), default: "auto",
        "gzip InfluxDB writes: auto = bodies over 1 KiB to a server that is not on loopback")
    public static let influxConnections = ConfigKey(
        "INFLUX_CONNECTIONS", kind: .number(1...64), default: "8",
        "Connections to InfluxDB for reads, used in parallel by serve's requests (writes have one of their own)")

    public static let mqttHost = ConfigKey("DOMINIO", "MQTT broker host name (TLS)")
    public static let mqttPort = ConfigKey("PUERTO_MQTTS", kind: .port, default: "8883", "MQTT broker TLS port")
    public static let mqttUser = ConfigKey("MQTT_USR", "MQTT user")
    public static let mqttPassword = ConfigKey("MQTT_PASS", secret: true, "MQTT password")
    public static let mqttCAFile = ConfigKey(
        "MQTT_CAFILE", kind: .path, "CA file for the broker (else the system trust store)")
    public static let mqttTopicPrefix = ConfigKey("MQTT_TOPIC_PREFIX", default: "enertrack", "MQTT topic prefix")
    public static let mqttClientID = ConfigKey("MQTT_CLIENT_ID", "MQTT client id (default derived from the host name)")

    public static let secretKey = ConfigKey(
        "FLASK_SECRET_KEY", aliases: ["ENERTRACK_SECRET_KEY"], secret: true, "Secret key of the web sessions")
    public static let botToken = ConfigKey("enertrackBotToken", secret: true, "Telegram bot token")
    public static let telegramAPIURL = ConfigKey(
        "TELEGRAM_API_URL", kind: .url, default: "https://api.telegram.org", "Telegram Bot API base URL")

    public static let telegramWebhookSecret = ConfigKey(
        "TELEGRAM_WEBHOOK_SECRET", secret: true,
        "Secret Telegram sends with webhook updates (serve's POST /telegram/webhook; 'telegram webhook set')")
    public static let registration = ConfigKey(
        "ENERTRACK_REGISTRATION", kind: .choice(["closed", "open"]), default: "closed",
        "open: anyone may register on the dashboard; closed: the sysadmin creates users")
    public static let insecureCookies = ConfigKey(
        "ENERTRACK_INSECURE_COOKIES", kind: .choice(["0", "1"]), default: "0",
        "1: session cookies without Secure, for plain-HTTP development only")
    public static let assetsDirectory = ConfigKey(
        "ENERTRACK_ASSETS_DIR", kind: .path, default: "/usr/share/javascript",
        "Where Bootstrap 5 and Chart.js are (Debian's libjs-bootstrap5 and libjs-chart.js)")

    public static let maxClockAhead = ConfigKey(
        "ENERTRACK_MAX_CLOCK_AHEAD", kind: .duration, default: "5m",
        "Readings dated further ahead of their arrival are rejected (meter clock skew)")
    public static let retention = ConfigKey(
        "ENERTRACK_RETENTION", kind: .duration,
        "Raw readings older than this (at least 7d, e.g. 400d) are pruned by db prune; the rollups stay (default: keep all)"
    )
    public static let maxPowerKW = ConfigKey(
        "ENERTRACK_MAX_POWER_KW", kind: .number(0.001...1_000_000), default: "100",
        "Plausible maximum power of a meter (kW): a counter rising faster is a faulty reading, not consumption")
    public static let nodeMaxPowerKW = ConfigKey(
        "ENERTRACK_NODE_MAX_POWER_KW", kind: .powerLimits,
        "Per-meter maximum power, overriding ENERTRACK_MAX_POWER_KW: ESPID=kW,... (then 'enertrack db rollup --rebuild')"
    )
    public static let maxNewNodes = ConfigKey(
        "ENERTRACK_MAX_NEW_NODES", kind: .number(0...1_000_000), default: "100",
        "Unknown ESP ids ingest registers per hour at most; readings of further new ids are rejected and counted")
    public static let publicURL = ConfigKey(
        "ENERTRACK_PUBLIC_URL", kind: .url,
        "The dashboard's address as browsers see it (https://energia.example.org): form posts must come from it")
    public static let hsts = ConfigKey(
        "ENERTRACK_HSTS", kind: .choice(["0", "1"]), default: "0",
        "1: send Strict-Transport-Security (one year), for a dashboard served only over HTTPS")

    public static let logLevel = ConfigKey(
        "ENERTRACK_LOG_LEVEL", kind: .choice(["trace", "debug", "info", "notice", "warning", "error", "critical"]),
        "Lowest level logged by ingest, serve, the bot and alerts run (else each one's own: info, alerts warning)")

    public static let metricsTextfile = ConfigKey(
        "ENERTRACK_METRICS_TEXTFILE", kind: .path,
        "Where 'alerts run' leaves its metrics for the node exporter's textfile collector (default: /var/lib/prometheus/node-exporter/enertrack.prom when that directory exists; 'none' writes nothing)"
    )

    /// Every key, in the order `config show` lists them.
    public static let all: [ConfigKey] = [
        dataDirectory, timeZone, language,
        mysqlHost, mysqlPort, mysqlSocket, mysqlUser, mysqlPassword, mysqlDatabase, mysqlSSLCA, mysqlColumnMap,
        influxURL, influxToken, influxOrg, influxBucket, influxDatabase, influxUser, influxPassword,
        influxMeasurement, influxNodeTag, influxFields, influxGzip, influxConnections,
        mqttHost, mqttPort, mqttUser, mqttPassword, mqttCAFile, mqttTopicPrefix, mqttClientID,
        secretKey, botToken, telegramAPIURL, telegramWebhookSecret, registration, insecureCookies, assetsDirectory,
        publicURL, hsts, maxClockAhead, retention, maxPowerKW, nodeMaxPowerKW, maxNewNodes, logLevel, metricsTextfile,
    ]
}
