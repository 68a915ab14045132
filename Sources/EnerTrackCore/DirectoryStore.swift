import Foundation

/// Where users, nodes and their assignments live, with everything tied to them (sessions and
/// tokens, alert rules and their state, Telegram links, settings): SQLite (embedded default) or
/// MariaDB.
///
/// Callers see intent-named operations only, never SQL or a transaction: each operation keeps
/// its own invariants (a password change and what it ends, a code used once, an alert moved
/// once). Implementations enforce uniqueness and referential rules and map their own failures to
/// `DirectoryError`; field formats are checked by `DirectoryAdmin` before a call reaches here.
/// Lookups by username, email and ESP id are case-insensitive (and accent-insensitive for
/// names), as MariaDB's `utf8mb4_uca1400_ai_ci` compares.
///
/// All of the directory: each consumer takes the narrowest of its roles it needs (`UserStore`,
/// `NodeStore`, `AssignmentStore`, `SessionStore`, `AlertRuleStore`, …); the composition root
/// opens the one store that plays them all.
public protocol DirectoryStore: SchemaStore, UserStore, NodeStore, AssignmentStore, SessionStore, AlertRuleStore,
    TelegramLinkStore, SiteStateStore, UserSettingsStore, TariffStore, BudgetStore, SiteStore, SourceStore,
    CorrectionStore
{}

extension AlertRuleStore {
    /// A threshold on the total mean only.
    public func setThreshold(userID: Int64, nodeID: Int64, kw: Double, now: Int64) async throws {
        try await setThreshold(userID: userID, nodeID: nodeID, kw: kw, phaseKW: nil, now: now)
    }
}

/// The configured sources of readings (`enertrack source`), which `ingest` subscribes to.
public protocol SourceStore: Sendable {
    /// Every source, by name.
    func sources() async throws -> [MeterSource]
    /// Throws `SourceError.exists` for a name taken already.
    func addSource(_ source: MeterSource) async throws
    /// Throws `SourceError.notFound` for an unknown name.
    func removeSource(name: String) async throws
}

/// Where the store is, whether it answers, and its schema (`db`, `/healthz`).
public protocol SchemaStore: Sendable {
    /// A description of where the store is, for messages (`sqlite:/var/lib/enertrack/directory.sqlite`).
    var location: String { get }
    /// Answers when the store can be reached (`/healthz`, `serve` at start).
    func ping() async throws

    /// Applies pending migrations (or, with `dryRun`, only reports them).
    func migrate(dryRun: Bool) async throws -> SchemaStatus
    /// Converts a database keyed as version 0.1 made it (`usuario_id`/`nodo_id`) to the original
    /// layout (`id INT(10) UNSIGNED`, `UsuariosNodos` exactly the original DDL); the notes are
    /// the statements, run or (with `dryRun`) to run.
    func convertToOriginalLayout(dryRun: Bool) async throws -> SchemaStatus
    func schemaStatus() async throws -> SchemaStatus
}

/// Users: accounts, passwords and their life (`user`, login, registration).
public protocol UserStore: Sendable {
    func addUser(_ user: NewUser) async throws -> User
    func users(includeRemoved: Bool) async throws -> [User]
    /// The user whose username or email matches.
    func user(named: String) async throws -> User?
    /// A new password hash; in the same transaction every session, API token, Telegram link and
    /// pending link code of the user ends and, with `openSessionAt`, one new web session opens
    /// (the browser that changed the password stays signed in): all of it, or none.
    func setPasswordHash(_ hash: String, username: String, openSessionAt now: Int64?) async throws -> (
        id: String, csrf: String
    )?
    /// Disabling ends the user's access in the same transaction; enabling brings none of it back.
    func setUserActive(_ active: Bool, username: String) async throws -> User
    /// Logical removal: the user is disabled and marked removed, its assignments become inactive,
    /// and its access ends, in one transaction.
    func removeUser(username: String) async throws -> User
}

