import EnerTrackCore
import EnerTrackInflux
import EnerTrackMariaDB
import EnerTrackSQLite
import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// Opens the stores the settings select: MariaDB or embedded SQLite for the directory,
/// InfluxDB or embedded SQLite for the readings.
public enum Stores {
    /// `migrate: false` opens the embedded store without applying migrations (status, dry runs);
    /// MariaDB never migrates on its own.
    public static func directory(_ settings: Settings, migrate: Bool = true) throws -> any DirectoryStore {
        switch settings.directory {
        case .mariaDB(let maria):
            return MariaDBDirectoryStore(settings: maria)
        case .sqlite(let path):
            try ensureDataDirectory(settings.dataDirectory)
            return try SQLiteDirectoryStore(path: path, migrate: migrate)
        }
    }

    /// InfluxDB when `INFLUX_URL` is set, else `series.sqlite` in the data directory.
    public static func series(_ settings: Settings) throws -> any SeriesStore {
        switch settings.series {
        case .influx(let influx):
            return InfluxSeriesStore(settings: influx)
        case .sqlite(let path):
            try ensureDataDirectory(settings.dataDirectory)
            return try SQLiteSeriesStore(path: path, limits: settings.readings.limits)
        }
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
