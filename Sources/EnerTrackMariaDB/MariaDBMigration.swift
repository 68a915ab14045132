import EnerTrackCore
import EnerTrackSQL
import Foundation

/// A schema change worked out in full before anything runs: the column mapping, and each
/// statement with the migration it belongs to and a sentence saying what it does.
struct MigrationPlan {
    struct Step {
        var migration: String
        var sql: String
        var note: String
    }

    var columns: DirectoryColumns
    var sources: [DirectoryColumn: ColumnSource]
    var keys: MariaDBSchema.Keys
    var steps: [Step] = []
    var pending: [String] = []

    /// `Usuarios.username = usuario (detected)`, one line a role, for `db status`.
    var mappingLines: [String] {
        DirectoryColumn.allCases.map { "\($0.rawValue) = \(columns.name($0)) (\(sources[$0]?.rawValue ?? "created"))" }
    }
}

enum MigrationPlanner {
    /// The columns of `Usuarios` and `Nodos` as they are (or will be, once created).
    static func mapping(_ inspection: SchemaInspection, explicit: [DirectoryColumn: String]) throws -> (
        DirectoryColumns, [DirectoryColumn: ColumnSource]
    ) {
        var names: [DirectoryColumn: String] = [:]
        var sources: [DirectoryColumn: ColumnSource] = [:]
        for table in ["Usuarios", "Nodos"] {
            do {
                let found = try ColumnMapping.resolve(
                    table: table, existing: inspection.tables[table] ?? [], explicit: explicit,
                    recorded: inspection.recorded)
                names.merge(found.names) { _, new in new }
                sources.merge(found.sources) { _, new in new }
            } catch {
                throw DirectoryError.schema(error.description)
            }
        }
        // Every column name goes into SQL from here on: a name that is not plain stops here.
        for (role, name) in names { _ = try SQLName.checked(name, "column for \(role.rawValue)") }
        return (DirectoryColumns(names), sources)
    }

    static func keys(_ inspection: SchemaInspection, _ columns: DirectoryColumns) -> MariaDBSchema.Keys {
        let original = MariaDBSchema.Keys.original
        return MariaDBSchema.Keys(
            user: columns.name(.userID),
            userType: inspection.column("Usuarios", columns.name(.userID))?.type ?? original.userType,
            node: columns.name(.nodeID),
            nodeType: inspection.column("Nodos", columns.name(.nodeID))?.type ?? original.nodeType)
    }

    /// Every pending migration's statements, checked against the data so each can succeed.
    /// `duplicates` answers the values that occur more than once in a column (for unique indexes).
    static func plan(
        _ inspection: SchemaInspection, explicit: [DirectoryColumn: String],
        duplicates: (String, String) throws -> [String]
    ) throws -> MigrationPlan {
        let (columns, sources) = try mapping(inspection, explicit: explicit)
        var plan = MigrationPlan(columns: columns, sources: sources, keys: keys(inspection, columns))
        for migration in MariaDBSchema.migrations where !inspection.applied.contains(migration.id) {
            plan.pending.append(migration.id)
            for table in migration.tables {
                for (sql, note) in try steps(for: table, inspection, plan, duplicates: duplicates) {
                    plan.steps.append(.init(migration: migration.id, sql: sql, note: note))
                }
            }
        }
        return plan
    }

