import EnerTrackCore
import Foundation

/// Link codes and linked chats in portable SQL, shared by both directory stores.
public enum TelegramSQL {
    public static func storeCode(_ sql: any SQLTransaction, userID: Int64, hash: String, expiresAt: Int64) throws {
        try sql.run("DELETE FROM telegram_codes WHERE usuario_id = ?", .int(userID))
        try sql.run(
            "INSERT INTO telegram_codes (usuario_id, code_hash, expires_at) VALUES (?, ?, ?)", .int(userID),
            .text(hash), .int(expiresAt))
    }

    /// Uses a code once: links `chatID` to its user (moving the chat off any other user).
    public static func redeem(_ sql: any SQLTransaction, hash: String, chatID: Int64, now: Int64) throws -> RedeemResult
    {
        guard
            let row = try sql.rows(
                """
                SELECT c.usuario_id, c.expires_at, u.\(sql.columns[.username]) AS username FROM telegram_codes c
                JOIN Usuarios u ON u.\(sql.columns[.userID]) = c.usuario_id AND u.\(sql.columns[.userActive]) = 1
                WHERE c.code_hash = ?
                """, .text(hash)
            ).first,
            let userID = row.int("usuario_id"), let expiresAt = row.int("expires_at")
        else { return .invalid }
        // Deleting is the single use: of two chats racing with one code, only one deletes it.
        guard try sql.run("DELETE FROM telegram_codes WHERE code_hash = ?", .text(hash)) == 1 else { return .invalid }
        guard expiresAt > now else { return .expired }
        try sql.run("DELETE FROM telegram_links WHERE usuario_id = ? OR chat_id = ?", .int(userID), .int(chatID))
        try sql.run(
            "INSERT INTO telegram_links (usuario_id, chat_id, linked_at) VALUES (?, ?, ?)", .int(userID), .int(chatID),
            .int(now))
        return .linked(userID: userID, username: row.string("username") ?? "")
    }

    static func links(_ c: DirectoryColumns) -> String {
        """
        SELECT l.usuario_id, u.\(c[.username]) AS username, l.chat_id, l.linked_at, s.language FROM telegram_links l
        JOIN Usuarios u ON u.\(c[.userID]) = l.usuario_id
        LEFT JOIN user_settings s ON s.usuario_id = l.usuario_id
        """
    }

    private static func link(_ row: SQLResultRow) -> TelegramLink {
        TelegramLink(
            userID: row.int("usuario_id") ?? 0, username: row.string("username") ?? "", chatID: row.int("chat_id") ?? 0,
            linkedAt: row.int("linked_at") ?? 0, language: row.string("language").flatMap(Language.init(rawValue:)))
    }

    public static func link(_ sql: any SQLTransaction, userID: Int64) throws -> TelegramLink? {
        try sql.rows(links(sql.columns) + " WHERE l.usuario_id = ?", .int(userID)).first.map(link)
    }

    /// The active user linked to a chat.
    public static func link(_ sql: any SQLTransaction, chatID: Int64) throws -> TelegramLink? {
        try sql.rows(links(sql.columns) + " WHERE l.chat_id = ? AND u.\(sql.columns[.userActive]) = 1", .int(chatID))
            .first.map(link)
    }

    public static func allLinks(_ sql: any SQLTransaction) throws -> [TelegramLink] {
        try sql.rows(links(sql.columns) + " ORDER BY u.\(sql.columns[.username])").map(link)
    }

    @discardableResult
    public static func unlink(_ sql: any SQLTransaction, userID: Int64) throws -> Bool {
        try sql.run("DELETE FROM telegram_codes WHERE usuario_id = ?", .int(userID))
        return try sql.run("DELETE FROM telegram_links WHERE usuario_id = ?", .int(userID)) > 0
    }

    @discardableResult
    public static func unlink(_ sql: any SQLTransaction, chatID: Int64) throws -> Bool {
        try sql.run("DELETE FROM telegram_links WHERE chat_id = ?", .int(chatID)) > 0
    }
}
