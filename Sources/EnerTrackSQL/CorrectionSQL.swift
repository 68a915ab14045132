import EnerTrackCore
import Foundation

/// The audit trail of corrections to readings in portable SQL, shared by both directory stores:
/// table `reading_corrections`, one row per correction; the affected days as JSON text.
public enum CorrectionSQL {
    /// The embedded directory's table (MariaDB's is in `MariaDBSchema.corrections`).
    public static let sqliteTable = """
        CREATE TABLE reading_corrections (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            node TEXT NOT NULL,
            action TEXT NOT NULL,
            detail TEXT NOT NULL,
            from_ms INTEGER NOT NULL,
            to_ms INTEGER NOT NULL,
            actor TEXT NOT NULL,
            created_at INTEGER NOT NULL,
            readings INTEGER NOT NULL,
            days TEXT NOT NULL,
            reason TEXT NULL,
            store TEXT NOT NULL
        );
        CREATE INDEX reading_corrections_node ON reading_corrections (node, created_at);
        """

    static let select =
        "SELECT id, node, action, detail, from_ms, to_ms, actor, created_at, readings, days, reason, store FROM reading_corrections"

    static func record(_ row: SQLResultRow) -> CorrectionRecord? {
        guard let id = row.int("id"), let node = row.string("node"), let action = row.string("action"),
            let from = row.int("from_ms"), let to = row.int("to_ms"), let at = row.int("created_at")
        else { return nil }
        let days = row.string("days").flatMap { text in
            try? JSONDecoder().decode([CorrectionRecord.Day].self, from: Data(text.utf8))
        }
        return CorrectionRecord(
            id: id, node: node, action: action, detail: row.string("detail") ?? "", from: from, to: to,
            actor: row.string("actor") ?? "", at: at, readings: Int(clamping: row.int("readings") ?? 0),
            days: days ?? [], reason: row.string("reason"), store: row.string("store") ?? "")
    }

    public static func add(_ sql: any SQLTransaction, _ record: CorrectionRecord) throws -> Int64 {
        let days = String(decoding: try JSONEncoder().encode(record.days), as: UTF8.self)
        try sql.run(
            "INSERT INTO reading_corrections (node, action, detail, from_ms, to_ms, actor, created_at, readings, days, reason, store) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            .text(record.node), .text(record.action), .text(record.detail), .int(record.from), .int(record.to),
            .text(String(record.actor.prefix(255))), .int(record.at), .int(Int64(record.readings)), .text(days),
            record.reason.map { .text(String($0.prefix(500))) } ?? .null, .text(String(record.store.prefix(500))))
        return try sql.rows("SELECT max(id) AS id FROM reading_corrections WHERE node = ?", .text(record.node)).first?
            .int("id") ?? 0
    }

    public static func list(_ sql: any SQLTransaction, node: String?, limit: Int) throws -> [CorrectionRecord] {
        var query = select
        var arguments: [SQLArgument] = []
        if let node {
            query += " WHERE node = ?"
            arguments.append(.text(node))
        }
        query += " ORDER BY created_at DESC, id DESC LIMIT \(max(1, min(limit, 10_000)))"
        return try sql.rows(query, arguments).compactMap(record)
    }
}

extension SQLDirectoryBackend {
    public func recordCorrection(_ record: CorrectionRecord) async throws -> Int64 {
        try await sqlTransaction { sql in try CorrectionSQL.add(sql, record) }
    }

    public func corrections(node: String?, limit: Int) async throws -> [CorrectionRecord] {
        try await sqlRead { sql in try CorrectionSQL.list(sql, node: node, limit: limit) }
    }
}
