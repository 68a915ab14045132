import EnerTrackCore
import EnerTrackHTTP
import Foundation

/// What went wrong talking to the Bot API. Messages never contain the token.
public enum BotAPIError: ExitStatusError, Equatable {
    /// 403 on a chat: the user blocked the bot (or left); the chat must be unlinked.
    case blocked(chatID: Int64, reason: String)
    /// 401: the token is wrong.
    case unauthorized
    /// The API answered no (400 and the like): retrying the same request will not help.
    case rejected(code: Int, reason: String)
    /// Network, timeout, 5xx, or 429 beyond patience: try again later.
    case unavailable(String)
    /// No `enertrackBotToken` configured.
    case notConfigured

    public var exitStatus: ExitStatus {
        switch self {
        case .unauthorized: .noPermission
        case .notConfigured: .configuration
        case .blocked, .rejected: .dataError
        case .unavailable: .unavailable
        }
    }

    public var description: String {
        switch self {
        case .blocked(let chat, let reason): "Telegram chat \(chat) blocked the bot (\(reason))"
        case .unauthorized: "the Telegram Bot API refused the token (check enertrackBotToken)"
        case .rejected(let code, let reason): "the Telegram Bot API refused the request: \(code) \(reason)"
        case .unavailable(let reason): "the Telegram Bot API is unavailable: \(reason)"
        case .notConfigured: "no Telegram bot token: set enertrackBotToken in the configuration"
        }
    }
}

/// A Telegram Bot API client (`TELEGRAM_API_URL`, default https://api.telegram.org): JSON
/// calls with timeouts; 429 waits `retry_after` and tries again; at most one message a second
/// per chat and thirty a second in all; texts in HTML parse mode split at 4,096 characters on line boundaries.
public final class BotAPI: Sendable {
    private let base: URL
    private let token: String
    private let http: CurlHTTPClient
    /// Long polls get their own connection, so sending never waits behind one.
    private let pollHTTP: CurlHTTPClient
    private let timeout: TimeInterval
    private let pacer = ChatPacer()
    /// Longest `retry_after` honoured before giving up for this run.
    public let maxRetryAfter: TimeInterval

    public init(token: String, baseURL: URL, timeout: TimeInterval = 10, maxRetryAfter: TimeInterval = 60) {
        self.token = token
        base = baseURL
        self.timeout = timeout
        self.maxRetryAfter = maxRetryAfter
        http = CurlHTTPClient(connectTimeout: min(timeout, 5))
        pollHTTP = CurlHTTPClient(connectTimeout: min(timeout, 5))
    }

    /// Ends a long poll in flight (at shutdown).
    public func abortPolling() { pollHTTP.abort() }

    /// Calls a method; returns its `result`.
    func call<Result: Decodable>(
        _ method: String, _ parameters: some Encodable, as: Result.Type, timeout: TimeInterval? = nil,
        chatID: Int64? = nil
    ) async throws -> Result? {
        let body = try JSONEncoder().encode(parameters)
        let url = base.appendingPathComponent("bot\(token)").appendingPathComponent(method)
        let client = method == "getUpdates" ? pollHTTP : http
        var attempt = 0
        while true {
            attempt += 1
            let response: CurlHTTPClient.Response
            do {
                response = try await client.send(
                    method: "POST", url: url, headers: ["Content-Type": "application/json"], body: Array(body),
                    timeout: timeout ?? self.timeout)
            } catch CurlHTTPClient.TransportError.failed(_, let reason) {
                throw BotAPIError.unavailable(reason)
            }
            let answer = try? JSONDecoder().decode(BotAnswer<Result>.self, from: response.body)
            if response.status == 200, let answer, answer.ok { return answer.result }
            let description = scrub(answer?.description ?? "HTTP \(response.status)")
            switch response.status {
            case 429:
                // The server's number, bounded: NaN, negative or huge never reach a conversion.
                let asked = answer?.parameters?.retryAfter ?? 1
                let wait = asked.isFinite ? min(max(asked, 0), 1e9) : 1e9
                guard attempt < 4, wait <= maxRetryAfter else {
                    throw BotAPIError.unavailable("rate limited (retry after \(Int64(saturating: wait)) s)")
                }
                try await Task.sleep(for: .seconds(wait))
            case 401:
                throw BotAPIError.unauthorized
            case 403:
                throw BotAPIError.blocked(chatID: chatID ?? 0, reason: description)
            case 500..<600, 0:
                throw BotAPIError.unavailable("HTTP \(response.status) \(description)")
            default:
                throw BotAPIError.rejected(code: response.status, reason: description)
            }
        }
    }

