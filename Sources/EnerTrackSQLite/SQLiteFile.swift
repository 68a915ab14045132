import Foundation
import GRDB

#if canImport(Glibc)
    import Glibc
#endif

/// Opening an embedded store file: WAL (a `DatabasePool`), a 10 s busy timeout for the other
/// processes (ingest, serve, cron jobs) that share it, and the store's migrations.
enum SQLiteFile {
    static func open(
        path: String, label: String, migrator: DatabaseMigrator?, configure: (inout Configuration) -> Void = { _ in },
        mapError: (Error) -> Error
    ) throws -> DatabasePool {
        var configuration = Configuration()
        configuration.busyMode = .timeout(10)
        configuration.label = label
        configure(&configuration)
        do {
            let pool = try DatabasePool(path: path, configuration: configuration)
            try migrator?.migrate(pool)
            keepOwner(path)
            return pool
        } catch {
            throw mapError(error)
        }
    }

    /// Root running a command (`sudo enertrack user add …`) on a data directory that belongs to
    /// the service user leaves the files it created that user's, so the services can still
    /// write them: the database and its -wal/-shm get the directory's owner.
    static func keepOwner(_ path: String) {
        guard getuid() == 0 else { return }
        var directory = stat()
        let parent = (path as NSString).deletingLastPathComponent
        guard stat(parent.isEmpty ? "." : parent, &directory) == 0, directory.st_uid != 0 else { return }
        for file in [path, path + "-wal", path + "-shm"] {
            var info = stat()
            if stat(file, &info) == 0, info.st_uid == 0 { _ = chown(file, directory.st_uid, directory.st_gid) }
        }
    }
}
