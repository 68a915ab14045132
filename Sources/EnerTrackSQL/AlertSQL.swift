import EnerTrackCore
import Foundation

/// The alert, Telegram and lease tables in portable SQL, shared by both directory stores.
/// Times are ms since the epoch.
public enum AlertSQL {
    static func rules(_ c: DirectoryColumns) -> String {
        """
        SELECT r.usuario_id, u.\(c[.username]) AS username, r.nodo_id, n.\(c[.espID]) AS esp_id, n.\(c[.nodeName]) AS nombre,
               r.threshold_kw, p.phase_kw, r.state, r.since, r.last_notified, r.silent_since, l.chat_id, s.language
        FROM alert_rules r
        LEFT JOIN alert_phase_limits p ON p.usuario_id = r.usuario_id AND p.nodo_id = r.nodo_id
        JOIN UsuariosNodos un ON un.usuario_id = r.usuario_id AND un.nodo_id = r.nodo_id AND un.activo = 1
        JOIN Usuarios u ON u.\(c[.userID]) = r.usuario_id AND u.\(c[.userActive]) = 1
        JOIN Nodos n ON n.\(c[.nodeID]) = r.nodo_id AND n.\(c[.nodeActive]) = 1
        LEFT JOIN telegram_links l ON l.usuario_id = r.usuario_id
        LEFT JOIN user_settings s ON s.usuario_id = r.usuario_id
        """
    }

    /// Rules of active users on their actively assigned, active nodes.
    public static func rules(_ sql: any SQLTransaction, userID: Int64? = nil) throws -> [AlertRule] {
        let c = sql.columns
        let rows =
            if let userID {
                try sql.rows(rules(c) + " WHERE r.usuario_id = ? ORDER BY n.\(c[.espID])", .int(userID))
            } else {
                try sql.rows(rules(c) + " ORDER BY u.\(c[.username]), n.\(c[.espID])")
            }
        return rows.map { row in
            AlertRule(
                userID: row.int("usuario_id") ?? 0, username: row.string("username") ?? "",
                nodeID: row.int("nodo_id") ?? 0,
                espID: row.string("esp_id") ?? "", nodeName: row.string("nombre"),
                thresholdKW: row.double("threshold_kw") ?? 0, phaseKW: row.double("phase_kw"),
                state: AlertState(rawValue: row.string("state") ?? "") ?? .ok, since: row.int("since"),
                lastNotified: row.int("last_notified"), silentSince: row.int("silent_since"),
                chatID: row.int("chat_id"),
                language: row.string("language").flatMap(Language.init(rawValue:)))
        }
    }

    /// Sets (or changes) a rule: the total threshold (0: none) and the per-phase one; the rule
    /// starts (again) in `ok`.
    public static func setThreshold(
        _ sql: any SQLTransaction, userID: Int64, nodeID: Int64, kw: Double, phaseKW: Double? = nil, now: Int64
    ) throws {
        try clearThreshold(sql, userID: userID, nodeID: nodeID)
        try sql.run(
            "INSERT INTO alert_rules (usuario_id, nodo_id, threshold_kw, state, since) VALUES (?, ?, ?, 'ok', ?)",
            .int(userID), .int(nodeID), .double(kw), .int(now))
        if let phaseKW {
            try sql.run(
                "INSERT INTO alert_phase_limits (usuario_id, nodo_id, phase_kw) VALUES (?, ?, ?)", .int(userID),
                .int(nodeID), .double(phaseKW))
        }
    }

    @discardableResult
    public static func clearThreshold(_ sql: any SQLTransaction, userID: Int64, nodeID: Int64) throws -> Bool {
        try sql.run("DELETE FROM alert_phase_limits WHERE usuario_id = ? AND nodo_id = ?", .int(userID), .int(nodeID))
        return try sql.run("DELETE FROM alert_rules WHERE usuario_id = ? AND nodo_id = ?", .int(userID), .int(nodeID))
            > 0
    }

    /// Moves a rule from the state `rule` was read in to `state`, and queues `text` for the
    /// user in the same transaction. False when another run changed the rule first (then
    /// nothing is queued: no duplicates). Returns whether it moved, and the queued message's id.
    public static func transition(
        _ sql: any SQLTransaction, rule: AlertRule, to state: AlertState, since: Int64?, lastNotified: Int64?,
        silentSince: Int64?, text: String?, now: Int64
    ) throws -> (changed: Bool, queued: Int64?) {
        let changed = try sql.run(
            """
            UPDATE alert_rules SET state = ?, since = ?, last_notified = ?, silent_since = ?
            WHERE usuario_id = ? AND nodo_id = ? AND state = ? AND coalesce(last_notified, -1) = ? AND coalesce(silent_since, -1) = ?
            """,
            .text(state.rawValue), since.map(SQLArgument.int) ?? .null, lastNotified.map(SQLArgument.int) ?? .null,
            silentSince.map(SQLArgument.int) ?? .null, .int(rule.userID), .int(rule.nodeID), .text(rule.state.rawValue),
            .int(rule.lastNotified ?? -1), .int(rule.silentSince ?? -1))
        guard changed == 1 else { return (false, nil) }
        guard let text else { return (true, nil) }
        return (true, try queue(sql, userID: rule.userID, text: text, now: now))
    }

