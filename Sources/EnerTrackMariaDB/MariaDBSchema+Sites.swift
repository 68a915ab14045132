import EnerTrackCore
import Foundation

/// Own tables of sites and meter places, of the sources of readings, and of per-phase alert limits.
extension MariaDBSchema {
    /// Sites (a home, a school) and each placed meter's site, role and parent circuit.
    static let sites = [
        OwnTable(
            name: "sites",
            body: """
                  `name` VARCHAR(64) NOT NULL,
                  `display_name` VARCHAR(100) NULL,
                  `time_zone` VARCHAR(64) NULL,
                  `active` TINYINT(1) NOT NULL DEFAULT 1,
                  `created_at` BIGINT NOT NULL,
                  PRIMARY KEY (`name`)
                """),
        OwnTable(
            name: "site_meters",
            body: """
                  `nodo_id` {node},
                  `site` VARCHAR(64) NOT NULL,
                  `role` VARCHAR(16) NOT NULL,
                  `parent_id` {node?},
                  PRIMARY KEY (`nodo_id`),
                  KEY `sm_site` (`site`),
                  CONSTRAINT `fk_sm_nodo` FOREIGN KEY (`nodo_id`) REFERENCES {nodes} ON DELETE CASCADE,
                  CONSTRAINT `fk_sm_parent` FOREIGN KEY (`parent_id`) REFERENCES {nodes},
                  CONSTRAINT `fk_sm_site` FOREIGN KEY (`site`) REFERENCES `sites` (`name`)
                """),
    ]

    /// Where readings come from (`enertrack source`): a topic filter and its decoder; and the
    /// per-phase limits of alert rules on three-phase meters.
    static let devices = [
        OwnTable(
            name: "alert_phase_limits",
            body: """
                  `usuario_id` {user},
                  `nodo_id` {node},
                  `phase_kw` DOUBLE NOT NULL,
                  PRIMARY KEY (`usuario_id`, `nodo_id`),
                  CONSTRAINT `fk_apl_usuario` FOREIGN KEY (`usuario_id`) REFERENCES {users} ON DELETE CASCADE,
                  CONSTRAINT `fk_apl_nodo` FOREIGN KEY (`nodo_id`) REFERENCES {nodes} ON DELETE CASCADE
                """),
        OwnTable(
            name: "meter_sources",
            body: """
                  `name` VARCHAR(64) NOT NULL,
                  `topic_filter` VARCHAR(512) NOT NULL,
                  `decoder` VARCHAR(16) NOT NULL,
                  `sensor_map` TEXT NULL,
                  `discovery_prefix` VARCHAR(255) NULL,
                  `created_at` BIGINT NOT NULL,
                  PRIMARY KEY (`name`)
                """),
    ]

    /// The audit trail of corrections to readings (`enertrack readings delete|correct`).
    static let corrections = [
        OwnTable(
            name: "reading_corrections",
            body: """
                  `id` BIGINT NOT NULL AUTO_INCREMENT,
                  `node` VARCHAR(64) NOT NULL,
                  `action` VARCHAR(16) NOT NULL,
                  `detail` VARCHAR(255) NOT NULL,
                  `from_ms` BIGINT NOT NULL,
                  `to_ms` BIGINT NOT NULL,
                  `actor` VARCHAR(255) NOT NULL,
                  `created_at` BIGINT NOT NULL,
                  `readings` BIGINT NOT NULL,
                  `days` MEDIUMTEXT NOT NULL,
                  `reason` VARCHAR(500) NULL,
                  `store` VARCHAR(500) NOT NULL,
                  PRIMARY KEY (`id`),
                  KEY `rc_node` (`node`, `created_at`)
                """)
    ]
}
