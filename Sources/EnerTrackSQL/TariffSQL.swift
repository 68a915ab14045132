import EnerTrackCore
import Foundation

/// Tariffs, their assignments and dynamic prices in portable SQL, shared by both directory
/// stores. Assignments name users and nodes by key; days are `YYYY-MM-DD` text, times ms.
public enum TariffSQL {
    static func stored(_ row: SQLResultRow) -> StoredTariff {
        StoredTariff(
            name: row.string("name") ?? "", currency: row.string("currency") ?? "",
            definition: row.string("definition") ?? "", updatedAt: row.int("updated_at") ?? 0)
    }

    public static func save(_ sql: any SQLTransaction, _ tariff: StoredTariff) throws -> Bool {
        let replaced =
            try sql.run(
                "UPDATE tariffs SET currency = ?, definition = ?, updated_at = ? WHERE name = ?",
                .text(tariff.currency), .text(tariff.definition), .int(tariff.updatedAt), .text(tariff.name)) > 0
        if !replaced {
            try sql.run(
                "INSERT INTO tariffs (name, currency, definition, updated_at) VALUES (?, ?, ?, ?)",
                .text(tariff.name), .text(tariff.currency), .text(tariff.definition), .int(tariff.updatedAt))
        }
        return replaced
    }

    public static func all(_ sql: any SQLTransaction) throws -> [StoredTariff] {
        try sql.rows("SELECT name, currency, definition, updated_at FROM tariffs ORDER BY name").map(stored)
    }

    public static func named(_ sql: any SQLTransaction, _ name: String) throws -> StoredTariff? {
        try sql.rows("SELECT name, currency, definition, updated_at FROM tariffs WHERE name = ?", .text(name)).first
            .map(stored)
    }

    public static func remove(_ sql: any SQLTransaction, _ name: String) throws {
        guard try named(sql, name) != nil else { throw TariffError.unknown(name) }
        let users = try sql.rows("SELECT count(*) AS n FROM tariff_user_assignments WHERE tariff = ?", .text(name))
        let nodes = try sql.rows("SELECT count(*) AS n FROM tariff_node_assignments WHERE tariff = ?", .text(name))
        let count = (users.first?.int("n") ?? 0) + (nodes.first?.int("n") ?? 0)
        guard count == 0 else {
            throw TariffError(
                "tariff '{0}' is assigned {1} time(s): assign another tariff or remove those assignments first (tariff assignments)",
                ["\(name)", "\(count)"]
            )
        }
        try sql.run("DELETE FROM tariff_prices WHERE tariff = ?", .text(name))
        try sql.run("DELETE FROM tariffs WHERE name = ?", .text(name))
    }

    public static func assign(_ sql: any SQLTransaction, _ dialect: SQLDialect, _ assignment: TariffAssignment) throws {
        guard try named(sql, assignment.tariff) != nil else {
            throw TariffError.unknown(assignment.tariff)
        }
        let (table, column, key) = try target(sql, dialect, assignment.target)
        try sql.run(
            "DELETE FROM \(table) WHERE \(column) = ? AND from_day = ?", .int(key), .text(assignment.from.description))
        try sql.run(
            "INSERT INTO \(table) (\(column), from_day, tariff) VALUES (?, ?, ?)", .int(key),
            .text(assignment.from.description), .text(assignment.tariff))
    }

    public static func unassign(
        _ sql: any SQLTransaction, _ dialect: SQLDialect, _ target: TariffAssignment.Target, from day: CalendarDay
    ) throws -> Bool {
        let (table, column, key) = try self.target(sql, dialect, target)
        return try sql.run(
            "DELETE FROM \(table) WHERE \(column) = ? AND from_day = ?", .int(key), .text(day.description))
            > 0
    }

    static func target(_ sql: any SQLTransaction, _ dialect: SQLDialect, _ target: TariffAssignment.Target) throws -> (
        String, String, Int64
    ) {
        switch target {
        case .node(let espID): ("tariff_node_assignments", "nodo_id", try DirectorySQL.requireNode(sql, espID).id)
        case .user(let name):
            ("tariff_user_assignments", "usuario_id", try DirectorySQL.requireUser(sql, dialect, name).id)
        }
    }

