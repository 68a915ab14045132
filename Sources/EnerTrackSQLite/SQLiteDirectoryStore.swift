import EnerTrackCore
import EnerTrackSQL
import Foundation
import GRDB

/// The embedded directory store: one SQLite file in the data directory, WAL mode, foreign keys
/// on, created and migrated on first use.
///
/// Tables and columns are those of the MariaDB deployment (`Usuarios`, `Nodos`, `UsuariosNodos`)
/// so a site can move between the two with the same mental model. SQLite has no accent-insensitive
/// collation, so usernames and emails also keep a folded lookup key (`DirectoryRules.lookupKey`)
/// that carries their uniqueness.
public final class SQLiteDirectoryStore: DirectoryStore {
    public let path: String
    private let pool: DatabasePool

    public var location: String { "sqlite:\(path)" }

    /// Opens (creating if needed) the database at `path` and, unless `migrate` is false (for
    /// `db status` and `db migrate --dry-run`, which must not change anything), applies pending migrations.
    public init(path: String, migrate: Bool = true) throws {
        self.path = path
        pool = try SQLiteFile.open(
            path: path, label: "directory", migrator: migrate ? Self.migrator : nil,
            configure: { $0.foreignKeysEnabled = true }, mapError: { Self.mapError($0, path: path) })
    }

    // MARK: Schema

    static let migrator: DatabaseMigrator = {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("0001_directory") { db in
            try db.execute(sql: """
                CREATE TABLE Usuarios (
                    usuario_id INTEGER PRIMARY KEY AUTOINCREMENT,
                    nombreUsuario TEXT NOT NULL,
                    usuario_clave TEXT NOT NULL UNIQUE,
                    password_hash TEXT NOT NULL DEFAULT '',
                    email TEXT,
                    email_clave TEXT UNIQUE,
                    nombre TEXT,
                    es_admin INTEGER NOT NULL DEFAULT 0,
                    activo INTEGER NOT NULL DEFAULT 1,
                    eliminado_en TEXT,
                    fecha_creacion TEXT NOT NULL DEFAULT CURRENT_TIMESTAMP
                );
                CREATE TABLE Nodos (
                    nodo_id INTEGER PRIMARY KEY AUTOINCREMENT,
                    esp_id TEXT NOT NULL UNIQUE COLLATE NOCASE,
                    nombre TEXT,
                    descripcion TEXT,
                    activo INTEGER NOT NULL DEFAULT 1,
                    fecha_creacion TEXT NOT NULL DEFAULT CURRENT_TIMESTAMP,
                    ultima_conexion TEXT
                );
                CREATE TABLE UsuariosNodos (
                    usuario_id INTEGER NOT NULL REFERENCES Usuarios (usuario_id) ON DELETE CASCADE ON UPDATE CASCADE,
                    nodo_id INTEGER NOT NULL REFERENCES Nodos (nodo_id) ON DELETE CASCADE ON UPDATE CASCADE,
                    activo INTEGER NOT NULL DEFAULT 1,
                    ubicacion TEXT,
                    fecha_asignacion TEXT NOT NULL DEFAULT CURRENT_TIMESTAMP,
                    ultimo_acceso TEXT,
                    PRIMARY KEY (usuario_id, nodo_id)
                );
                CREATE INDEX UsuariosNodos_nodo ON UsuariosNodos (nodo_id);
                """)
        }
        migrator.registerMigration("0002_alerts_telegram") { db in
            // Thresholds and their state, queued notifications, Telegram links and one-time
            // codes, per-user language, and named values (leases, the bot's update offset).
            try db.execute(sql: """
                CREATE TABLE alert_rules (
                    usuario_id INTEGER NOT NULL REFERENCES Usuarios (usuario_id) ON DELETE CASCADE,
                    nodo_id INTEGER NOT NULL REFERENCES Nodos (nodo_id) ON DELETE CASCADE,
                    threshold_kw REAL NOT NULL,
                    state TEXT NOT NULL DEFAULT 'ok',
                    since INTEGER,
                    last_notified INTEGER,
                    silent_since INTEGER,
                    PRIMARY KEY (usuario_id, nodo_id)
                );
                CREATE TABLE alert_outbox (
                    id INTEGER PRIMARY KEY AUTOINCREMENT,
                    usuario_id INTEGER NOT NULL REFERENCES Usuarios (usuario_id) ON DELETE CASCADE,
                    text TEXT NOT NULL,
                    created_at INTEGER NOT NULL,
                    attempts INTEGER NOT NULL DEFAULT 0,
                    last_error TEXT
                );
                CREATE TABLE telegram_links (
                    usuario_id INTEGER PRIMARY KEY REFERENCES Usuarios (usuario_id) ON DELETE CASCADE,
                    chat_id INTEGER NOT NULL UNIQUE,
                    linked_at INTEGER NOT NULL
                );
                CREATE TABLE telegram_codes (
                    usuario_id INTEGER PRIMARY KEY REFERENCES Usuarios (usuario_id) ON DELETE CASCADE,
                    code_hash TEXT NOT NULL UNIQUE,
                    expires_at INTEGER NOT NULL
                );
                CREATE TABLE user_settings (
                    usuario_id INTEGER PRIMARY KEY REFERENCES Usuarios (usuario_id) ON DELETE CASCADE,
                    language TEXT NOT NULL
                );
                CREATE TABLE enertrack_state (
                    name TEXT PRIMARY KEY,
                    value TEXT NOT NULL
                );
                """)
        }
        migrator.registerMigration("0003_web") { db in
            // Browser sessions (server-side, shared by every serve instance), API tokens, and
            // login failures for throttling. Ids and tokens are stored as SHA-256 hashes.
            try db.execute(sql: """
                CREATE TABLE web_sessions (
                    id_hash TEXT PRIMARY KEY,
                    usuario_id INTEGER NOT NULL REFERENCES Usuarios (usuario_id) ON DELETE CASCADE,
                    csrf_token TEXT NOT NULL,
                    created_at INTEGER NOT NULL,
                    last_seen INTEGER NOT NULL
                );
                CREATE INDEX web_sessions_user ON web_sessions (usuario_id);
                CREATE TABLE api_tokens (
                    token_hash TEXT PRIMARY KEY,
                    usuario_id INTEGER NOT NULL REFERENCES Usuarios (usuario_id) ON DELETE CASCADE,
                    name TEXT NOT NULL,
                    created_at INTEGER NOT NULL
                );
                CREATE TABLE login_throttle (
                    throttle_key TEXT PRIMARY KEY,
                    failures INTEGER NOT NULL,
                    last_failure INTEGER NOT NULL
                );
                """)
        }
        return migrator
    }()

