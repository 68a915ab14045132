import EnerTrackCore
import Foundation

/// What differs between the SQL of the two directory drivers; everything else is written once.
public struct SQLDialect: Sendable {
    /// SQLite has no accent-insensitive collation: usernames and emails keep a folded key column
    /// (`usuario_clave`, `email_clave`, `DirectoryRules.lookupKey`) that carries their
    /// uniqueness. MariaDB compares the columns themselves under `utf8mb4_uca1400_ai_ci`.
    public var foldedKeys: Bool
    /// `INSERT IGNORE` (MariaDB) or `INSERT OR IGNORE` (SQLite).
    public var insertIgnore: String
    /// How a time is written to a DATETIME/TIMESTAMP (or TEXT) column, in UTC.
    public var timestamp: @Sendable (Date) -> String

    public init(foldedKeys: Bool, insertIgnore: String, timestamp: @escaping @Sendable (Date) -> String) {
        self.foldedKeys = foldedKeys
        self.insertIgnore = insertIgnore
        self.timestamp = timestamp
    }

    func time(_ date: Date) -> SQLArgument { .text(timestamp(date)) }
}

/// Users, nodes and assignments in the SQL both drivers share, over one transaction.
public enum DirectorySQL {
    /// `SELECT … FROM Usuarios u`, labelled for `user(_:)`.
    static func selectUsers(_ c: DirectoryColumns) -> String { "SELECT \(c.select("Usuarios", "u")) FROM Usuarios u" }
    /// `SELECT … FROM Nodos n`, labelled for `node(_:)`.
    static func selectNodes(_ c: DirectoryColumns) -> String { "SELECT \(c.select("Nodos", "n")) FROM Nodos n" }

    /// Assignments with their user's and node's names; callers add WHERE and ORDER BY.
    static func assignments(_ c: DirectoryColumns) -> String {
        """
        SELECT u.\(c[.username]) AS nombreusuario, n.\(c[.espID]) AS esp_id, n.\(c[.nodeName]) AS nombre, un.activo,
               un.ubicacion, un.fecha_asignacion, un.ultimo_acceso
        FROM UsuariosNodos un
        JOIN Usuarios u ON u.\(c[.userID]) = un.usuario_id
        JOIN Nodos n ON n.\(c[.nodeID]) = un.nodo_id
        """
    }

    static func date(_ row: SQLResultRow, _ name: String) -> Date? { row.string(name).flatMap(ISO8601.parse) }
    static let epoch = Date(timeIntervalSince1970: 0)

    // MARK: Users

    static func user(_ row: SQLResultRow) -> User {
        User(
            id: row.int("usuario_id") ?? 0, username: row.string("nombreusuario") ?? "", email: row.string("email"),
            name: row.string("nombre"), isAdmin: (row.int("es_admin") ?? 0) != 0,
            isActive: (row.int("activo") ?? 0) != 0,
            removedAt: date(row, "eliminado_en"), createdAt: date(row, "fecha_creacion") ?? epoch,
            passwordHash: row.string("password_hash") ?? "")
    }

    /// The user whose username or email matches (the username first).
    static func user(_ sql: any SQLTransaction, _ dialect: SQLDialect, named name: String) throws -> User? {
        let c = sql.columns
        if dialect.foldedKeys {
            let key = DirectoryRules.lookupKey(name)
            return try sql.rows(
                "\(selectUsers(c)) WHERE u.usuario_clave = ? OR u.email_clave = ? ORDER BY u.usuario_clave = ? DESC LIMIT 1",
                .text(key), .text(key), .text(key)
            ).first.map(user)
        }
        return try sql.rows(
            "\(selectUsers(c)) WHERE u.\(c[.username]) = ? OR u.\(c[.email]) = ? ORDER BY u.\(c[.username]) = ? DESC LIMIT 1",
            .text(name), .text(name), .text(name)
        ).first.map(user)
    }

    static func requireUser(_ sql: any SQLTransaction, _ dialect: SQLDialect, _ name: String) throws -> User {
        guard let user = try user(sql, dialect, named: name) else { throw DirectoryError.unknownUser(name) }
        return user
    }

