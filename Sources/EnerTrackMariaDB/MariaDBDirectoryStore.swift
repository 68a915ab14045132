import EnerTrackCore
import EnerTrackSQL
import Foundation

/// The directory store on MariaDB (libmariadb), compatible with the earlier Flask deployment's
/// `Usuarios`, `Nodos` and `UsuariosNodos`.
///
/// Every operation is one transaction on a pooled connection. A connection found dead (server
/// restarted: 2006/2013) is replaced and the whole transaction retried; deadlocks and Galera
/// certification failures (1213) and lock wait timeouts (1205) are retried with backoff.
/// Case- and accent-insensitive lookups come from the tables' `utf8mb4_uca1400_ai_ci` collation.
public final class MariaDBDirectoryStore: DirectoryStore {
    public let settings: MariaDBSettings
    private let pool: MariaDBPool

    public var location: String { "mariadb://\(settings.endpoint)/\(settings.database)" }

    /// No I/O happens here; the first operation connects.
    public init(settings: MariaDBSettings, poolSize: Int = 4) {
        self.settings = settings
        pool = MariaDBPool(settings: settings, capacity: poolSize)
    }

    // MARK: Transactions and errors

    static let maxAttempts = 5

    func transaction<T: Sendable>(_ body: @escaping @Sendable (MariaDBConnection) throws -> T) async throws -> T {
        var attempt = 0
        while true {
            attempt += 1
            let connection: MariaDBConnection
            do { connection = try await pool.acquire() } catch { throw map(error) }
            do {
                let value = try await Blocking.run {
                    try connection.execute("START TRANSACTION")
                    do {
                        let value = try body(connection)
                        try connection.execute("COMMIT")
                        return value
                    } catch {
                        try? connection.execute("ROLLBACK")
                        throw error
                    }
                }
                await pool.release(connection)
                return value
            } catch let error as MariaDBError where error.isConnectionLost {
                // The server went away (restart, failover): forget every idle connection, reconnect, retry.
                await pool.release(nil)
                await pool.discardIdle()
                guard attempt < Self.maxAttempts else { throw map(error) }
            } catch let error as MariaDBError where error.isRetryable {
                await pool.release(connection)
                guard attempt < Self.maxAttempts else { throw map(error) }
                try await Task.sleep(for: .milliseconds(25 << attempt))
            } catch {
                await pool.release(connection)
                throw map(error)
            }
        }
    }

    func map(_ error: Error) -> Error {
        guard let error = error as? MariaDBError else { return error }
        let endpoint = settings.endpoint
        switch error.code {
        case 1045, 1044, 1142, 1227:
            return DirectoryError.permissionDenied(
                "MariaDB at \(endpoint) refused user '\(settings.user)': \(error.message) (check MYSQL_USER and MYSQL_PASSWORD)")
        case 1049:
            return DirectoryError.schema(
                "MariaDB database '\(settings.database)' does not exist at \(endpoint); run 'enertrack db migrate' to create it")
        case 1146, 1054:
            return DirectoryError.schema(
                "the EnerTrack schema in MariaDB database '\(settings.database)' is missing or older than this version (\(error.message)); run 'enertrack db migrate'")
        case 1062:
            return DirectoryError.conflict("MariaDB refused a duplicate: \(error.message)")
        case 1451, 1452:
            return DirectoryError.conflict("MariaDB refused the change: \(error.message)")
        case _ where error.isUnreachable || error.isConnectionLost:
            return DirectoryError.unavailable("cannot reach MariaDB at \(endpoint): \(error.message)")
        case 1213, 1205:
            return DirectoryError.unavailable("MariaDB at \(endpoint) is busy (\(error.message)); try again")
        default:
            return DirectoryError.io("MariaDB at \(endpoint): \(error.description)")
        }
    }

    // MARK: Schema

    public func schemaStatus() async throws -> SchemaStatus {
        try await transaction { connection in try self.status(connection) }
    }