    public func migrate(dryRun: Bool) async throws -> SchemaStatus {
        let before = try await schemaStatus()
        guard !dryRun, !before.pending.isEmpty else { return before }
        do { try Self.migrator.migrate(pool) } catch { throw Self.mapError(error, path: path) }
        var after = try await schemaStatus()
        after.pending = before.pending
        return after
    }

    public func schemaStatus() async throws -> SchemaStatus {
        try await read { db in
            let applied = try Self.migrator.appliedIdentifiers(db)
            let known = Self.migrator.migrations
            return SchemaStatus(
                store: "sqlite", location: self.path,
                applied: known.filter(applied.contains), pending: known.filter { !applied.contains($0) })
        }
    }

    // MARK: Users

    private static let userColumns = """
        usuario_id, nombreUsuario, email, nombre, es_admin, activo, eliminado_en, fecha_creacion, password_hash
        """

    private static func user(from row: Row) -> User {
        User(
            id: row["usuario_id"], username: row["nombreUsuario"], email: row["email"], name: row["nombre"],
            isAdmin: row["es_admin"], isActive: row["activo"], removedAt: row["eliminado_en"],
            createdAt: row["fecha_creacion"], passwordHash: row["password_hash"])
    }

    public func addUser(_ user: NewUser) async throws -> User {
        try await write { db in
            if try Self.fetchUser(db, key: DirectoryRules.lookupKey(user.username)) != nil {
                throw DirectoryError.duplicate(what: "user", value: user.username)
            }
            if try Row.fetchOne(db, sql: "SELECT 1 FROM Usuarios WHERE email_clave = ?",
                                arguments: [DirectoryRules.lookupKey(user.email)]) != nil {
                throw DirectoryError.duplicate(what: "email", value: user.email)
            }
            try db.execute(
                sql: """
                    INSERT INTO Usuarios (nombreUsuario, usuario_clave, password_hash, email, email_clave, nombre,
                                          es_admin, activo, fecha_creacion)
                    VALUES (?, ?, ?, ?, ?, ?, ?, 1, ?)
                    """,
                arguments: [user.username, DirectoryRules.lookupKey(user.username), user.passwordHash, user.email,
                            DirectoryRules.lookupKey(user.email), user.name, user.isAdmin, Date()])
            return try Self.requireUser(db, user.username)
        }
    }

