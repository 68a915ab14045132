import EnerTrackCore
import Foundation

/// Sessions, API tokens and login throttling in portable SQL, shared by both directory stores.
public enum WebSQL {
    /// A new session for the user; returns the session id (only its hash is stored).
    public static func createSession(_ sql: any SQLTransaction, userID: Int64, now: Int64) throws -> (
        id: String, csrf: String
    ) {
        let id = RandomToken.make()
        let csrf = RandomToken.make()
        try sql.run(
            "INSERT INTO web_sessions (id_hash, usuario_id, csrf_token, created_at, last_seen) VALUES (?, ?, ?, ?, ?)",
            .text(RandomToken.hash(id)), .int(userID), .text(csrf), .int(now), .int(now))
        // Expired sessions of anyone go now and then, so the table does not grow forever.
        try sql.run(
            "DELETE FROM web_sessions WHERE last_seen < ? OR created_at < ?", .int(now - SessionRules.idleTimeout),
            .int(now - SessionRules.absoluteTimeout))
        return (id, csrf)
    }

    public static func activeSessions(_ sql: any SQLTransaction, now: Int64) throws -> Int {
        let rows = try sql.rows(
            "SELECT count(*) AS n FROM web_sessions WHERE last_seen >= ? AND created_at >= ?",
            .int(now - SessionRules.idleTimeout), .int(now - SessionRules.absoluteTimeout))
        return Int(clamping: rows.first?.int("n") ?? 0)
    }

    public static func deleteSession(_ sql: any SQLTransaction, id: String) throws {
        try sql.run("DELETE FROM web_sessions WHERE id_hash = ?", .text(RandomToken.hash(id)))
    }

    /// Ends every way in a user has: web sessions, API tokens, the linked Telegram chat and any
    /// pending link code. What a password change, disabling and removing a user all mean: each of
    /// those store operations runs it in its own transaction, for the CLI and the web alike;
    /// enabling the user again brings none of it back, so a chat linked with a stolen password
    /// stays out.
    public static func endAccess(_ sql: any SQLTransaction, userID: Int64) throws {
        try sql.run("DELETE FROM web_sessions WHERE usuario_id = ?", .int(userID))
        try sql.run("DELETE FROM api_tokens WHERE usuario_id = ?", .int(userID))
        try TelegramSQL.unlink(sql, userID: userID)
    }

    // MARK: API tokens

    /// A token for an active user only, checked in the transaction that stores it: a token made
    /// while the user is being disabled never outlives that (enabling brings no access back).
    public static func createToken(_ sql: any SQLTransaction, userID: Int64, name: String, now: Int64) throws -> String
    {
        let c = sql.columns
        guard
            let row = try sql.rows(
                """
                SELECT \(userColumns(c)) FROM Usuarios u
                LEFT JOIN user_settings s ON s.usuario_id = u.\(c[.userID]) WHERE u.\(c[.userID]) = ?
                """, .int(userID)
            ).first
        else { throw DirectoryError.unknownUser(String(userID)) }
        let owner = user(row)
        guard owner.isActive, owner.removedAt == nil else {
            throw DirectoryError.conflict("'\(owner.username)' is disabled: enable it before making a token")
        }
        let token = "et_" + RandomToken.make()
        try sql.run(
            "INSERT INTO api_tokens (token_hash, usuario_id, name, created_at) VALUES (?, ?, ?, ?)",
            .text(RandomToken.hash(token)), .int(userID), .text(name), .int(now))
        return token
    }

    @discardableResult
    public static func revokeTokens(_ sql: any SQLTransaction, userID: Int64) throws -> Int {
        try sql.run("DELETE FROM api_tokens WHERE usuario_id = ?", .int(userID))
    }

    // MARK: Login throttling

    /// Reserves an attempt for every key, counting it as a failure *before* the password is
    /// checked, so concurrent guesses cannot outrun the counter; throws `Throttled` (and
    /// reserves nothing) when a key must wait. A successful check gives the slots back with
    /// `attemptSucceeded`. Each key's count moves by one conditional UPDATE, which the
    /// database serialises per row.
    public static func reserveAttempt(_ sql: any SQLTransaction, keys: [String], now: Int64) throws {
        for key in keys {
            let reserved = try sql.run(
                """
                UPDATE login_throttle SET failures = failures + 1, last_failure = ?
                WHERE throttle_key = ? AND last_failure > ? AND (failures < ? OR last_failure + \(delaySQL) <= ?)
                """, .int(now), .text(key), .int(now - LoginThrottle.window), .int(LoginThrottle.freeAttempts),
                .int(now))
            if reserved > 0 { continue }
            if let row = try sql.rows(
                "SELECT failures, last_failure FROM login_throttle WHERE throttle_key = ?", .text(key)
            ).first,
                let failures = row.int("failures"), let last = row.int("last_failure"),
                now - last < LoginThrottle.window
            {
                throw LoginThrottle.Throttled(wait: max(1, last + LoginThrottle.delay(afterFailures: failures) - now))
            }
            try sql.run("DELETE FROM login_throttle WHERE throttle_key = ?", .text(key))
            try sql.run(
                "INSERT INTO login_throttle (throttle_key, failures, last_failure) VALUES (?, 1, ?)", .text(key),
                .int(now))
        }
    }

