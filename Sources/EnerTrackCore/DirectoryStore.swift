import Foundation

/// Where users, nodes and their assignments live: SQLite (embedded default) or MariaDB.
///
/// Implementations enforce uniqueness and referential rules and map their own failures to
/// `DirectoryError`; field formats are checked by `DirectoryAdmin` before a call reaches here.
/// Lookups by username, email and ESP id are case-insensitive (and accent-insensitive for
/// names), as MariaDB's `utf8mb4_uca1400_ai_ci` compares.
public protocol DirectoryStore: SQLTransactionRunner {
    /// A description of where the store is, for messages (`sqlite:/var/lib/enertrack/directory.sqlite`).
    var location: String { get }

    /// Applies pending migrations (or, with `dryRun`, only reports them).
    func migrate(dryRun: Bool) async throws -> SchemaStatus
    func schemaStatus() async throws -> SchemaStatus

    func addUser(_ user: NewUser) async throws -> User
    func users(includeRemoved: Bool) async throws -> [User]
    /// The user whose username or email matches.
    func user(named: String) async throws -> User?
    func setPasswordHash(_ hash: String, username: String) async throws
    func setUserActive(_ active: Bool, username: String) async throws -> User
    /// Logical removal: the user is disabled and marked removed, its assignments become inactive.
    func removeUser(username: String) async throws -> User

    func addNode(espID: String, name: String?, description: String?, active: Bool) async throws -> Node
    func editNode(espID: String, changes: NodeChanges) async throws -> Node
    func nodes(includeInactive: Bool) async throws -> [Node]
    func node(espID: String) async throws -> Node?
    func setNodeActive(_ active: Bool, espID: String) async throws -> Node

    /// For ESP ids `ingest` saw: the directory's own spelling of each known one. With `register`,
    /// unknown ids are added inactive (so `node list --all` shows them) and returned too;
    /// without it they are absent from the answer.
    func resolveSeenNodes(_ espIDs: [String], register: Bool) async throws -> SeenNodes
    /// Moves each node's last-seen time forward (never back).
    func recordLastSeen(_ times: [String: Date]) async throws

    /// Assigns (or reactivates a removed assignment); a nil location keeps a reactivated one's location.
    func assign(username: String, espID: String, location: String?) async throws -> Assignment
    func unassign(username: String, espID: String) async throws -> Assignment
    func setLocation(_ location: String, username: String, espID: String) async throws -> Assignment
    func assignments(_ filter: AssignmentFilter) async throws -> [Assignment]
}

/// What the schema of a directory store looks like now and what `db migrate` does or would do.
public struct SchemaStatus: Sendable, Equatable {
    public var store: String
    public var location: String
    /// Applied migrations, oldest first.
    public var applied: [String]
    /// Migrations this binary knows that are not applied yet.
    public var pending: [String]
    /// Notes about what was found (for example tables adopted from the earlier deployment).
    public var notes: [String]

    public init(store: String, location: String, applied: [String], pending: [String], notes: [String] = []) {
        self.store = store
        self.location = location
        self.applied = applied
        self.pending = pending
        self.notes = notes
    }

    public var isCurrent: Bool { pending.isEmpty }
}

/// What the directory made of ESP ids `ingest` saw.
public struct SeenNodes: Sendable, Equatable {
    /// Seen id → the directory's spelling, for known and newly registered nodes.
    public var canonical: [String: String]
    /// Ids registered (inactive) by this call.
    public var registered: [String]

    public init(canonical: [String: String] = [:], registered: [String] = []) {
        self.canonical = canonical
        self.registered = registered
    }
}

extension DirectoryStore {
    /// The user whose username or email matches, or `DirectoryError.unknownUser`.
    public func existingUser(named name: String) async throws -> User {
        guard let user = try await user(named: name) else { throw DirectoryError.unknownUser(name) }
        return user
    }

    /// The node of an ESP id, or `DirectoryError.unknownNode`.
    public func existingNode(espID: String) async throws -> Node {
        guard let node = try await node(espID: espID) else { throw DirectoryError.unknownNode(espID) }
        return node
    }
}
