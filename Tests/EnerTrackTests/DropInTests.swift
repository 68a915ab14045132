import EnerTrackCore
import EnerTrackKit
import EnerTrackMariaDB
import EnerTrackSQL
import EnerTrackSQLite
import EnerTrackWeb
import Foundation
import Hummingbird
import Logging
import Testing

/// Drop-in for the earlier deployment on the real MariaDB: its schema adopted as it is (columns
/// found by name, `UsuariosNodos` untouched), a new database made exactly like it, and a database
/// of version 0.1 converted to it.
@Suite("Drop-in: the earlier deployment's MariaDB schema")
struct DropInTests {
    /// `SHOW CREATE TABLE UsuariosNodos` of the original DDL on MariaDB 10.11.
    static let originalShowCreate = """
        CREATE TABLE `UsuariosNodos` (
          `usuario_id` int(10) unsigned NOT NULL,
          `nodo_id` int(10) unsigned NOT NULL,
          `activo` tinyint(1) NOT NULL DEFAULT 1,
          `ubicacion` varchar(100) DEFAULT NULL,
          `fecha_asignacion` datetime DEFAULT current_timestamp(),
          `ultimo_acceso` datetime DEFAULT NULL,
          PRIMARY KEY (`usuario_id`,`nodo_id`),
          KEY `nodo_id` (`nodo_id`),
          CONSTRAINT `UsuariosNodos_ibfk_1` FOREIGN KEY (`usuario_id`) REFERENCES `Usuarios` (`id`),
          CONSTRAINT `UsuariosNodos_ibfk_2` FOREIGN KEY (`nodo_id`) REFERENCES `Nodos` (`id`)
        ) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_uca1400_ai_ci
        """

    static func fixture(_ name: String) throws -> String {
        let url = try #require(Bundle.module.url(forResource: name, withExtension: "sql", subdirectory: "Fixtures"))
        return try String(contentsOf: url, encoding: .utf8)
    }

    /// A new database holding the statements of a fixture file.
    static func load(_ name: String) throws -> (database: String, connection: MariaDBConnection) {
        let database = TestServers.freshDatabaseName()
        let connection = try TestServers.adminConnection(database: database)
        try connection.execute("CREATE DATABASE `\(database)` CHARACTER SET utf8mb4 COLLATE utf8mb4_uca1400_ai_ci")
        try connection.execute("USE `\(database)`")
        try connection.execute("SET foreign_key_checks = 0")
        let text = try fixture(name).split(separator: "\n").filter { !$0.hasPrefix("--") }.joined(separator: "\n")
        for statement in text.components(separatedBy: ";\n")
        where !statement.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty {
            try connection.execute(statement)
        }
        try connection.execute("SET foreign_key_checks = 1")
        return (database, connection)
    }

    static func showCreate(_ connection: MariaDBConnection, _ table: String) throws -> String? {
        try connection.query("SHOW CREATE TABLE `\(table)`").first?.string("create table")
    }

    /// Every column of the earlier tables with its type, to prove adoption renamed, dropped and retyped nothing.
    static func columns(_ connection: MariaDBConnection) throws -> [String] {
        try connection.query(
            """
            SELECT CONCAT(TABLE_NAME, '.', COLUMN_NAME, ' ', COLUMN_TYPE, ' ', IS_NULLABLE, ' ', IFNULL(COLUMN_DEFAULT, '-')) AS c
            FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = DATABASE() ORDER BY TABLE_NAME, ORDINAL_POSITION
            """
        ).compactMap { $0.string("c") }
    }

    @Test("a new database: UsuariosNodos is the original DDL exactly, Usuarios and Nodos keyed by id INT(10) UNSIGNED")
    func freshDatabase() async throws {
        let database = TestServers.freshDatabaseName()
        let harness = try Harness(environment: TestServers.mariaDBEnvironment(database: database))
        #expect(await harness.run(["db", "migrate"]).status == 0)
        let connection = try TestServers.adminConnection(database: database)
        try connection.execute("USE `\(database)`")
        let created = try Self.showCreate(connection, "UsuariosNodos")
        #expect(created == Self.originalShowCreate)
        // The same DDL, run verbatim from the specification on a database of its own.
        let (_, reference) = try Self.load("earlier-deployment")
        #expect(try Self.showCreate(reference, "UsuariosNodos") == created)
        for table in ["Usuarios", "Nodos"] {
            let key = try connection.query(
                "SELECT COLUMN_TYPE, EXTRA FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = ? AND COLUMN_NAME = 'id'",
                [.text(table)]
            ).first
            #expect(key?.string("column_type") == "int(10) unsigned" && key?.string("extra") == "auto_increment")
        }
        let status = try await harness.run(["db", "status", "--json"]).objects()[0]
        #expect((status["mapping"] as? [String])?.contains("Usuarios.id = id (recorded)") == true, "\(status)")
    }

