import GRDB

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
            return pool
        } catch {
            throw mapError(error)
        }
    }
}
