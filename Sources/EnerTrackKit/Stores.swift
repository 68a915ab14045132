import EnerTrackCore
import EnerTrackSQLite
import Foundation

/// Opens the stores the configuration selects: MariaDB or embedded SQLite for the directory.
public enum Stores {
    public static func directory(_ configuration: Configuration) throws -> any DirectoryStore {
        if configuration.usesMariaDB {
            throw Failure(.unavailable, "the MariaDB directory store (MYSQL_HOST/MYSQL_SOCKET) is not available in this build yet; unset MYSQL_HOST to use the embedded store")
        }
        let directory = try ensureDataDirectory(configuration.dataDirectory)
        return try SQLiteDirectoryStore(path: directory + "/directory.sqlite")
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
                throw Failure(.noPermission, "data directory \(path) is not writable by this user; set ENERTRACK_DATA_DIR or fix its permissions")
            }
            return path
        }
        do {
            try FileManager.default.createDirectory(
                atPath: path, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o750])
        } catch {
            let parent = (path as NSString).deletingLastPathComponent
            let status: ExitStatus = FileManager.default.isWritableFile(atPath: parent) ? .cannotCreate : .noPermission
            throw Failure(status, "cannot create data directory \(path); set ENERTRACK_DATA_DIR to a writable directory")
        }
        return path
    }
}
