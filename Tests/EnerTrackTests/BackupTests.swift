import EnerTrackCore
import EnerTrackKit
import Foundation
import Testing

/// `db backup` and `db restore` of the embedded stores, under a live ingest.
@Suite("Backups of the embedded stores", .serialized)
struct BackupTests {
    /// Every row of every table of a store file, in a stable order (sqlite3's own reading).
    static func rows(_ file: String, tables: [String]) throws -> [String: String] {
        var out: [String: String] = [:]
        for table in tables {
            let columns = try shell(
                "/usr/bin/sqlite3", [file, "SELECT group_concat(name) FROM pragma_table_info('\(table)')"]
            )
            .trimmingCharacters(in: .whitespacesAndNewlines)
            out[table] = try shell("/usr/bin/sqlite3", [file, "SELECT * FROM \"\(table)\" ORDER BY \(columns)"])
        }
        return out
    }

    static let seriesTables = ["readings", "rollups", "rollup_dirty", "rollup_history"]
    static let directoryTables = [
        "Usuarios", "Nodos", "UsuariosNodos", "alert_rules", "sites", "site_meters", "meter_sources",
    ]

    @Test("backups while ingest writes and after: --keep rotates, and a restore gives every row of every table")
    func underLoad() async throws {
        let site = try IngestSite()
        let harness = try Harness(environment: site.environment)
        #expect(await harness.addUser("ana").status == 0)
        #expect(await harness.run(["node", "add", "BURST"]).status == 0)
        #expect(await harness.run(["assign", "add", "ana", "BURST"]).status == 0)
        let ingest = try await site.startedIngest()
        let start = Int64(Date().timeIntervalSince1970 * 1000) - 40_000 * 1000
        let lines = (0..<30_000).map {
            #"{"power":\#(100 + $0 % 900),"energy":\#(Double($0) / 1000),"ts":\#(start + Int64($0) * 1000)}"#
        }
        let burst = Task.detached { try site.publishLines("\(site.prefix)/BURST/data", lines) }
        let backups = site.directory + "/backups"
        // During the burst: readings are arriving while the copy is taken.
        #expect(
            await eventually(timeout: 30) {
                try await site.series().readings(node: "BURST", from: nil, to: nil, limit: 2_000).count >= 1_000
            })
        let during = await harness.run(["db", "backup", backups])
        #expect(during.status == 0, "\(during.stderr)")
        try await burst.value
        let series = try site.series()
        #expect(
            await eventually(timeout: 60) {
                try await series.readings(node: "BURST", from: nil, to: nil, limit: nil).count == 30_000
            })
        await ingest.expectCleanStop()
        let after = await harness.run(["db", "backup", backups, "--keep", "1", "--json"])
        #expect(after.status == 0, "\(after.stderr)")
        let manifest = try #require(try after.json() as? [String: Any])
        let names = try FileManager.default.contentsOfDirectory(atPath: backups).filter {
            $0.hasPrefix("enertrack-backup-")
        }
        #expect(names.count == 1 && (manifest["stores"] as? [[String: Any]])?.count == 2, "--keep 1: \(names)")

        // The last backup, restored into an empty data directory: every row of every table.
        let latest = backups + "/" + (names.first ?? "")
        let target = try temporaryDirectory("enertrack-restore")
        let restorer = try Harness(environment: ["ENERTRACK_DATA_DIR": target])
        let restored = await restorer.run(["db", "restore", latest])
        #expect(restored.status == 0, "\(restored.stderr)")
        let live = try Self.rows(site.directory + "/series.sqlite", tables: Self.seriesTables)
        let copy = try Self.rows(target + "/series.sqlite", tables: Self.seriesTables)
        #expect(live == copy, "every row of the series store")
        #expect(
            try Self.rows(site.directory + "/directory.sqlite", tables: Self.directoryTables)
                == Self.rows(target + "/directory.sqlite", tables: Self.directoryTables))
        // The restored store serves: the same readings and the same user.
        #expect(
            await restorer.run(["report", "readings", "--node", "BURST", "--from", "2000-01-01", "--format", "csv"])
                .stdout.split(separator: "\n").count == 30_001)
        #expect(await restorer.run(["user", "list"]).stdout.contains("ana"))
    }

    @Test("a backup taken during a burst holds a consistent prefix: each of its rows is the live store's")
    func consistentPrefix() async throws {
        let site = try IngestSite()
        let harness = try Harness(environment: site.environment)
        let ingest = try await site.startedIngest()
        let start = Int64(Date().timeIntervalSince1970 * 1000) - 40_000 * 1000
        let lines = (0..<20_000).map { #"{"power":\#($0 % 500),"ts":\#(start + Int64($0) * 1000)}"# }
        let burst = Task.detached { try site.publishLines("\(site.prefix)/PREFIX/data", lines) }
        let series = try site.series()
        #expect(
            await eventually(timeout: 30) {
                try await series.readings(node: "PREFIX", from: nil, to: nil, limit: 1_000).count >= 500
            })
        let backups = site.directory + "/backups"
        let made = await harness.run(["db", "backup", backups, "--json"])
        #expect(made.status == 0, "\(made.stderr)")
        try await burst.value
        #expect(
            await eventually(timeout: 60) {
                try await series.readings(node: "PREFIX", from: nil, to: nil, limit: nil).count == 20_000
            })
        await ingest.expectCleanStop()
        let name = try #require(
            try FileManager.default.contentsOfDirectory(atPath: backups).first { $0.hasPrefix("enertrack-backup-") })
        let copy = try shell(
            "/usr/bin/sqlite3",
            [backups + "/\(name)/series.sqlite", "SELECT node, time, power FROM readings ORDER BY node, time"])
        let live = try shell(
            "/usr/bin/sqlite3",
            [site.directory + "/series.sqlite", "SELECT node, time, power FROM readings ORDER BY node, time"])
        let copied = copy.split(separator: "\n")
        #expect(copied.count >= 500 && copied.count <= 20_000)
        #expect(Set(copied).isSubset(of: Set(live.split(separator: "\n"))), "every copied row is a live one")
        let manifest = try #require(try made.json() as? [String: Any])
        let stores = try #require(manifest["stores"] as? [[String: Any]])
        let rows = try #require(stores.first { $0["store"] as? String == "series" }?["rows"] as? [String: Any])
        #expect(rows["readings"] as? Int == copied.count, "the manifest counts what the copy holds")
    }

    @Test(
        "restore refuses, naming why, and writes nothing: a non-empty target, a damaged copy, a newer schema, no backup"
    )
    func refusals() async throws {
        let source = try Harness()
        #expect(await source.run(["node", "add", "ESP_A"]).status == 0)
        let backups = source.dataDirectory + "/backups"
        #expect(await source.run(["db", "backup", backups]).status == 0)
        let name = try #require(try FileManager.default.contentsOfDirectory(atPath: backups).first)
        let backup = backups + "/" + name

        let occupied = try Harness()
        #expect(await occupied.run(["node", "add", "ESP_B"]).status == 0)
        let before = await occupied.snapshot()
        let refused = await occupied.run(["db", "restore", backup])
        #expect(refused.status == 73 && refused.stderr.contains("directory.sqlite exists"), "\(refused.stderr)")
        #expect(await occupied.snapshot() == before, "the target is unchanged")

        let empty = try temporaryDirectory("enertrack-restore")
        let target = try Harness(environment: ["ENERTRACK_DATA_DIR": empty])
        #expect(await target.run(["db", "restore", source.dataDirectory + "/nothing"]).status == 66)

        // A copy changed after the backup: its checksum says so.
        let damaged = backups + "/damaged"
        try FileManager.default.copyItem(atPath: backup, toPath: damaged)
        let handle = try #require(FileHandle(forWritingAtPath: damaged + "/directory.sqlite"))
        try handle.seek(toOffset: 200)
        handle.write(Data([0x42]))
        try handle.close()
        let checksum = await target.run(["db", "restore", damaged])
        #expect(checksum.status == 65 && checksum.stderr.contains("SHA-256"), "\(checksum.stderr)")

        // A backup from a newer version: a migration this one does not know.
        let newer = backups + "/newer"
        try FileManager.default.copyItem(atPath: backup, toPath: newer)
        try shell(
            "/usr/bin/sqlite3", [newer + "/directory.sqlite", "INSERT INTO grdb_migrations VALUES ('0099_future')"])
        let manifestPath = newer + "/manifest.json"
        var manifest = try #require(
            try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: manifestPath)))
                as? [String: Any])
        var stores = try #require(manifest["stores"] as? [[String: Any]])
        for index in stores.indices where stores[index]["store"] as? String == "directory" {
            stores[index]["migrations"] = ((stores[index]["migrations"] as? [String]) ?? []) + ["0099_future"]
            stores[index]["sha256"] = try shell("/usr/bin/sha256sum", [newer + "/directory.sqlite"]).prefix(64)
                .description
        }
        manifest["stores"] = stores
        try JSONSerialization.data(withJSONObject: manifest).write(to: URL(fileURLWithPath: manifestPath))
        let future = await target.run(["db", "restore", newer])
        #expect(future.status == 65 && future.stderr.contains("0099_future"), "\(future.stderr)")
        #expect(!FileManager.default.fileExists(atPath: empty + "/directory.sqlite"), "nothing written")

        // And the good one restores.
        let good = await target.run(["db", "restore", backup])
        #expect(good.status == 0, "\(good.stderr)")
        #expect(await target.run(["node", "list", "--all"]).stdout.contains("ESP_A"))
    }

    @Test("with MariaDB and InfluxDB, db backup copies nothing of theirs and names their tools")
    func elsewhere() async throws {
        let database = TestServers.freshDatabaseName()
        var environment = try TestServers.mariaDBEnvironment(database: database)
        environment["INFLUX_URL"] = try TestServers.influxURL()
        environment["INFLUX_DB"] = TestServers.freshInfluxDatabase()
        let harness = try Harness(environment: environment)
        #expect(await harness.run(["db", "migrate"]).status == 0)
        let made = await harness.run(["db", "backup", harness.dataDirectory + "/backups"])
        #expect(made.status == 0, "\(made.stderr)")
        #expect(
            made.stderr.contains("mariadb-dump --single-transaction") && made.stderr.contains("influxd backup"),
            "\(made.stderr)")
        #expect(made.stdout.contains("no embedded store to copy"), "\(made.stdout)")
    }
}