    private func status(_ connection: MariaDBConnection) throws -> SchemaStatus {
        let hasTable = try !connection.query(
            "SELECT 1 FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = ?",
            [.text(MariaDBSchema.migrationsTable)]
        ).isEmpty
        let applied = hasTable
            ? Set(try connection.query("SELECT id FROM `\(MariaDBSchema.migrationsTable)`").compactMap { $0.string("id") })
            : []
        var notes: [String] = []
        var pending: [String] = []
        for migration in MariaDBSchema.migrations where !applied.contains(migration.id) {
            pending.append(migration.id)
            let steps = try MariaDBSchema.plan(migration.tables, on: connection)
            notes += steps.map { "\(migration.id): \($0.note)" }
            if steps.isEmpty { notes.append("\(migration.id): tables already complete; will be recorded") }
        }
        return SchemaStatus(
            store: "mariadb", location: location,
            applied: MariaDBSchema.migrations.map(\.id).filter(applied.contains), pending: pending, notes: notes)
    }

    public func migrate(dryRun: Bool) async throws -> SchemaStatus {
        if dryRun { return try await plannedStatus() }
        try await createDatabaseIfMissing()
        let settings = self.settings
        // DDL commits implicitly, so migrations run outside a transaction, under a named lock
        // that keeps two concurrent `db migrate` runs from interleaving.
        do {
            return try await Blocking.run {
                let connection = try MariaDBConnection(settings: settings)
                let locked = try connection.query("SELECT GET_LOCK('enertrack.migrate', 60) AS locked").first?.int("locked")
                guard locked == 1 else {
                    throw DirectoryError.unavailable("another 'enertrack db migrate' holds the migration lock; try again")
                }
                defer { _ = try? connection.query("SELECT RELEASE_LOCK('enertrack.migrate')") }
                let before = try self.status(connection)
                try connection.execute("""
                    CREATE TABLE IF NOT EXISTS `\(MariaDBSchema.migrationsTable)` (
                      `id` VARCHAR(100) NOT NULL,
                      `applied_at` TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP,
                      PRIMARY KEY (`id`)
                    ) \(MariaDBSchema.tableOptions)
                    """)
                for migration in MariaDBSchema.migrations where before.pending.contains(migration.id) {
                    for step in try MariaDBSchema.plan(migration.tables, on: connection) { try connection.execute(step.sql) }
                    try connection.query("INSERT INTO `\(MariaDBSchema.migrationsTable)` (id) VALUES (?)", [.text(migration.id)])
                }
                var after = try self.status(connection)
                after.notes = before.notes
                after.pending = before.pending
                return after
            }
        } catch { throw map(error) }
    }

    /// The status as `db migrate --dry-run` reports it, including a database that does not exist yet.
    private func plannedStatus() async throws -> SchemaStatus {
        let settings = self.settings
        do {
            return try await Blocking.run { try self.status(MariaDBConnection(settings: settings)) }
        } catch let error as MariaDBError where error.code == 1049 {
            let all = MariaDBSchema.migrations.map(\.id)
            return SchemaStatus(store: "mariadb", location: location, applied: [], pending: all,
                                notes: ["create database \(settings.database)"] + all.map { "\($0): create its tables" })
        } catch {
            throw map(error)
        }
    }

    private func createDatabaseIfMissing() async throws {
        let name = settings.database
        guard name.range(of: "^[A-Za-z0-9_$]{1,64}$", options: .regularExpression) != nil else {
            throw ConfigError("MYSQL_DB '\(name)' is not a database name this tool will create (letters, digits, _ and $)")
        }
        let settings = self.settings
        do {
            try await Blocking.run {
                let connection = try MariaDBConnection(settings: settings, useDatabase: false)
                try connection.execute(
                    "CREATE DATABASE IF NOT EXISTS `\(name)` CHARACTER SET utf8mb4 COLLATE utf8mb4_uca1400_ai_ci")
            }
        } catch { throw map(error) }
    }

    // MARK: Users

    private static let userColumns =
        "usuario_id, nombreUsuario, email, nombre, es_admin, activo, eliminado_en, fecha_creacion, password_hash"

    private static func user(_ row: SQLRow) -> User {
        User(id: row.int("usuario_id"), username: row.string("nombreUsuario") ?? "", email: row.string("email"),
             name: row.string("nombre"), isAdmin: row.bool("es_admin"), isActive: row.bool("activo"),
             removedAt: row.date("eliminado_en"), createdAt: row.date("fecha_creacion") ?? Date(timeIntervalSince1970: 0),
             passwordHash: row.string("password_hash") ?? "")
    }

