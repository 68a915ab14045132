import EnerTrackCore
import EnerTrackRuntime
import EnerTrackSQL
import Foundation
import GRDB

/// Consistent copies of the embedded stores while `ingest` and `serve` write to them, and what
/// a backup's manifest says of each copy (`enertrack db backup` / `db restore`).
///
/// The copy is SQLite's online backup API run inside one read transaction of the live file: the
/// transaction pins a WAL snapshot, so the copy is the store at one instant however long it takes,
/// writers are never blocked, and the backup never restarts because another process wrote.
public enum SQLiteBackup {
    /// One copied store file, as the manifest records it.
    public struct StoreCopy: Codable, Sendable, Equatable {
        /// `directory` or `series`.
        public var store: String
        /// The file's name in the backup (`directory.sqlite`).
        public var file: String
        public var migrations: [String]
        /// Rows per table.
        public var rows: [String: Int64]
        public var bytes: Int64
        public var sha256: String
    }

    public enum Failure: ExitStatusError, Equatable {
        case unreadable(String, String)
        case cannotWrite(String, String)

        public var exitStatus: ExitStatus {
            switch self {
            case .unreadable: .dataError
            case .cannotWrite: .cannotCreate
            }
        }

        public var description: String {
            switch self {
            case .unreadable(let path, let why): "cannot read \(path): \(why)"
            case .cannotWrite(let path, let why): "cannot write \(path): \(why)"
            }
        }
    }

    /// A restored file, owned as its data directory (root restoring for the service user).
    public static func keepOwner(_ path: String) { SQLiteFile.keepOwner(path) }

    /// The migrations this version knows, per store: a backup with others is from a newer one.
    public static func knownMigrations(store: String) -> [String] {
        store == "series" ? SQLiteSeriesStore.migrator.migrations : SQLiteDirectoryStore.migrator.migrations
    }

    /// Copies the live store at `source` to a new file `destination` (which must not exist), in
    /// steps of 1,024 pages; `progress` gets the share copied (0…1).
    public static func copy(
        store: String, from source: String, to destination: String, progress: @escaping (Double) -> Void
    ) throws -> StoreCopy {
        guard !FileManager.default.fileExists(atPath: destination) else {
            throw Failure.cannotWrite(destination, "it exists already")
        }
        do {
            var configuration = Configuration()
            configuration.busyMode = .timeout(10)
            configuration.readonly = true
            let live = try DatabaseQueue(path: source, configuration: configuration)
            let copy = try DatabaseQueue(path: destination)
            try live.inDatabase { db in
                try db.inTransaction(.deferred) {
                    // The first read starts the snapshot the whole copy is taken from.
                    _ = try Int.fetchOne(db, sql: "SELECT count(*) FROM sqlite_master")
                    try copy.writeWithoutTransaction { destination in
                        try db.backup(to: destination, pagesPerStep: 1_024) { step in
                            progress(Double(step.completedPageCount) / Double(max(step.totalPageCount, 1)))
                        }
                    }
                    return .commit
                }
            }
            try copy.close()
            try live.close()
        } catch let failure as Failure {
            throw failure
        } catch {
            try? FileManager.default.removeItem(atPath: destination)
            throw Failure.unreadable(source, "\(error)")
        }
        return try describe(store: store, file: destination)
    }

    /// What a store file holds: its migrations, rows per table, size and SHA-256. Read-only; an
    /// unreadable or damaged file is a `Failure.unreadable`.
    public static func describe(store: String, file: String) throws -> StoreCopy {
        do {
            var configuration = Configuration()
            configuration.readonly = true
            let queue = try DatabaseQueue(path: file, configuration: configuration)
            defer { try? queue.close() }
            let (migrations, rows) = try queue.read { db in
                let check = try String.fetchOne(db, sql: "PRAGMA quick_check") ?? ""
                guard check == "ok" else { throw Failure.unreadable(file, "SQLite's quick_check: \(check)") }
                let migrations =
                    try db.tableExists("grdb_migrations")
                    ? try String.fetchAll(db, sql: "SELECT identifier FROM grdb_migrations ORDER BY identifier") : []
                var rows: [String: Int64] = [:]
                let tables = try String.fetchAll(
                    db, sql: "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'")
                for table in tables {
                    rows[table] = try Int64.fetchOne(db, sql: "SELECT count(*) FROM \(SQLName.quote(table))") ?? 0
                }
                return (migrations, rows)
            }
            let size = (try FileManager.default.attributesOfItem(atPath: file)[.size] as? NSNumber)?.int64Value ?? 0
            return StoreCopy(
                store: store, file: (file as NSString).lastPathComponent, migrations: migrations, rows: rows,
                bytes: size, sha256: FileDigest.sha256(of: file) ?? "")
        } catch let failure as Failure {
            throw failure
        } catch {
            throw Failure.unreadable(file, "\(error)")
        }
    }
}
