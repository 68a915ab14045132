import EnerTrackCore
import Foundation

/// A column of `Usuarios` or `Nodos` that EnerTrack reads or writes, named by what it holds.
///
/// The earlier Flask deployment's `Usuarios` and `Nodos` are keyed by `id`, and the rest of their
/// columns is not specified anywhere: each role lists the names recognised on such a database, the
/// one a new database gets first. The raw value is the name `MYSQL_COLUMN_MAP` uses.
public enum DirectoryColumn: String, CaseIterable, Sendable, Hashable {
    case userID = "Usuarios.id"
    case username = "Usuarios.username"
    case email = "Usuarios.email"
    case passwordHash = "Usuarios.password_hash"
    case fullName = "Usuarios.name"
    case isAdmin = "Usuarios.admin"
    case userActive = "Usuarios.active"
    case removedAt = "Usuarios.removed_at"
    case userCreatedAt = "Usuarios.created_at"
    case nodeID = "Nodos.id"
    case espID = "Nodos.esp_id"
    case nodeName = "Nodos.name"
    case nodeDescription = "Nodos.description"
    case nodeActive = "Nodos.active"
    case nodeCreatedAt = "Nodos.created_at"
    case lastSeen = "Nodos.last_seen"

    public var table: String { String(rawValue.prefix { $0 != "." }) }

    /// Names recognised on an existing table (compared without case), the standard one first.
    public var names: [String] {
        switch self {
        case .userID, .nodeID: ["id", self == .userID ? "usuario_id" : "nodo_id"]
        case .username: ["nombreUsuario", "usuario", "username", "nombre_usuario", "user"]
        case .email: ["email", "correo", "mail"]
        case .passwordHash: ["password_hash", "password", "contrasena", "contraseña", "clave", "hash"]
        case .fullName: ["nombre", "name", "nombre_completo"]
        case .isAdmin: ["es_admin", "is_admin", "admin"]
        case .userActive, .nodeActive: ["activo", "active"]
        case .removedAt: ["eliminado_en", "removed_at"]
        case .userCreatedAt, .nodeCreatedAt: ["fecha_creacion", "created_at", "fecha_registro"]
        case .espID: ["esp_id", "espid", "ESPID", "esp", "chip_id", "mac"]
        case .nodeName: ["nombre", "name"]
        case .nodeDescription: ["descripcion", "description"]
        case .lastSeen: ["ultima_conexion", "last_seen"]
        }
    }

    /// The column a new database (and an adopted one lacking it) gets.
    public var standardName: String { names[0] }

    /// A column `db migrate` cannot add to a table that already holds rows: without it the
    /// existing users cannot log in or the existing nodes cannot be told apart.
    public var isNeeded: Bool { [.userID, .username, .passwordHash, .nodeID, .espID].contains(self) }

    public var isKey: Bool { self == .userID || self == .nodeID }

    public static func of(table: String) -> [DirectoryColumn] { allCases.filter { $0.table == table } }
}

/// Which column of the database holds each `DirectoryColumn`: the standard names on a new
/// database, what detection (and `MYSQL_COLUMN_MAP`) found on an adopted one.
public struct DirectoryColumns: Sendable, Equatable {
    public let names: [DirectoryColumn: String]
    /// Each column quoted, and the select list of each table under the aliases the shared SQL
    /// uses: worked out once, since every request's queries are built from them.
    private let quoted: [DirectoryColumn: String]
    private let selects: [String: String]

    public init(_ names: [DirectoryColumn: String]) {
        self.names = names
        let quoted = Dictionary(
            uniqueKeysWithValues: DirectoryColumn.allCases.map { ($0, SQLName.quote(names[$0] ?? $0.standardName)) })
        self.quoted = quoted
        var selects: [String: String] = [:]
        for (table, alias) in [("Usuarios", "u"), ("Nodos", "n")] {
            selects[table + " " + alias] = DirectoryColumn.of(table: table).map {
                "\(alias).\(quoted[$0] ?? "") AS \(Self.label($0))"
            }.joined(separator: ", ")
        }
        self.selects = selects
    }

    public static let standard = DirectoryColumns(
        Dictionary(uniqueKeysWithValues: DirectoryColumn.allCases.map { ($0, $0.standardName) }))

