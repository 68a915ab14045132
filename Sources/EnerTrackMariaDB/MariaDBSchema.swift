import EnerTrackCore
import EnerTrackSQL
import Foundation

/// The directory schema on MariaDB: the earlier deployment's tables, created when missing and
/// adopted when present.
///
/// Adoption maps each column EnerTrack needs to what `Usuarios` and `Nodos` have (by name, or by
/// `MYSQL_COLUMN_MAP`), adds only what has no match, and never renames, drops or retypes a column.
/// MariaDB DDL is not transactional, so the whole migration is planned and checked against the
/// database before its first statement runs: a migration that cannot complete changes nothing.
enum MariaDBSchema {
    static let migrationsTable = "enertrack_schema_migrations"
    static let columnsTable = "enertrack_columns"
    static let tableOptions = "ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_uca1400_ai_ci"

    /// `UsuariosNodos` verbatim from the earlier deployment's specification; never edited.
    static let originalUsuariosNodos = """
        CREATE TABLE `UsuariosNodos` (
          `usuario_id`      INT(10) UNSIGNED NOT NULL,
          `nodo_id`         INT(10) UNSIGNED NOT NULL,
          `activo`          TINYINT(1) NOT NULL DEFAULT 1,
          `ubicacion`       VARCHAR(100) DEFAULT NULL,
          `fecha_asignacion` DATETIME DEFAULT CURRENT_TIMESTAMP(),
          `ultimo_acceso`   DATETIME DEFAULT NULL,
          PRIMARY KEY (`usuario_id`, `nodo_id`),
          FOREIGN KEY (`usuario_id`) REFERENCES Usuarios(id),
          FOREIGN KEY (`nodo_id`)   REFERENCES Nodos(id)
        ) ENGINE=InnoDB
          DEFAULT CHARSET=utf8mb4
          COLLATE=utf8mb4_uca1400_ai_ci
        """
    static let usuariosNodosColumns = [
        "usuario_id", "nodo_id", "activo", "ubicacion", "fecha_asignacion", "ultimo_acceso",
    ]

    /// The keys other tables reference: `id INT(10) UNSIGNED` on a new database, whatever an
    /// adopted one has (version 0.1 created `usuario_id`/`nodo_id INT`).
    struct Keys: Equatable {
        var user: String
        var userType: String
        var node: String
        var nodeType: String

        static let original = Keys(user: "id", userType: "INT(10) UNSIGNED", node: "id", nodeType: "INT(10) UNSIGNED")
    }

    /// The MariaDB definition of a column `db migrate` creates or adds under its standard name.
    static func definition(_ column: DirectoryColumn) -> String {
        switch column {
        case .userID, .nodeID: "INT(10) UNSIGNED NOT NULL AUTO_INCREMENT"
        case .username: "VARCHAR(64) NOT NULL"
        case .passwordHash: "VARCHAR(255) NOT NULL DEFAULT ''"
        case .email: "VARCHAR(254) DEFAULT NULL"
        case .fullName, .nodeName: "VARCHAR(100) DEFAULT NULL"
        case .isAdmin: "TINYINT(1) NOT NULL DEFAULT 0"
        case .userActive, .nodeActive: "TINYINT(1) NOT NULL DEFAULT 1"
        case .removedAt, .lastSeen: "DATETIME DEFAULT NULL"
        case .userCreatedAt, .nodeCreatedAt: "DATETIME DEFAULT CURRENT_TIMESTAMP()"
        case .espID: "VARCHAR(64) NOT NULL"
        case .nodeDescription: "VARCHAR(255) DEFAULT NULL"
        }
    }

    /// Columns that must be unique on their own (lookups by them return one row).
    static let uniqueColumns: [DirectoryColumn] = [.username, .email, .espID]

