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
            // Processes opening a new or older file at once (serve and ingest started together,
            // two serve behind a proxy): while one creates the file and switches it to WAL, the
            // others are told "busy" at once, without SQLite's busy timeout, so they try again;
            // and they take turns to migrate, or two would apply one migration ("duplicate
            // column name"). A current file, the rule, is opened without waiting for anything.
            var attempt = 0
            var opened: DatabasePool?
            while opened == nil {
                do {
                    opened = try DatabasePool(path: path, configuration: configuration)
                } catch let error as DatabaseError
                    where [.SQLITE_BUSY, .SQLITE_LOCKED].contains(error.resultCode) && attempt < 100
                {
                    attempt += 1
                    Thread.sleep(forTimeInterval: 0.05)
                }
            }
            let pool = opened!
            if let migrator, try !pool.read(migrator.hasCompletedMigrations) {
                try exclusively(path) { try migrator.migrate(pool) }
            }
            keepOwner(path)
            return pool
        } catch {
            throw mapError(error)
        }
    }

    /// Runs `body` holding an exclusive `flock` on the database's directory: other processes
    /// (and threads) opening a store there wait their turn. Never on the database file itself:
    /// closing any descriptor of that file would drop the `fcntl` locks SQLite holds on it for
    /// this process's other connections. Where the directory cannot be opened, `body` runs
    /// anyway and says why.
    static func exclusively<T>(_ path: String, _ body: () throws -> T) throws -> T {
        let parent = (path as NSString).deletingLastPathComponent
        let descriptor = Glibc.open(parent.isEmpty ? "." : parent, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard descriptor >= 0 else { return try body() }
        defer { close(descriptor) }
        while flock(descriptor, LOCK_EX) != 0, errno == EINTR {}
        defer { flock(descriptor, LOCK_UN) }
        return try body()
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
