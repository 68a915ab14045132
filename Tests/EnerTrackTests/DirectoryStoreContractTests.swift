import EnerTrackCore
import EnerTrackKit
import EnerTrackMariaDB
import EnerTrackSQLite
import Foundation
import Testing

/// A way to get a fresh, empty store of one implementation.
struct StoreFactory: Sendable, CustomTestStringConvertible {
    let name: String
    let make: @Sendable () async throws -> any DirectoryStore
    var testDescription: String { name }

    static let sqlite = StoreFactory(name: "sqlite") {
        try SQLiteDirectoryStore(path: try temporaryDirectory("enertrack-contract") + "/directory.sqlite")
    }

    /// A new database on the test MariaDB, migrated.
    static let mariadb = StoreFactory(name: "mariadb") {
        let store = MariaDBDirectoryStore(settings: try TestServers.mariaDB(database: TestServers.freshDatabaseName()))
        _ = try await store.migrate(dryRun: false)
        return store
    }

    /// A new database on the first node of the test Galera cluster, migrated.
    static let galera = StoreFactory(name: "galera") {
        let store = MariaDBDirectoryStore(
            settings: try GaleraCluster.settings(node: 1, database: TestServers.freshDatabaseName()))
        _ = try await store.migrate(dryRun: false)
        return store
    }

    /// Every implementation the contract runs against.
    static let all: [StoreFactory] = [.sqlite, .mariadb, .adopted, .converted, .galera]
}

/// The directory store contract: every implementation must behave the same.
@Suite("Directory store contract")
struct DirectoryStoreContractTests {
    func admin(_ factory: StoreFactory) async throws -> DirectoryAdmin {
        DirectoryAdmin(store: try await factory.make(), hasher: PasswordHasher(n: 16, r: 8, p: 1))
    }

    @Test("users: add, look up case- and accent-insensitively, list", arguments: StoreFactory.all)
    func users(_ factory: StoreFactory) async throws {
        let admin = try await admin(factory)
        let jose = try await admin.addUser(
            username: "José", email: "Jose@Example.org", name: "José Pérez", isAdmin: true, password: "0123456789")
        #expect(jose.username == "José" && jose.isAdmin && jose.isActive && jose.removedAt == nil)
        #expect(try await admin.user("jose").username == "José")
        #expect(try await admin.user("JOSÉ").username == "José")
        #expect(try await admin.user("jose@example.org").username == "José")
        _ = try await admin.addUser(
            username: "ana", email: "ana@example.org", name: nil, isAdmin: false, password: "0123456789")
        #expect(try await admin.users(includeRemoved: false).map(\.username) == ["ana", "José"])
        #expect(try await admin.verifyPassword(username: "jose", password: "0123456789")?.username == "José")
        #expect(try await admin.verifyPassword(username: "jose", password: "01234567890") == nil)
    }