/// Nodes: meters, and what `ingest` learns of them.
public protocol NodeStore: Sendable {
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
}

/// The many-to-many `UsuariosNodos`: who sees which meter.
public protocol AssignmentStore: Sendable {
    /// Assigns (or reactivates a removed assignment); a nil location keeps a reactivated one's location.
    func assign(username: String, espID: String, location: String?) async throws -> Assignment
    func unassign(username: String, espID: String) async throws -> Assignment
    func setLocation(_ location: String, username: String, espID: String) async throws -> Assignment
    func assignments(_ filter: AssignmentFilter) async throws -> [Assignment]
    /// A user's actively assigned, active nodes with their assignment, in one read (every
    /// request of the dashboard asks it).
    func userNodes(userID: Int64, username: String) async throws -> [(assignment: Assignment, node: Node)]
    /// Opening a node's page is an access (`UsuariosNodos.ultimo_acceso`).
    func recordAccess(userID: Int64, nodeID: Int64, at time: Date) async throws
}

/// Browser sessions, API tokens and login throttling.
public protocol SessionStore: Sendable {
    /// A new session for the user (only the id's hash is stored); the session `replacing`
    /// names, the one the browser had, ends.
    func createSession(userID: Int64, replacing old: String?, now: Int64) async throws -> (id: String, csrf: String)
    func endSession(id: String) async throws
    /// Sessions neither idle past `SessionRules.idleTimeout` nor older than `absoluteTimeout`.
    func activeSessions(now: Int64) async throws -> Int
    /// Moves a session's last-seen time (at most once a minute: the caller asks when stale).
    func touchSession(id: String, now: Int64) async throws
    /// The session of an id with its user, read only (the hot path of every request).
    func sessionUser(id: String, now: Int64) async throws -> SessionUser?
    /// The same, and the user's actively assigned, active nodes (`userNodes`), in one read: what
    /// the API's busiest request needs. The nodes are read only for an active user's live session.
    func sessionUserNodes(id: String, now: Int64) async throws -> (
        found: SessionUser, nodes: [(assignment: Assignment, node: Node)]
    )?
    func tokenUser(token: String) async throws -> (user: User, language: Language?)?
    func createToken(userID: Int64, name: String, now: Int64) async throws -> String
    @discardableResult
    func revokeTokens(userID: Int64) async throws -> Int
    /// Ends every web session and API token of a user: what a password change, disabling and
    /// removing a user all mean.
    func endAccess(userID: Int64) async throws
    /// Reserves a password attempt under every key before the password is checked; throws
    /// `LoginThrottle.Throttled` (reserving nothing) when a key must wait.
    func reserveAttempt(keys: [String], now: Int64) async throws
    /// A login attempt typed as `name`: in one transaction, finds the account it names (by
    /// username or e-mail) and reserves the attempt under that account's key (the typed name's
    /// when no account has it) and under `others`. Returns the account key and the user; throws
    /// `LoginThrottle.Throttled` (reserving nothing) when a key must wait.
    func reserveLoginAttempt(name: String, others: [String], now: Int64) async throws -> (
        account: String, user: User?
    )
    /// After a right password: the account's failures are forgotten, the other keys get their slot back.
    func attemptSucceeded(account: String, others: [String]) async throws
}