    public static func assignments(_ sql: any SQLTransaction) throws -> [TariffAssignment] {
        let c = sql.columns
        let nodes = try sql.rows(
            """
            SELECT n.\(c[.espID]) AS target, a.tariff, a.from_day FROM tariff_node_assignments a
            JOIN Nodos n ON n.\(c[.nodeID]) = a.nodo_id ORDER BY n.\(c[.espID]), a.from_day
            """)
        let users = try sql.rows(
            """
            SELECT u.\(c[.username]) AS target, a.tariff, a.from_day FROM tariff_user_assignments a
            JOIN Usuarios u ON u.\(c[.userID]) = a.usuario_id ORDER BY u.\(c[.username]), a.from_day
            """)
        func read(_ rows: [SQLResultRow], _ make: (String) -> TariffAssignment.Target) -> [TariffAssignment] {
            rows.compactMap { row in
                guard let target = row.string("target"), let tariff = row.string("tariff"),
                    let day = row.string("from_day").flatMap(CalendarDay.init(checking:))
                else { return nil }
                return TariffAssignment(target: make(target), tariff: tariff, from: day)
            }
        }
        return read(nodes, TariffAssignment.Target.node) + read(users, TariffAssignment.Target.user)
    }

    /// Rows per INSERT when storing prices (one round trip each on MariaDB).
    static let batch = 500

    public static func replacePrices(_ sql: any SQLTransaction, tariff: String, _ points: [PricePoint]) throws -> Int {
        guard try named(sql, tariff) != nil else {
            throw TariffError.unknown(tariff)
        }
        guard let first = points.first, let last = points.last else { return 0 }
        try sql.run(
            "DELETE FROM tariff_prices WHERE tariff = ? AND time >= ? AND time < ?", .text(tariff), .int(first.time),
            .int(last.time + last.duration))
        var start = 0
        while start < points.count {
            let chunk = points[start..<min(start + batch, points.count)]
            let values = Array(repeating: "(?, ?, ?, ?)", count: chunk.count).joined(separator: ", ")
            var arguments: [SQLArgument] = []
            arguments.reserveCapacity(chunk.count * 4)
            for point in chunk {
                arguments += [.text(tariff), .int(point.time), .int(point.duration), .double(point.price)]
            }
            try sql.run("INSERT INTO tariff_prices (tariff, time, duration, price) VALUES \(values)", arguments)
            start += batch
        }
        return points.count
    }

    public static func prices(_ sql: any SQLTransaction, tariff: String, from: Int64, to: Int64) throws -> [PricePoint]
    {
        // A price starts at most an hour before the range and still covers its start.
        try sql.rows(
            "SELECT time, duration, price FROM tariff_prices WHERE tariff = ? AND time >= ? AND time < ? ORDER BY time",
            .text(tariff), .int(from - 3_600_000), .int(to)
        ).compactMap { row in
            guard let time = row.int("time"), let duration = row.int("duration"), let price = row.double("price") else {
                return nil
            }
            return time + duration > from ? PricePoint(time: time, duration: duration, price: price) : nil
        }
    }

    public static func span(_ sql: any SQLTransaction, tariff: String) throws -> PriceSpan? {
        guard
            let row = try sql.rows(
                "SELECT count(*) AS n, min(time) AS first, max(time + duration) AS last FROM tariff_prices WHERE tariff = ?",
                .text(tariff)
            ).first, let count = row.int("n"), count > 0, let first = row.int("first"), let last = row.int("last")
        else { return nil }
        return PriceSpan(count: Int(count), first: first, last: last)
    }
}

// MARK: The store operations

extension SQLDirectoryBackend {
    @discardableResult
    public func saveTariff(_ tariff: StoredTariff) async throws -> Bool {
        try await sqlTransaction { sql in try TariffSQL.save(sql, tariff) }
    }

    public func storedTariffs() async throws -> [StoredTariff] {
        try await sqlRead { sql in try TariffSQL.all(sql) }
    }

    public func tariffsAndAssignments() async throws -> (tariffs: [StoredTariff], assignments: [TariffAssignment]) {
        try await sqlRead { sql in (try TariffSQL.all(sql), try TariffSQL.assignments(sql)) }
    }

    public func storedTariff(named name: String) async throws -> StoredTariff? {
        try await sqlRead { sql in try TariffSQL.named(sql, name) }
    }

    public func removeTariff(named name: String) async throws {
        try await sqlTransaction { sql in try TariffSQL.remove(sql, name) }
    }

    public func assignTariff(_ assignment: TariffAssignment) async throws {
        let dialect = self.dialect
        try await sqlTransaction { sql in try TariffSQL.assign(sql, dialect, assignment) }
    }

    public func unassignTariff(target: TariffAssignment.Target, from day: CalendarDay) async throws -> Bool {
        let dialect = self.dialect
        return try await sqlTransaction { sql in try TariffSQL.unassign(sql, dialect, target, from: day) }
    }

    public func tariffAssignments() async throws -> [TariffAssignment] {
        try await sqlRead { sql in try TariffSQL.assignments(sql) }
    }

    @discardableResult
    public func replacePrices(tariff: String, _ points: [PricePoint]) async throws -> Int {
        try await sqlTransaction { sql in try TariffSQL.replacePrices(sql, tariff: tariff, points) }
    }

    public func prices(tariff: String, from: Int64, to: Int64) async throws -> [PricePoint] {
        try await sqlRead { sql in try TariffSQL.prices(sql, tariff: tariff, from: from, to: to) }
    }