    static func createDirectoryTable(_ table: String) -> String {
        let roles = DirectoryColumn.of(table: table)
        let key = roles.first(where: \.isKey)!
        var lines = roles.map { "  \(SQLName.quote($0.standardName)) \(definition($0))" }
        lines.append("  PRIMARY KEY (\(SQLName.quote(key.standardName)))")
        for unique in uniqueColumns where unique.table == table {
            lines.append(
                "  UNIQUE KEY \(SQLName.quote("\(table)_\(unique.standardName)")) (\(SQLName.quote(unique.standardName)))"
            )
        }
        return "CREATE TABLE \(SQLName.quote(table)) (\n\(lines.joined(separator: ",\n"))\n) \(tableOptions)"
    }

    /// `UsuariosNodos` for keys: the original DDL, or (on a 0.1 database that lost it) the same
    /// table referencing the keys that are there.
    static func createUsuariosNodos(_ keys: Keys) -> String {
        guard keys != .original else { return originalUsuariosNodos }
        return
            originalUsuariosNodos
            .replacingOccurrences(
                of: "`usuario_id`      INT(10) UNSIGNED", with: "`usuario_id`      \(keys.userType.uppercased())"
            )
            .replacingOccurrences(
                of: "`nodo_id`         INT(10) UNSIGNED", with: "`nodo_id`         \(keys.nodeType.uppercased())"
            )
            .replacingOccurrences(of: "Usuarios(id)", with: "Usuarios(\(SQLName.quote(keys.user)))")
            .replacingOccurrences(of: "Nodos(id)", with: "Nodos(\(SQLName.quote(keys.node)))")
    }

    /// One of EnerTrack's own tables: `body` with `{user}`/`{node}` for the referencing
    /// column definitions and `{users}`/`{nodes}` for the referenced keys.
    struct OwnTable {
        let name: String
        let body: String

        func create(_ keys: Keys) -> String {
            let text =
                body
                .replacingOccurrences(of: "{user}", with: "\(keys.userType.uppercased()) NOT NULL")
                .replacingOccurrences(of: "{node}", with: "\(keys.nodeType.uppercased()) NOT NULL")
                .replacingOccurrences(of: "{node?}", with: "\(keys.nodeType.uppercased()) NULL")
                .replacingOccurrences(of: "{users}", with: "`Usuarios` (\(SQLName.quote(keys.user)))")
                .replacingOccurrences(of: "{nodes}", with: "`Nodos` (\(SQLName.quote(keys.node)))")
            return "CREATE TABLE \(SQLName.quote(name)) (\n\(text)\n) \(tableOptions)"
        }

        /// Whether a referencing column may be NULL (`{node?}`).
        func isNullable(_ column: String) -> Bool { body.contains("\(SQLName.quote(column)) {node?}") }

        /// (constraint, column, referenced table) of each foreign key to `Usuarios`/`Nodos`.
        var references: [(constraint: String, column: String, table: String)] {
            body.split(separator: "\n").compactMap { line in
                guard let start = line.range(of: "CONSTRAINT `"), line.contains("FOREIGN KEY"),
                    line.contains("{users}") || line.contains("{nodes}")
                else { return nil }
                let name = line[start.upperBound...].prefix { $0 != "`" }
                let column = line.split(separator: "`")[3]
                return (String(name), String(column), line.contains("{users}") ? "Usuarios" : "Nodos")
            }
        }
    }