    @Test(
        "the earlier deployment's database is adopted as it is: mapping, admin commands, web login, UsuariosNodos untouched"
    )
    func adoptEarlierDeployment() async throws {
        let (database, connection) = try Self.load("earlier-deployment")
        let scrypt = try #require(PasswordTests.fixtures.first { $0.hash.hasPrefix("scrypt:") })
        let pbkdf2 = try #require(PasswordTests.fixtures.first { $0.hash.hasPrefix("pbkdf2:") })
        try connection.query(
            "INSERT INTO Usuarios (usuario, correo, password, nombre_completo, is_admin) VALUES (?, ?, ?, ?, 1), (?, ?, ?, NULL, 0)",
            [
                .text("José"), .text("jose@example.org"), .text(scrypt.hash), .text("José Pérez"), .text("marta"),
                .text("marta@example.org"), .text(pbkdf2.hash),
            ])
        try connection.query(
            "INSERT INTO Nodos (espid, name, description) VALUES ('ESP32_OLD', 'Cocina', 'Planta baja')")
        try connection.execute("INSERT INTO UsuariosNodos (usuario_id, nodo_id, ubicacion) VALUES (1, 1, 'Sótano')")
        let ddlBefore = try Self.showCreate(connection, "UsuariosNodos")
        let columnsBefore = try Self.columns(connection)

        let harness = try Harness(environment: TestServers.mariaDBEnvironment(database: database))
        let status = try await harness.run(["db", "status", "--json"]).objects()[0]
        let mapping = status["mapping"] as? [String] ?? []
        for line in [
            "Usuarios.id = id (detected)", "Usuarios.username = usuario (detected)",
            "Usuarios.email = correo (detected)", "Usuarios.password_hash = password (detected)",
            "Usuarios.name = nombre_completo (detected)", "Usuarios.admin = is_admin (detected)",
            "Usuarios.active = activo (added)", "Usuarios.created_at = fecha_registro (detected)",
            "Nodos.esp_id = espid (detected)", "Nodos.name = name (detected)",
            "Nodos.description = description (detected)", "Nodos.active = active (detected)",
            "Nodos.last_seen = ultima_conexion (added)",
        ] {
            #expect(mapping.contains(line), "\(line) not in \(mapping)")
        }
        let text = await harness.run(["db", "status"])
        #expect(text.status == 0 && text.stdout.contains("Usuarios.username = usuario (detected)"), "\(text.stdout)")
        #expect(await harness.run(["db", "migrate", "--dry-run"]).status == 0)
        #expect(try Self.columns(connection) == columnsBefore, "--dry-run changed the schema")

        let migrated = await harness.run(["db", "migrate"])
        #expect(migrated.status == 0, "\(migrated.stderr)")
        #expect(try Self.showCreate(connection, "UsuariosNodos") == ddlBefore, "adoption must not touch UsuariosNodos")
        let columnsAfter = try Self.columns(connection)
        #expect(columnsBefore.allSatisfy(columnsAfter.contains), "a column of the earlier tables was changed")
        let after = try await harness.run(["db", "status", "--json"]).objects()[0]
        #expect((after["mapping"] as? [String])?.contains("Usuarios.username = usuario (recorded)") == true)

        // Both earlier hash formats verify, from whatever column holds them.
        let store = MariaDBDirectoryStore(settings: try TestServers.mariaDB(database: database))
        let admin = DirectoryAdmin(store: store)
        #expect(try await admin.verifyPassword(username: "JOSE", password: scrypt.password)?.username == "José")
        #expect(try await admin.verifyPassword(username: "marta", password: pbkdf2.password)?.username == "marta")

        try await Self.adminCommands(harness, connection, ddl: ddlBefore)
        try await Self.webLogin(harness, store: store, password: scrypt.password)
    }

