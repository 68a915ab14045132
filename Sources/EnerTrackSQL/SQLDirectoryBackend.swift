import EnerTrackCore
import Foundation

/// A directory store that runs portable SQL transactions (both drivers: SQLite and MariaDB).
///
/// Everything a directory store keeps — users, nodes and assignments (`DirectorySQL`), sessions
/// and tokens, throttling, alert rules and their outbox, Telegram links and codes, settings,
/// leases — is written once here, over the driver's `sqlTransaction`/`sqlRead` and its
/// `SQLDialect`. A driver keeps connection handling, error mapping and migrations; callers only
/// ever see `DirectoryStore`, which has no SQL in it.
public protocol SQLDirectoryBackend: DirectoryStore, SQLTransactionRunner {
    /// What this driver's SQL does differently (`DirectorySQL` is written for both).
    var dialect: SQLDialect { get }
}

// MARK: Sessions, tokens, throttling

extension SQLDirectoryBackend {
    public func createSession(userID: Int64, replacing old: String?, now: Int64) async throws -> (
        id: String, csrf: String
    ) {
        try await sqlTransaction { sql in
            if let old { try WebSQL.deleteSession(sql, id: old) }
            return try WebSQL.createSession(sql, userID: userID, now: now)
        }
    }

    public func endSession(id: String) async throws {
        try await sqlTransaction { sql in try WebSQL.deleteSession(sql, id: id) }
    }

    public func activeSessions(now: Int64) async throws -> Int {
        try await sqlRead { sql in try WebSQL.activeSessions(sql, now: now) }
    }

    public func touchSession(id: String, now: Int64) async throws {
        try await sqlTransaction { sql in try WebSQL.touch(sql, id: id, now: now) }
    }

    public func sessionUser(id: String, now: Int64) async throws -> SessionUser? {
        try await sqlRead { sql in try WebSQL.sessionUser(sql, id: id, now: now) }
    }

    public func sessionUserNodes(id: String, now: Int64) async throws -> (
        found: SessionUser, nodes: [(assignment: Assignment, node: Node)]
    )? {
        try await sqlRead { sql in
            guard let found = try WebSQL.sessionUser(sql, id: id, now: now) else { return nil }
            guard !found.expired, found.user.isActive, found.user.removedAt == nil else { return (found, []) }
            return (found, try WebSQL.userNodes(sql, userID: found.user.id, username: found.user.username))
        }
    }

    public func tokenUser(token: String) async throws -> (user: User, language: Language?)? {
        try await sqlRead { sql in try WebSQL.tokenUser(sql, token: token) }
    }

    public func createToken(userID: Int64, name: String, now: Int64) async throws -> String {
        try await sqlTransaction { sql in try WebSQL.createToken(sql, userID: userID, name: name, now: now) }
    }

    @discardableResult
    public func revokeTokens(userID: Int64) async throws -> Int {
        try await sqlTransaction { sql in try WebSQL.revokeTokens(sql, userID: userID) }
    }

    public func endAccess(userID: Int64) async throws {
        try await sqlTransaction { sql in try WebSQL.endAccess(sql, userID: userID) }
    }

    public func reserveAttempt(keys: [String], now: Int64) async throws {
        try await sqlTransaction { sql in try WebSQL.reserveAttempt(sql, keys: keys, now: now) }
    }

    public func reserveLoginAttempt(name: String, others: [String], now: Int64) async throws -> (
        account: String, user: User?
    ) {
        let dialect = self.dialect
        return try await sqlTransaction { sql in
            let user = try DirectorySQL.user(sql, dialect, named: name)
            let account = LoginThrottle.accountKey(name, userID: user?.id)
            try WebSQL.reserveAttempt(sql, keys: [account] + others, now: now)
            return (account, user)
        }
    }

    public func attemptSucceeded(account: String, others: [String]) async throws {
        try await sqlTransaction { sql in try WebSQL.attemptSucceeded(sql, account: account, others: others) }
    }

    public func userNodes(userID: Int64, username: String) async throws -> [(assignment: Assignment, node: Node)] {
        try await sqlRead { sql in try WebSQL.userNodes(sql, userID: userID, username: username) }
    }

    public func recordAccess(userID: Int64, nodeID: Int64, at time: Date) async throws {
        let stamp = SQLTimestamp.format(time)
        try await sqlTransaction { sql in
            try sql.run(
                "UPDATE UsuariosNodos SET ultimo_acceso = ? WHERE usuario_id = ? AND nodo_id = ?", .text(stamp),
                .int(userID), .int(nodeID))
        }
    }

    public func ping() async throws {
        try await sqlRead { sql in _ = try sql.rows("SELECT 1 AS one") }
    }
}

/// `YYYY-MM-DD HH:MM:SS` in UTC: what SQLite's CURRENT_TIMESTAMP writes and MariaDB's TIMESTAMP
/// takes (the session time zone is UTC).
public enum SQLTimestamp {
    public static func format(_ date: Date) -> String {
        let iso = ISO8601.format(milliseconds: date.milliseconds, timeZone: .gmt)
        return String(iso.prefix(19)).replacingOccurrences(of: "T", with: " ")
    }
}