    private static func steps(
        for table: String, _ inspection: SchemaInspection, _ plan: MigrationPlan,
        duplicates: (String, String) throws -> [String]
    ) throws -> [(String, String)] {
        switch table {
        case "Usuarios", "Nodos":
            guard inspection.has(table) else {
                return [(MariaDBSchema.createDirectoryTable(table), "create table \(table)")]
            }
            var steps: [(String, String)] = []
            for role in DirectoryColumn.of(table: table) where plan.sources[role] == .added {
                steps.append(
                    (
                        "ALTER TABLE \(SQLName.quote(table)) ADD COLUMN \(SQLName.quote(role.standardName)) \(MariaDBSchema.definition(role))",
                        "add column \(table).\(role.standardName) for \(role.rawValue) (the earlier table has none)"
                    ))
            }
            for role in MariaDBSchema.uniqueColumns where role.table == table {
                let column = plan.columns.name(role)
                let unique = inspection.uniqueIndexes[table, default: []].contains {
                    $0.count == 1 && $0[0].lowercased() == column.lowercased()
                }
                guard !unique else { continue }
                if let existing = inspection.column(table, column) {
                    let type = existing.type.lowercased()
                    if type.contains("text") || type.contains("blob") {
                        throw DirectoryError.schema(
                            "\(table).\(column) (\(role.rawValue)) is \(existing.type), which cannot carry the unique index EnerTrack needs; change it to VARCHAR first"
                        )
                    }
                    let repeated = try duplicates(table, column)
                    if !repeated.isEmpty {
                        throw DirectoryError.conflict(
                            "\(table).\(column) (\(role.rawValue)) must be unique, but these values occur more than once: \(repeated.joined(separator: ", ")); fix them, then run 'enertrack db migrate' again (nothing was changed)"
                        )
                    }
                }
                var index = "\(table)_\(role.standardName)"
                if inspection.indexes[table]?[index] != nil { index += "_unique" }
                steps.append(
                    (
                        "ALTER TABLE \(SQLName.quote(table)) ADD UNIQUE KEY \(SQLName.quote(index)) (\(try SQLName.checked(column, "column")))",
                        "add unique index \(table).\(column)"
                    ))
            }
            return steps
        case "UsuariosNodos":
            guard let existing = inspection.tables[table] else {
                return [(MariaDBSchema.createUsuariosNodos(plan.keys), "create table UsuariosNodos (the original DDL)")]
            }
            let present = Set(existing.map { $0.name.lowercased() })
            let missing = MariaDBSchema.usuariosNodosColumns.filter { !present.contains($0) }
            guard missing.isEmpty else {
                throw DirectoryError.schema(
                    "UsuariosNodos has no column \(missing.joined(separator: ", ")), so it is not the earlier deployment's table; EnerTrack never edits that table's DDL"
                )
            }
            return []
        default:
            guard !inspection.has(table), let own = MariaDBSchema.ownTables.first(where: { $0.name == table }) else {
                return []
            }
            return [(own.create(plan.keys), "create table \(table)")]
        }
    }

    // MARK: Converting to the original layout

    static let originalType = "int(10) unsigned"