    /// The column's name as it is in the database.
    public func name(_ column: DirectoryColumn) -> String { names[column] ?? column.standardName }

    /// The column's name quoted for SQL (both SQLite and MariaDB take backticks).
    public subscript(_ column: DirectoryColumn) -> String { quoted[column] ?? SQLName.quote(name(column)) }

    /// `alias.column AS label` for each column of a table, labelled as the row readers expect:
    /// the standard names, lower-cased (`usuario_id`/`nodo_id` for the keys, as elsewhere).
    func select(_ table: String, _ alias: String) -> String {
        if let known = selects[table + " " + alias] { return known }
        return DirectoryColumn.of(table: table).map { "\(alias).\(self[$0]) AS \(Self.label($0))" }.joined(
            separator: ", ")
    }

    static func label(_ column: DirectoryColumn) -> String {
        switch column {
        case .userID: "usuario_id"
        case .nodeID: "nodo_id"
        default: column.standardName.lowercased()
        }
    }

}

/// A column of an existing table, as information_schema describes it.
public struct ExistingColumn: Sendable, Equatable {
    public var name: String
    /// `COLUMN_TYPE`, e.g. `int(10) unsigned`.
    public var type: String
    public var isAutoIncrement: Bool

    public init(name: String, type: String, isAutoIncrement: Bool) {
        self.name = name
        self.type = type
        self.isAutoIncrement = isAutoIncrement
    }

    /// An integer type the ids (`Int64`) fit: what a key must be.
    public var isInteger: Bool {
        type.lowercased().range(
            of: "^(tiny|small|medium|big)?int(\\([0-9]+\\))?( unsigned)?( zerofill)?$", options: .regularExpression)
            != nil
    }
}

/// Where a role's column came from, for `db status`.
public enum ColumnSource: String, Sendable, Equatable {
    /// The standard name, on a table this tool creates.
    case created
    /// Found by its name on an existing table.
    case detected
    /// Named by `MYSQL_COLUMN_MAP`.
    case setting
    /// Found in the mapping an earlier `db migrate` recorded.
    case recorded
    /// Not there yet: `db migrate` adds it under its standard name.
    case added
}

/// A mapping found, or why none can be.
public struct ColumnMapping: Sendable, Equatable {
    public var columns: DirectoryColumns
    public var sources: [DirectoryColumn: ColumnSource]

    /// Matches every role of `table` to what is there. `existing` is empty for a table that does
    /// not exist (every column is created). `explicit` (from `MYSQL_COLUMN_MAP`) wins over
    /// `recorded`, which wins over detection by name; a column holds one role at most.
    public static func resolve(
        table: String, existing: [ExistingColumn], explicit: [DirectoryColumn: String],
        recorded: [DirectoryColumn: String] = [:], setting: String = "MYSQL_COLUMN_MAP"
    ) throws(ColumnMappingError) -> (names: [DirectoryColumn: String], sources: [DirectoryColumn: ColumnSource]) {
        var names: [DirectoryColumn: String] = [:]
        var sources: [DirectoryColumn: ColumnSource] = [:]
        let roles = DirectoryColumn.of(table: table)
        guard !existing.isEmpty else {
            for role in roles {
                if let name = explicit[role] { throw .explicitOnNewTable(role: role, column: name, setting: setting) }
                names[role] = role.standardName
                sources[role] = .created
            }
            return (names, sources)
        }
        let byName = Dictionary(existing.map { ($0.name.lowercased(), $0) }, uniquingKeysWith: { first, _ in first })
        var taken: Set<String> = []
        // Explicit and recorded first, so detection does not hand their columns to another role.
        for role in roles {
            for (given, source) in [(explicit[role], ColumnSource.setting), (recorded[role], .recorded)] {
                guard let given, names[role] == nil else { continue }
                guard let column = byName[given.lowercased()] else {
                    if source == .setting { throw .missing(role: role, column: given, setting: setting) }
                    continue  // a recorded column renamed since: detect again
                }
                guard !taken.contains(column.name.lowercased()) else {
                    throw .twice(column: column.name, table: table, setting: setting)
                }
                names[role] = column.name
                sources[role] = source
                taken.insert(column.name.lowercased())
            }
        }
        for role in roles where names[role] == nil {
            if let column = role.names.lazy.compactMap({ byName[$0.lowercased()] }).first(where: {
                !taken.contains($0.name.lowercased())
            }) {
                names[role] = column.name
                sources[role] = .detected
                taken.insert(column.name.lowercased())
            } else if role.isNeeded {
                throw .unmatched(role: role, existing: existing.map(\.name), setting: setting)
            } else if byName[role.standardName.lowercased()] != nil {
                // The standard name is there but holds another role: adding it is impossible.
                throw .unmatched(role: role, existing: existing.map(\.name), setting: setting)
            } else {
                names[role] = role.standardName
                sources[role] = .added
            }
        }
        for key in roles where key.isKey {
            guard let column = byName[names[key]!.lowercased()] else { continue }
            guard column.isInteger else { throw .keyNotInteger(role: key, column: column.name, type: column.type) }
            guard column.isAutoIncrement else { throw .keyNotAutoIncrement(role: key, column: column.name) }
        }
        return (names, sources)
    }
}

