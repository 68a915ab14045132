import Crypto
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

/// Random tokens (session ids, CSRF tokens, API tokens): 256 bits, base64url. Stored only as
/// SHA-256 hashes where they grant access.
public enum RandomToken {
    public static func make(bytes count: Int = 32) -> String {
        var generator = SystemRandomNumberGenerator()
        return base64url(Data((0..<count).map { _ in UInt8.random(in: 0...255, using: &generator) }))
    }

    /// Base64 with the URL- and cookie-safe alphabet, no padding.
    public static func base64url(_ data: Data) -> String {
        data.base64EncodedString()
            .replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_").replacingOccurrences(of: "=", with: "")
    }

    public static func hash(_ token: String) -> String { hex(SHA256.hash(data: Data(token.utf8))) }

    /// Lower-case hex of a digest (String(format:) per byte is slow on the request path).
    public static func hex<D: Sequence>(_ bytes: D) -> String where D.Element == UInt8 {
        let digits = Array("0123456789abcdef".utf8)
        var out: [UInt8] = []
        for byte in bytes {
            out.append(digits[Int(byte >> 4)])
            out.append(digits[Int(byte & 0x0f)])
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// Compares without an early exit, so timing tells nothing about where two strings differ.
    public static func constantTimeEqual(_ a: String, _ b: String) -> Bool {
        let x = Array(a.utf8), y = Array(b.utf8)
        var difference = UInt8(x.count == y.count ? 0 : 1)
        for index in 0..<max(x.count, y.count) {
            difference |= (index < x.count ? x[index] : 0) ^ (index < y.count ? y[index] : 0)
        }
        return difference == 0
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

    /// The key of an account: a fixed-length hash of the folded name, whatever its length.
    public static func accountKey(_ name: String) -> String { "user:" + RandomToken.hash(DirectoryRules.lookupKey(name)) }
    /// The key of a client address.
    public static func addressKey(_ address: String) -> String { "ip:" + RandomToken.hash(address) }

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