    private static func fetchUser(_ connection: MariaDBConnection, _ name: String) throws -> User? {
        try connection.query(
            "SELECT \(userColumns) FROM Usuarios WHERE nombreUsuario = ? OR email = ? ORDER BY nombreUsuario = ? DESC LIMIT 1",
            [.text(name), .text(name), .text(name)]
        ).first.map(user)
    }

    private static func requireUser(_ connection: MariaDBConnection, _ name: String) throws -> User {
        guard let user = try fetchUser(connection, name) else { throw DirectoryError.unknownUser(name) }
        return user
    }

    public func addUser(_ user: NewUser) async throws -> User {
        try await transaction { connection in
            if try Self.fetchUser(connection, user.username) != nil {
                throw DirectoryError.duplicate(what: "user", value: user.username)
            }
            if try !connection.query("SELECT 1 FROM Usuarios WHERE email = ?", [.text(user.email)]).isEmpty {
                throw DirectoryError.duplicate(what: "email", value: user.email)
            }
            try connection.query(
                """
                INSERT INTO Usuarios (nombreUsuario, password_hash, email, nombre, es_admin, activo, fecha_creacion)
                VALUES (?, ?, ?, ?, ?, 1, ?)
                """,
                [.text(user.username), .text(user.passwordHash), .text(user.email), SQLValue(user.name),
                 SQLValue(user.isAdmin), SQLValue(Date())])
            return try Self.requireUser(connection, user.username)
        }
    }

    public func users(includeRemoved: Bool) async throws -> [User] {
        try await transaction { connection in
            let filter = includeRemoved ? "" : "WHERE eliminado_en IS NULL"
            return try connection.query("SELECT \(Self.userColumns) FROM Usuarios \(filter) ORDER BY nombreUsuario").map(Self.user)
        }
    }

    public func user(named name: String) async throws -> User? {
        try await transaction { connection in try Self.fetchUser(connection, name) }
    }

    public func setPasswordHash(_ hash: String, username: String) async throws {
        try await transaction { connection in
            let user = try Self.requireUser(connection, username)
            try connection.query("UPDATE Usuarios SET password_hash = ? WHERE usuario_id = ?", [.text(hash), .int(user.id)])
        }
    }

    public func setUserActive(_ active: Bool, username: String) async throws -> User {
        try await transaction { connection in
            let user = try Self.requireUser(connection, username)
            try connection.query(
                "UPDATE Usuarios SET activo = ?, eliminado_en = IF(?, NULL, eliminado_en) WHERE usuario_id = ?",
                [SQLValue(active), SQLValue(active), .int(user.id)])
            return try Self.requireUser(connection, username)
        }
    }

    public func removeUser(username: String) async throws -> User {
        try await transaction { connection in
            let user = try Self.requireUser(connection, username)
            if user.removedAt == nil {
                try connection.query("UPDATE Usuarios SET activo = 0, eliminado_en = ? WHERE usuario_id = ?",
                                     [SQLValue(Date()), .int(user.id)])
            }
            try connection.query("UPDATE UsuariosNodos SET activo = 0 WHERE usuario_id = ?", [.int(user.id)])
            return try Self.requireUser(connection, username)
        }
    }

    // MARK: Nodes

    private static let nodeColumns = DirectorySQL.nodeColumns

    private static func node(_ row: SQLRow) -> Node {
        Node(id: row.int("nodo_id"), espID: row.string("esp_id") ?? "", name: row.string("nombre"),
             description: row.string("descripcion"), isActive: row.bool("activo"),
             createdAt: row.date("fecha_creacion") ?? Date(timeIntervalSince1970: 0), lastSeen: row.date("ultima_conexion"))
    }

    private static func fetchNode(_ connection: MariaDBConnection, _ espID: String) throws -> Node? {
        try connection.query("SELECT \(nodeColumns) FROM Nodos WHERE esp_id = ?", [.text(espID)]).first.map(node)
    }

    private static func requireNode(_ connection: MariaDBConnection, _ espID: String) throws -> Node {
        guard let node = try fetchNode(connection, espID) else { throw DirectoryError.unknownNode(espID) }
        return node
    }