    /// Queues a message for a user (in the caller's transaction); its id.
    static func queue(_ sql: any SQLTransaction, userID: Int64, text: String, now: Int64) throws -> Int64? {
        try sql.run(
            "INSERT INTO alert_outbox (usuario_id, text, created_at, attempts) VALUES (?, ?, ?, 0)",
            .int(userID), .text(text), .int(now))
        return try sql.rows("SELECT max(id) AS id FROM alert_outbox WHERE usuario_id = ?", .int(userID)).first?.int(
            "id")
    }

    /// Messages waiting for delivery, oldest first, with the user's current chat (nil: unlinked since).
    public static func outbox(_ sql: any SQLTransaction) throws -> [OutboxMessage] {
        try sql.rows(
            """
            SELECT o.id, o.usuario_id, u.\(sql.columns[.username]) AS username, l.chat_id, o.text, o.attempts,
                   o.created_at
            FROM alert_outbox o JOIN Usuarios u ON u.\(sql.columns[.userID]) = o.usuario_id
            LEFT JOIN telegram_links l ON l.usuario_id = o.usuario_id ORDER BY o.id
            """
        ).map { row in
            OutboxMessage(
                id: row.int("id") ?? 0, userID: row.int("usuario_id") ?? 0, username: row.string("username") ?? "",
                chatID: row.int("chat_id"), text: row.string("text") ?? "", attempts: row.int("attempts") ?? 0,
                queuedAt: row.int("created_at"))
        }
    }

    public static func delivered(_ sql: any SQLTransaction, id: Int64) throws {
        try sql.run("DELETE FROM alert_outbox WHERE id = ?", .int(id))
    }

    public static func failed(_ sql: any SQLTransaction, id: Int64, error: String) throws {
        try sql.run(
            "UPDATE alert_outbox SET attempts = attempts + 1, last_error = ? WHERE id = ?",
            .text(String(error.prefix(250))), .int(id))
    }

    // MARK: Leases

    /// Takes the named lease until `until` when it is free or expired; false when another holds it.
    /// The first run ever inserts the row, ignoring a duplicate: another run (on Galera, on
    /// another node, whose row arrived between the read and the insert) took it first.
    public static func acquireLease(
        _ sql: any SQLTransaction, _ dialect: SQLDialect, name: String, now: Int64, until: Int64
    )
        throws -> Bool
    {
        guard
            let current = try sql.rows("SELECT value FROM enertrack_state WHERE name = ?", .text(name)).first?.string(
                "value")
        else {
            return try sql.run(
                "\(dialect.insertIgnore) INTO enertrack_state (name, value) VALUES (?, ?)", .text(name),
                .text(String(until))) == 1
        }
        guard (Int64(current) ?? 0) <= now else { return false }
        return try sql.run(
            "UPDATE enertrack_state SET value = ? WHERE name = ? AND value = ?", .text(String(until)), .text(name),
            .text(current)) == 1
    }

    public static func releaseLease(_ sql: any SQLTransaction, name: String) throws {
        try sql.run("UPDATE enertrack_state SET value = '0' WHERE name = ?", .text(name))
    }

    // MARK: State values

    public static func state(_ sql: any SQLTransaction, _ name: String) throws -> String? {
        try sql.rows("SELECT value FROM enertrack_state WHERE name = ?", .text(name)).first?.string("value")
    }

    /// Compare and set: the update names the value it read, so of two transactions that read the
    /// same value only one changes the row (InnoDB re-reads it under the row lock; Galera's
    /// certification aborts the other, whose retry reads the new value).
    public static func advanceCounter(_ sql: any SQLTransaction, _ name: String, to value: Int64) throws -> Bool {
        guard let current = try state(sql, name) else {
            try sql.run("INSERT INTO enertrack_state (name, value) VALUES (?, ?)", .text(name), .text(String(value)))
            return true
        }
        guard (Int64(current) ?? 0) < value else { return false }
        return try sql.run(
            "UPDATE enertrack_state SET value = ? WHERE name = ? AND value = ?", .text(String(value)), .text(name),
            .text(current)) == 1
    }

    public static func setState(_ sql: any SQLTransaction, _ name: String, _ value: String) throws {
        try sql.run("DELETE FROM enertrack_state WHERE name = ?", .text(name))
        try sql.run("INSERT INTO enertrack_state (name, value) VALUES (?, ?)", .text(name), .text(value))
    }

    // MARK: Languages

    public static func language(_ sql: any SQLTransaction, userID: Int64) throws -> Language? {
        try sql.rows("SELECT language FROM user_settings WHERE usuario_id = ?", .int(userID)).first?.string("language")
            .flatMap(Language.init(rawValue:))
    }

    public static func setLanguage(_ sql: any SQLTransaction, userID: Int64, _ language: Language) throws {
        try sql.run("DELETE FROM user_settings WHERE usuario_id = ?", .int(userID))
        try sql.run(
            "INSERT INTO user_settings (usuario_id, language) VALUES (?, ?)", .int(userID), .text(language.rawValue))
    }
}