    /// Thresholds and their state, queued notifications, Telegram links and one-time codes,
    /// per-user language, and named values (leases, the bot's update offset). Times are ms.
    static let alertsTelegram = [
        OwnTable(
            name: "alert_rules",
            body: """
                  `usuario_id` {user},
                  `nodo_id` {node},
                  `threshold_kw` DOUBLE NOT NULL,
                  `state` VARCHAR(16) NOT NULL DEFAULT 'ok',
                  `since` BIGINT NULL,
                  `last_notified` BIGINT NULL,
                  `silent_since` BIGINT NULL,
                  PRIMARY KEY (`usuario_id`, `nodo_id`),
                  CONSTRAINT `fk_ar_usuario` FOREIGN KEY (`usuario_id`) REFERENCES {users} ON DELETE CASCADE,
                  CONSTRAINT `fk_ar_nodo` FOREIGN KEY (`nodo_id`) REFERENCES {nodes} ON DELETE CASCADE
                """),
        OwnTable(
            name: "alert_outbox",
            body: """
                  `id` BIGINT NOT NULL AUTO_INCREMENT,
                  `usuario_id` {user},
                  `text` TEXT NOT NULL,
                  `created_at` BIGINT NOT NULL,
                  `attempts` INT NOT NULL DEFAULT 0,
                  `last_error` VARCHAR(255) NULL,
                  PRIMARY KEY (`id`),
                  CONSTRAINT `fk_ao_usuario` FOREIGN KEY (`usuario_id`) REFERENCES {users} ON DELETE CASCADE
                """),
        OwnTable(
            name: "telegram_links",
            body: """
                  `usuario_id` {user},
                  `chat_id` BIGINT NOT NULL,
                  `linked_at` BIGINT NOT NULL,
                  PRIMARY KEY (`usuario_id`),
                  UNIQUE KEY `telegram_links_chat` (`chat_id`),
                  CONSTRAINT `fk_tl_usuario` FOREIGN KEY (`usuario_id`) REFERENCES {users} ON DELETE CASCADE
                """),
        OwnTable(
            name: "telegram_codes",
            body: """
                  `usuario_id` {user},
                  `code_hash` CHAR(64) NOT NULL,
                  `expires_at` BIGINT NOT NULL,
                  PRIMARY KEY (`usuario_id`),
                  UNIQUE KEY `telegram_codes_hash` (`code_hash`),
                  CONSTRAINT `fk_tc_usuario` FOREIGN KEY (`usuario_id`) REFERENCES {users} ON DELETE CASCADE
                """),
        OwnTable(
            name: "user_settings",
            body: """
                  `usuario_id` {user},
                  `language` CHAR(2) NOT NULL,
                  PRIMARY KEY (`usuario_id`),
                  CONSTRAINT `fk_us_usuario` FOREIGN KEY (`usuario_id`) REFERENCES {users} ON DELETE CASCADE
                """),
        OwnTable(
            name: "enertrack_state",
            body: """
                  `name` VARCHAR(64) NOT NULL,
                  `value` VARCHAR(255) NOT NULL,
                  PRIMARY KEY (`name`)
                """),
    ]

    /// Browser sessions (shared by every serve instance), API tokens, login failures for
    /// throttling. Ids and tokens are stored as SHA-256 hashes.
    static let web = [
        OwnTable(
            name: "web_sessions",
            body: """
                  `id_hash` CHAR(64) NOT NULL,
                  `usuario_id` {user},
                  `csrf_token` VARCHAR(64) NOT NULL,
                  `created_at` BIGINT NOT NULL,
                  `last_seen` BIGINT NOT NULL,
                  PRIMARY KEY (`id_hash`),
                  KEY `web_sessions_user` (`usuario_id`),
                  CONSTRAINT `fk_ws_usuario` FOREIGN KEY (`usuario_id`) REFERENCES {users} ON DELETE CASCADE
                """),
        OwnTable(
            name: "api_tokens",
            body: """
                  `token_hash` CHAR(64) NOT NULL,
                  `usuario_id` {user},
                  `name` VARCHAR(100) NOT NULL,
                  `created_at` BIGINT NOT NULL,
                  PRIMARY KEY (`token_hash`),
                  CONSTRAINT `fk_at_usuario` FOREIGN KEY (`usuario_id`) REFERENCES {users} ON DELETE CASCADE
                """),
        OwnTable(
            name: "login_throttle",
            body: """
                  `throttle_key` VARCHAR(255) NOT NULL,
                  `failures` INT NOT NULL,
                  `last_failure` BIGINT NOT NULL,
                  PRIMARY KEY (`throttle_key`)
                """),
    ]

    /// The mapping `db migrate` found, so later runs read the same columns.
    static let columns = OwnTable(
        name: columnsTable,
        body: """
              `role` VARCHAR(64) NOT NULL,
              `column_name` VARCHAR(64) NOT NULL,
              PRIMARY KEY (`role`)
            """)

