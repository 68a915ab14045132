import Foundation

/// One value bound to a `?`.
public enum SQLArgument: Sendable, Equatable {
    case null
    case int(Int64)
    case double(Double)
    case text(String)
}

/// One result row, every column as text by its (lower-cased) name, NULL absent.
public struct SQLResultRow: Sendable {
    public var columns: [String: String]

    public init(_ columns: [String: String]) { self.columns = columns }

    public func string(_ name: String) -> String? { columns[name] }
    public func int(_ name: String) -> Int64? {
        columns[name].flatMap { Int64($0) ?? Double($0).flatMap { Int64(exactly: $0.rounded()) } }
    }
    public func double(_ name: String) -> Double? { columns[name].flatMap(Double.init) }
}

/// A transaction on a directory store, seen as plain SQL, so logic that needs only portable SQL
/// (alerts, Telegram links, leases) is written once for SQLite and MariaDB. Statements use
/// `?` placeholders and the subset both dialects share (no upserts: delete and insert).
public protocol SQLTransaction {
    func rows(_ sql: String, _ arguments: [SQLArgument]) throws -> [SQLResultRow]
    /// Runs a write; returns the number of rows it changed.
    @discardableResult
    func run(_ sql: String, _ arguments: [SQLArgument]) throws -> Int
    /// Which columns of `Usuarios` and `Nodos` hold what (MariaDB adopts earlier tables as they are).
    var columns: DirectoryColumns { get }
}

extension SQLTransaction {
    public var columns: DirectoryColumns { .standard }

    public func rows(_ sql: String, _ arguments: SQLArgument...) throws -> [SQLResultRow] { try rows(sql, arguments) }

    @discardableResult
    public func run(_ sql: String, _ arguments: SQLArgument...) throws -> Int { try run(sql, arguments) }
}

/// A store that runs `SQLTransaction`s: both directory stores.
public protocol SQLTransactionRunner: Sendable {
    /// Runs `body` in one transaction (retried whole on transient failures), mapping failures to `DirectoryError`.
    @discardableResult
    func sqlTransaction<T: Sendable>(_ body: @escaping @Sendable (any SQLTransaction) throws -> T) async throws -> T
    /// Runs `body`, which only reads: on SQLite concurrently with other readers and the writer.
    func sqlRead<T: Sendable>(_ body: @escaping @Sendable (any SQLTransaction) throws -> T) async throws -> T
}

extension SQLTransactionRunner {
    public func sqlRead<T: Sendable>(_ body: @escaping @Sendable (any SQLTransaction) throws -> T) async throws -> T {
        try await sqlTransaction(body)
    }
}