    static func emailTaken(_ sql: any SQLTransaction, _ dialect: SQLDialect, _ email: String) throws -> Bool {
        let (column, value) =
            dialect.foldedKeys ? ("email_clave", DirectoryRules.lookupKey(email)) : (sql.columns[.email], email)
        return try !sql.rows("SELECT 1 AS one FROM Usuarios WHERE \(column) = ?", .text(value)).isEmpty
    }

    static func addUser(_ sql: any SQLTransaction, _ dialect: SQLDialect, _ new: NewUser, now: Date) throws -> User {
        if try user(sql, dialect, named: new.username) != nil {
            throw DirectoryError.duplicate(what: .user, value: new.username)
        }
        if try emailTaken(sql, dialect, new.email) { throw DirectoryError.duplicate(what: .email, value: new.email) }
        let c = sql.columns
        var columns = [
            c[.username], c[.passwordHash], c[.email], c[.fullName], c[.isAdmin], c[.userActive], c[.userCreatedAt],
        ]
        var values: [SQLArgument] = [
            .text(new.username), .text(new.passwordHash), .text(new.email), new.name.map(SQLArgument.text) ?? .null,
            .int(new.isAdmin ? 1 : 0), .int(1), dialect.time(now),
        ]
        if dialect.foldedKeys {
            columns += ["usuario_clave", "email_clave"]
            values += [.text(DirectoryRules.lookupKey(new.username)), .text(DirectoryRules.lookupKey(new.email))]
        }
        try sql.run(
            "INSERT INTO Usuarios (\(columns.joined(separator: ", "))) VALUES (\(columns.map { _ in "?" }.joined(separator: ", ")))",
            values)
        return try requireUser(sql, dialect, new.username)
    }

    static func users(_ sql: any SQLTransaction, includeRemoved: Bool) throws -> [User] {
        let c = sql.columns
        return try sql.rows(
            "\(selectUsers(c)) \(includeRemoved ? "" : "WHERE u.\(c[.removedAt]) IS NULL") ORDER BY u.\(c[.userID])"
        ).map(user)
    }

    static func setPasswordHash(
        _ sql: any SQLTransaction, _ dialect: SQLDialect, _ hash: String, username: String, openSessionAt now: Int64?
    ) throws -> (id: String, csrf: String)? {
        let user = try requireUser(sql, dialect, username)
        let c = sql.columns
        try sql.run("UPDATE Usuarios SET \(c[.passwordHash]) = ? WHERE \(c[.userID]) = ?", .text(hash), .int(user.id))
        // The same transaction ends every way in the old password opened: never one without the other.
        try WebSQL.endAccess(sql, userID: user.id)
        return try now.map { try WebSQL.createSession(sql, userID: user.id, now: $0) }
    }

    /// Enabling a removed user brings it back; its assignments stay inactive until re-added.
    static func setUserActive(_ sql: any SQLTransaction, _ dialect: SQLDialect, _ active: Bool, username: String) throws
        -> User
    {
        let user = try requireUser(sql, dialect, username)
        let c = sql.columns
        try sql.run(
            "UPDATE Usuarios SET \(c[.userActive]) = ?, \(c[.removedAt]) = CASE WHEN ? = 1 THEN NULL ELSE \(c[.removedAt]) END WHERE \(c[.userID]) = ?",
            .int(active ? 1 : 0), .int(active ? 1 : 0), .int(user.id))
        if !active { try WebSQL.endAccess(sql, userID: user.id) }
        return try requireUser(sql, dialect, username)
    }

    static func removeUser(_ sql: any SQLTransaction, _ dialect: SQLDialect, username: String, now: Date) throws -> User
    {
        let user = try requireUser(sql, dialect, username)
        if user.removedAt == nil {
            let c = sql.columns
            try sql.run(
                "UPDATE Usuarios SET \(c[.userActive]) = 0, \(c[.removedAt]) = ? WHERE \(c[.userID]) = ?",
                dialect.time(now),
                .int(user.id))
        }
        try sql.run("UPDATE UsuariosNodos SET activo = 0 WHERE usuario_id = ?", .int(user.id))
        try WebSQL.endAccess(sql, userID: user.id)
        return try requireUser(sql, dialect, username)
    }

    // MARK: Nodes

