import CMariaDB
import EnerTrackCore
import EnerTrackSQL
import Foundation

/// An error reported by the MariaDB server or Connector/C, with the server's code.
///
/// Messages never contain the password: Connector/C does not echo it, and connection errors
/// are rewritten to name only host and port.
public struct MariaDBError: Error, CustomStringConvertible, Sendable {
    public let code: UInt32
    public let message: String

    public var description: String { "MariaDB error \(code): \(message)" }

    /// The connection is unusable and must be replaced (server gone, connection lost).
    public var isConnectionLost: Bool { [2006, 2013, 2055, 1927, 4031].contains(code) }
    /// A retry of the whole transaction may succeed (deadlock / Galera certification, lock wait).
    public var isRetryable: Bool { code == 1213 || code == 1205 }
    /// The server could not be reached at all.
    public var isUnreachable: Bool { [2002, 2003, 2005, 2006, 2013, 2026].contains(code) }
}

/// Where and how to connect.
public struct MariaDBSettings: Sendable, Equatable {
    public var host: String?
    public var port: UInt32
    public var socket: String?
    public var user: String
    public var password: String?
    public var database: String
    public var sslCA: String?
    public var connectTimeout: UInt32 = 5
    public var readTimeout: UInt32 = 30
    public var writeTimeout: UInt32 = 30
    /// `MYSQL_COLUMN_MAP`: which columns of an adopted `Usuarios`/`Nodos` hold what
    /// (`Usuarios.username=login,Nodos.esp_id=chip`), over detection by name.
    public var columnMap: String?

    public init(
        host: String?, port: UInt32, socket: String?, user: String, password: String?, database: String, sslCA: String?
    ) {
        self.host = host
        self.port = port
        self.socket = socket
        self.user = user
        self.password = password
        self.database = database
        self.sslCA = sslCA
    }

    /// `host:port` or the socket path, for messages.
    public var endpoint: String {
        if let socket, host == nil || host == "localhost" { return socket }
        return "\(host ?? "localhost"):\(port)"
    }
}

/// Owns one `MYSQL*` connection handle. Not thread-safe: the pool hands it to one task at a time,
/// and every call on it runs on a blocking thread, never on an async executor thread.
public final class MariaDBConnection: @unchecked Sendable {
    private let handle: UnsafeMutablePointer<MYSQL>
    public let settings: MariaDBSettings
    private var statements: [String: MariaDBStatement] = [:]

    private static let libraryReady: Bool = { enertrack_mysql_library_init() == 0 }()

    /// Connects (auto-reconnect off: reconnecting is explicit, so statement handles are re-prepared).
    /// With `useDatabase` false it connects without selecting the database (to create it).
    public init(settings: MariaDBSettings, useDatabase: Bool = true) throws {
        _ = Self.libraryReady
        guard let handle = mysql_init(nil) else { throw MariaDBError(code: 2008, message: "out of memory") }
        self.handle = handle
        self.settings = settings
        _ = enertrack_mysql_option_uint(handle, MYSQL_OPT_CONNECT_TIMEOUT, settings.connectTimeout)
        _ = enertrack_mysql_option_uint(handle, MYSQL_OPT_READ_TIMEOUT, settings.readTimeout)
        _ = enertrack_mysql_option_uint(handle, MYSQL_OPT_WRITE_TIMEOUT, settings.writeTimeout)
        _ = enertrack_mysql_option_bool(handle, MYSQL_OPT_RECONNECT, 0)
        _ = enertrack_mysql_option_string(handle, MYSQL_SET_CHARSET_NAME, "utf8mb4")
        if let ca = settings.sslCA {
            _ = enertrack_mysql_option_string(handle, MYSQL_OPT_SSL_CA, ca)
            _ = enertrack_mysql_option_bool(handle, MYSQL_OPT_SSL_VERIFY_SERVER_CERT, 1)
        }
        let connected = mysql_real_connect(
            handle, settings.host, settings.user, settings.password, useDatabase ? settings.database : nil,
            settings.port, settings.socket, 0)
        // On failure deinit closes the handle (self is fully initialised here).
        guard connected != nil else {
            throw MariaDBError(code: mysql_errno(handle), message: String(cString: mysql_error(handle)))
        }
        // Timestamps travel as UTC; the collation of the connection matches the tables'.
        try execute("SET time_zone = '+00:00', NAMES utf8mb4 COLLATE utf8mb4_uca1400_ai_ci")
    }

    deinit {
        statements.removeAll()
        mysql_close(handle)
    }

    private func check(_ result: Int32) throws {
        guard result == 0 else { throw lastError() }
    }

    func lastError() -> MariaDBError {
        MariaDBError(code: mysql_errno(handle), message: String(cString: mysql_error(handle)))
    }

