import EnerTrackCore
import EnerTrackKit
import Foundation
import GRDB
import Testing

@testable import EnerTrackSQLite

/// The embedded store uses the original column names (`id` keys) too; a file of version 0.1
/// (`usuario_id`/`nodo_id`) is renamed in place on first open, its rows and references kept.
@Suite("SQLite: the original key names")
struct SQLiteKeysTests {
    @Test("a 0.1 SQLite directory is migrated to id keys on first open; rows and references survive")
    func version01File() async throws {
        let path = try temporaryDirectory("enertrack-sqlite-keys") + "/directory.sqlite"
        let queue = try DatabaseQueue(path: path)
        try SQLiteDirectoryStore.migrator.migrate(queue, upTo: "0003_web")
        try await queue.write { db in
            try db.execute(
                sql: """
                    INSERT INTO Usuarios (nombreUsuario, usuario_clave, password_hash, email, email_clave)
                    VALUES ('Ana', 'ana', 'x', 'ana@example.org', 'ana@example.org');
                    INSERT INTO Nodos (esp_id) VALUES ('ESP_A');
                    INSERT INTO UsuariosNodos (usuario_id, nodo_id, ubicacion) VALUES (1, 1, 'Casa');
                    INSERT INTO user_settings (usuario_id, language) VALUES (1, 'en');
                    """)
        }
        try queue.close()
        let store = try SQLiteDirectoryStore(path: path)
        #expect(try await store.assignments(AssignmentFilter(includeInactive: true)).map(\.location) == ["Casa"])
        #expect(try await store.language(userID: 1) == .en)
        let status = try await store.schemaStatus()
        #expect(status.isCurrent && status.applied.contains("0004_original_keys"))
        let check = try DatabaseQueue(path: path)
        let (userColumns, references) = try await check.read { db in
            (
                try String.fetchAll(db, sql: "SELECT name FROM pragma_table_info('Usuarios')"),
                try String.fetchAll(db, sql: "SELECT \"to\" FROM pragma_foreign_key_list('user_settings')")
            )
        }
        #expect(userColumns.first == "id" && references == ["id"])
        let admin = DirectoryAdmin(store: store, hasher: PasswordHasher(n: 16, r: 8, p: 1))
        _ = try await admin.addUser(
            username: "bob", email: "bob@example.org", name: nil, isAdmin: false, password: "0123456789")
        #expect(try await admin.users(includeRemoved: false).map(\.id) == [1, 2])
    }
}