    public func addNode(espID: String, name: String?, description: String?, active: Bool) async throws -> Node {
        try await transaction { connection in
            try DirectoryRules.checkNewNode(existing: try Self.fetchNode(connection, espID))
            try connection.query(
                "INSERT INTO Nodos (esp_id, nombre, descripcion, activo, fecha_creacion) VALUES (?, ?, ?, ?, ?)",
                [.text(espID), SQLValue(name), SQLValue(description), SQLValue(active), SQLValue(Date())])
            return try Self.requireNode(connection, espID)
        }
    }

    public func resolveSeenNodes(_ espIDs: [String], register: Bool) async throws -> SeenNodes {
        try await transaction { connection in
            var resolved = SeenNodes()
            for espID in Set(espIDs) {
                if let known = try connection.query("SELECT esp_id FROM Nodos WHERE esp_id = ?", [.text(espID)]).first?.string("esp_id") {
                    resolved.canonical[espID] = known
                } else if register {
                    // INSERT IGNORE: another ingest worker may register the same id at the same moment.
                    try connection.query(
                        "INSERT IGNORE INTO Nodos (esp_id, activo, fecha_creacion) VALUES (?, 0, ?)", [.text(espID), SQLValue(Date())])
                    resolved.registered.append(espID)
                    resolved.canonical[espID] = try connection.query("SELECT esp_id FROM Nodos WHERE esp_id = ?", [.text(espID)]).first?.string("esp_id") ?? espID
                }
            }
            return resolved
        }
    }

    public func recordLastSeen(_ times: [String: Date]) async throws {
        guard !times.isEmpty else { return }
        try await transaction { connection in
            for (espID, time) in times {
                try connection.query(
                    "UPDATE Nodos SET ultima_conexion = ? WHERE esp_id = ? AND (ultima_conexion IS NULL OR ultima_conexion < ?)",
                    [SQLValue(time), .text(espID), SQLValue(time)])
            }
        }
    }

    public func editNode(espID: String, changes: NodeChanges) async throws -> Node {
        try await transaction { connection in
            let node = try Self.requireNode(connection, espID)
            try connection.query(
                "UPDATE Nodos SET nombre = COALESCE(?, nombre), descripcion = COALESCE(?, descripcion) WHERE nodo_id = ?",
                [SQLValue(changes.name), SQLValue(changes.description), .int(node.id)])
            return try Self.requireNode(connection, espID)
        }
    }

    public func nodes(includeInactive: Bool) async throws -> [Node] {
        try await transaction { connection in
            let filter = includeInactive ? "" : "WHERE activo = 1"
            return try connection.query("SELECT \(Self.nodeColumns) FROM Nodos \(filter) ORDER BY esp_id").map(Self.node)
        }
    }

    public func node(espID: String) async throws -> Node? {
        try await transaction { connection in try Self.fetchNode(connection, espID) }
    }

    public func setNodeActive(_ active: Bool, espID: String) async throws -> Node {
        try await transaction { connection in
            let node = try Self.requireNode(connection, espID)
            try connection.query("UPDATE Nodos SET activo = ? WHERE nodo_id = ?", [SQLValue(active), .int(node.id)])
            return try Self.requireNode(connection, espID)
        }
    }

    // MARK: Assignments

    private static let assignmentQuery = DirectorySQL.assignments

    private static func assignment(_ row: SQLRow) -> Assignment {
        Assignment(username: row.string("nombreUsuario") ?? "", espID: row.string("esp_id") ?? "",
                   nodeName: row.string("nombre"), isActive: row.bool("activo"), location: row.string("ubicacion"),
                   assignedAt: row.date("fecha_asignacion") ?? Date(timeIntervalSince1970: 0),
                   lastAccess: row.date("ultimo_acceso"))
    }

    private static func fetchAssignment(_ connection: MariaDBConnection, userID: Int64, nodeID: Int64) throws -> Assignment? {
        try connection.query("\(assignmentQuery) WHERE un.usuario_id = ? AND un.nodo_id = ?", [.int(userID), .int(nodeID)])
            .first.map(assignment)
    }