    /// `delay(afterFailures:)` in portable SQL, of the row's `failures`.
    static let delaySQL: String = {
        var cases = "CASE"
        for failures in LoginThrottle.freeAttempts..<(LoginThrottle.freeAttempts + 9) {
            cases += " WHEN failures <= \(failures) THEN \(LoginThrottle.delay(afterFailures: failures))"
        }
        return cases + " ELSE 300000 END"
    }()

    /// After a right password: the account's failures are forgotten; the other keys (the
    /// address) get their reserved slot back.
    public static func attemptSucceeded(_ sql: any SQLTransaction, account: String, others: [String]) throws {
        try sql.run("DELETE FROM login_throttle WHERE throttle_key = ?", .text(account))
        for key in others {
            try sql.run(
                "UPDATE login_throttle SET failures = failures - 1 WHERE throttle_key = ? AND failures > 0", .text(key))
        }
    }

    public static func clearFailures(_ sql: any SQLTransaction, key: String) throws {
        try sql.run("DELETE FROM login_throttle WHERE throttle_key = ?", .text(key))
    }
}

extension WebSQL {
    static func userColumns(_ c: DirectoryColumns) -> String { "\(c.select("Usuarios", "u")), s.language" }

    static func user(_ row: SQLResultRow) -> User { DirectorySQL.user(row) }

    /// The session of an id with its active user, read only (the hot path of every request).
    public static func sessionUser(_ sql: any SQLTransaction, id: String, now: Int64) throws -> SessionUser? {
        guard
            let row = try sql.rows(
                """
                SELECT w.csrf_token, w.created_at, w.last_seen, \(userColumns(sql.columns)) FROM web_sessions w
                JOIN Usuarios u ON u.\(sql.columns[.userID]) = w.usuario_id
                LEFT JOIN user_settings s ON s.usuario_id = w.usuario_id
                WHERE w.id_hash = ?
                """, .text(RandomToken.hash(id))
            ).first,
            let created = row.int("created_at"), let seen = row.int("last_seen")
        else { return nil }
        let user = user(row)
        let session = WebSession(
            userID: user.id, csrfToken: row.string("csrf_token") ?? "", createdAt: created, lastSeen: seen)
        return SessionUser(
            session: session, user: user, language: row.string("language").flatMap(Language.init(rawValue:)),
            expired: now - seen >= SessionRules.idleTimeout || now - created >= SessionRules.absoluteTimeout,
            stale: now - seen > 60_000)
    }

    /// An API token's user.
    public static func tokenUser(_ sql: any SQLTransaction, token: String) throws -> (user: User, language: Language?)?
    {
        guard
            let row = try sql.rows(
                """
                SELECT \(userColumns(sql.columns)) FROM api_tokens t JOIN Usuarios u ON u.\(sql.columns[.userID]) = t.usuario_id
                LEFT JOIN user_settings s ON s.usuario_id = t.usuario_id WHERE t.token_hash = ?
                """, .text(RandomToken.hash(token))
            ).first
        else { return nil }
        return (user(row), row.string("language").flatMap(Language.init(rawValue:)))
    }

    public static func touch(_ sql: any SQLTransaction, id: String, now: Int64) throws {
        try sql.run("UPDATE web_sessions SET last_seen = ? WHERE id_hash = ?", .int(now), .text(RandomToken.hash(id)))
    }

    /// A user's actively assigned, active nodes with their assignment, in one query.
    public static func userNodes(_ sql: any SQLTransaction, userID: Int64, username: String) throws -> [(
        assignment: Assignment, node: Node
    )] {
        let c = sql.columns
        return try sql.rows(
            """
            SELECT \(c.select("Nodos", "n")), un.ubicacion, un.fecha_asignacion, un.ultimo_acceso
            FROM UsuariosNodos un JOIN Nodos n ON n.\(c[.nodeID]) = un.nodo_id
            WHERE un.usuario_id = ? AND un.activo = 1 AND n.\(c[.nodeActive]) = 1 ORDER BY n.\(c[.espID])
            """, .int(userID)
        ).map { row in
            let node = Node(
                id: row.int("nodo_id") ?? 0, espID: row.string("esp_id") ?? "", name: row.string("nombre"),
                description: row.string("descripcion"),
                isActive: true,
                createdAt: row.string("fecha_creacion").flatMap(ISO8601.parse) ?? Date(timeIntervalSince1970: 0),
                lastSeen: row.string("ultima_conexion").flatMap(ISO8601.parse))
            let assignment = Assignment(
                username: username, espID: node.espID, nodeName: node.name, isActive: true,
                location: row.string("ubicacion"),
                assignedAt: row.string("fecha_asignacion").flatMap(ISO8601.parse) ?? Date(timeIntervalSince1970: 0),
                lastAccess: row.string("ultimo_acceso").flatMap(ISO8601.parse))
            return (assignment, node)
        }
    }
}