    /// The statements that turn a database keyed as version 0.1 made it (`usuario_id`/`nodo_id
    /// INT`, `UsuariosNodos` with TIMESTAMPs) into the original layout: `Usuarios`/`Nodos` keyed
    /// by `id INT(10) UNSIGNED`, `UsuariosNodos` exactly the original DDL, EnerTrack's own tables
    /// referencing `id`. Derived from what is there, so a run that was interrupted is completed
    /// by the next. Each table changes in one ALTER, which MariaDB applies atomically.
    static func conversion(_ inspection: SchemaInspection, columns: DirectoryColumns) throws -> [(String, String)] {
        let needed = MariaDBSchema.migrations.prefix(3).map(\.id)
        guard needed.allSatisfy(inspection.applied.contains) else {
            throw DirectoryError.schema("the schema is not complete; run 'enertrack db migrate' first, then convert it")
        }
        var steps: [(String, String)] = []
        let keyOf = ["Usuarios": columns.name(.userID), "Nodos": columns.name(.nodeID)]
        for (table, key) in keyOf where key.lowercased() != "id" && inspection.column(table, "id") != nil {
            throw DirectoryError.schema(
                "\(table) is keyed by \(key) but also has a column named id; rename one of them by hand first")
        }
        func isOriginal(_ table: String, _ column: String) -> Bool {
            inspection.column(table, column)?.type.lowercased() == originalType
        }
        let keysDone = keyOf.allSatisfy { table, key in key.lowercased() == "id" && isOriginal(table, key) }
        // 1. Foreign keys into Usuarios and Nodos that do not already reference id INT(10) UNSIGNED.
        let references = inspection.references.filter { reference in
            !(keysDone && reference.toColumn.lowercased() == "id" && isOriginal(reference.table, reference.column)
                && (reference.table != "UsuariosNodos" || reference.constraint.hasPrefix("UsuariosNodos_ibfk_")))
        }
        for table in Set(references.map(\.table)).sorted() {
            var clauses = try references.filter { $0.table == table }.map {
                "DROP FOREIGN KEY \(try SQLName.checked($0.constraint, "constraint"))"
            }
            if table == "UsuariosNodos" {
                // The index of 0.1's nodo_id constraint; the original DDL's constraint brings its own.
                for (index, indexColumns) in inspection.indexes[table] ?? [:]
                where index != "PRIMARY" && index != "nodo_id" && indexColumns == ["nodo_id"] {
                    clauses.append("DROP KEY \(try SQLName.checked(index, "index"))")
                }
            }
            steps.append(
                (
                    "ALTER TABLE \(try SQLName.checked(table, "table")) \(clauses.joined(separator: ", "))",
                    "drop the foreign keys of \(table) into Usuarios/Nodos (added back below)"
                ))
        }
        // 2. The keys.
        for (table, key) in keyOf.sorted(by: { $0.key > $1.key })
        where !(key.lowercased() == "id" && isOriginal(table, key)) {
            steps.append(
                (
                    "ALTER TABLE \(SQLName.quote(table)) CHANGE \(try SQLName.checked(key, "column")) `id` INT(10) UNSIGNED NOT NULL AUTO_INCREMENT",
                    "key \(table) by id INT(10) UNSIGNED (was \(key))"
                ))
        }
        // 3. UsuariosNodos as the original DDL has it.
        let linkTypes = [
            "usuario_id": originalType, "nodo_id": originalType, "fecha_asignacion": "datetime",
            "ultimo_acceso": "datetime",
        ]
        let linkDone =
            linkTypes.allSatisfy { inspection.column("UsuariosNodos", $0.key)?.type.lowercased() == $0.value }
            && !references.contains { $0.table == "UsuariosNodos" }
            && inspection.references.contains { $0.table == "UsuariosNodos" }
        if !linkDone {
            steps.append(
                (
                    """
                    ALTER TABLE `UsuariosNodos` MODIFY `usuario_id` INT(10) UNSIGNED NOT NULL, \
                    MODIFY `nodo_id` INT(10) UNSIGNED NOT NULL, \
                    MODIFY `fecha_asignacion` DATETIME DEFAULT CURRENT_TIMESTAMP(), \
                    MODIFY `ultimo_acceso` DATETIME DEFAULT NULL, \
                    ADD FOREIGN KEY (`usuario_id`) REFERENCES Usuarios(id), \
                    ADD FOREIGN KEY (`nodo_id`) REFERENCES Nodos(id)
                    """,
                    "make UsuariosNodos the original DDL (INT(10) UNSIGNED, DATETIME, keys to Usuarios(id) and Nodos(id))"
                ))
        }
        // 4. EnerTrack's own tables.
        steps += ownTableSteps(inspection, staleReferences: references)
        return steps
    }

    /// EnerTrack's own tables: their references into Usuarios and Nodos retyped and added back
    /// where they are not already the original layout's.
    static func ownTableSteps(_ inspection: SchemaInspection, staleReferences references: [SchemaInspection.Reference])
        -> [(String, String)]
    {
        func isOriginal(_ table: String, _ column: String) -> Bool {
            inspection.column(table, column)?.type.lowercased() == originalType
        }
        var steps: [(String, String)] = []
        for own in MariaDBSchema.ownTables where inspection.has(own.name) && !own.references.isEmpty {
            let stale = own.references.filter { reference in
                !isOriginal(own.name, reference.column)
                    || references.contains { $0.table == own.name && $0.constraint == reference.constraint }
                    || !inspection.references.contains { $0.table == own.name && $0.constraint == reference.constraint }
            }
            guard !stale.isEmpty else { continue }
            let columnsToRetype = Set(stale.map(\.column)).sorted()
            var clauses = columnsToRetype.map {
                "MODIFY \(SQLName.quote($0)) INT(10) UNSIGNED \(own.isNullable($0) ? "NULL" : "NOT NULL")"
            }
            clauses += stale.map {
                "ADD CONSTRAINT \(SQLName.quote($0.constraint)) FOREIGN KEY (\(SQLName.quote($0.column))) REFERENCES \(SQLName.quote($0.table)) (`id`) ON DELETE CASCADE"
            }
            steps.append(
                (
                    "ALTER TABLE \(SQLName.quote(own.name)) \(clauses.joined(separator: ", "))",
                    "make \(own.name) reference id INT(10) UNSIGNED"
                ))
        }
        return steps
    }
}