    public func users(includeRemoved: Bool) async throws -> [User] {
        try await read { db in
            let filter = includeRemoved ? "" : "WHERE eliminado_en IS NULL"
            return try Row.fetchAll(db, sql: "SELECT \(Self.userColumns) FROM Usuarios \(filter) ORDER BY usuario_clave")
                .map(Self.user(from:))
        }
    }

    public func user(named name: String) async throws -> User? {
        try await read { db in try Self.fetchUser(db, key: DirectoryRules.lookupKey(name)) }
    }

    private static func fetchUser(_ db: Database, key: String) throws -> User? {
        try Row.fetchOne(
            db, sql: "SELECT \(userColumns) FROM Usuarios WHERE usuario_clave = ? OR email_clave = ? ORDER BY usuario_clave = ? DESC LIMIT 1",
            arguments: [key, key, key]
        ).map(user(from:))
    }

    private static func requireUser(_ db: Database, _ name: String) throws -> User {
        guard let user = try fetchUser(db, key: DirectoryRules.lookupKey(name)) else {
            throw DirectoryError.unknownUser(name)
        }
        return user
    }

    public func setPasswordHash(_ hash: String, username: String) async throws {
        try await write { db in
            let user = try Self.requireUser(db, username)
            try db.execute(sql: "UPDATE Usuarios SET password_hash = ? WHERE usuario_id = ?", arguments: [hash, user.id])
        }
    }

    public func setUserActive(_ active: Bool, username: String) async throws -> User {
        try await write { db in
            let user = try Self.requireUser(db, username)
            // Enabling a removed user brings it back; its assignments stay inactive until re-added.
            try db.execute(
                sql: "UPDATE Usuarios SET activo = ?, eliminado_en = CASE WHEN ? THEN NULL ELSE eliminado_en END WHERE usuario_id = ?",
                arguments: [active, active, user.id])
            return try Self.requireUser(db, username)
        }
    }

    public func removeUser(username: String) async throws -> User {
        try await write { db in
            let user = try Self.requireUser(db, username)
            if user.removedAt == nil {
                try db.execute(sql: "UPDATE Usuarios SET activo = 0, eliminado_en = ? WHERE usuario_id = ?",
                               arguments: [Date(), user.id])
            }
            try db.execute(sql: "UPDATE UsuariosNodos SET activo = 0 WHERE usuario_id = ?", arguments: [user.id])
            return try Self.requireUser(db, username)
        }
    }

    // MARK: Nodes

    private static let nodeColumns = DirectorySQL.nodeColumns

    private static func node(from row: Row) -> Node {
        Node(
            id: row["nodo_id"], espID: row["esp_id"], name: row["nombre"], description: row["descripcion"],
            isActive: row["activo"], createdAt: row["fecha_creacion"], lastSeen: row["ultima_conexion"])
    }

    private static func fetchNode(_ db: Database, _ espID: String) throws -> Node? {
        try Row.fetchOne(db, sql: "SELECT \(nodeColumns) FROM Nodos WHERE esp_id = ?", arguments: [espID])
            .map(node(from:))
    }

    private static func requireNode(_ db: Database, _ espID: String) throws -> Node {
        guard let node = try fetchNode(db, espID) else { throw DirectoryError.unknownNode(espID) }
        return node
    }

    public func addNode(espID: String, name: String?, description: String?, active: Bool) async throws -> Node {
        try await write { db in
            try DirectoryRules.checkNewNode(existing: try Self.fetchNode(db, espID))
            try db.execute(
                sql: "INSERT INTO Nodos (esp_id, nombre, descripcion, activo, fecha_creacion) VALUES (?, ?, ?, ?, ?)",
                arguments: [espID, name, description, active, Date()])
            return try Self.requireNode(db, espID)
        }
    }

    public func resolveSeenNodes(_ espIDs: [String], register: Bool) async throws -> SeenNodes {
        try await write { db in
            var resolved = SeenNodes()
            let now = Date()
            for espID in Set(espIDs) {
                if let known = try String.fetchOne(db, sql: "SELECT esp_id FROM Nodos WHERE esp_id = ?", arguments: [espID]) {
                    resolved.canonical[espID] = known
                } else if register {
                    try db.execute(
                        sql: "INSERT INTO Nodos (esp_id, activo, fecha_creacion) VALUES (?, 0, ?)", arguments: [espID, now])
                    resolved.canonical[espID] = espID
                    resolved.registered.append(espID)
                }
            }
            return resolved
        }
    }