    public func assign(username: String, espID: String, location: String?) async throws -> Assignment {
        try await transaction { connection in
            let user = try Self.requireUser(connection, username)
            let node = try Self.requireNode(connection, espID)
            let existing = try Self.fetchAssignment(connection, userID: user.id, nodeID: node.id)
            try DirectoryRules.checkAssignable(user: user, node: node, existing: existing)
            if existing != nil {
                try connection.query(
                    """
                    UPDATE UsuariosNodos SET activo = 1, ubicacion = COALESCE(?, ubicacion), fecha_asignacion = ?
                    WHERE usuario_id = ? AND nodo_id = ?
                    """, [SQLValue(location), SQLValue(Date()), .int(user.id), .int(node.id)])
            } else {
                try connection.query(
                    "INSERT INTO UsuariosNodos (usuario_id, nodo_id, activo, ubicacion, fecha_asignacion) VALUES (?, ?, 1, ?, ?)",
                    [.int(user.id), .int(node.id), SQLValue(location), SQLValue(Date())])
            }
            guard let assignment = try Self.fetchAssignment(connection, userID: user.id, nodeID: node.id) else {
                throw DirectoryError.io("the assignment vanished while it was written")
            }
            return assignment
        }
    }

    private func updateAssignment(username: String, espID: String, sql: String, parameters: [SQLValue]) async throws -> Assignment {
        try await transaction { connection in
            let user = try Self.requireUser(connection, username)
            let node = try Self.requireNode(connection, espID)
            try DirectoryRules.checkChangeable(
                try Self.fetchAssignment(connection, userID: user.id, nodeID: node.id), user: user, node: node)
            try connection.query(sql + " WHERE usuario_id = ? AND nodo_id = ?", parameters + [.int(user.id), .int(node.id)])
            guard let assignment = try Self.fetchAssignment(connection, userID: user.id, nodeID: node.id) else {
                throw DirectoryError.io("the assignment vanished while it was written")
            }
            return assignment
        }
    }

    public func unassign(username: String, espID: String) async throws -> Assignment {
        try await updateAssignment(username: username, espID: espID, sql: "UPDATE UsuariosNodos SET activo = 0", parameters: [])
    }

    public func setLocation(_ location: String, username: String, espID: String) async throws -> Assignment {
        try await updateAssignment(
            username: username, espID: espID, sql: "UPDATE UsuariosNodos SET ubicacion = ?", parameters: [.text(location)])
    }

    public func assignments(_ filter: AssignmentFilter) async throws -> [Assignment] {
        try await transaction { connection in
            var conditions: [String] = []
            var parameters: [SQLValue] = []
            if let username = filter.username {
                conditions.append("un.usuario_id = ?")
                parameters.append(.int(try Self.requireUser(connection, username).id))
            }
            if let espID = filter.espID {
                conditions.append("un.nodo_id = ?")
                parameters.append(.int(try Self.requireNode(connection, espID).id))
            }
            if !filter.includeInactive { conditions.append("un.activo = 1") }
            let whereClause = conditions.isEmpty ? "" : "WHERE " + conditions.joined(separator: " AND ")
            return try connection.query("\(Self.assignmentQuery) \(whereClause) ORDER BY u.nombreUsuario, n.esp_id", parameters)
                .map(Self.assignment)
        }
    }
}

/// Portable SQL on one MariaDB transaction.
struct MariaDBTransaction: SQLTransaction {
    let connection: MariaDBConnection

    static func value(_ argument: SQLArgument) -> SQLValue {
        switch argument {
        case .null: .null
        case .int(let number): .int(number)
        case .double(let number): .double(number)
        case .text(let text): .text(text)
        }
    }

    func rows(_ sql: String, _ arguments: [SQLArgument]) throws -> [SQLResultRow] {
        try connection.query(sql, arguments.map(Self.value)).map { row in
            SQLResultRow(Dictionary(row.columns.compactMap { name, value in value.map { (name.lowercased(), $0) } },
                                    uniquingKeysWith: { first, _ in first }))
        }
    }

    func run(_ sql: String, _ arguments: [SQLArgument]) throws -> Int {
        try connection.change(sql, arguments.map(Self.value))
    }
}

/// Sessions, alerts, Telegram links and settings come from the shared SQL (`SQLDirectoryBackend`).
extension MariaDBDirectoryStore: SQLDirectoryBackend {
    @discardableResult
    public func sqlTransaction<T: Sendable>(_ body: @escaping @Sendable (any SQLTransaction) throws -> T) async throws -> T {
        try await transaction { connection in try body(MariaDBTransaction(connection: connection)) }
    }
}