/// The README's commands for the stores EnerTrack does not back up itself, run against the test
/// servers: a MariaDB directory through mariadb-dump and back, an InfluxDB database through
/// influxd backup -portable and restore.
@Suite("Backups with the servers' own tools", .serialized)
struct ServerBackupTests {
    @Test("mariadb-dump --single-transaction of the directory restores into another database that enertrack uses as is")
    func mariaDB() async throws {
        let database = TestServers.freshDatabaseName()
        let harness = try Harness(environment: try TestServers.mariaDBEnvironment(database: database))
        #expect(await harness.run(["db", "migrate"]).status == 0)
        #expect(await harness.addUser("ana").status == 0)
        #expect(await harness.run(["node", "add", "ESP_DUMP"]).status == 0)
        #expect(await harness.run(["assign", "add", "ana", "ESP_DUMP"]).status == 0)
        let settings = try TestServers.mariaDB(database: database)
        let login = [
            "-h", settings.host ?? "127.0.0.1", "-P", String(settings.port), "-u", settings.user,
            "-p\(settings.password ?? "")",
        ]
        let dump = try shell("/usr/bin/mariadb-dump", ["--single-transaction", "--routines"] + login + [database])
        let copy = TestServers.freshDatabaseName()
        _ = try shell("/usr/bin/mariadb", login + ["-e", "CREATE DATABASE \(copy)"])
        _ = try shell("/usr/bin/mariadb", login + [copy], stdin: dump)
        let restored = try Harness(environment: try TestServers.mariaDBEnvironment(database: copy))
        #expect(await restored.run(["assign", "list", "--all"]).stdout.contains("ESP_DUMP"))
        let status = await restored.run(["db", "status", "--json"])
        #expect(status.stdout.contains("\"current\" : true"), "\(status.stdout)")
    }