    /// Runs a statement without parameters (DDL, SET, transaction control). Never pass user input here.
    public func execute(_ sql: String) throws {
        try check(mysql_real_query(handle, sql, UInt(sql.utf8.count)))
        // Drain any result so the connection is ready for the next statement.
        if let result = mysql_store_result(handle) { mysql_free_result(result) }
    }

    /// Runs a prepared statement with bound parameters and returns its rows (empty for writes).
    @discardableResult
    public func query(_ sql: String, _ parameters: [SQLArgument] = []) throws -> [SQLResultRow] {
        try run(sql, parameters).rows
    }

    /// Runs a prepared write and returns the number of rows it changed.
    public func change(_ sql: String, _ parameters: [SQLArgument] = []) throws -> Int {
        try run(sql, parameters).statement.affectedRows
    }

    private func run(_ sql: String, _ parameters: [SQLArgument]) throws -> (
        rows: [SQLResultRow], statement: MariaDBStatement
    ) {
        let statement = try prepared(sql)
        do {
            return (try statement.run(parameters), statement)
        } catch let error as MariaDBError where error.code == 1615 {
            // "Prepared statement needs to be re-prepared" after a schema change.
            statements[sql] = nil
            let fresh = try prepared(sql)
            return (try fresh.run(parameters), fresh)
        }
    }

    private func prepared(_ sql: String) throws -> MariaDBStatement {
        if let statement = statements[sql] { return statement }
        let statement = try MariaDBStatement(connection: self, handle: handle, sql: sql)
        statements[sql] = statement
        return statement
    }

    // MARK: Timestamps (UTC, as the session's time_zone is +00:00)

    static func timestamp(_ date: Date) -> String {
        var time = time_t(date.timeIntervalSince1970.rounded(.down))
        var parts = tm()
        gmtime_r(&time, &parts)
        return String(
            format: "%04d-%02d-%02d %02d:%02d:%02d", parts.tm_year + 1900, parts.tm_mon + 1, parts.tm_mday,
            parts.tm_hour, parts.tm_min, parts.tm_sec)
    }

    /// MariaDB's `YYYY-MM-DD HH:MM:SS[.ffffff]` in the session's UTC; zero dates are nil.
    static func parseTimestamp(_ text: String) -> Date? {
        ISO8601.parse(text)
    }
}

/// Owns one `MYSQL_STMT*`; binds parameters and reads every column as text.
final class MariaDBStatement {
    private let handle: UnsafeMutablePointer<MYSQL_STMT>
    private unowned let connection: MariaDBConnection
    private let parameterCount: Int
    /// Rows the last execution changed.
    private(set) var affectedRows = 0

    init(connection: MariaDBConnection, handle mysql: UnsafeMutablePointer<MYSQL>, sql: String) throws {
        guard let handle = mysql_stmt_init(mysql) else { throw connection.lastError() }
        self.handle = handle
        self.connection = connection
        guard mysql_stmt_prepare(handle, sql, UInt(sql.utf8.count)) == 0 else {
            let error = MariaDBError(code: mysql_stmt_errno(handle), message: String(cString: mysql_stmt_error(handle)))
            mysql_stmt_close(handle)
            throw error
        }
        parameterCount = Int(mysql_stmt_param_count(handle))
        _ = enertrack_stmt_update_max_length(handle)
    }

    deinit { mysql_stmt_close(handle) }

    private func error() -> MariaDBError {
        MariaDBError(code: mysql_stmt_errno(handle), message: String(cString: mysql_stmt_error(handle)))
    }

    func run(_ parameters: [SQLArgument]) throws -> [SQLResultRow] {
        precondition(parameters.count == parameterCount, "statement expects \(parameterCount) parameters")
        var buffers: [UnsafeMutableRawPointer] = []
        defer { for buffer in buffers { buffer.deallocate() } }
        if parameterCount > 0 {
            var binds = Self.binds(parameters, buffers: &buffers)
            let failed = binds.withUnsafeMutableBufferPointer { mysql_stmt_bind_param(handle, $0.baseAddress) }
            guard failed == 0 else { throw error() }
        }
        guard mysql_stmt_execute(handle) == 0 else { throw error() }
        affectedRows = Int(truncatingIfNeeded: mysql_stmt_affected_rows(handle))
        guard let metadata = mysql_stmt_result_metadata(handle) else { return [] }
        defer {
            mysql_free_result(metadata)
            mysql_stmt_free_result(handle)
        }
        guard mysql_stmt_store_result(handle) == 0 else { throw error() }
        return try rows(metadata)
    }

