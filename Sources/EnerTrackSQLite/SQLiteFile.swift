import EnerTrackRuntime
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
    ///
    /// That user can rename anything into the directory at any moment, so nothing here follows
    /// a name: the directory is opened once without following a link, each file is opened
    /// relative to it with `O_NOFOLLOW`, and only a regular file with one link that root owns is
    /// changed, through its descriptor (`fchown`). A link swapped in makes the open fail; a
    /// hard link to another file (where the kernel allows one) is refused by its link count.
    static func keepOwner(_ path: String) {
        guard getuid() == 0 else { return }
        let parent = (path as NSString).deletingLastPathComponent
        let name = (path as NSString).lastPathComponent
        for file in [name, name + "-wal", name + "-shm"] {
            OwnedFile.giveToDirectoryOwner(directory: parent.isEmpty ? "." : parent, name: file)
        }
    }
}
