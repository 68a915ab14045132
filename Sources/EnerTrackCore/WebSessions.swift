import Foundation

/// A logged-in browser session, stored server-side (several `serve` instances share them).
public struct WebSession: Sendable, Equatable {
    public var userID: Int64
    public var csrfToken: String
    public var createdAt: Int64
    public var lastSeen: Int64

    public init(userID: Int64, csrfToken: String, createdAt: Int64, lastSeen: Int64) {
        self.userID = userID
        self.csrfToken = csrfToken
        self.createdAt = createdAt
        self.lastSeen = lastSeen
    }
}

/// What one request needs to know about who asks, read in one query.
public struct SessionUser: Sendable {
    public var session: WebSession
    public var user: User
    public var language: Language?
    /// The session is past a timeout (delete it) or its last-seen time is over a minute old (touch it).
    public var expired: Bool
    public var stale: Bool

    public init(session: WebSession, user: User, language: Language? = nil, expired: Bool, stale: Bool) {
        self.session = session
        self.user = user
        self.language = language
        self.expired = expired
        self.stale = stale
    }
}

/// Session lifetimes: idle and absolute.
public enum SessionRules {
    public static let idleTimeout: Int64 = 30 * 60_000
    public static let absoluteTimeout: Int64 = 12 * 3_600_000
}

/// Login throttling: per account and per address, after five failures in 15 minutes a
/// growing wait. The keys are fixed-length hashes, whatever a client sends.
public enum LoginThrottle {
    /// Failures within this window count.
    public static let window: Int64 = 15 * 60_000
    /// Failures allowed before attempts are spaced out.
    public static let freeAttempts: Int64 = 5

    /// The key of a name no account has: a fixed-length hash of the folded name, whatever its length.
    public static func accountKey(_ name: String) -> String {
        "user:" + RandomToken.hash(DirectoryRules.lookupKey(name))
    }
    /// The key of an existing account, whichever of its names (username or e-mail) was typed:
    /// guesses against one account count together.
    public static func accountKey(userID: Int64) -> String { "user:#\(userID)" }
    /// The key for a login typed as `name`: the account's own when `userID` is known.
    public static func accountKey(_ name: String, userID: Int64?) -> String {
        userID.map { accountKey(userID: $0) } ?? accountKey(name)
    }
    /// The key of a client address.
    public static func addressKey(_ address: String) -> String { "ip:" + RandomToken.hash(address) }
    /// The key of accounts created from a client address (open registration): every account
    /// counts as an attempt, so one address gets a few, then ever longer waits.
    public static func registrationKey(_ address: String) -> String { "register:" + RandomToken.hash(address) }

    /// How long after the last of `failures` failures the next attempt may come (ms): none
    /// for the first five, then 2, 4, 8 … seconds, at most 300.
    public static func delay(afterFailures failures: Int64) -> Int64 {
        guard failures >= freeAttempts else { return 0 }
        return min(Int64(1) << min(failures - freeAttempts + 1, 10), 300) * 1000
    }

    /// An attempt refused: wait this many ms.
    public struct Throttled: Error, Sendable {
        public let wait: Int64
        public init(wait: Int64) { self.wait = wait }
    }
}