    /// The parameters' binds; their values are copied into `buffers`, which the caller frees.
    private static func binds(_ parameters: [SQLArgument], buffers: inout [UnsafeMutableRawPointer]) -> [MYSQL_BIND] {
        var binds = [MYSQL_BIND](repeating: MYSQL_BIND(), count: max(parameters.count, 1))
        func store<T>(_ value: T, as type: T.Type, _ index: Int, _ bufferType: enum_field_types) {
            let buffer = UnsafeMutableRawPointer.allocate(byteCount: 8, alignment: 8)
            buffer.storeBytes(of: value, as: type)
            buffers.append(buffer)
            binds[index].buffer_type = bufferType
            binds[index].buffer = buffer
        }
        for (index, value) in parameters.enumerated() {
            switch value {
            case .null: binds[index].buffer_type = MYSQL_TYPE_NULL
            case .int(let number): store(number, as: Int64.self, index, MYSQL_TYPE_LONGLONG)
            case .double(let number): store(number, as: Double.self, index, MYSQL_TYPE_DOUBLE)
            case .text(let text):
                let bytes = Array(text.utf8)
                let buffer = UnsafeMutableRawPointer.allocate(byteCount: max(bytes.count, 1), alignment: 1)
                bytes.withUnsafeBytes { buffer.copyMemory(from: $0.baseAddress!, byteCount: bytes.count) }
                buffers.append(buffer)
                binds[index].buffer_type = MYSQL_TYPE_STRING
                binds[index].buffer = buffer
                binds[index].buffer_length = UInt(bytes.count)
                binds[index].length_value = UInt(bytes.count)
            }
        }
        return binds
    }

    /// The stored result's rows: column names lower-cased, NULL absent (the row type the shared SQL reads).
    private func rows(_ metadata: UnsafeMutablePointer<MYSQL_RES>) throws -> [SQLResultRow] {
        let count = Int(mysql_num_fields(metadata))
        guard let fields = mysql_fetch_fields(metadata) else { return [] }
        var names: [String] = []
        var results = [MYSQL_BIND](repeating: MYSQL_BIND(), count: count)
        // Connector/C copies the bind array, so lengths and NULL flags must live in our own buffers.
        let lengths = UnsafeMutablePointer<UInt>.allocate(capacity: count)
        let nulls = UnsafeMutablePointer<CChar>.allocate(capacity: count)
        let truncations = UnsafeMutablePointer<CChar>.allocate(capacity: count)
        lengths.initialize(repeating: 0, count: count)
        nulls.initialize(repeating: 0, count: count)
        truncations.initialize(repeating: 0, count: count)
        var buffers: [UnsafeMutableRawPointer] = []
        defer {
            lengths.deallocate()
            nulls.deallocate()
            truncations.deallocate()
            for buffer in buffers { buffer.deallocate() }
        }
        for column in 0..<count {
            names.append(String(cString: fields[column].name).lowercased())
            // max_length is only a hint (not kept for every type): clamp it; longer values are refetched whole.
            let size = Int(min(max(fields[column].max_length, 63), 65_535)) + 1
            let buffer = UnsafeMutableRawPointer.allocate(byteCount: size, alignment: 1)
            buffers.append(buffer)
            results[column].buffer_type = MYSQL_TYPE_STRING
            results[column].buffer = buffer
            results[column].buffer_length = UInt(size)
            results[column].length = lengths + column
            results[column].is_null = nulls + column
            results[column].error = truncations + column
        }
        var rows: [SQLResultRow] = []
        let bound = results.withUnsafeMutableBufferPointer { mysql_stmt_bind_result(handle, $0.baseAddress) }
        guard bound == 0 else { throw error() }
        while true {
            let status = mysql_stmt_fetch(handle)
            if status == MYSQL_NO_DATA { break }
            guard status == 0 || status == MYSQL_DATA_TRUNCATED else { throw error() }
            var values: [SQLValue?] = Array(repeating: nil, count: count)
            for column in 0..<count where nulls[column] == 0 {
                let length = Int(lengths[column])
                if length >= Int(results[column].buffer_length) {
                    // Longer than its buffer (max_length is not kept for every type): fetch it whole.
                    values[column] = .text(try fetchWhole(column: column, length: length))
                } else {
                    let bytes = UnsafeRawBufferPointer(start: results[column].buffer, count: length)
                    values[column] = .text(String(decoding: bytes, as: UTF8.self))
                }
            }
            rows.append(SQLResultRow(names: names, values: values))
        }
        return rows
    }

    private func fetchWhole(column: Int, length: Int) throws -> String {
        let buffer = UnsafeMutableRawPointer.allocate(byteCount: length + 1, alignment: 1)
        defer { buffer.deallocate() }
        var bind = MYSQL_BIND()
        bind.buffer_type = MYSQL_TYPE_STRING
        bind.buffer = buffer
        bind.buffer_length = UInt(length + 1)
        guard mysql_stmt_fetch_column(handle, &bind, UInt32(column), 0) == 0 else { throw error() }
        return String(decoding: UnsafeRawBufferPointer(start: buffer, count: length), as: UTF8.self)
    }
}