    static func node(_ row: SQLResultRow) -> Node {
        Node(
            id: row.int("nodo_id") ?? 0, espID: row.string("esp_id") ?? "", name: row.string("nombre"),
            description: row.string("descripcion"), isActive: (row.int("activo") ?? 0) != 0,
            createdAt: date(row, "fecha_creacion") ?? epoch, lastSeen: date(row, "ultima_conexion"))
    }

    static func node(_ sql: any SQLTransaction, espID: String) throws -> Node? {
        let c = sql.columns
        return try sql.rows("\(selectNodes(c)) WHERE n.\(c[.espID]) = ?", .text(espID)).first.map(node)
    }

    static func requireNode(_ sql: any SQLTransaction, _ espID: String) throws -> Node {
        guard let node = try node(sql, espID: espID) else { throw DirectoryError.unknownNode(espID) }
        return node
    }

    static func addNode(
        _ sql: any SQLTransaction, _ dialect: SQLDialect, espID: String, name: String?, description: String?,
        active: Bool, now: Date
    ) throws -> Node {
        try DirectoryRules.checkNewNode(existing: try node(sql, espID: espID))
        let c = sql.columns
        try sql.run(
            "INSERT INTO Nodos (\(c[.espID]), \(c[.nodeName]), \(c[.nodeDescription]), \(c[.nodeActive]), \(c[.nodeCreatedAt])) VALUES (?, ?, ?, ?, ?)",
            .text(espID), name.map(SQLArgument.text) ?? .null, description.map(SQLArgument.text) ?? .null,
            .int(active ? 1 : 0),
            dialect.time(now))
        return try requireNode(sql, espID)
    }

    static func resolveSeenNodes(
        _ sql: any SQLTransaction, _ dialect: SQLDialect, _ espIDs: [String], register: Bool, now: Date
    ) throws -> SeenNodes {
        var resolved = SeenNodes()
        let c = sql.columns
        let find = "SELECT \(c[.espID]) AS esp_id FROM Nodos WHERE \(c[.espID]) = ?"
        for espID in Set(espIDs) {
            if let known = try sql.rows(find, .text(espID)).first?.string("esp_id") {
                resolved.canonical[espID] = known
            } else if register {
                // Ignored on a conflict: another ingest worker may register the same id at the same moment.
                try sql.run(
                    "\(dialect.insertIgnore) INTO Nodos (\(c[.espID]), \(c[.nodeActive]), \(c[.nodeCreatedAt])) VALUES (?, 0, ?)",
                    .text(espID), dialect.time(now))
                resolved.registered.append(espID)
                resolved.canonical[espID] = try sql.rows(find, .text(espID)).first?.string("esp_id") ?? espID
            }
        }
        return resolved
    }

    static func recordLastSeen(_ sql: any SQLTransaction, _ dialect: SQLDialect, _ times: [String: Date]) throws {
        let c = sql.columns
        let seen = c[.lastSeen]
        for (espID, time) in times {
            try sql.run(
                "UPDATE Nodos SET \(seen) = ? WHERE \(c[.espID]) = ? AND (\(seen) IS NULL OR \(seen) < ?)",
                dialect.time(time), .text(espID), dialect.time(time))
        }
    }

    static func editNode(_ sql: any SQLTransaction, espID: String, changes: NodeChanges) throws -> Node {
        let node = try requireNode(sql, espID)
        let (c, name, description) = (sql.columns, sql.columns[.nodeName], sql.columns[.nodeDescription])
        try sql.run(
            "UPDATE Nodos SET \(name) = COALESCE(?, \(name)), \(description) = COALESCE(?, \(description)) WHERE \(c[.nodeID]) = ?",
            changes.name.map(SQLArgument.text) ?? .null, changes.description.map(SQLArgument.text) ?? .null,
            .int(node.id))
        return try requireNode(sql, espID)
    }

    static func nodes(_ sql: any SQLTransaction, includeInactive: Bool) throws -> [Node] {
        let c = sql.columns
        return try sql.rows(
            "\(selectNodes(c)) \(includeInactive ? "" : "WHERE n.\(c[.nodeActive]) = 1") ORDER BY n.\(c[.espID])"
        ).map(node)
    }