    /// Every admin command on the adopted tables, and the rows they leave in the earlier
    /// `UsuariosNodos`, whose DDL stays byte for byte.
    static func adminCommands(_ harness: Harness, _ connection: MariaDBConnection, ddl ddlBefore: String?) async throws
    {
        // Every admin command on the adopted tables.
        let users = try await harness.run(["user", "list", "--json"]).objects()
        #expect(users.map { $0["username"] as? String } == ["José", "marta"])
        #expect(users.first?["email"] as? String == "jose@example.org" && users.first?["admin"] as? Bool == true)
        for arguments in [
            ["user", "add", "nuria", "--email", "nuria@example.org", "--password-stdin"],
            ["user", "passwd", "marta", "--password-stdin"],
            ["user", "disable", "nuria"], ["user", "enable", "nuria"],
            ["node", "add", "ESP32_NEW", "--name", "Taller"],
            ["node", "edit", "ESP32_OLD", "--description", "Cocina nueva"],
            ["assign", "add", "nuria", "ESP32_OLD", "--location", "Salón"], ["assign", "add", "marta", "ESP32_NEW"],
            ["assign", "set", "nuria", "ESP32_OLD", "--location", "Comedor"],
            ["assign", "remove", "marta", "ESP32_NEW"],
            ["node", "remove", "ESP32_NEW"], ["node", "restore", "ESP32_NEW"], ["node", "show", "ESP32_OLD"],
            ["user", "show", "José"], ["user", "edit", "marta", "--lang", "en"], ["user", "remove", "nuria"],
            ["user", "list"], ["node", "list", "--all"],
            ["assign", "list", "--all"],
        ] {
            let result = await harness.run(arguments, stdin: ["a-new-long-password"])
            #expect(result.status == 0, "\(arguments): \(result.stderr)")
        }
        // assign add wrote rows the earlier UsuariosNodos holds, keyed by the earlier ids.
        let rows = try connection.query(
            """
            SELECT u.usuario, n.espid, un.activo, un.ubicacion FROM UsuariosNodos un
            JOIN Usuarios u ON u.id = un.usuario_id JOIN Nodos n ON n.id = un.nodo_id ORDER BY u.id, n.id
            """
        ).map {
            "\($0.string("usuario") ?? "") \($0.string("espid") ?? "") \($0.string("activo") ?? "") \($0.string("ubicacion") ?? "-")"
        }
        #expect(rows == ["José ESP32_OLD 1 Sótano", "marta ESP32_NEW 0 -", "nuria ESP32_OLD 0 Comedor"], "\(rows)")
        #expect(try Self.showCreate(connection, "UsuariosNodos") == ddlBefore, "byte for byte, after every command")

    }

    /// The earlier scrypt hash logs in on the web.
    static func webLogin(_ harness: Harness, store: MariaDBDirectoryStore, password: String) async throws {
        let series = try SQLiteSeriesStore(path: harness.dataDirectory + "/series.sqlite")
        let app = WebApp(
            directory: store, series: series, options: WebOptions(), hasher: harness.hasher, bot: nil,
            assetsDirectory: "/usr/share/javascript", logger: Logger(label: "test"))
        try await RouterClient.with(app.router()) { client in
            let browser = Browser(client)
            let login = try await browser.login("josé", password)
            #expect(login.status == .seeOther, "the earlier Werkzeug hash must log in on the web")
            let page = try await browser.get("/")
            #expect(page.status == .ok && String(buffer: page.body).contains("ESP32_OLD"))
        }
    }

    @Test("a needed column with no match stops db migrate with exit 78, names the setting, and changes nothing")
    func unmatchedColumn() async throws {
        let (database, connection) = try Self.load("earlier-deployment")
        try connection.execute("ALTER TABLE Usuarios CHANGE usuario login VARCHAR(50) NOT NULL")
        let before = try Self.columns(connection)
        var environment = try TestServers.mariaDBEnvironment(database: database)
        let harness = try Harness(environment: environment)
        for arguments in [["db", "migrate"], ["db", "status"], ["user", "list"]] {
            let result = await harness.run(arguments)
            #expect(result.status == 78, "\(arguments): \(result.stderr)")
            #expect(
                result.stderr.contains("Usuarios") && result.stderr.contains("Usuarios.username")
                    && result.stderr.contains("MYSQL_COLUMN_MAP"), "\(result.stderr)")
        }
        #expect(try Self.columns(connection) == before, "a migration that cannot complete must change nothing")
        #expect(try connection.query("SHOW TABLES LIKE 'enertrack%'").isEmpty)

