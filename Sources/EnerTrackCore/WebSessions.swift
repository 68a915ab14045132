import Crypto
import Foundation

/// A logged-in browser session, stored server-side (several `serve` instances share them).
public struct WebSession: Sendable, Equatable {
    public var userID: Int64
    public var csrfToken: String
    public var createdAt: Int64
    public var lastSeen: Int64
}

/// Random tokens (session ids, CSRF tokens, API tokens): 256 bits, base64url. Stored only as
/// SHA-256 hashes where they grant access.
public enum RandomToken {
    public static func make(bytes count: Int = 32) -> String {
        var generator = SystemRandomNumberGenerator()
        let bytes = (0..<count).map { _ in UInt8.random(in: 0...255, using: &generator) }
        return Data(bytes).base64EncodedString()
            .replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_").replacingOccurrences(of: "=", with: "")
    }

    public static func hash(_ token: String) -> String {
        SHA256.hash(data: Data(token.utf8)).map { String(format: "%02x", $0) }.joined()
    }

    /// Compares without an early exit, so timing tells nothing about where two strings differ.
    public static func constantTimeEqual(_ a: String, _ b: String) -> Bool {
        let x = Array(a.utf8), y = Array(b.utf8)
        var difference = UInt8(x.count == y.count ? 0 : 1)
        for index in 0..<max(x.count, y.count) {
            difference |= (index < x.count ? x[index] : 0) ^ (index < y.count ? y[index] : 0)
        }
        return difference == 0
    }
}

/// Sessions, API tokens and login throttling in portable SQL, shared by both directory stores.
public enum WebSQL {
    public static let idleTimeout: Int64 = 30 * 60_000
    public static let absoluteTimeout: Int64 = 12 * 3_600_000

    /// A new session for the user; returns the session id (only its hash is stored).
    public static func createSession(_ sql: any SQLTransaction, userID: Int64, now: Int64) throws -> (id: String, csrf: String) {
        let id = RandomToken.make(), csrf = RandomToken.make()
        try sql.run(
            "INSERT INTO web_sessions (id_hash, usuario_id, csrf_token, created_at, last_seen) VALUES (?, ?, ?, ?, ?)",
            .text(RandomToken.hash(id)), .int(userID), .text(csrf), .int(now), .int(now))
        // Expired sessions of anyone go now and then, so the table does not grow forever.
        try sql.run(
            "DELETE FROM web_sessions WHERE last_seen < ? OR created_at < ?", .int(now - idleTimeout), .int(now - absoluteTimeout))
        return (id, csrf)
    }

    /// The live session of an id; nil when unknown or expired (idle 30 min, absolute 12 h).
    /// The last-seen time moves at most once a minute (no write per request).
    public static func session(_ sql: any SQLTransaction, id: String, now: Int64) throws -> WebSession? {
        let hash = RandomToken.hash(id)
        guard let row = try sql.rows(
            "SELECT usuario_id, csrf_token, created_at, last_seen FROM web_sessions WHERE id_hash = ?", .text(hash)).first,
            let userID = row.int("usuario_id"), let created = row.int("created_at"), let seen = row.int("last_seen")
        else { return nil }
        guard now - seen < idleTimeout, now - created < absoluteTimeout else {
            try sql.run("DELETE FROM web_sessions WHERE id_hash = ?", .text(hash))
            return nil
        }
        if now - seen > 60_000 {
            try sql.run("UPDATE web_sessions SET last_seen = ? WHERE id_hash = ?", .int(now), .text(hash))
        }
        return WebSession(userID: userID, csrfToken: row.string("csrf_token") ?? "", createdAt: created, lastSeen: seen)
    }

    public static func deleteSession(_ sql: any SQLTransaction, id: String) throws {
        try sql.run("DELETE FROM web_sessions WHERE id_hash = ?", .text(RandomToken.hash(id)))
    }

    /// Ends every session of a user (password change, disabled user).
    public static func deleteSessions(_ sql: any SQLTransaction, userID: Int64) throws {
        try sql.run("DELETE FROM web_sessions WHERE usuario_id = ?", .int(userID))
    }

    // MARK: API tokens

    public static func createToken(_ sql: any SQLTransaction, userID: Int64, name: String, now: Int64) throws -> String {
        let token = "et_" + RandomToken.make()
        try sql.run(
            "INSERT INTO api_tokens (token_hash, usuario_id, name, created_at) VALUES (?, ?, ?, ?)",
            .text(RandomToken.hash(token)), .int(userID), .text(name), .int(now))
        return token
    }

    public static func tokenUser(_ sql: any SQLTransaction, token: String) throws -> Int64? {
        try sql.rows("SELECT usuario_id FROM api_tokens WHERE token_hash = ?", .text(RandomToken.hash(token))).first?.int("usuario_id")
    }

    @discardableResult
    public static func revokeTokens(_ sql: any SQLTransaction, userID: Int64) throws -> Int {
        try sql.run("DELETE FROM api_tokens WHERE usuario_id = ?", .int(userID))
    }

    // MARK: Login throttling

    /// Failures recorded for a key (an account or an address) within the last 15 minutes.
    public static func failures(_ sql: any SQLTransaction, key: String, now: Int64) throws -> (count: Int64, last: Int64) {
        guard let row = try sql.rows("SELECT failures, last_failure FROM login_throttle WHERE throttle_key = ?", .text(key)).first,
            let count = row.int("failures"), let last = row.int("last_failure"), now - last < 15 * 60_000
        else { return (0, 0) }
        return (count, last)
    }

    public static func recordFailure(_ sql: any SQLTransaction, key: String, now: Int64) throws {
        let current = try failures(sql, key: key, now: now).count
        try sql.run("DELETE FROM login_throttle WHERE throttle_key = ?", .text(key))
        try sql.run(
            "INSERT INTO login_throttle (throttle_key, failures, last_failure) VALUES (?, ?, ?)", .text(key), .int(current + 1), .int(now))
    }

    public static func clearFailures(_ sql: any SQLTransaction, key: String) throws {
        try sql.run("DELETE FROM login_throttle WHERE throttle_key = ?", .text(key))
    }
}