    public func priceSpan(tariff: String) async throws -> PriceSpan? {
        try await sqlRead { sql in try TariffSQL.span(sql, tariff: tariff) }
    }
}

/// Budget rules in portable SQL (`scope` is the node's key, 0 for all the user's meters).
public enum BudgetSQL {
    public static func set(_ sql: any SQLTransaction, userID: Int64, nodeID: Int64?, monthly: Decimal, now: Int64)
        throws
    {
        try sql.run("DELETE FROM budget_rules WHERE usuario_id = ? AND scope = ?", .int(userID), .int(nodeID ?? 0))
        try sql.run(
            "INSERT INTO budget_rules (usuario_id, nodo_id, scope, monthly, created_at) VALUES (?, ?, ?, ?, ?)",
            .int(userID), nodeID.map(SQLArgument.int) ?? .null, .int(nodeID ?? 0), .text("\(monthly)"), .int(now))
    }

    public static func clear(_ sql: any SQLTransaction, userID: Int64, nodeID: Int64?) throws -> Bool {
        try sql.run("DELETE FROM budget_rules WHERE usuario_id = ? AND scope = ?", .int(userID), .int(nodeID ?? 0)) > 0
    }

    public static func rules(_ sql: any SQLTransaction, userID: Int64?) throws -> [BudgetRule] {
        let c = sql.columns
        var query = """
            SELECT b.id, b.usuario_id, u.\(c[.username]) AS username, b.nodo_id, n.\(c[.espID]) AS esp_id, b.monthly,
                   b.notified_month, l.chat_id, s.language
            FROM budget_rules b
            JOIN Usuarios u ON u.\(c[.userID]) = b.usuario_id AND u.\(c[.userActive]) = 1
            LEFT JOIN Nodos n ON n.\(c[.nodeID]) = b.nodo_id
            LEFT JOIN UsuariosNodos un ON un.usuario_id = b.usuario_id AND un.nodo_id = b.nodo_id
            LEFT JOIN telegram_links l ON l.usuario_id = b.usuario_id
            LEFT JOIN user_settings s ON s.usuario_id = b.usuario_id
            WHERE (b.nodo_id IS NULL OR (un.activo = 1 AND n.\(c[.nodeActive]) = 1))
            """
        var arguments: [SQLArgument] = []
        if let userID {
            query += " AND b.usuario_id = ?"
            arguments.append(.int(userID))
        }
        query += " ORDER BY u.\(c[.username]), b.scope"
        return try sql.rows(query, arguments).compactMap { row in
            guard let id = row.int("id"), let user = row.int("usuario_id"),
                let monthly = row.string("monthly").flatMap({
                    Decimal(string: $0, locale: Locale(identifier: "en_US_POSIX"))
                })
            else { return nil }
            return BudgetRule(
                id: id, userID: user, username: row.string("username") ?? "", nodeID: row.int("nodo_id"),
                espID: row.string("esp_id"), monthly: monthly, notifiedMonth: row.string("notified_month"),
                chatID: row.int("chat_id"), language: row.string("language").flatMap(Language.init(rawValue:)))
        }
    }

    public static func notified(_ sql: any SQLTransaction, rule: BudgetRule, month: String, text: String?, now: Int64)
        throws -> (changed: Bool, queued: Int64?)
    {
        let changed = try sql.run(
            "UPDATE budget_rules SET notified_month = ? WHERE id = ? AND coalesce(notified_month, '') = ?",
            .text(month), .int(rule.id), .text(rule.notifiedMonth ?? ""))
        guard changed == 1 else { return (false, nil) }
        guard let text else { return (true, nil) }
        return (true, try AlertSQL.queue(sql, userID: rule.userID, text: text, now: now))
    }
}

extension SQLDirectoryBackend {
    public func setBudget(userID: Int64, nodeID: Int64?, monthly: Decimal, now: Int64) async throws {
        try await sqlTransaction { sql in
            try BudgetSQL.set(sql, userID: userID, nodeID: nodeID, monthly: monthly, now: now)
        }
    }

    @discardableResult
    public func clearBudget(userID: Int64, nodeID: Int64?) async throws -> Bool {
        try await sqlTransaction { sql in try BudgetSQL.clear(sql, userID: userID, nodeID: nodeID) }
    }

    public func budgetRules(userID: Int64?) async throws -> [BudgetRule] {
        try await sqlRead { sql in try BudgetSQL.rules(sql, userID: userID) }
    }

    public func budgetNotified(rule: BudgetRule, month: String, text: String?, now: Int64) async throws -> (
        changed: Bool, queued: Int64?
    ) {
        try await sqlTransaction { sql in try BudgetSQL.notified(sql, rule: rule, month: month, text: text, now: now) }
    }
}
