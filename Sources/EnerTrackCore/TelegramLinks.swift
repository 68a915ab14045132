import Foundation

/// One-time link codes: 128 random bits, base64url (22 characters), stored only as a SHA-256
/// hash, valid 15 minutes, single use; a new code voids the user's previous one.
public enum LinkCode {
    public static let validity: Int64 = 15 * 60_000

    public static func generate() -> (code: String, hash: String) {
        let code = RandomToken.make(bytes: 16)
        return (code, hash(code))
    }

    public static func hash(_ code: String) -> String { RandomToken.hash(code) }

    /// A code as Telegram passes it back: base64url, at most 64 characters.
    public static func isWellFormed(_ code: String) -> Bool {
        !code.isEmpty && code.count <= 64
            && code.unicodeScalars.allSatisfy {
                CharacterSet.alphanumerics.contains($0) && $0.isASCII || $0 == "-" || $0 == "_"
            }
    }
}

/// A user's linked chat.
public struct TelegramLink: Sendable, Equatable {
    public var userID: Int64
    public var username: String
    public var chatID: Int64
    public var linkedAt: Int64
    public var language: Language?

    public init(userID: Int64, username: String, chatID: Int64, linkedAt: Int64, language: Language? = nil) {
        self.userID = userID
        self.username = username
        self.chatID = chatID
        self.linkedAt = linkedAt
        self.language = language
    }
}

public enum RedeemResult: Sendable, Equatable {
    case linked(userID: Int64, username: String)
    case expired
    case invalid
}
