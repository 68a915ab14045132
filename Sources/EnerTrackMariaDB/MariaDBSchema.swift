import EnerTrackCore

/// The directory schema on MariaDB: the earlier deployment's tables, created when missing and
/// adopted when present (only missing columns and indexes are added; nothing is dropped or rewritten).
enum MariaDBSchema {
    static let migrationsTable = "enertrack_schema_migrations"
    static let tableOptions = "ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_uca1400_ai_ci"

    /// `UsuariosNodos` exactly as the earlier deployment defined it; never edited, only added to by later migrations.
    static let usuariosNodosDDL = """
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

    /// A table this version needs: how to create it, and the columns to add when adopting an older one.
    struct Table {
        let name: String
        let create: String
        /// Column name → definition, added with ALTER TABLE when an adopted table lacks them.
        let columns: [(String, String)]
        /// Unique indexes (name, column) added when no unique index covers the column.
        let uniqueIndexes: [(String, String)]
    }

    static let usuarios = Table(
        name: "Usuarios",
        create: """
            CREATE TABLE `Usuarios` (
              `usuario_id` INT NOT NULL AUTO_INCREMENT,
              `nombreUsuario` VARCHAR(64) NOT NULL,
              `password_hash` VARCHAR(255) NOT NULL DEFAULT '',
              `email` VARCHAR(254) DEFAULT NULL,
              `nombre` VARCHAR(100) DEFAULT NULL,
              `es_admin` TINYINT(1) NOT NULL DEFAULT 0,
              `activo` TINYINT(1) NOT NULL DEFAULT 1,
              `eliminado_en` TIMESTAMP NULL DEFAULT NULL,
              `fecha_creacion` TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP,
              PRIMARY KEY (`usuario_id`),
              UNIQUE KEY `Usuarios_nombreUsuario` (`nombreUsuario`),
              UNIQUE KEY `Usuarios_email` (`email`)
            ) \(tableOptions)
            """,
        columns: [
            ("password_hash", "VARCHAR(255) NOT NULL DEFAULT ''"), ("email", "VARCHAR(254) DEFAULT NULL"),
            ("nombre", "VARCHAR(100) DEFAULT NULL"), ("es_admin", "TINYINT(1) NOT NULL DEFAULT 0"),
            ("activo", "TINYINT(1) NOT NULL DEFAULT 1"), ("eliminado_en", "TIMESTAMP NULL DEFAULT NULL"),
            ("fecha_creacion", "TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP"),
        ],
        uniqueIndexes: [("Usuarios_nombreUsuario", "nombreUsuario"), ("Usuarios_email", "email")])

    static let nodos = Table(
        name: "Nodos",
        create: """
            CREATE TABLE `Nodos` (
              `nodo_id` INT NOT NULL AUTO_INCREMENT,
              `esp_id` VARCHAR(64) NOT NULL,
              `nombre` VARCHAR(100) DEFAULT NULL,
              `descripcion` VARCHAR(255) DEFAULT NULL,
              `activo` TINYINT(1) NOT NULL DEFAULT 1,
              `fecha_creacion` TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP,
              `ultima_conexion` TIMESTAMP NULL DEFAULT NULL,
              PRIMARY KEY (`nodo_id`),
              UNIQUE KEY `Nodos_esp_id` (`esp_id`)
            ) \(tableOptions)
            """,
        columns: [
            ("nombre", "VARCHAR(100) DEFAULT NULL"), ("descripcion", "VARCHAR(255) DEFAULT NULL"),
            ("activo", "TINYINT(1) NOT NULL DEFAULT 1"),
            ("fecha_creacion", "TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP"),
            ("ultima_conexion", "TIMESTAMP NULL DEFAULT NULL"),
        ],
        uniqueIndexes: [("Nodos_esp_id", "esp_id")])

    static let usuariosNodos = Table(
        name: "UsuariosNodos", create: usuariosNodosDDL, columns: [], uniqueIndexes: [])

    static func table(_ name: String, _ body: String) -> Table {
        Table(
            name: name, create: "CREATE TABLE `\(name)` (\n\(body)\n) \(tableOptions)", columns: [], uniqueIndexes: [])
    }

    /// Thresholds and their state, queued notifications, Telegram links and one-time codes,
    /// per-user language, and named values (leases, the bot's update offset). Times are ms.
    static let alertsTelegram = [
        table(
            "alert_rules",
            """
              `usuario_id` INT NOT NULL,
              `nodo_id` INT NOT NULL,
              `threshold_kw` DOUBLE NOT NULL,
              `state` VARCHAR(16) NOT NULL DEFAULT 'ok',
              `since` BIGINT NULL,
              `last_notified` BIGINT NULL,
              `silent_since` BIGINT NULL,
              PRIMARY KEY (`usuario_id`, `nodo_id`),
              CONSTRAINT `fk_ar_usuario` FOREIGN KEY (`usuario_id`) REFERENCES `Usuarios` (`usuario_id`) ON DELETE CASCADE,
              CONSTRAINT `fk_ar_nodo` FOREIGN KEY (`nodo_id`) REFERENCES `Nodos` (`nodo_id`) ON DELETE CASCADE
            """),
        table(
            "alert_outbox",
            """
              `id` BIGINT NOT NULL AUTO_INCREMENT,
              `usuario_id` INT NOT NULL,
              `text` TEXT NOT NULL,
              `created_at` BIGINT NOT NULL,
              `attempts` INT NOT NULL DEFAULT 0,
              `last_error` VARCHAR(255) NULL,
              PRIMARY KEY (`id`),
              CONSTRAINT `fk_ao_usuario` FOREIGN KEY (`usuario_id`) REFERENCES `Usuarios` (`usuario_id`) ON DELETE CASCADE
            """),
        table(
            "telegram_links",
            """
              `usuario_id` INT NOT NULL,
              `chat_id` BIGINT NOT NULL,
              `linked_at` BIGINT NOT NULL,
              PRIMARY KEY (`usuario_id`),
              UNIQUE KEY `telegram_links_chat` (`chat_id`),
              CONSTRAINT `fk_tl_usuario` FOREIGN KEY (`usuario_id`) REFERENCES `Usuarios` (`usuario_id`) ON DELETE CASCADE
            """),
        table(
            "telegram_codes",
            """
              `usuario_id` INT NOT NULL,
              `code_hash` CHAR(64) NOT NULL,
              `expires_at` BIGINT NOT NULL,
              PRIMARY KEY (`usuario_id`),
              UNIQUE KEY `telegram_codes_hash` (`code_hash`),
              CONSTRAINT `fk_tc_usuario` FOREIGN KEY (`usuario_id`) REFERENCES `Usuarios` (`usuario_id`) ON DELETE CASCADE
            """),
        table(
            "user_settings",
            """
              `usuario_id` INT NOT NULL,
              `language` CHAR(2) NOT NULL,
              PRIMARY KEY (`usuario_id`),
              CONSTRAINT `fk_us_usuario` FOREIGN KEY (`usuario_id`) REFERENCES `Usuarios` (`usuario_id`) ON DELETE CASCADE
            """),
        table(
            "enertrack_state",
            """
              `name` VARCHAR(64) NOT NULL,
              `value` VARCHAR(255) NOT NULL,
              PRIMARY KEY (`name`)
            """),
    ]

    /// Browser sessions (shared by every serve instance), API tokens, login failures for
    /// throttling. Ids and tokens are stored as SHA-256 hashes.
    static let web = [
        table(
            "web_sessions",
            """
              `id_hash` CHAR(64) NOT NULL,
              `usuario_id` INT NOT NULL,
              `csrf_token` VARCHAR(64) NOT NULL,
              `created_at` BIGINT NOT NULL,
              `last_seen` BIGINT NOT NULL,
              PRIMARY KEY (`id_hash`),
              KEY `web_sessions_user` (`usuario_id`),
              CONSTRAINT `fk_ws_usuario` FOREIGN KEY (`usuario_id`) REFERENCES `Usuarios` (`usuario_id`) ON DELETE CASCADE
            """),
        table(
            "api_tokens",
            """
              `token_hash` CHAR(64) NOT NULL,
              `usuario_id` INT NOT NULL,
              `name` VARCHAR(100) NOT NULL,
              `created_at` BIGINT NOT NULL,
              PRIMARY KEY (`token_hash`),
              CONSTRAINT `fk_at_usuario` FOREIGN KEY (`usuario_id`) REFERENCES `Usuarios` (`usuario_id`) ON DELETE CASCADE
            """),
        table(
            "login_throttle",
            """
              `throttle_key` VARCHAR(255) NOT NULL,
              `failures` INT NOT NULL,
              `last_failure` BIGINT NOT NULL,
              PRIMARY KEY (`throttle_key`)
            """),
    ]

    /// Numbered, append-only migrations: identifier and the tables it ensures.
    static let migrations: [(id: String, tables: [Table])] = [
        ("0001_directory", [usuarios, nodos, usuariosNodos]),
        ("0002_alerts_telegram", alertsTelegram),
        ("0003_web", web),
    ]

    /// What one migration would do on this database: SQL to run and a sentence for each.
    static func plan(_ tables: [Table], on connection: MariaDBConnection) throws -> [(sql: String, note: String)] {
        var steps: [(String, String)] = []
        for table in tables {
            let existing = try connection.query(
                "SELECT COLUMN_NAME FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = ?",
                [.text(table.name)]
            ).compactMap { $0.string("column_name") }
            if existing.isEmpty {
                steps.append((table.create, "create table \(table.name)"))
                continue
            }
            let present = Set(existing.map { $0.lowercased() })
            for (column, definition) in table.columns where !present.contains(column.lowercased()) {
                steps.append(
                    (
                        "ALTER TABLE `\(table.name)` ADD COLUMN `\(column)` \(definition)",
                        "add column \(table.name).\(column) (table found from an earlier deployment)"
                    ))
            }
            let unique = Set(
                try connection.query(
                    """
                    SELECT COLUMN_NAME FROM information_schema.STATISTICS
                    WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = ? AND NON_UNIQUE = 0 AND SEQ_IN_INDEX = 1
                    """, [.text(table.name)]
                ).compactMap { $0.string("column_name")?.lowercased() })
            for (index, column) in table.uniqueIndexes where !unique.contains(column.lowercased()) {
                steps.append(
                    (
                        "ALTER TABLE `\(table.name)` ADD UNIQUE KEY `\(index)` (`\(column)`)",
                        "add unique index \(table.name).\(column)"
                    ))
            }
        }
        return steps
    }
}