    /// Tariffs (their canonical file text), who has which from which local day, dynamic prices
    /// per hour or 15 minutes, and monthly budgets (a NULL node: all the user's meters).
    static let money = [
        OwnTable(
            name: "tariffs",
            body: """
                  `name` VARCHAR(64) NOT NULL,
                  `currency` CHAR(3) NOT NULL,
                  `definition` MEDIUMTEXT NOT NULL,
                  `updated_at` BIGINT NOT NULL,
                  PRIMARY KEY (`name`)
                """),
        OwnTable(
            name: "tariff_node_assignments",
            body: """
                  `nodo_id` {node},
                  `from_day` CHAR(10) NOT NULL,
                  `tariff` VARCHAR(64) NOT NULL,
                  PRIMARY KEY (`nodo_id`, `from_day`),
                  KEY `tna_tariff` (`tariff`),
                  CONSTRAINT `fk_tna_nodo` FOREIGN KEY (`nodo_id`) REFERENCES {nodes} ON DELETE CASCADE,
                  CONSTRAINT `fk_tna_tariff` FOREIGN KEY (`tariff`) REFERENCES `tariffs` (`name`)
                """),
        OwnTable(
            name: "tariff_user_assignments",
            body: """
                  `usuario_id` {user},
                  `from_day` CHAR(10) NOT NULL,
                  `tariff` VARCHAR(64) NOT NULL,
                  PRIMARY KEY (`usuario_id`, `from_day`),
                  KEY `tua_tariff` (`tariff`),
                  CONSTRAINT `fk_tua_usuario` FOREIGN KEY (`usuario_id`) REFERENCES {users} ON DELETE CASCADE,
                  CONSTRAINT `fk_tua_tariff` FOREIGN KEY (`tariff`) REFERENCES `tariffs` (`name`)
                """),
        OwnTable(
            name: "tariff_prices",
            body: """
                  `tariff` VARCHAR(64) NOT NULL,
                  `time` BIGINT NOT NULL,
                  `duration` INT NOT NULL,
                  `price` DOUBLE NOT NULL,
                  PRIMARY KEY (`tariff`, `time`),
                  CONSTRAINT `fk_tp_tariff` FOREIGN KEY (`tariff`) REFERENCES `tariffs` (`name`)
                """),
        OwnTable(
            name: "budget_rules",
            body: """
                  `id` BIGINT NOT NULL AUTO_INCREMENT,
                  `usuario_id` {user},
                  `nodo_id` {node?},
                  `scope` BIGINT NOT NULL,
                  `monthly` VARCHAR(32) NOT NULL,
                  `notified_month` CHAR(7) NULL,
                  `created_at` BIGINT NOT NULL,
                  PRIMARY KEY (`id`),
                  UNIQUE KEY `budget_rules_scope` (`usuario_id`, `scope`),
                  CONSTRAINT `fk_br_usuario` FOREIGN KEY (`usuario_id`) REFERENCES {users} ON DELETE CASCADE,
                  CONSTRAINT `fk_br_nodo` FOREIGN KEY (`nodo_id`) REFERENCES {nodes} ON DELETE CASCADE
                """),
    ]

    static var ownTables: [OwnTable] { alertsTelegram + web + [columns] + money + sites + devices + corrections }

    /// Numbered, append-only migrations: identifier and the tables it ensures.
    static let migrations: [(id: String, tables: [String])] = [
        ("0001_directory", ["Usuarios", "Nodos", "UsuariosNodos"]),
        ("0002_alerts_telegram", alertsTelegram.map(\.name)),
        ("0003_web", web.map(\.name)),
        ("0004_column_map", [columnsTable]),
        ("0005_money", money.map(\.name)),
        ("0006_sites", sites.map(\.name)),
        ("0007_devices", devices.map(\.name)),
        ("0008_corrections", corrections.map(\.name)),
    ]
}

// MARK: What the database has

