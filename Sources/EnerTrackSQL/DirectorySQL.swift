import EnerTrackCore

/// SQL both directory stores share word for word: the tables and columns are the same on
/// SQLite and MariaDB.
public enum DirectorySQL {
    public static let nodeColumns = "nodo_id, esp_id, nombre, descripcion, activo, fecha_creacion, ultima_conexion"

    /// Assignments with their user's and node's names; callers add WHERE and ORDER BY.
    public static let assignments = """
        SELECT u.nombreUsuario, n.esp_id, n.nombre, un.activo, un.ubicacion, un.fecha_asignacion, un.ultimo_acceso
        FROM UsuariosNodos un
        JOIN Usuarios u ON u.usuario_id = un.usuario_id
        JOIN Nodos n ON n.nodo_id = un.nodo_id
        """
}
