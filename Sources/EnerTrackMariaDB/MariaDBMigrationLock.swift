import EnerTrackCore
import EnerTrackSQL
import Foundation

/// The lock that keeps two `db migrate` runs from interleaving: a row in a table of its own.
/// `GET_LOCK` is local to one server and not replicated by Galera, so two runs on two nodes of a
/// cluster would both take it and race each other's `CREATE TABLE`s (1050, or a deadlock); a
/// row with a fixed key is replicated, and of two inserts on two nodes Galera's certification
/// lets one through (the other gets 1062 or 1213, and waits its turn). A run killed while holding
/// it leaves a row that expires.
enum MigrationLock {
    static let table = "enertrack_migration_lock"
    /// How long a holder may keep it before the next run takes it over (a killed run).
    static let lifetime: Int64 = 15 * 60_000

    /// Waits up to `timeout` seconds for the lock; the holder's token.
    static func acquire(_ connection: MariaDBConnection, timeout: TimeInterval) throws -> String {
        try connection.execute(
            """
            CREATE TABLE IF NOT EXISTS \(SQLName.quote(table)) (
              `id` TINYINT NOT NULL,
              `holder` VARCHAR(64) NOT NULL,
              `host` VARCHAR(255) NOT NULL,
              `acquired_at` BIGINT NOT NULL,
              `expires_at` BIGINT NOT NULL,
              PRIMARY KEY (`id`)
            ) \(MariaDBSchema.tableOptions)
            """)
        let holder = RandomToken.make(bytes: 16)
        let host = ProcessInfo.processInfo.hostName
        let deadline = Date().addingTimeInterval(timeout)
        while true {
            let now = Date().milliseconds
            do {
                try connection.query("DELETE FROM \(SQLName.quote(table)) WHERE id = 1 AND expires_at < ?", [.int(now)])
                try connection.query(
                    "INSERT INTO \(SQLName.quote(table)) (id, holder, host, acquired_at, expires_at) VALUES (1, ?, ?, ?, ?)",
                    [.text(holder), .text(String(host.prefix(255))), .int(now), .int(now + lifetime)])
                return holder
            } catch let error as MariaDBError where error.code == 1062 || error.isRetryable {
                guard Date() < deadline else {
                    let held = try? connection.query(
                        "SELECT host, acquired_at FROM \(SQLName.quote(table)) WHERE id = 1"
                    ).first
                    let since = held?.int("acquired_at").map { ISO8601.format(milliseconds: $0, timeZone: .gmt) }
                    throw DirectoryError.unavailable(
                        "another 'enertrack db migrate'\(held?.string("host").map { " on \($0)" } ?? "") holds the migration lock\(since.map { " since \($0)" } ?? ""); try again (a lock left by a killed run expires after 15 minutes)"
                    )
                }
                Thread.sleep(forTimeInterval: 0.2)
            }
        }
    }

    static func release(_ connection: MariaDBConnection, holder: String) {
        _ = try? connection.query("DELETE FROM \(SQLName.quote(table)) WHERE id = 1 AND holder = ?", [.text(holder)])
    }
}