/// What information_schema says about the database, read in a few queries.
struct SchemaInspection {
    /// Table → its columns in order; only tables that exist.
    var tables: [String: [ExistingColumn]] = [:]
    /// Table → its unique indexes' column lists.
    var uniqueIndexes: [String: [[String]]] = [:]
    /// Foreign keys into `Usuarios` and `Nodos`: (table, constraint, column, referenced table, referenced column).
    typealias Reference = (table: String, constraint: String, column: String, to: String, toColumn: String)
    var references: [Reference] = []
    /// Table → index name → its columns.
    var indexes: [String: [String: [String]]] = [:]
    var applied: Set<String> = []
    var recorded: [DirectoryColumn: String] = [:]

    func has(_ table: String) -> Bool { tables[table] != nil }

    func column(_ table: String, _ name: String) -> ExistingColumn? {
        tables[table]?.first { $0.name.lowercased() == name.lowercased() }
    }

    static func read(_ connection: MariaDBConnection) throws -> SchemaInspection {
        var inspection = SchemaInspection()
        for row in try connection.query(
            """
            SELECT TABLE_NAME, COLUMN_NAME, COLUMN_TYPE, EXTRA FROM information_schema.COLUMNS
            WHERE TABLE_SCHEMA = DATABASE() ORDER BY TABLE_NAME, ORDINAL_POSITION
            """)
        {
            guard let table = row.string("table_name"), let name = row.string("column_name") else { continue }
            inspection.tables[table, default: []].append(
                ExistingColumn(
                    name: name, type: row.string("column_type") ?? "",
                    isAutoIncrement: (row.string("extra") ?? "").lowercased().contains("auto_increment")))
        }
        for row in try connection.query(
            """
            SELECT TABLE_NAME, INDEX_NAME, COLUMN_NAME, NON_UNIQUE FROM information_schema.STATISTICS
            WHERE TABLE_SCHEMA = DATABASE() ORDER BY TABLE_NAME, INDEX_NAME, SEQ_IN_INDEX
            """)
        {
            guard let table = row.string("table_name"), let index = row.string("index_name"),
                let column = row.string("column_name")
            else { continue }
            inspection.indexes[table, default: [:]][index, default: []].append(column)
        }
        for row in try connection.query(
            """
            SELECT DISTINCT TABLE_NAME, INDEX_NAME FROM information_schema.STATISTICS
            WHERE TABLE_SCHEMA = DATABASE() AND NON_UNIQUE = 0
            """)
        {
            guard let table = row.string("table_name"), let index = row.string("index_name"),
                let columns = inspection.indexes[table]?[index]
            else { continue }
            inspection.uniqueIndexes[table, default: []].append(columns)
        }
        for row in try connection.query(
            """
            SELECT TABLE_NAME, CONSTRAINT_NAME, COLUMN_NAME, REFERENCED_TABLE_NAME, REFERENCED_COLUMN_NAME
            FROM information_schema.KEY_COLUMN_USAGE
            WHERE TABLE_SCHEMA = DATABASE() AND REFERENCED_TABLE_SCHEMA = DATABASE()
              AND REFERENCED_TABLE_NAME IN ('Usuarios', 'Nodos')
            """)
        {
            guard let table = row.string("table_name"), let constraint = row.string("constraint_name"),
                let column = row.string("column_name"), let to = row.string("referenced_table_name"),
                let toColumn = row.string("referenced_column_name")
            else { continue }
            inspection.references.append((table, constraint, column, to, toColumn))
        }
        if inspection.has(MariaDBSchema.migrationsTable) {
            inspection.applied = Set(
                try connection.query("SELECT id FROM \(SQLName.quote(MariaDBSchema.migrationsTable))").compactMap {
                    $0.string("id")
                })
        }
        if inspection.has(MariaDBSchema.columnsTable) {
            for row in try connection.query(
                "SELECT role, column_name FROM \(SQLName.quote(MariaDBSchema.columnsTable))")
            {
                if let role = row.string("role").flatMap(DirectoryColumn.init(rawValue:)),
                    let name = row.string("column_name")
                {
                    inspection.recorded[role] = name
                }
            }
        }
        return inspection
    }
}