    static func setNodeActive(_ sql: any SQLTransaction, _ active: Bool, espID: String) throws -> Node {
        let node = try requireNode(sql, espID)
        let c = sql.columns
        try sql.run(
            "UPDATE Nodos SET \(c[.nodeActive]) = ? WHERE \(c[.nodeID]) = ?", .int(active ? 1 : 0), .int(node.id))
        return try requireNode(sql, espID)
    }

    // MARK: Assignments

    static func assignment(_ row: SQLResultRow) -> Assignment {
        Assignment(
            username: row.string("nombreusuario") ?? "", espID: row.string("esp_id") ?? "",
            nodeName: row.string("nombre"),
            isActive: (row.int("activo") ?? 0) != 0, location: row.string("ubicacion"),
            assignedAt: date(row, "fecha_asignacion") ?? epoch, lastAccess: date(row, "ultimo_acceso"))
    }

    static func assignment(_ sql: any SQLTransaction, userID: Int64, nodeID: Int64) throws -> Assignment? {
        try sql.rows(
            "\(assignments(sql.columns)) WHERE un.usuario_id = ? AND un.nodo_id = ?", .int(userID), .int(nodeID)
        )
        .first.map(assignment)
    }

    static func requireAssignment(_ sql: any SQLTransaction, userID: Int64, nodeID: Int64) throws -> Assignment {
        guard let assignment = try assignment(sql, userID: userID, nodeID: nodeID) else {
            throw DirectoryError.io("the assignment vanished while it was written")
        }
        return assignment
    }

    static func assign(
        _ sql: any SQLTransaction, _ dialect: SQLDialect, username: String, espID: String, location: String?, now: Date
    ) throws -> Assignment {
        let user = try requireUser(sql, dialect, username)
        let node = try requireNode(sql, espID)
        let existing = try assignment(sql, userID: user.id, nodeID: node.id)
        try DirectoryRules.checkAssignable(user: user, node: node, existing: existing)
        let place = location.map(SQLArgument.text) ?? .null
        if existing != nil {
            try sql.run(
                "UPDATE UsuariosNodos SET activo = 1, ubicacion = COALESCE(?, ubicacion), fecha_asignacion = ? WHERE usuario_id = ? AND nodo_id = ?",
                place, dialect.time(now), .int(user.id), .int(node.id))
        } else {
            try sql.run(
                "INSERT INTO UsuariosNodos (usuario_id, nodo_id, activo, ubicacion, fecha_asignacion) VALUES (?, ?, 1, ?, ?)",
                .int(user.id), .int(node.id), place, dialect.time(now))
        }
        return try requireAssignment(sql, userID: user.id, nodeID: node.id)
    }

    /// Changes an active assignment: `set` is the SET clause, `arguments` its values.
    static func updateAssignment(
        _ sql: any SQLTransaction, _ dialect: SQLDialect, username: String, espID: String, set: String,
        arguments: [SQLArgument]
    ) throws -> Assignment {
        let user = try requireUser(sql, dialect, username)
        let node = try requireNode(sql, espID)
        try DirectoryRules.checkChangeable(
            try assignment(sql, userID: user.id, nodeID: node.id), user: user, node: node)
        try sql.run(
            "UPDATE UsuariosNodos SET \(set) WHERE usuario_id = ? AND nodo_id = ?",
            arguments + [.int(user.id), .int(node.id)])
        return try requireAssignment(sql, userID: user.id, nodeID: node.id)
    }

    static func assignments(_ sql: any SQLTransaction, _ dialect: SQLDialect, _ filter: AssignmentFilter) throws
        -> [Assignment]
    {
        var conditions: [String] = []
        var arguments: [SQLArgument] = []
        if let username = filter.username {
            conditions.append("un.usuario_id = ?")
            arguments.append(.int(try requireUser(sql, dialect, username).id))
        }
        if let espID = filter.espID {
            conditions.append("un.nodo_id = ?")
            arguments.append(.int(try requireNode(sql, espID).id))
        }
        if !filter.includeInactive { conditions.append("un.activo = 1") }
        let whereClause = conditions.isEmpty ? "" : "WHERE " + conditions.joined(separator: " AND ")
        let c = sql.columns
        return try sql.rows(
            "\(assignments(c)) \(whereClause) ORDER BY u.\(c[.userID]), n.\(c[.espID])", arguments
        ).map(assignment)
    }
}