    /// The token never leaves this client, even inside an echoed description.
    private func scrub(_ text: String) -> String {
        token.isEmpty ? text : text.replacingOccurrences(of: token, with: "<token>")
    }

    /// The bot's username (for t.me deep links).
    public func username() async throws -> String {
        guard let username = try await call("getMe", BotRequest.None(), as: BotUser.self)?.username else {
            throw BotAPIError.unavailable("getMe answered without a username")
        }
        return username
    }

    /// Sends an HTML text to a chat, in parts of at most 4,096 characters.
    public func send(chatID: Int64, html: String) async throws {
        for part in TelegramText.split(html) {
            await pacer.wait(chatID: chatID)
            _ = try await call(
                "sendMessage", BotRequest.SendMessage(chatID: chatID, text: part), as: Ignored.self, chatID: chatID)
        }
    }

    /// Updates after `offset`, waiting up to `timeout` seconds for one.
    public func updates(offset: Int64, timeout: Int) async throws -> [TelegramUpdate] {
        let result = try await call(
            "getUpdates", BotRequest.GetUpdates(offset: offset, timeout: timeout), as: [Lossy<TelegramUpdate>].self,
            timeout: TimeInterval(timeout) + self.timeout)
        return (result ?? []).compactMap(\.value)
    }

    /// Sends updates to `url` with `secretToken` (webhook mode).
    public func setWebhook(url: String, secretToken: String) async throws {
        _ = try await call("setWebhook", BotRequest.SetWebhook(url: url, secretToken: secretToken), as: Ignored.self)
    }

    /// Back to polling: no webhook.
    public func deleteWebhook() async throws {
        _ = try await call("deleteWebhook", BotRequest.DeleteWebhook(), as: Ignored.self)
    }
}

/// Telegram's limits: at most one message a second to each chat, and about thirty a second in
/// all ("bulk notifications": past them it answers 429 and a wait). Each send takes the next
/// slot that keeps both, then waits for it.
actor ChatPacer {
    static let perChat: Duration = .seconds(1)
    static let overall: Duration = .milliseconds(34)
    private var last: [Int64: ContinuousClock.Instant] = [:]
    private var lastAny: ContinuousClock.Instant?

    func wait(chatID: Int64) async {
        let now = ContinuousClock.now
        var slot = now
        if let previous = last[chatID] { slot = max(slot, previous + Self.perChat) }
        if let lastAny { slot = max(slot, lastAny + Self.overall) }
        last[chatID] = slot
        lastAny = slot
        if slot > now { try? await Task.sleep(until: slot, clock: .continuous) }
    }
}

/// HTML for Telegram's parse mode: escaping, and splitting that never cuts a tag.
public enum TelegramText {
    public static let limit = 4096

    /// Escapes `<`, `>` and `&` (all Telegram's HTML mode asks of text), byte by byte.
    public static func escape(_ text: String) -> String { MarkupEscape.html(text, quotes: false) }

    /// Parts of at most `limit` characters (UTF-16, as Telegram counts), cut between lines; a
    /// single longer line (our lines keep their tags balanced) loses its tags and is cut anywhere
    /// but inside an entity.
    public static func split(_ html: String, limit: Int = limit) -> [String] {
        guard html.utf16.count > limit else { return [html] }
        var parts: [String] = []
        var current = ""
        func flush() {
            if !current.isEmpty { parts.append(current) }
            current = ""
        }
        for line in html.split(separator: "\n", omittingEmptySubsequences: false).map(String.init) {
            let candidate = current.isEmpty ? line : current + "\n" + line
            if candidate.utf16.count <= limit {
                current = candidate
                continue
            }
            flush()
            if line.utf16.count <= limit {
                current = line
                continue
            }
            // One line longer than a message: plain text, cut between entities.
            let plain = line.replacingOccurrences(of: "<[^>]*>", with: "", options: .regularExpression)
            var piece = ""
            var index = plain.startIndex
            while index < plain.endIndex {
                var unit = String(plain[index])
                if plain[index] == "&", let end = plain[index...].firstIndex(of: ";"),
                    plain.distance(from: index, to: end) <= 8
                {
                    unit = String(plain[index...end])
                    index = plain.index(after: end)
                } else {
                    index = plain.index(after: index)
                }
                if piece.utf16.count + unit.utf16.count > limit {
                    parts.append(piece)
                    piece = ""
                }
                piece += unit
            }
            current = piece
        }
        flush()
        return parts
    }
}
