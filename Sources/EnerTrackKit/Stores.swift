import EnerTrackCore
import EnerTrackInflux
import EnerTrackMariaDB
import EnerTrackSQLite
import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// Opens the stores the configuration selects: MariaDB or embedded SQLite for the directory.
public enum Stores {
    /// `migrate: false` opens the embedded store without applying migrations (status, dry runs);
    /// MariaDB never migrates on its own.
    public static func directory(_ configuration: Configuration, migrate: Bool = true) throws -> any DirectoryStore {
        if configuration.usesMariaDB {
            return MariaDBDirectoryStore(settings: mariaDBSettings(configuration))
        }
        let directory = try ensureDataDirectory(configuration.dataDirectory)
        return try SQLiteDirectoryStore(path: directory + "/directory.sqlite", migrate: migrate)
    }

    /// InfluxDB when `INFLUX_URL` is set, else `series.sqlite` in the data directory.
    public static func series(_ configuration: Configuration) throws -> any SeriesStore {
        if var settings = influxSettings(configuration) {
            settings.fields = try configuration[.influxFields].map(InfluxLayout.parseFields) ?? [:]
            return InfluxSeriesStore(settings: settings)
        }
        let directory = try ensureDataDirectory(configuration.dataDirectory)
        return try SQLiteSeriesStore(path: directory + "/series.sqlite", limits: configuration.powerLimits)
    }

    public static func influxSettings(_ configuration: Configuration) -> InfluxSettings? {
        guard let text = configuration[.influxURL], let url = URL(string: text) else { return nil }
        var settings = InfluxSettings(
            url: url, database: configuration[.influxDatabase] ?? "enertrack", user: configuration[.influxUser],
            password: configuration[.influxPassword], token: configuration[.influxToken],
            organization: configuration[.influxOrg], bucket: configuration[.influxBucket],
            measurement: configuration[.influxMeasurement] ?? "energy",
            compression: InfluxSettings.Compression(rawValue: configuration[.influxGzip] ?? "auto") ?? .auto)
        settings.limits = configuration.powerLimits
        settings.nodeTag = configuration[.influxNodeTag]
        settings.connections = configuration[.influxConnections].flatMap(Double.init).map { Int($0) } ?? 8
        return settings
    }

    public static func mariaDBSettings(_ configuration: Configuration) -> MariaDBSettings {
        var settings = MariaDBSettings(
            host: configuration[.mysqlHost], port: UInt32(configuration[.mysqlPort] ?? "3306") ?? 3306,
            socket: configuration[.mysqlSocket], user: configuration[.mysqlUser] ?? "root",
            password: configuration[.mysqlPassword], database: configuration[.mysqlDatabase] ?? "medidoresEnergia",
            sslCA: configuration[.mysqlSSLCA])
        settings.columnMap = configuration[.mysqlColumnMap]
        return settings
    }

    /// Creates the data directory (mode 0750) when missing; says clearly why it cannot.
    @discardableResult
    public static func ensureDataDirectory(_ path: String) throws -> String {
        var isDirectory: ObjCBool = false
        if FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) {
            guard isDirectory.boolValue else {
                throw Failure(.cannotCreate, "data directory \(path) exists but is not a directory")
            }
            guard FileManager.default.isWritableFile(atPath: path) else {
                throw Failure(
                    .noPermission,
                    "data directory \(path) is not writable by this user; set ENERTRACK_DATA_DIR or fix its permissions"
                )
            }
            return path
        }
        try makeDirectories(path)
        return path
    }

    /// `mkdir -p` that keeps errno, so "permission denied" (77) differs from "cannot create" (73).
    private static func makeDirectories(_ path: String) throws {
        let parent = (path as NSString).deletingLastPathComponent
        if !parent.isEmpty, parent != path, !FileManager.default.fileExists(atPath: parent) {
            try makeDirectories(parent)
        }
        guard mkdir(path, 0o750) != 0 else { return }
        let code = errno
        if code == EEXIST { return }
        let reason = String(cString: strerror(code))
        let status: ExitStatus = [EACCES, EPERM, EROFS].contains(code) ? .noPermission : .cannotCreate
        throw Failure(
            status, "cannot create data directory \(path): \(reason); set ENERTRACK_DATA_DIR to a writable directory")
    }
}
