-- An earlier Flask deployment's directory: Usuarios and Nodos keyed by id INT(10) UNSIGNED (as
-- the UsuariosNodos foreign keys require), their other columns named as such a deployment might
-- have named them, and UsuariosNodos verbatim from the specification.
CREATE TABLE Usuarios (
  id INT(10) UNSIGNED NOT NULL AUTO_INCREMENT,
  usuario VARCHAR(50) NOT NULL,
  correo VARCHAR(120) DEFAULT NULL,
  password VARCHAR(255) NOT NULL,
  nombre_completo VARCHAR(100) DEFAULT NULL,
  is_admin TINYINT(1) NOT NULL DEFAULT 0,
  fecha_registro DATETIME DEFAULT CURRENT_TIMESTAMP(),
  PRIMARY KEY (id),
  UNIQUE KEY usuario (usuario)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_uca1400_ai_ci;
CREATE TABLE Nodos (
  id INT(10) UNSIGNED NOT NULL AUTO_INCREMENT,
  espid VARCHAR(32) NOT NULL,
  name VARCHAR(50) DEFAULT NULL,
  description VARCHAR(200) DEFAULT NULL,
  active TINYINT(1) NOT NULL DEFAULT 1,
  PRIMARY KEY (id),
  UNIQUE KEY espid (espid)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_uca1400_ai_ci;
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
  COLLATE=utf8mb4_uca1400_ai_ci;
