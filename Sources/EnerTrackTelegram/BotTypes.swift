import Foundation

/// A Telegram update as far as the bot reads it: its id and, for a message, the chat, the text
/// and the sender's language. Anything else in an update is ignored; an update whose message
/// has an unexpected shape is kept with no message (its id still moves the offset on).
public struct TelegramUpdate: Decodable, Sendable, Equatable {
    public struct Message: Decodable, Sendable, Equatable {
        public struct Chat: Decodable, Sendable, Equatable {
            public var id: Int64
        }
        public struct Sender: Decodable, Sendable, Equatable {
            public var languageCode: String?
            enum CodingKeys: String, CodingKey {
                case languageCode = "language_code"
            }
        }
        public var chat: Chat
        public var text: String?
        public var from: Sender?
    }

    public var updateID: Int64
    public var message: Message?

    enum CodingKeys: String, CodingKey {
        case updateID = "update_id"
        case message
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        updateID = try container.decode(Int64.self, forKey: .updateID)
        message = try? container.decodeIfPresent(Message.self, forKey: .message)
    }

    /// An update from a webhook body, or nil when it is not one.
    public static func decode(_ data: Data) -> TelegramUpdate? { try? JSONDecoder().decode(Self.self, from: data) }
}

/// Decodes an element of a list, or nothing when it is malformed: one bad update in a batch
/// never hides the others.
struct Lossy<Value: Decodable & Sendable>: Decodable, Sendable {
    var value: Value?
    init(from decoder: any Decoder) throws { value = try? Value(from: decoder) }
}

/// The Bot API's envelope: `ok`, and a `result` or a `description` with `parameters`.
struct BotAnswer<Result: Decodable>: Decodable {
    struct Parameters: Decodable {
        var retryAfter: Double?
        enum CodingKeys: String, CodingKey {
            case retryAfter = "retry_after"
        }
    }
    var ok: Bool
    var result: Result?
    var description: String?
    var parameters: Parameters?
}

/// A result nobody reads (`sendMessage`, `setWebhook`): any JSON value.
struct Ignored: Decodable, Sendable {
    init(from decoder: any Decoder) throws {}
}

/// The methods' parameters, encoded with their Bot API names.
enum BotRequest {
    struct SendMessage: Encodable {
        var chatID: Int64
        var text: String
        var parseMode = "HTML"
        var disableWebPagePreview = true
        enum CodingKeys: String, CodingKey {
            case chatID = "chat_id"
            case text
            case parseMode = "parse_mode"
            case disableWebPagePreview = "disable_web_page_preview"
        }
    }
    struct GetUpdates: Encodable {
        var offset: Int64
        var timeout: Int
        var allowedUpdates = ["message"]
        enum CodingKeys: String, CodingKey {
            case offset
            case timeout
            case allowedUpdates = "allowed_updates"
        }
    }
    struct SetWebhook: Encodable {
        var url: String
        var secretToken: String
        var allowedUpdates = ["message"]
        enum CodingKeys: String, CodingKey {
            case url
            case secretToken = "secret_token"
            case allowedUpdates = "allowed_updates"
        }
    }
    struct DeleteWebhook: Encodable {
        var dropPendingUpdates = false
        enum CodingKeys: String, CodingKey {
            case dropPendingUpdates = "drop_pending_updates"
        }
    }
    struct None: Encodable {}
}

struct BotUser: Decodable, Sendable {
    var username: String?
}