/// Why the columns of an existing `Usuarios` or `Nodos` cannot be used (exit 78).
public enum ColumnMappingError: Error, Equatable, CustomStringConvertible {
    case unmatched(role: DirectoryColumn, existing: [String], setting: String)
    case missing(role: DirectoryColumn, column: String, setting: String)
    case twice(column: String, table: String, setting: String)
    case explicitOnNewTable(role: DirectoryColumn, column: String, setting: String)
    case keyNotInteger(role: DirectoryColumn, column: String, type: String)
    case keyNotAutoIncrement(role: DirectoryColumn, column: String)
    case badSetting(String, setting: String)

    public var description: String {
        switch self {
        case .unmatched(let role, let existing, let setting):
            "table \(role.table) has no column for \(role.rawValue) (looked for \(role.names.joined(separator: ", ")); it has \(existing.joined(separator: ", "))): name it with \(setting)=\"\(role.rawValue)=COLUMN\""
        case .missing(let role, let column, let setting):
            "\(setting) maps \(role.rawValue) to \(role.table).\(column), which does not exist"
        case .twice(let column, let table, let setting):
            "\(setting) gives column \(table).\(column) two roles"
        case .explicitOnNewTable(let role, _, let setting):
            "\(setting) names a column of \(role.table), but there is no such table yet (db migrate creates it with the standard names)"
        case .keyNotInteger(let role, let column, let type):
            "\(role.table).\(column) is the key (\(role.rawValue)) but its type is \(type), not an integer"
        case .keyNotAutoIncrement(let role, let column):
            "\(role.table).\(column) is the key (\(role.rawValue)) but is not AUTO_INCREMENT, so new rows get no id"
        case .badSetting(let text, let setting):
            "\(setting): \(text)"
        }
    }

    /// Parses `Usuarios.username=login,Nodos.esp_id=chip` (commas or spaces between pairs).
    public static func parseSetting(_ text: String, setting: String = "MYSQL_COLUMN_MAP") throws(ColumnMappingError)
        -> [DirectoryColumn: String]
    {
        var map: [DirectoryColumn: String] = [:]
        for pair in text.split(whereSeparator: { $0 == "," || $0 == " " || $0 == ";" }) {
            let parts = pair.split(separator: "=", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
            guard parts.count == 2, !parts[1].isEmpty else {
                throw .badSetting("'\(pair)' is not ROLE=COLUMN", setting: setting)
            }
            guard
                let role = DirectoryColumn.allCases.first(where: { $0.rawValue.lowercased() == parts[0].lowercased() })
            else {
                throw .badSetting(
                    "unknown role '\(parts[0])'; the roles are \(DirectoryColumn.allCases.map(\.rawValue).joined(separator: ", "))",
                    setting: setting)
            }
            guard SQLName.isPlain(parts[1]) else {
                throw .badSetting("'\(parts[1])' is not a column name (letters, digits, _)", setting: setting)
            }
            guard map[role] == nil else { throw .badSetting("\(role.rawValue) is given twice", setting: setting) }
            map[role] = parts[1]
        }
        return map
    }
}
