import EnerTrackCore
import EnerTrackKit
import EnerTrackMariaDB
import EnerTrackRuntime
import Foundation
import Testing

/// Behaviour only MariaDB has: the exact legacy DDL, adopting the earlier deployment's database,
/// migration locking, server restarts, and how connection failures map to exit statuses.
/// Serialized: one test restarts the server.
@Suite("MariaDB directory store", .serialized)
struct MariaDBTests {
    /// `UsuariosNodos` as version 0.1 created it (a database of that version is adopted as it is).
    static let version01UsuariosNodos = """
        CREATE TABLE `UsuariosNodos` (
          `usuario_id` INT NOT NULL,
          `nodo_id` INT NOT NULL,
          `activo` TINYINT(1) NOT NULL DEFAULT 1,
          `ubicacion` VARCHAR(100) DEFAULT NULL,
          `fecha_asignacion` TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP,
          `ultimo_acceso` TIMESTAMP NULL DEFAULT NULL,
          PRIMARY KEY (`usuario_id`, `nodo_id`),
          CONSTRAINT `fk_un_usuario` FOREIGN KEY (`usuario_id`) REFERENCES `Usuarios` (`usuario_id`) ON DELETE CASCADE,
          CONSTRAINT `fk_un_nodo` FOREIGN KEY (`nodo_id`) REFERENCES `Nodos` (`nodo_id`) ON DELETE CASCADE
        ) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_uca1400_ai_ci
        """

    @Test("db migrate creates the database and UsuariosNodos exactly as the original DDL")
    func exactDDL() async throws {
        let database = TestServers.freshDatabaseName()
        let harness = try Harness(environment: TestServers.mariaDBEnvironment(database: database))
        let before = await harness.run(["user", "list"])
        #expect(before.status == 78 && before.stderr.contains("run 'enertrack db migrate'"), "\(before.stderr)")
        let migrated = await harness.run(["db", "migrate"])
        #expect(migrated.status == 0, "\(migrated.stderr)")
        let connection = try TestServers.adminConnection(database: database)
        let rows = try connection.query("SHOW CREATE TABLE `\(database)`.`UsuariosNodos`")
        #expect(rows.first?.string("create table") == DropInTests.originalShowCreate)
        let again = await harness.run(["db", "migrate"])
        #expect(again.status == 0 && again.stdout.contains("nothing pending"))
        let status = try await harness.run(["db", "status", "--json"]).objects()[0]
        #expect(status["store"] as? String == "mariadb" && status["current"] as? Bool == true)
    }