/// Alert thresholds, their state, and the notifications waiting for delivery.
public protocol AlertRuleStore: Sendable {
    /// Rules of active users on their actively assigned, active nodes (of one user, or all).
    func alertRules(userID: Int64?) async throws -> [AlertRule]
    /// Sets a user's rule on a node: `kw` on the total mean (0: none), `phaseKW` on any one
    /// phase's mean (a three-phase meter); the rule starts (again) in `ok`.
    func setThreshold(userID: Int64, nodeID: Int64, kw: Double, phaseKW: Double?, now: Int64) async throws
    @discardableResult
    func clearThreshold(userID: Int64, nodeID: Int64) async throws -> Bool
    /// Moves a rule from the state it was read in to `state` and queues `text`, at once; false
    /// when another run changed the rule first (then nothing is queued).
    func transition(
        rule: AlertRule, to state: AlertState, since: Int64?, lastNotified: Int64?, silentSince: Int64?, text: String?,
        now: Int64
    ) async throws -> (changed: Bool, queued: Int64?)
    /// Messages waiting, oldest first, with the user's current chat.
    func outbox() async throws -> [OutboxMessage]
    /// A message is done with (sent, or dropped); with `unlinkingChat`, that chat blocked the bot.
    func delivered(messageID: Int64, unlinkingChat chatID: Int64?) async throws
    func deliveryFailed(messageID: Int64, error: String) async throws
}

/// One-time link codes and linked Telegram chats.
public protocol TelegramLinkStore: Sendable {
    /// Stores a new code's hash for the user, voiding their previous one.
    func storeLinkCode(userID: Int64, hash: String, expiresAt: Int64) async throws
    /// Uses a code once: links the chat to its user (moving the chat off any other user).
    func redeemLinkCode(hash: String, chatID: Int64, now: Int64) async throws -> RedeemResult
    func telegramLink(userID: Int64) async throws -> TelegramLink?
    /// The active user linked to a chat.
    func telegramLink(chatID: Int64) async throws -> TelegramLink?
    func telegramLinks() async throws -> [TelegramLink]
    @discardableResult
    func unlinkTelegram(userID: Int64) async throws -> Bool
    @discardableResult
    func unlinkTelegram(chatID: Int64) async throws -> Bool
}

/// Named values the services keep: leases (one `alerts run` at a time), the bot's update
/// offset, the bot's username.
public protocol SiteStateStore: Sendable {
    /// Takes the lease until `until` when it is free or expired; false when another holds it.
    func acquireLease(_ name: String, now: Int64, until: Int64) async throws -> Bool
    func releaseLease(_ name: String) async throws
    func stateValue(_ name: String) async throws -> String?
    func setStateValue(_ name: String, _ value: String) async throws
    /// A counter kept as a value moves to `value` when it is below it, never back; true when
    /// this call moved it. Of concurrent calls with one value (two `serve` given the same
    /// webhook update), exactly one gets true.
    @discardableResult
    func advanceCounter(_ name: String, to value: Int64) async throws -> Bool
}

/// What a user chose: language, display name.
public protocol UserSettingsStore: Sendable {
    func language(userID: Int64) async throws -> Language?
    func setLanguage(_ language: Language, userID: Int64) async throws
    /// The profile page's fields, in one change.
    func setProfile(userID: Int64, name: String?, language: Language) async throws
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
    /// Which column holds what in `Usuarios` and `Nodos`: `Usuarios.username = usuario (detected)`.
    public var mapping: [String]

    public init(
        store: String, location: String, applied: [String], pending: [String], notes: [String] = [],
        mapping: [String] = []
    ) {
        self.store = store
        self.location = location
        self.applied = applied
        self.pending = pending
        self.notes = notes
        self.mapping = mapping
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

extension UserStore {
    /// A new password hash, ending the user's every session, token and link (`user passwd`).
    public func setPasswordHash(_ hash: String, username: String) async throws {
        _ = try await setPasswordHash(hash, username: username, openSessionAt: nil)
    }

    /// The user whose username or email matches, or `DirectoryError.unknownUser`.
    public func existingUser(named name: String) async throws -> User {
        guard let user = try await user(named: name) else { throw DirectoryError.unknownUser(name) }
        return user
    }

}

extension NodeStore {
    /// The node of an ESP id, or `DirectoryError.unknownNode`.
    public func existingNode(espID: String) async throws -> Node {
        guard let node = try await node(espID: espID) else { throw DirectoryError.unknownNode(espID) }
        return node
    }
}