    @Test("duplicates are refused whatever the case or accents", arguments: StoreFactory.all)
    func duplicates(_ factory: StoreFactory) async throws {
        let admin = try await admin(factory)
        _ = try await admin.addUser(
            username: "José", email: "jose@example.org", name: nil, isAdmin: false, password: "0123456789")
        await #expect(throws: DirectoryError.duplicate(what: .user, value: "JOSE")) {
            try await admin.addUser(
                username: "JOSE", email: "other@example.org", name: nil, isAdmin: false, password: "0123456789")
        }
        await #expect(throws: DirectoryError.duplicate(what: .email, value: "JOSE@example.org")) {
            try await admin.addUser(
                username: "pepe", email: "JOSE@example.org", name: nil, isAdmin: false, password: "0123456789")
        }
        _ = try await admin.addNode(espID: "ESP32_A", name: nil, description: nil)
        await #expect(throws: DirectoryError.duplicate(what: .node, value: "ESP32_A")) {
            try await admin.addNode(espID: "esp32_a", name: nil, description: nil)
        }
        #expect(try await admin.users(includeRemoved: true).count == 1)
        #expect(try await admin.nodes(includeInactive: true).count == 1)
    }

    @Test("nodes: add, edit, remove logically, restore", arguments: StoreFactory.all)
    func nodes(_ factory: StoreFactory) async throws {
        let admin = try await admin(factory)
        let node = try await admin.addNode(espID: "ESP32_A", name: "Cocina", description: nil)
        #expect(node.isActive && node.lastSeen == nil && node.name == "Cocina")
        let edited = try await admin.editNode(espID: "esp32_a", changes: NodeChanges(description: "PZEM"))
        #expect(edited.name == "Cocina" && edited.description == "PZEM")
        #expect(try await admin.setNodeActive(false, espID: "ESP32_A").isActive == false)
        #expect(try await admin.nodes(includeInactive: false).isEmpty)
        #expect(try await admin.nodes(includeInactive: true).map(\.espID) == ["ESP32_A"])
        await #expect(throws: DirectoryError.self) {
            try await admin.addNode(espID: "ESP32_A", name: nil, description: nil)
        }
        #expect(try await admin.setNodeActive(true, espID: "ESP32_A").isActive)
        await #expect(throws: DirectoryError.unknownNode("NOPE")) { try await admin.node("NOPE") }
    }

    @Test("assignments: many-to-many, logical removal, re-adding reactivates", arguments: StoreFactory.all)
    func assignments(_ factory: StoreFactory) async throws {
        let admin = try await admin(factory)
        for name in ["ana", "luis"] {
            _ = try await admin.addUser(
                username: name, email: "\(name)@example.org", name: nil, isAdmin: false, password: "0123456789")
        }
        for esp in ["ESP_A", "ESP_B"] { _ = try await admin.addNode(espID: esp, name: "n-\(esp)", description: nil) }
        _ = try await admin.assign(username: "ana", espID: "ESP_A", location: "Cocina")
        _ = try await admin.assign(username: "ana", espID: "ESP_B", location: nil)
        _ = try await admin.assign(username: "luis", espID: "ESP_A", location: "Taller")
        #expect(try await admin.assignments(AssignmentFilter(espID: "ESP_A")).map(\.username) == ["ana", "luis"])
        await #expect(throws: DirectoryError.duplicate(what: .assignment, value: "ana → ESP_A")) {
            try await admin.assign(username: "ana", espID: "ESP_A", location: nil)
        }
        let removed = try await admin.unassign(username: "ana", espID: "ESP_A")
        #expect(!removed.isActive && removed.location == "Cocina")
        #expect(try await admin.assignments(AssignmentFilter(username: "ana")).map(\.espID) == ["ESP_B"])
        #expect(try await admin.assignments(AssignmentFilter(username: "ana", includeInactive: true)).count == 2)
        let back = try await admin.assign(username: "ana", espID: "ESP_A", location: nil)
        #expect(back.isActive && back.location == "Cocina" && back.nodeName == "n-ESP_A")
        let moved = try await admin.setLocation("Salón", username: "ana", espID: "ESP_A")
        #expect(moved.location == "Salón")
        _ = try await admin.unassign(username: "ana", espID: "ESP_A")
        await #expect(throws: DirectoryError.unknownAssignment(username: "ana", espID: "ESP_A")) {
            try await admin.setLocation("x", username: "ana", espID: "ESP_A")
        }
    }

    @Test("removing a user keeps it and its assignments, inactive", arguments: StoreFactory.all)
    func removeUser(_ factory: StoreFactory) async throws {
        let admin = try await admin(factory)
        _ = try await admin.addUser(
            username: "ana", email: "ana@example.org", name: nil, isAdmin: false, password: "0123456789")
        _ = try await admin.addNode(espID: "ESP_A", name: nil, description: nil)
        _ = try await admin.assign(username: "ana", espID: "ESP_A", location: nil)
        let removed = try await admin.removeUser(username: "ana")
        #expect(!removed.isActive && removed.removedAt != nil)
        #expect(try await admin.users(includeRemoved: false).isEmpty)
        #expect(try await admin.users(includeRemoved: true).count == 1)
        #expect(try await admin.assignments(AssignmentFilter(includeInactive: true)).map(\.isActive) == [false])
        #expect(try await admin.verifyPassword(username: "ana", password: "0123456789") == nil)
        await #expect(throws: DirectoryError.self) {
            try await admin.assign(username: "ana", espID: "ESP_A", location: nil)
        }
        let enabled = try await admin.setUserActive(true, username: "ana")
        #expect(enabled.isActive && enabled.removedAt == nil)
        #expect(try await admin.assignments(AssignmentFilter(includeInactive: true)).map(\.isActive) == [false])
    }

    @Test("disabling a user blocks login and nothing else", arguments: StoreFactory.all)
    func disableUser(_ factory: StoreFactory) async throws {
        let admin = try await admin(factory)
        _ = try await admin.addUser(
            username: "ana", email: "ana@example.org", name: nil, isAdmin: false, password: "0123456789")
        _ = try await admin.addNode(espID: "ESP_A", name: nil, description: nil)
        _ = try await admin.assign(username: "ana", espID: "ESP_A", location: nil)
        #expect(try await admin.setUserActive(false, username: "ana").isActive == false)
        #expect(try await admin.verifyPassword(username: "ana", password: "0123456789") == nil)
        #expect(try await admin.users(includeRemoved: false).count == 1)
        #expect(try await admin.assignments(AssignmentFilter()).count == 1)
    }

    @Test("schema status lists the applied migrations", arguments: StoreFactory.all)
    func schema(_ factory: StoreFactory) async throws {
        let store = try await factory.make()
        let status = try await store.schemaStatus()
        #expect(status.isCurrent)
        #expect(status.applied.first == "0001_directory")
        #expect(try await store.migrate(dryRun: false) == status)
    }

    @Test("Unicode names, descriptions and locations survive a round trip", arguments: StoreFactory.all)
    func unicode(_ factory: StoreFactory) async throws {
        let admin = try await admin(factory)
        let user = try await admin.addUser(
            username: "Zoë", email: "zoe@example.org", name: "Zoë Ñúñez 电力", isAdmin: false, password: "0123456789")
        _ = try await admin.addNode(espID: "ESP_X", name: "Cuarto de máquinas ⚡", description: "<b>&amp;")
        _ = try await admin.assign(username: "zoe", espID: "ESP_X", location: "Sótano — 2º")
        #expect(try await admin.user("ZOE").name == user.name)
        #expect(try await admin.node("ESP_X").name == "Cuarto de máquinas ⚡")
        #expect(try await admin.node("ESP_X").description == "<b>&amp;")
        #expect(try await admin.assignments(AssignmentFilter()).first?.location == "Sótano — 2º")
    }
}