    @Test("influxd backup -portable of the series database restores (as a new database) with every reading")
    func influx() async throws {
        let database = TestServers.freshInfluxDatabase()
        let url = try TestServers.influxURL()
        let harness = try Harness(environment: ["INFLUX_URL": url, "INFLUX_DB": database, "TZ": "UTC"])
        let file = harness.dataDirectory + "/readings.csv"
        let lines = (0..<500).map { "\(1_780_000_000 + $0 * 10),ESP_IFX,\(100 + $0)" }
        try (["time,node,power"] + lines).joined(separator: "\n").write(toFile: file, atomically: true, encoding: .utf8)
        #expect(await harness.run(["import", file]).status == 0)
        let config = (ProcessInfo.processInfo.environment["ENERTRACK_TEST_INFLUX_DIR"] ?? "") + "/influxdb.conf"
        let rpc = try #require(
            try String(contentsOfFile: config, encoding: .utf8).split(separator: "\n")
                .first { $0.hasPrefix("bind-address") }?.split(separator: "\"").dropFirst().first.map(String.init))
        let directory = harness.dataDirectory + "/influx-backup"
        _ = try shell("/usr/bin/influxd", ["backup", "-portable", "-database", database, "-host", rpc, directory])
        let copy = TestServers.freshInfluxDatabase()
        _ = try shell(
            "/usr/bin/influxd", ["restore", "-portable", "-host", rpc, "-db", database, "-newdb", copy, directory])
        let arguments = ["report", "readings", "--node", "ESP_IFX", "--from", "2026-01-01", "--format", "csv"]
        let before = await harness.run(arguments)
        let restored = try Harness(environment: ["INFLUX_URL": url, "INFLUX_DB": copy, "TZ": "UTC"])
        let after = await restored.run(arguments)
        #expect(before.stdout.split(separator: "\n").count == 501 && after.stdout == before.stdout, "\(after.stderr)")
    }
}