    public func recordLastSeen(_ times: [String: Date]) async throws {
        guard !times.isEmpty else { return }
        try await write { db in
            for (espID, time) in times {
                try db.execute(
                    sql: "UPDATE Nodos SET ultima_conexion = ? WHERE esp_id = ? AND (ultima_conexion IS NULL OR ultima_conexion < ?)",
                    arguments: [time, espID, time])
            }
        }
    }

    public func editNode(espID: String, changes: NodeChanges) async throws -> Node {
        try await write { db in
            let node = try Self.requireNode(db, espID)
            try db.execute(
                sql: "UPDATE Nodos SET nombre = COALESCE(?, nombre), descripcion = COALESCE(?, descripcion) WHERE nodo_id = ?",
                arguments: [changes.name, changes.description, node.id])
            return try Self.requireNode(db, espID)
        }
    }

    public func nodes(includeInactive: Bool) async throws -> [Node] {
        try await read { db in
            let filter = includeInactive ? "" : "WHERE activo = 1"
            return try Row.fetchAll(db, sql: "SELECT \(Self.nodeColumns) FROM Nodos \(filter) ORDER BY esp_id")
                .map(Self.node(from:))
        }
    }

    public func node(espID: String) async throws -> Node? {
        try await read { db in try Self.fetchNode(db, espID) }
    }

    public func setNodeActive(_ active: Bool, espID: String) async throws -> Node {
        try await write { db in
            let node = try Self.requireNode(db, espID)
            try db.execute(sql: "UPDATE Nodos SET activo = ? WHERE nodo_id = ?", arguments: [active, node.id])
            return try Self.requireNode(db, espID)
        }
    }

    // MARK: Assignments

    private static let assignmentQuery = DirectorySQL.assignments

    private static func assignment(from row: Row) -> Assignment {
        Assignment(
            username: row["nombreUsuario"], espID: row["esp_id"], nodeName: row["nombre"], isActive: row["activo"],
            location: row["ubicacion"], assignedAt: row["fecha_asignacion"], lastAccess: row["ultimo_acceso"])
    }

    private static func fetchAssignment(_ db: Database, userID: Int64, nodeID: Int64) throws -> Assignment? {
        try Row.fetchOne(db, sql: "\(assignmentQuery) WHERE un.usuario_id = ? AND un.nodo_id = ?",
                         arguments: [userID, nodeID]).map(assignment(from:))
    }

    public func assign(username: String, espID: String, location: String?) async throws -> Assignment {
        try await write { db in
            let user = try Self.requireUser(db, username)
            let node = try Self.requireNode(db, espID)
            let existing = try Self.fetchAssignment(db, userID: user.id, nodeID: node.id)
            try DirectoryRules.checkAssignable(user: user, node: node, existing: existing)
            if existing != nil {
                try db.execute(
                    sql: """
                        UPDATE UsuariosNodos SET activo = 1, ubicacion = COALESCE(?, ubicacion), fecha_asignacion = ?
                        WHERE usuario_id = ? AND nodo_id = ?
                        """,
                    arguments: [location, Date(), user.id, node.id])
            } else {
                try db.execute(
                    sql: "INSERT INTO UsuariosNodos (usuario_id, nodo_id, activo, ubicacion, fecha_asignacion) VALUES (?, ?, 1, ?, ?)",
                    arguments: [user.id, node.id, location, Date()])
            }
            return try Self.requireAssignment(db, userID: user.id, nodeID: node.id)
        }
    }

    private static func requireAssignment(_ db: Database, userID: Int64, nodeID: Int64) throws -> Assignment {
        guard let assignment = try fetchAssignment(db, userID: userID, nodeID: nodeID) else {
            throw DirectoryError.io("the assignment vanished while it was written")
        }
        return assignment
    }

    private func updateAssignment(
        username: String, espID: String, sql: String, arguments: StatementArguments
    ) async throws -> Assignment {
        try await write { db in
            let user = try Self.requireUser(db, username)
            let node = try Self.requireNode(db, espID)
            try DirectoryRules.checkChangeable(
                try Self.fetchAssignment(db, userID: user.id, nodeID: node.id), user: user, node: node)
            try db.execute(sql: sql + " WHERE usuario_id = ? AND nodo_id = ?", arguments: arguments + [user.id, node.id])
            return try Self.requireAssignment(db, userID: user.id, nodeID: node.id)
        }
    }

    public func unassign(username: String, espID: String) async throws -> Assignment {
        try await updateAssignment(username: username, espID: espID, sql: "UPDATE UsuariosNodos SET activo = 0", arguments: [])
    }

    public func setLocation(_ location: String, username: String, espID: String) async throws -> Assignment {
        try await updateAssignment(
            username: username, espID: espID, sql: "UPDATE UsuariosNodos SET ubicacion = ?", arguments: [location])
    }