// MARK: Alert rules and their outbox

extension SQLDirectoryBackend {
    public func alertRules(userID: Int64?) async throws -> [AlertRule] {
        try await sqlTransaction { sql in try AlertSQL.rules(sql, userID: userID) }
    }

    public func setThreshold(userID: Int64, nodeID: Int64, kw: Double, phaseKW: Double?, now: Int64) async throws {
        try await sqlTransaction { sql in
            try AlertSQL.setThreshold(sql, userID: userID, nodeID: nodeID, kw: kw, phaseKW: phaseKW, now: now)
        }
    }

    @discardableResult
    public func clearThreshold(userID: Int64, nodeID: Int64) async throws -> Bool {
        try await sqlTransaction { sql in try AlertSQL.clearThreshold(sql, userID: userID, nodeID: nodeID) }
    }

    public func transition(
        rule: AlertRule, to state: AlertState, since: Int64?, lastNotified: Int64?, silentSince: Int64?, text: String?,
        now: Int64
    ) async throws -> (changed: Bool, queued: Int64?) {
        try await sqlTransaction { sql in
            try AlertSQL.transition(
                sql, rule: rule, to: state, since: since, lastNotified: lastNotified, silentSince: silentSince,
                text: text, now: now)
        }
    }

    public func outbox() async throws -> [OutboxMessage] {
        try await sqlTransaction { sql in try AlertSQL.outbox(sql) }
    }

    public func delivered(messageID: Int64, unlinkingChat chatID: Int64?) async throws {
        try await sqlTransaction { sql in
            if let chatID { try TelegramSQL.unlink(sql, chatID: chatID) }
            try AlertSQL.delivered(sql, id: messageID)
        }
    }

    public func deliveryFailed(messageID: Int64, error: String) async throws {
        try await sqlTransaction { sql in try AlertSQL.failed(sql, id: messageID, error: error) }
    }
}

// MARK: Telegram links

extension SQLDirectoryBackend {
    public func storeLinkCode(userID: Int64, hash: String, expiresAt: Int64) async throws {
        try await sqlTransaction { sql in
            try TelegramSQL.storeCode(sql, userID: userID, hash: hash, expiresAt: expiresAt)
        }
    }

    public func redeemLinkCode(hash: String, chatID: Int64, now: Int64) async throws -> RedeemResult {
        try await sqlTransaction { sql in try TelegramSQL.redeem(sql, hash: hash, chatID: chatID, now: now) }
    }

    public func telegramLink(userID: Int64) async throws -> TelegramLink? {
        try await sqlRead { sql in try TelegramSQL.link(sql, userID: userID) }
    }

    public func telegramLink(chatID: Int64) async throws -> TelegramLink? {
        try await sqlRead { sql in try TelegramSQL.link(sql, chatID: chatID) }
    }

    public func telegramLinks() async throws -> [TelegramLink] {
        try await sqlRead { sql in try TelegramSQL.allLinks(sql) }
    }

    @discardableResult
    public func unlinkTelegram(userID: Int64) async throws -> Bool {
        try await sqlTransaction { sql in try TelegramSQL.unlink(sql, userID: userID) }
    }

    @discardableResult
    public func unlinkTelegram(chatID: Int64) async throws -> Bool {
        try await sqlTransaction { sql in try TelegramSQL.unlink(sql, chatID: chatID) }
    }
}

// MARK: State values and settings

extension SQLDirectoryBackend {
    public func acquireLease(_ name: String, now: Int64, until: Int64) async throws -> Bool {
        let dialect = self.dialect
        return try await sqlTransaction { sql in
            try AlertSQL.acquireLease(sql, dialect, name: name, now: now, until: until)
        }
    }

    public func releaseLease(_ name: String) async throws {
        try await sqlTransaction { sql in try AlertSQL.releaseLease(sql, name: name) }
    }

    public func stateValue(_ name: String) async throws -> String? {
        try await sqlTransaction { sql in try AlertSQL.state(sql, name) }
    }

    public func setStateValue(_ name: String, _ value: String) async throws {
        try await sqlTransaction { sql in try AlertSQL.setState(sql, name, value) }
    }

    @discardableResult
    public func advanceCounter(_ name: String, to value: Int64) async throws -> Bool {
        try await sqlTransaction { sql in try AlertSQL.advanceCounter(sql, name, to: value) }
    }

    public func language(userID: Int64) async throws -> Language? {
        try await sqlRead { sql in try AlertSQL.language(sql, userID: userID) }
    }

    public func setLanguage(_ language: Language, userID: Int64) async throws {
        try await sqlTransaction { sql in try AlertSQL.setLanguage(sql, userID: userID, language) }
    }

    public func setProfile(userID: Int64, name: String?, language: Language) async throws {
        try await sqlTransaction { sql in
            try sql.run(
                "UPDATE Usuarios SET \(sql.columns[.fullName]) = ? WHERE \(sql.columns[.userID]) = ?",
                name.map(SQLArgument.text) ?? .null, .int(userID))
            try AlertSQL.setLanguage(sql, userID: userID, language)
        }
    }
}
