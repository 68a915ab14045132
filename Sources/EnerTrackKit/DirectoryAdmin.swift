import EnerTrackCore
import Foundation

/// What the administration service changes: users, nodes and who sees which.
public typealias AdminDirectory = UserStore & NodeStore & AssignmentStore

/// The administration of users, nodes and assignments: checks every field, then asks the store.
///
/// All rules live here so both directory stores reject the same input the same way, and a
/// rejected request changes nothing.
public struct DirectoryAdmin: Sendable {
    public let store: any AdminDirectory
    public let hasher: PasswordHasher

    public init(store: any AdminDirectory, hasher: PasswordHasher = .standard) {
        self.store = store
        self.hasher = hasher
    }

    // MARK: Users

    /// Checks a new user's fields and that the username and email are free, before a password is asked for.
    public func checkNewUser(username: String, email: String, name: String?) async throws {
        try DirectoryRules.checkUsername(username)
        try DirectoryRules.checkEmail(email)
        try DirectoryRules.checkText(name, field: .name, maxLength: DirectoryRules.maxNameLength)
        if try await store.user(named: username) != nil {
            throw DirectoryError.duplicate(what: .user, value: username)
        }
        if try await store.user(named: email) != nil { throw DirectoryError.duplicate(what: .email, value: email) }
    }

    public func addUser(username: String, email: String, name: String?, isAdmin: Bool, password: String) async throws
        -> User
    {
        try await addUser(username: username, email: email, name: name, isAdmin: isAdmin, password: password) {
            [hasher] in
            try hasher.hash($0)
        }
    }

    /// The same, hashing with `hash` (the web server hashes off the request's executor).
    public func addUser(
        username: String, email: String, name: String?, isAdmin: Bool, password: String,
        hash: @Sendable (String) async throws -> String
    ) async throws -> User {
        try await checkNewUser(username: username, email: email, name: name)
        try DirectoryRules.checkPassword(password)
        let hash = try await hash(password)
        return try await store.addUser(
            NewUser(username: username, email: email, name: name, isAdmin: isAdmin, passwordHash: hash))
    }

    public func user(_ username: String) async throws -> User {
        try await store.existingUser(named: username)
    }

    public func users(includeRemoved: Bool) async throws -> [User] {
        try await store.users(includeRemoved: includeRemoved).sorted(by: Order.users)
    }

    public func changePassword(username: String, password: String) async throws {
        try await changePassword(username: username, password: password) { [hasher] in try hasher.hash($0) }
    }

    /// A new password ends every web session, API token and Telegram link of the user, whoever
    /// changes it (`user passwd`, the profile page), in the store's one transaction, which opens
    /// the changing browser's new session when `openSessionAt` is given; `hash` lets the web
    /// server hash off its executor.
    @discardableResult
    public func changePassword(
        username: String, password: String, openSessionAt now: Int64? = nil,
        hash: @Sendable (String) async throws -> String
    ) async throws -> (id: String, csrf: String)? {
        let user = try await user(username)
        try DirectoryRules.checkPassword(password)
        return try await store.setPasswordHash(try await hash(password), username: user.username, openSessionAt: now)
    }

    /// Checks a password against the stored hash; false for unknown, disabled or removed users.
    public func verifyPassword(username: String, password: String) async throws -> User? {
        guard let user = try await store.user(named: username), user.isActive, user.removedAt == nil,
            hasher.verify(password, against: user.passwordHash)
        else { return nil }
        return user
    }

    /// Disabling a user ends their sessions, tokens and Telegram link; enabling does not bring them back.
    public func setUserActive(_ active: Bool, username: String) async throws -> User {
        try await store.setUserActive(active, username: username)
    }

    public func removeUser(username: String) async throws -> User {
        try await store.removeUser(username: username)
    }

    // MARK: Nodes

    public func addNode(espID: String, name: String?, description: String?) async throws -> Node {
        try DirectoryRules.checkESPID(espID)
        try DirectoryRules.checkText(name, field: .name, maxLength: DirectoryRules.maxNameLength)
        try DirectoryRules.checkText(description, field: .description, maxLength: DirectoryRules.maxDescriptionLength)
        return try await store.addNode(espID: espID, name: name, description: description, active: true)
    }

    public func editNode(espID: String, changes: NodeChanges) async throws -> Node {
        try DirectoryRules.checkESPID(espID)
        try DirectoryRules.checkText(changes.name, field: .name, maxLength: DirectoryRules.maxNameLength)
        try DirectoryRules.checkText(
            changes.description, field: .description, maxLength: DirectoryRules.maxDescriptionLength)
        return try await store.editNode(espID: espID, changes: changes)
    }

    public func node(_ espID: String) async throws -> Node {
        try DirectoryRules.checkESPID(espID)
        return try await store.existingNode(espID: espID)
    }

    public func nodes(includeInactive: Bool) async throws -> [Node] {
        try await store.nodes(includeInactive: includeInactive).sorted(by: Order.nodes)
    }

    public func setNodeActive(_ active: Bool, espID: String) async throws -> Node {
        try DirectoryRules.checkESPID(espID)
        return try await store.setNodeActive(active, espID: espID)
    }

    // MARK: Assignments

    public func assign(username: String, espID: String, location: String?) async throws -> Assignment {
        try DirectoryRules.checkESPID(espID)
        try DirectoryRules.checkText(location, field: .location, maxLength: DirectoryRules.maxLocationLength)
        return try await store.assign(username: username, espID: espID, location: location)
    }

    public func unassign(username: String, espID: String) async throws -> Assignment {
        try DirectoryRules.checkESPID(espID)
        return try await store.unassign(username: username, espID: espID)
    }

    public func setLocation(_ location: String, username: String, espID: String) async throws -> Assignment {
        try DirectoryRules.checkESPID(espID)
        try DirectoryRules.checkText(location, field: .location, maxLength: DirectoryRules.maxLocationLength)
        return try await store.setLocation(location, username: username, espID: espID)
    }

    public func assignments(_ filter: AssignmentFilter) async throws -> [Assignment] {
        if let espID = filter.espID { try DirectoryRules.checkESPID(espID) }
        return try await store.assignments(filter).sorted(by: Order.assignments)
    }

    /// One listing order for every store: the databases' collations disagree on punctuation and digits.
    enum Order {
        static func users(_ a: User, _ b: User) -> Bool {
            DirectoryRules.lookupKey(a.username) < DirectoryRules.lookupKey(b.username)
        }
        static func nodes(_ a: Node, _ b: Node) -> Bool {
            DirectoryRules.lookupKey(a.espID) < DirectoryRules.lookupKey(b.espID)
        }
        static func assignments(_ a: Assignment, _ b: Assignment) -> Bool {
            (DirectoryRules.lookupKey(a.username), DirectoryRules.lookupKey(a.espID))
                < (DirectoryRules.lookupKey(b.username), DirectoryRules.lookupKey(b.espID))
        }
    }
}
