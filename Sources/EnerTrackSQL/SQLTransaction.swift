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
    /// The result's column names, lower case, shared by all its rows.
    public let names: [String]
    /// By column, in `names`' order; nil for NULL.
    public let values: [SQLValue?]

    public init(names: [String], values: [SQLValue?]) {
        self.names = names
        self.values = values
    }

    /// A column's value (columns are few: a scan beats hashing the name); of two columns of one
    /// name, the later.
    public func value(_ name: String) -> SQLValue? {
        var index = names.count
        while index > 0 {
            index -= 1
            if names[index] == name { return values[index] }
        }
        return nil
    }

    public func string(_ name: String) -> String? {
        switch value(name) {
        case .text(let text): text
        case .int(let number): String(number)
        case .double(let number): String(number)
        case nil: nil
        }
    }

    public func int(_ name: String) -> Int64? {
        switch value(name) {
        case .int(let number): number
        case .double(let number): Int64(exactly: number.rounded())
        case .text(let text): Int64(text) ?? Double(text).flatMap { Int64(exactly: $0.rounded()) }
        case nil: nil
        }
    }

    public func double(_ name: String) -> Double? {
        switch value(name) {
        case .double(let number): number
        case .int(let number): Double(number)
        case .text(let text): Double(text)
        case nil: nil
        }
    }
}

/// A value as a store returned it: SQLite gives integers and reals typed, MariaDB's text
/// protocol gives text (read as numbers where asked).
public enum SQLValue: Sendable, Equatable {
    case int(Int64)
    case double(Double)
    case text(String)
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