        environment["MYSQL_COLUMN_MAP"] = "Usuarios.username=login"
        let mapped = try Harness(environment: environment)
        #expect(await mapped.run(["db", "migrate"]).status == 0)
        #expect(
            await mapped.run(
                ["user", "add", "ana", "--email", "ana@example.org", "--password-stdin"],
                stdin: ["a-long-enough-password"]
            ).status == 0)
        #expect(try connection.query("SELECT login FROM Usuarios").compactMap { $0.string("login") } == ["ana"])
        let wrong = try await Harness(
            environment: environment.merging(["MYSQL_COLUMN_MAP": "Usuarios.username=nope"]) { $1 }
        ).run(["user", "list"])
        #expect(wrong.status == 78 && wrong.stderr.contains("Usuarios.nope"), "\(wrong.stderr)")
    }

    @Test("duplicate usernames on an earlier table: db migrate refuses (65) before changing anything")
    func duplicatesRefused() async throws {
        let (database, connection) = try Self.load("earlier-deployment")
        try connection.execute("ALTER TABLE Usuarios DROP KEY usuario")
        try connection.execute("INSERT INTO Usuarios (usuario, password) VALUES ('Ana', 'x'), ('ana', 'y')")
        let before = try Self.columns(connection)
        let result = try await Harness(environment: TestServers.mariaDBEnvironment(database: database)).run([
            "db", "migrate",
        ])
        #expect(result.status == 65 && result.stderr.contains("'Ana'"), "\(result.stderr)")
        #expect(try Self.columns(connection) == before)
    }

    @Test("a 0.1 database keeps working, converts to the original DDL (dry run first), and keeps its data")
    func convertVersion01() async throws {
        let (database, connection) = try Self.load("schema-0.1")
        try connection.execute(
            "INSERT INTO Usuarios (nombreUsuario, password_hash, email) VALUES ('ana', 'scrypt:1:1:1$x$y', 'ana@example.org')"
        )
        try connection.execute("INSERT INTO Nodos (esp_id) VALUES ('ESP_A')")
        try connection.execute(
            "INSERT INTO UsuariosNodos (usuario_id, nodo_id, ubicacion, ultimo_acceso) VALUES (1, 1, 'Casa', '2026-03-01 10:00:00')"
        )
        try connection.execute("INSERT INTO user_settings (usuario_id, language) VALUES (1, 'en')")
        let harness = try Harness(environment: TestServers.mariaDBEnvironment(database: database))
        #expect(try await harness.run(["assign", "list", "--json"]).objects().first?["location"] as? String == "Casa")
        #expect(await harness.run(["db", "migrate"]).status == 0)
        let before = try Self.columns(connection)
        let dryRun = await harness.run(["db", "migrate", "--to-original-ddl", "--dry-run"])
        #expect(
            dryRun.status == 0 && dryRun.stdout.contains("ALTER TABLE `Usuarios` CHANGE `usuario_id` `id`"),
            "\(dryRun.stdout)")
        #expect(try Self.columns(connection) == before, "--dry-run changed the schema")
        let converted = await harness.run(["db", "migrate", "--to-original-ddl"])
        #expect(converted.status == 0, "\(converted.stderr)")
        #expect(try Self.showCreate(connection, "UsuariosNodos") == Self.originalShowCreate)
        let again = await harness.run(["db", "migrate", "--to-original-ddl"])
        #expect(again.status == 0 && again.stdout.contains("nothing to convert"), "\(again.stdout)")
        let assignments = try await harness.run(["assign", "list", "--json"]).objects()
        #expect(
            assignments.first?["location"] as? String == "Casa" && assignments.first?["esp_id"] as? String == "ESP_A")
        #expect(
            try connection.query("SELECT ultimo_acceso FROM UsuariosNodos").first?.string("ultimo_acceso")
                == "2026-03-01 10:00:00")
        #expect(
            try connection.query("SELECT language FROM user_settings WHERE usuario_id = 1").first?.string("language")
                == "en")
        let status = try await harness.run(["db", "status", "--json"]).objects()[0]
        #expect((status["mapping"] as? [String])?.contains("Usuarios.id = id (recorded)") == true)
        #expect(status["current"] as? Bool == true)
    }
}

extension StoreFactory {
    /// The earlier deployment's tables, adopted by `db migrate`.
    static let adopted = StoreFactory(name: "mariadb-adopted") {
        let (database, _) = try DropInTests.load("earlier-deployment")
        let store = MariaDBDirectoryStore(settings: try TestServers.mariaDB(database: database))
        _ = try await store.migrate(dryRun: false)
        return store
    }

    /// A database of version 0.1, migrated and converted to the original layout.
    static let converted = StoreFactory(name: "mariadb-0.1-converted") {
        let (database, _) = try DropInTests.load("schema-0.1")
        let store = MariaDBDirectoryStore(settings: try TestServers.mariaDB(database: database))
        _ = try await store.migrate(dryRun: false)
        _ = try await store.convertToOriginalLayout(dryRun: false)
        return store
    }
}