    @Test("a database of the earlier Flask deployment is adopted: only what is missing is added, data kept")
    func adoptLegacyDatabase() async throws {
        let database = TestServers.freshDatabaseName()
        let connection = try TestServers.adminConnection(database: database)
        let legacyHash = try #require(PasswordTests.fixtures.first)
        try connection.execute("CREATE DATABASE `\(database)` CHARACTER SET utf8mb4 COLLATE utf8mb4_uca1400_ai_ci")
        try connection.execute("USE `\(database)`")
        try connection.execute(
            """
            CREATE TABLE Usuarios (usuario_id INT NOT NULL AUTO_INCREMENT PRIMARY KEY,
              nombreUsuario VARCHAR(50) NOT NULL UNIQUE, password_hash VARCHAR(255) NOT NULL)
              ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_uca1400_ai_ci
            """)
        try connection.execute(
            """
            CREATE TABLE Nodos (nodo_id INT NOT NULL AUTO_INCREMENT PRIMARY KEY, esp_id VARCHAR(64) NOT NULL UNIQUE,
              descripcion VARCHAR(255)) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_uca1400_ai_ci
            """)
        try connection.execute(MariaDBTests.version01UsuariosNodos)
        let legacyDDL = try connection.query("SHOW CREATE TABLE UsuariosNodos").first?.string("create table")
        try connection.query(
            "INSERT INTO Usuarios (nombreUsuario, password_hash) VALUES (?, ?)",
            [.text("José"), .text(legacyHash.hash)])
        try connection.query(
            "INSERT INTO Nodos (esp_id, descripcion) VALUES (?, ?)", [.text("ESP32_OLD"), .text("Cocina")])
        try connection.execute("INSERT INTO UsuariosNodos (usuario_id, nodo_id, ubicacion) VALUES (1, 1, 'Sótano')")

        let harness = try Harness(environment: TestServers.mariaDBEnvironment(database: database))
        let status = try await harness.run(["db", "status", "--json"]).objects()[0]
        let notes = status["notes"] as? [String] ?? []
        #expect(
            status["pending"] as? [String] == [
                "0001_directory", "0002_alerts_telegram", "0003_web", "0004_column_map", "0005_money", "0006_sites",
                "0007_devices", "0008_corrections",
            ])
        #expect(
            notes.contains("0001_directory: add column Usuarios.email for Usuarios.email (the earlier table has none)"))
        #expect(
            notes.contains(
                "0001_directory: add column Nodos.ultima_conexion for Nodos.last_seen (the earlier table has none)"))
        #expect(!notes.contains { $0.contains("UsuariosNodos") }, "UsuariosNodos is complete: \(notes)")

        let dryRun = await harness.run(["db", "migrate", "--dry-run"])
        #expect(dryRun.status == 0 && dryRun.stdout.contains("would apply: 0001_directory"))
        let columnsBefore = try connection.query(
            "SELECT COUNT(*) AS n FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = ?", [.text(database)]
        ).first?.int("n")
        #expect(columnsBefore.map(Int.init) == 12, "--dry-run changed the schema")

        let migrated = await harness.run(["db", "migrate"])
        #expect(migrated.status == 0, "\(migrated.stderr)")
        let created = try connection.query("SHOW CREATE TABLE UsuariosNodos").first?.string("create table")
        #expect(created == legacyDDL, "adoption must not touch UsuariosNodos")
        let users = try await harness.run(["user", "list", "--json"]).objects()
        #expect(users.count == 1 && users[0]["username"] as? String == "José" && users[0]["email"] is NSNull)
        let assignments = try await harness.run(["assign", "list", "--user", "jose", "--json"]).objects()
        #expect(
            assignments.first?["location"] as? String == "Sótano"
                && assignments.first?["esp_id"] as? String == "ESP32_OLD")
        let admin = DirectoryAdmin(store: MariaDBDirectoryStore(settings: try TestServers.mariaDB(database: database)))
        #expect(
            try await admin.verifyPassword(username: "JOSE", password: legacyHash.password)?.username == "José",
            "the earlier deployment's Werkzeug hash must still log in")
        #expect(await harness.run(["db", "migrate"]).stdout.contains("nothing pending"))
    }

    @Test("two db migrate runs at once: one migrates, the other waits for the lock, nothing breaks")
    func concurrentMigrate() async throws {
        let database = TestServers.freshDatabaseName()
        let harness = try Harness(environment: TestServers.mariaDBEnvironment(database: database))
        async let first = harness.run(["db", "migrate"])
        async let second = harness.run(["db", "migrate"])
        let results = await [first, second]
        #expect(results.map(\.status) == [0, 0], "\(results.map(\.stderr))")
        let status = try await harness.run(["db", "status", "--json"]).objects()[0]
        #expect(
            status["applied"] as? [String] == [
                "0001_directory", "0002_alerts_telegram", "0003_web", "0004_column_map", "0005_money", "0006_sites",
                "0007_devices", "0008_corrections",
            ]
                && status["current"] as? Bool == true)
        let connection = try TestServers.adminConnection(database: database)
        let recorded = try connection.query("SELECT COUNT(*) AS n FROM `\(database)`.enertrack_schema_migrations")
            .first?.int("n")
        #expect(recorded == 8, "each migration recorded once")
    }

    @Test("a long-running user of the store heals after a server restart, and loses nothing")
    func restartHeals() async throws {
        // A private server: stopping the shared one would fail every other MariaDB test running now.
        let directory = try temporaryDirectory("enertrack-mariadb")
        let script = packageRoot.path + "/scripts/services/mariadb"
        let exports = try shell(script, ["start", directory])
        defer { _ = try? shell(script, ["stop", directory]) }
        var variables: [String: String] = [:]
        for word in exports.split(whereSeparator: { $0 == " " || $0 == "\n" }) where word.contains("=") {
            let pair = word.split(separator: "=", maxSplits: 1).map(String.init)
            variables[pair[0]] = pair[1]
        }
        let database = TestServers.freshDatabaseName()
        let settings = MariaDBSettings(
            host: variables["ENERTRACK_TEST_MYSQL_HOST"],
            port: UInt32(variables["ENERTRACK_TEST_MYSQL_PORT"] ?? "") ?? 0, socket: nil,
            user: variables["ENERTRACK_TEST_MYSQL_USER"] ?? "root",
            password: variables["ENERTRACK_TEST_MYSQL_PASSWORD"], database: database,
            sslCA: nil)
        let store = MariaDBDirectoryStore(settings: settings, poolSize: 2)
        _ = try await store.migrate(dryRun: false)
        let admin = DirectoryAdmin(store: store, hasher: PasswordHasher(n: 16, r: 8, p: 1))
        for index in 0..<5 { _ = try await admin.addNode(espID: "ESP_\(index)", name: nil, description: nil) }
        #expect(try await admin.nodes(includeInactive: false).count == 5)

        _ = try shell(script, ["stop", directory])
        do {
            _ = try await admin.nodes(includeInactive: false)
            Issue.record("the store answered with the server stopped")
        } catch let error as DirectoryError {
            #expect(error.exitStatus == .unavailable, "\(error)")
        }
        // Every command says so plainly with exit 69 while the server is down.
        let harness = try Harness(environment: [
            "MYSQL_HOST": settings.host ?? "127.0.0.1", "MYSQL_PORT": String(settings.port),
            "MYSQL_USER": settings.user,
            "MYSQL_PASSWORD": settings.password ?? "", "MYSQL_DB": database,
        ])
        for command in [["user", "list"], ["node", "add", "ESP_X"], ["assign", "list"], ["db", "status"]] {
            let result = await harness.run(command)
            #expect(result.status == 69, "\(command): \(result.stderr)")
            #expect(result.stderr.hasPrefix("enertrack: cannot reach MariaDB at "), "\(command): \(result.stderr)")
        }
        _ = try shell(script, ["restart", directory])

        // The pooled connections are dead; the store reconnects on its own.
        #expect(try await admin.nodes(includeInactive: false).count == 5)
        for index in 5..<10 { _ = try await admin.addNode(espID: "ESP_\(index)", name: nil, description: nil) }
        #expect(try await admin.nodes(includeInactive: false).map(\.espID) == (0..<10).map { "ESP_\($0)" })
    }

    @Test("unreachable server: exit 69 within 10 s naming host and port")
    func unreachable() async throws {
        let harness = try Harness(environment: [
            "MYSQL_HOST": "127.0.0.1", "MYSQL_PORT": "9", "MYSQL_PASSWORD": "do-not-print-me",
        ])
        let start = Date()
        let result = await harness.run(["node", "list"])
        #expect(Date().timeIntervalSince(start) < 10)
        #expect(result.status == 69)
        #expect(result.stderr.hasPrefix("enertrack: cannot reach MariaDB at 127.0.0.1:9"))
        #expect(!result.stderr.contains("do-not-print-me"))
    }

    @Test("wrong password: exit 77, and the password is never in the message")
    func accessDenied() async throws {
        var environment = try TestServers.mariaDBEnvironment(database: "mysql")
        environment["MYSQL_PASSWORD"] = "wrong-password-xyz"
        let result = await (try Harness(environment: environment)).run(["user", "list"])
        #expect(result.status == 77, "\(result.stderr)")
        #expect(result.stderr.contains("check MYSQL_USER and MYSQL_PASSWORD"))
        #expect(!result.stderr.contains("wrong-password-xyz"))
    }

    @Test("unknown database: exit 78 with a hint to run db migrate")
    func unknownDatabase() async throws {
        let harness = try Harness(environment: TestServers.mariaDBEnvironment(database: "et_does_not_exist"))
        let result = await harness.run(["assign", "list"])
        #expect(result.status == 78)
        #expect(
            result.stderr
                == "enertrack: MariaDB database 'et_does_not_exist' does not exist at \(TestServers.environment["ENERTRACK_TEST_MYSQL_HOST"] ?? ""):\(TestServers.environment["ENERTRACK_TEST_MYSQL_PORT"] ?? ""); run 'enertrack db migrate' to create it\n"
        )
    }

    @Test("MYSQL_SSL_CA: TLS with the server certificate verified; a wrong CA is refused with exit 69")
    func tls() async throws {
        let ca = try #require(
            TestServers.environment["ENERTRACK_TEST_MYSQL_CA"], "run scripts/test: the test MariaDB has TLS")
        let database = TestServers.freshDatabaseName()
        var settings = try TestServers.mariaDB(database: database)
        settings.sslCA = ca
        let connection = try MariaDBConnection(settings: settings, useDatabase: false)
        let cipher = try connection.query("SHOW SESSION STATUS LIKE 'Ssl_cipher'").first?.string("value")
        #expect(cipher?.isEmpty == false, "the connection is not encrypted")

        var environment = try TestServers.mariaDBEnvironment(database: database)
        environment["MYSQL_SSL_CA"] = ca
        let harness = try Harness(environment: environment)
        #expect(await harness.run(["db", "migrate"]).status == 0)
        #expect(await harness.run(["node", "add", "ESP_TLS"]).status == 0)

        // A CA that did not sign the server's certificate: the connection must fail, not fall back.
        let otherCA = try temporaryDirectory("enertrack-ca") + "/other.pem"
        let openssl = Subprocess()
        openssl.executableURL = URL(fileURLWithPath: "/usr/bin/openssl")
        openssl.arguments = [
            "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=other",
            "-keyout", otherCA + ".key", "-out", otherCA,
        ]
        openssl.standardError = FileHandle.nullDevice
        try openssl.run()
        openssl.waitUntilExit()
        environment["MYSQL_SSL_CA"] = otherCA
        let refused = await (try Harness(environment: environment)).run(["node", "list"])
        #expect(refused.status == 69)
        #expect(refused.stderr.contains("TLS/SSL error"), "\(refused.stderr)")
    }
}
