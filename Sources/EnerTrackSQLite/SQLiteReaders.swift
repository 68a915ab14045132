import EnerTrackRuntime
import EnerTrackSQL
import Foundation
import GRDBSQLite
import Synchronization

/// Read transactions on an embedded store file through SQLite's C interface, for the questions
/// `serve` asks on every request (a session's user and meters, a token's user): a fixed set of
/// connections, each with its prepared statements, on a `BlockingPool` of as many threads.
///
/// Why not GRDB's `DatabasePool.read` for these: its reader pool, schema checks, transaction
/// statements and row copies cost more than the query itself (`bench/serve`: `/api/v1/nodes`
/// spent about half its time there). Writes, migrations and everything else stay on GRDB.
///
/// WAL readers: they see the last committed state, never wait for the writer, and never write
/// (`PRAGMA query_only`). A connection is opened when first needed; a file that cannot be opened
/// is an error of the read, not of the process.
final class SQLiteReaders: Sendable {
    let path: String
    private let pool: BlockingPool
    private let idle = Mutex<[Connection]>([])

    init(path: String, connections: Int) {
        self.path = path
        pool = BlockingPool(threads: max(1, connections), name: "enertrack.sqlite-read")
    }

    /// `body` in one read transaction (one snapshot of the file) on a pool thread.
    func read<T: Sendable>(_ body: @escaping @Sendable (any SQLTransaction) throws -> T) async throws -> T {
        try await pool.run {
            // As many connections as threads: one is always free for a running job.
            let connection = try self.idle.withLock { $0.popLast() } ?? Connection(path: self.path)
            defer { self.idle.withLock { $0.append(connection) } }
            return try connection.transaction { try body(RawTransaction(connection: connection)) }
        }
    }

    /// What SQLite said when a call failed: its result code and message.
    struct Failure: Error, CustomStringConvertible {
        let code: Int32
        let message: String

        /// The primary result code (`SQLITE_BUSY`, …), without the extended bits.
        var primary: Int32 { code & 0xFF }
        var description: String { "SQLite error \(code): \(message)" }
    }

    /// One connection and its prepared statements; used by one thread at a time.
    final class Connection: @unchecked Sendable {
        struct Prepared {
            let handle: OpaquePointer
            /// The result's column names, lower case.
            let names: [String]
        }

        private let handle: OpaquePointer
        private var statements: [String: Prepared] = [:]
        /// Distinct statements kept at most; past that the cache starts over (SQL is written in
        /// the code, so this bounds nothing but a mistake).
        private static let capacity = 128
        private static let transient = unsafeBitCast(-1, to: sqlite3_destructor_type.self)

        init(path: String) throws {
            var opened: OpaquePointer?
            let code = sqlite3_open_v2(path, &opened, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX, nil)
            guard code == SQLITE_OK, let opened else {
                let message = opened.map { String(cString: sqlite3_errmsg($0)) } ?? "out of memory"
                sqlite3_close_v2(opened)
                throw Failure(code: code, message: message)
            }
            handle = opened
            sqlite3_busy_timeout(handle, 10_000)  // as the GRDB connections (SQLiteFile)
            do {
                try execute("PRAGMA query_only = ON")
            } catch {
                sqlite3_close_v2(handle)
                throw error
            }
        }

        deinit {
            for statement in statements.values { sqlite3_finalize(statement.handle) }
            sqlite3_close_v2(handle)
        }

        func failure(_ code: Int32) -> Failure { Failure(code: code, message: String(cString: sqlite3_errmsg(handle))) }

        func execute(_ sql: String) throws {
            let statement = try prepared(sql)
            defer { sqlite3_reset(statement.handle) }
            var code = sqlite3_step(statement.handle)
            while code == SQLITE_ROW { code = sqlite3_step(statement.handle) }
            guard code == SQLITE_DONE else { throw failure(code) }
        }

        func transaction<T>(_ body: () throws -> T) throws -> T {
            try execute("BEGIN")
            do {
                let value = try body()
                try execute("COMMIT")
                return value
            } catch {
                try? execute("ROLLBACK")
                throw error
            }
        }

        func prepared(_ sql: String) throws -> Prepared {
            if let statement = statements[sql] { return statement }
            var statement: OpaquePointer?
            let code = sqlite3_prepare_v3(handle, sql, -1, UInt32(SQLITE_PREPARE_PERSISTENT), &statement, nil)
            guard code == SQLITE_OK, let statement else { throw failure(code) }
            let names = (0..<sqlite3_column_count(statement)).map { column in
                String(cString: sqlite3_column_name(statement, column)).lowercased()
            }
            if statements.count >= Self.capacity {
                for old in statements.values { sqlite3_finalize(old.handle) }
                statements.removeAll()
            }
            let result = Prepared(handle: statement, names: names)
            statements[sql] = result
            return result
        }

        func rows(_ sql: String, _ arguments: [SQLArgument]) throws -> [SQLResultRow] {
            let statement = try prepared(sql)
            let handle = statement.handle
            defer {
                sqlite3_reset(handle)
                sqlite3_clear_bindings(handle)
            }
            for (offset, argument) in arguments.enumerated() {
                let index = Int32(offset + 1)
                let code: Int32
                switch argument {
                case .null: code = sqlite3_bind_null(handle, index)
                case .int(let number): code = sqlite3_bind_int64(handle, index, number)
                case .double(let number): code = sqlite3_bind_double(handle, index, number)
                case .text(let text): code = sqlite3_bind_text(handle, index, text, -1, Self.transient)
                }
                guard code == SQLITE_OK else { throw failure(code) }
            }
            var rows: [SQLResultRow] = []
            let count = Int32(statement.names.count)
            while true {
                let code = sqlite3_step(handle)
                if code == SQLITE_DONE { return rows }
                guard code == SQLITE_ROW else { throw failure(code) }
                var values: [SQLValue?] = []
                values.reserveCapacity(Int(count))
                for column in 0..<count {
                    switch sqlite3_column_type(handle, column) {
                    case SQLITE_INTEGER: values.append(.int(sqlite3_column_int64(handle, column)))
                    case SQLITE_FLOAT: values.append(.double(sqlite3_column_double(handle, column)))
                    case SQLITE_TEXT:
                        let bytes = sqlite3_column_text(handle, column)
                        let length = Int(sqlite3_column_bytes(handle, column))
                        values.append(
                            .text(
                                bytes.map {
                                    String(decoding: UnsafeBufferPointer(start: $0, count: length), as: UTF8.self)
                                } ?? ""))
                    default: values.append(nil)  // NULL; a blob is never a directory value
                    }
                }
                rows.append(SQLResultRow(names: statement.names, values: values))
            }
        }
    }

    /// The `SQLTransaction` a read body sees: rows only.
    struct RawTransaction: SQLTransaction {
        let connection: Connection

        func rows(_ sql: String, _ arguments: [SQLArgument]) throws -> [SQLResultRow] {
            try connection.rows(sql, arguments)
        }

        func run(_ sql: String, _ arguments: [SQLArgument]) throws -> Int {
            throw Failure(code: SQLITE_READONLY, message: "a read transaction cannot write: \(sql)")
        }
    }
}