// MARK: The operations, once for both drivers

extension SQLDirectoryBackend {
    public func addUser(_ user: NewUser) async throws -> User {
        let dialect = self.dialect
        return try await sqlTransaction { sql in try DirectorySQL.addUser(sql, dialect, user, now: Date()) }
    }

    public func users(includeRemoved: Bool) async throws -> [User] {
        try await sqlRead { sql in try DirectorySQL.users(sql, includeRemoved: includeRemoved) }
    }

    public func user(named name: String) async throws -> User? {
        let dialect = self.dialect
        return try await sqlRead { sql in try DirectorySQL.user(sql, dialect, named: name) }
    }

    public func setPasswordHash(_ hash: String, username: String, openSessionAt now: Int64?) async throws -> (
        id: String, csrf: String
    )? {
        let dialect = self.dialect
        return try await sqlTransaction { sql in
            try DirectorySQL.setPasswordHash(sql, dialect, hash, username: username, openSessionAt: now)
        }
    }

    public func setUserActive(_ active: Bool, username: String) async throws -> User {
        let dialect = self.dialect
        return try await sqlTransaction { sql in
            try DirectorySQL.setUserActive(sql, dialect, active, username: username)
        }
    }

    public func removeUser(username: String) async throws -> User {
        let dialect = self.dialect
        return try await sqlTransaction { sql in
            try DirectorySQL.removeUser(sql, dialect, username: username, now: Date())
        }
    }

    public func addNode(espID: String, name: String?, description: String?, active: Bool) async throws -> Node {
        let dialect = self.dialect
        return try await sqlTransaction { sql in
            try DirectorySQL.addNode(
                sql, dialect, espID: espID, name: name, description: description, active: active, now: Date())
        }
    }

    public func editNode(espID: String, changes: NodeChanges) async throws -> Node {
        try await sqlTransaction { sql in try DirectorySQL.editNode(sql, espID: espID, changes: changes) }
    }

    public func nodes(includeInactive: Bool) async throws -> [Node] {
        try await sqlRead { sql in try DirectorySQL.nodes(sql, includeInactive: includeInactive) }
    }

    public func node(espID: String) async throws -> Node? {
        try await sqlRead { sql in try DirectorySQL.node(sql, espID: espID) }
    }

    public func setNodeActive(_ active: Bool, espID: String) async throws -> Node {
        try await sqlTransaction { sql in try DirectorySQL.setNodeActive(sql, active, espID: espID) }
    }

    public func resolveSeenNodes(_ espIDs: [String], register: Bool) async throws -> SeenNodes {
        let dialect = self.dialect
        return try await sqlTransaction { sql in
            try DirectorySQL.resolveSeenNodes(sql, dialect, espIDs, register: register, now: Date())
        }
    }

    public func recordLastSeen(_ times: [String: Date]) async throws {
        guard !times.isEmpty else { return }
        let dialect = self.dialect
        try await sqlTransaction { sql in try DirectorySQL.recordLastSeen(sql, dialect, times) }
    }

    public func assign(username: String, espID: String, location: String?) async throws -> Assignment {
        let dialect = self.dialect
        return try await sqlTransaction { sql in
            try DirectorySQL.assign(sql, dialect, username: username, espID: espID, location: location, now: Date())
        }
    }

    public func unassign(username: String, espID: String) async throws -> Assignment {
        let dialect = self.dialect
        return try await sqlTransaction { sql in
            try DirectorySQL.updateAssignment(
                sql, dialect, username: username, espID: espID, set: "activo = 0", arguments: [])
        }
    }

    public func setLocation(_ location: String, username: String, espID: String) async throws -> Assignment {
        let dialect = self.dialect
        return try await sqlTransaction { sql in
            try DirectorySQL.updateAssignment(
                sql, dialect, username: username, espID: espID, set: "ubicacion = ?", arguments: [.text(location)])
        }
    }

    public func assignments(_ filter: AssignmentFilter) async throws -> [Assignment] {
        let dialect = self.dialect
        return try await sqlRead { sql in try DirectorySQL.assignments(sql, dialect, filter) }
    }
}