    public func assignments(_ filter: AssignmentFilter) async throws -> [Assignment] {
        try await read { db in
            var conditions: [String] = []
            var arguments: StatementArguments = []
            if let username = filter.username {
                let user = try Self.requireUser(db, username)
                conditions.append("un.usuario_id = ?")
                arguments += [user.id]
            }
            if let espID = filter.espID {
                let node = try Self.requireNode(db, espID)
                conditions.append("un.nodo_id = ?")
                arguments += [node.id]
            }
            if !filter.includeInactive { conditions.append("un.activo = 1") }
            let whereClause = conditions.isEmpty ? "" : "WHERE " + conditions.joined(separator: " AND ")
            return try Row.fetchAll(
                db, sql: "\(Self.assignmentQuery) \(whereClause) ORDER BY u.usuario_clave, n.esp_id", arguments: arguments
            ).map(Self.assignment(from:))
        }
    }

    // MARK: Access and error mapping

    private func read<T: Sendable>(_ body: @escaping @Sendable (Database) throws -> T) async throws -> T {
        do { return try await pool.read(body) } catch { throw Self.mapError(error, path: path) }
    }

    private func write<T: Sendable>(_ body: @escaping @Sendable (Database) throws -> T) async throws -> T {
        do { return try await pool.write(body) } catch { throw Self.mapError(error, path: path) }
    }

    static func mapError(_ error: Error, path: String) -> Error {
        if error is DirectoryError { return error }
        guard let error = error as? DatabaseError else { return error }
        switch error.resultCode {
        case .SQLITE_CONSTRAINT:
            return DirectoryError.conflict("the directory store refused the change: \(error.message ?? "constraint failed")")
        case .SQLITE_BUSY, .SQLITE_LOCKED:
            return DirectoryError.unavailable("the directory store at \(path) is busy; try again")
        case .SQLITE_READONLY, .SQLITE_PERM, .SQLITE_AUTH:
            return DirectoryError.permissionDenied("cannot write the directory store at \(path): permission denied")
        case .SQLITE_CANTOPEN:
            return DirectoryError.cannotCreate("cannot open the directory store at \(path)")
        case .SQLITE_CORRUPT, .SQLITE_NOTADB:
            return DirectoryError.io("the directory store at \(path) is not a valid SQLite database")
        default:
            return DirectoryError.io("directory store error at \(path): \(error.message ?? "\(error.resultCode)")")
        }
    }
}

/// Portable SQL on one SQLite transaction.
struct GRDBTransaction: SQLTransaction {
    let db: Database

    static func value(_ argument: SQLArgument) -> (any DatabaseValueConvertible)? {
        switch argument {
        case .null: nil
        case .int(let number): number
        case .double(let number): number
        case .text(let text): text
        }
    }

    func rows(_ sql: String, _ arguments: [SQLArgument]) throws -> [SQLResultRow] {
        // Cached statements: the web server asks the same few questions thousands of times a second.
        try Row.fetchAll(db.cachedStatement(sql: sql), arguments: StatementArguments(arguments.map(Self.value))).map { row in
            var columns: [String: String] = [:]
            for (name, value) in row {
                switch value.storage {
                case .int64(let number): columns[name.lowercased()] = String(number)
                case .double(let number): columns[name.lowercased()] = String(number)
                case .string(let text): columns[name.lowercased()] = text
                case .blob, .null: break
                }
            }
            return SQLResultRow(columns)
        }
    }

    func run(_ sql: String, _ arguments: [SQLArgument]) throws -> Int {
        try db.cachedStatement(sql: sql).execute(arguments: StatementArguments(arguments.map(Self.value)))
        return db.changesCount
    }
}

/// Sessions, alerts, Telegram links and settings come from the shared SQL (`SQLDirectoryBackend`).
extension SQLiteDirectoryStore: SQLDirectoryBackend {
    public func sqlRead<T: Sendable>(_ body: @escaping @Sendable (any SQLTransaction) throws -> T) async throws -> T {
        do {
            return try await pool.read { db in try body(GRDBTransaction(db: db)) }
        } catch {
            throw Self.mapError(error, path: path)
        }
    }

    @discardableResult
    public func sqlTransaction<T: Sendable>(_ body: @escaping @Sendable (any SQLTransaction) throws -> T) async throws -> T {
        do {
            return try await pool.write { db in try body(GRDBTransaction(db: db)) }
        } catch {
            throw Self.mapError(error, path: path)
        }
    }
}
