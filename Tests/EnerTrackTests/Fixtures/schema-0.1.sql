-- The MariaDB schema EnerTrack 0.1 created (db migrate of commit 15cf730), dumped with
-- mariadb-dump --no-data; load it with foreign_key_checks = 0 (tables are in name order).
CREATE TABLE `Nodos` (
  `nodo_id` int(11) NOT NULL AUTO_INCREMENT,
  `esp_id` varchar(64) NOT NULL,
  `nombre` varchar(100) DEFAULT NULL,
  `descripcion` varchar(255) DEFAULT NULL,
  `activo` tinyint(1) NOT NULL DEFAULT 1,
  `fecha_creacion` timestamp NOT NULL DEFAULT current_timestamp(),
  `ultima_conexion` timestamp NULL DEFAULT NULL,
  PRIMARY KEY (`nodo_id`),
  UNIQUE KEY `Nodos_esp_id` (`esp_id`)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_uca1400_ai_ci;
CREATE TABLE `Usuarios` (
  `usuario_id` int(11) NOT NULL AUTO_INCREMENT,
  `nombreUsuario` varchar(64) NOT NULL,
  `password_hash` varchar(255) NOT NULL DEFAULT '',
  `email` varchar(254) DEFAULT NULL,
  `nombre` varchar(100) DEFAULT NULL,
  `es_admin` tinyint(1) NOT NULL DEFAULT 0,
  `activo` tinyint(1) NOT NULL DEFAULT 1,
  `eliminado_en` timestamp NULL DEFAULT NULL,
  `fecha_creacion` timestamp NOT NULL DEFAULT current_timestamp(),
  PRIMARY KEY (`usuario_id`),
  UNIQUE KEY `Usuarios_nombreUsuario` (`nombreUsuario`),
  UNIQUE KEY `Usuarios_email` (`email`)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_uca1400_ai_ci;
CREATE TABLE `UsuariosNodos` (
  `usuario_id` int(11) NOT NULL,
  `nodo_id` int(11) NOT NULL,
  `activo` tinyint(1) NOT NULL DEFAULT 1,
  `ubicacion` varchar(100) DEFAULT NULL,
  `fecha_asignacion` timestamp NOT NULL DEFAULT current_timestamp(),
  `ultimo_acceso` timestamp NULL DEFAULT NULL,
  PRIMARY KEY (`usuario_id`,`nodo_id`),
  KEY `fk_un_nodo` (`nodo_id`),
  CONSTRAINT `fk_un_nodo` FOREIGN KEY (`nodo_id`) REFERENCES `Nodos` (`nodo_id`) ON DELETE CASCADE,
  CONSTRAINT `fk_un_usuario` FOREIGN KEY (`usuario_id`) REFERENCES `Usuarios` (`usuario_id`) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_uca1400_ai_ci;
CREATE TABLE `alert_outbox` (
  `id` bigint(20) NOT NULL AUTO_INCREMENT,
  `usuario_id` int(11) NOT NULL,
  `text` text NOT NULL,
  `created_at` bigint(20) NOT NULL,
  `attempts` int(11) NOT NULL DEFAULT 0,
  `last_error` varchar(255) DEFAULT NULL,
  PRIMARY KEY (`id`),
  KEY `fk_ao_usuario` (`usuario_id`),
  CONSTRAINT `fk_ao_usuario` FOREIGN KEY (`usuario_id`) REFERENCES `Usuarios` (`usuario_id`) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_uca1400_ai_ci;
CREATE TABLE `alert_rules` (
  `usuario_id` int(11) NOT NULL,
  `nodo_id` int(11) NOT NULL,
  `threshold_kw` double NOT NULL,
  `state` varchar(16) NOT NULL DEFAULT 'ok',
  `since` bigint(20) DEFAULT NULL,
  `last_notified` bigint(20) DEFAULT NULL,
  `silent_since` bigint(20) DEFAULT NULL,
  PRIMARY KEY (`usuario_id`,`nodo_id`),
  KEY `fk_ar_nodo` (`nodo_id`),
  CONSTRAINT `fk_ar_nodo` FOREIGN KEY (`nodo_id`) REFERENCES `Nodos` (`nodo_id`) ON DELETE CASCADE,
  CONSTRAINT `fk_ar_usuario` FOREIGN KEY (`usuario_id`) REFERENCES `Usuarios` (`usuario_id`) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_uca1400_ai_ci;
CREATE TABLE `api_tokens` (
  `token_hash` char(64) NOT NULL,
  `usuario_id` int(11) NOT NULL,
  `name` varchar(100) NOT NULL,
  `created_at` bigint(20) NOT NULL,
  PRIMARY KEY (`token_hash`),
  KEY `fk_at_usuario` (`usuario_id`),
  CONSTRAINT `fk_at_usuario` FOREIGN KEY (`usuario_id`) REFERENCES `Usuarios` (`usuario_id`) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_uca1400_ai_ci;
CREATE TABLE `enertrack_schema_migrations` (
  `id` varchar(100) NOT NULL,
  `applied_at` timestamp NOT NULL DEFAULT current_timestamp(),
  PRIMARY KEY (`id`)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_uca1400_ai_ci;
CREATE TABLE `enertrack_state` (
  `name` varchar(64) NOT NULL,
  `value` varchar(255) NOT NULL,
  PRIMARY KEY (`name`)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_uca1400_ai_ci;
CREATE TABLE `login_throttle` (
  `throttle_key` varchar(255) NOT NULL,
  `failures` int(11) NOT NULL,
  `last_failure` bigint(20) NOT NULL,
  PRIMARY KEY (`throttle_key`)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_uca1400_ai_ci;
CREATE TABLE `telegram_codes` (
  `usuario_id` int(11) NOT NULL,
  `code_hash` char(64) NOT NULL,
  `expires_at` bigint(20) NOT NULL,
  PRIMARY KEY (`usuario_id`),
  UNIQUE KEY `telegram_codes_hash` (`code_hash`),
  CONSTRAINT `fk_tc_usuario` FOREIGN KEY (`usuario_id`) REFERENCES `Usuarios` (`usuario_id`) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_uca1400_ai_ci;
CREATE TABLE `telegram_links` (
  `usuario_id` int(11) NOT NULL,
  `chat_id` bigint(20) NOT NULL,
  `linked_at` bigint(20) NOT NULL,
  PRIMARY KEY (`usuario_id`),
  UNIQUE KEY `telegram_links_chat` (`chat_id`),
  CONSTRAINT `fk_tl_usuario` FOREIGN KEY (`usuario_id`) REFERENCES `Usuarios` (`usuario_id`) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_uca1400_ai_ci;
CREATE TABLE `user_settings` (
  `usuario_id` int(11) NOT NULL,
  `language` char(2) NOT NULL,
  PRIMARY KEY (`usuario_id`),
  CONSTRAINT `fk_us_usuario` FOREIGN KEY (`usuario_id`) REFERENCES `Usuarios` (`usuario_id`) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_uca1400_ai_ci;
CREATE TABLE `web_sessions` (
  `id_hash` char(64) NOT NULL,
  `usuario_id` int(11) NOT NULL,
  `csrf_token` varchar(64) NOT NULL,
  `created_at` bigint(20) NOT NULL,
  `last_seen` bigint(20) NOT NULL,
  PRIMARY KEY (`id_hash`),
  KEY `web_sessions_user` (`usuario_id`),
  CONSTRAINT `fk_ws_usuario` FOREIGN KEY (`usuario_id`) REFERENCES `Usuarios` (`usuario_id`) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_uca1400_ai_ci;

INSERT INTO `enertrack_schema_migrations` (`id`) VALUES ('0001_directory'), ('0002_alerts_telegram'), ('0003_web');
