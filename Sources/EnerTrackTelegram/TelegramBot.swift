import EnerTrackCore
import EnerTrackKit
import EnerTrackRuntime
import Foundation
import Logging
import ServiceLifecycle

/// `enertrack telegram bot`: long-polls `getUpdates` and answers.
///
/// - `/start <code>` from any chat: a valid code links that chat to its user; an invalid,
///   expired or used one gets a reply saying so and links nothing.
/// - `/start` alone and `/help`: how to link (in the chat's Telegram language until linked).
/// - Linked chats only: `/status`, `/nodes`, `/unlink`. Unlinked chats get the how-to-link
///   reply to anything, and never any data.
/// - The update offset is stored after every update, so none is handled twice across restarts.
public struct TelegramBotService: Service {
    public struct Options: Sendable {
        public var pollTimeout = 25
        public var windowMS: Int64 = 15 * 60_000
        public var inactiveAfter: TimeInterval = 300
        public var defaultLanguage: Language = .es
        public var timeZone: TimeZone = .current
        /// `telegram bot --metrics-listen`.
        public var metrics: BotMetrics?

        public init() {}
    }

    public let directory: any BotDirectory
    public let series: any SeriesStore
    public let bot: BotAPI
    public let options: Options
    public let logger: Logger
    let notifier: SystemdNotifier

    static let offsetKey = "telegram_update_offset"

    public init(directory: any BotDirectory, series: any SeriesStore, bot: BotAPI, options: Options, logger: Logger) {
        self.directory = directory
        self.series = series
        self.bot = bot
        self.options = options
        self.logger = logger
        notifier = SystemdNotifier()
    }

    public func run() async throws {
        let username = try await bot.username()
        try await directory.setStateValue(TelegramLinker.botUsernameKey, username)
        logger.info("Telegram bot @\(username) polling for updates")
        notifier.notify("READY=1")
        try await withGracefulShutdownHandler {
            var failures = 0
            while !Task.isShuttingDownGracefully {
                notifier.notify("WATCHDOG=1")  // the loop turns, even while the Bot API is down
                let offset = Int64(try await directory.stateValue(Self.offsetKey) ?? "0") ?? 0
                let updates: [TelegramUpdate]
                do {
                    updates = try await bot.updates(offset: offset, timeout: options.pollTimeout)
                    options.metrics?.polled(ok: true)
                    if failures > 0 { logger.info("the Bot API answers again") }
                    failures = 0
                } catch let error as BotAPIError {
                    if Task.isShuttingDownGracefully { break }
                    if case .unauthorized = error { throw error }
                    options.metrics?.polled(ok: false)
                    failures += 1
                    if failures == 1 { logger.warning("cannot get updates: \(error.description); retrying") }
                    try? await Task.sleep(for: .seconds(min(30, 1 << min(failures, 5))))
                    continue
                }
                for update in updates {
                    await handle(update)
                    try await directory.setStateValue(Self.offsetKey, String(update.updateID + 1))
                }
            }
        } onGracefulShutdown: {
            bot.abortPolling()
        }
        notifier.notify("STOPPING=1")
        logger.info("Telegram bot stopped")
    }

    /// An update that came through the webhook (`serve`): handled once, by update id, and
    /// answered like a polled one. The update is claimed before it is answered, so of several
    /// `serve` instances given the same update (Telegram retrying while the first still works)
    /// one answers; an answer that fails is not tried again.
    public func handleWebhook(_ update: TelegramUpdate) async throws {
        let id = update.updateID
        let next = Int64(try await directory.stateValue(Self.offsetKey) ?? "0") ?? 0
        guard id >= next else { return }  // Telegram retried one we answered already
        guard try await directory.advanceCounter(Self.offsetKey, to: id + 1) else { return }  // another took it
        await handle(update)
    }

    /// Answers one update; failures are logged, never fatal (the next update still gets its turn).
    func handle(_ update: TelegramUpdate) async {
        options.metrics?.update()
        guard let message = update.message else { return }
        let chatID = message.chat.id
        let text = (message.text ?? "").trimmingCharacters(in: .whitespacesAndNewlines)
        let telegramLanguage = message.from?.languageCode.flatMap { code in
            Language(rawValue: String(code.prefix(2)))
        }
        do {
            let reply = try await answer(text: text, chatID: chatID, telegramLanguage: telegramLanguage)
            try await bot.send(chatID: chatID, html: reply)
            options.metrics?.reply("sent")
        } catch BotAPIError.blocked {
            options.metrics?.reply("blocked")
            _ = try? await directory.unlinkTelegram(chatID: chatID)
            logger.warning("chat \(chatID) blocked the bot: unlinked")
        } catch {
            options.metrics?.reply("failed")
            logger.error("cannot answer chat \(chatID): \(error)")
        }
    }

    func answer(text: String, chatID: Int64, telegramLanguage: Language?) async throws -> String {
        var words = text.split(separator: " ", maxSplits: 1).map(String.init)
        let command = (words.first ?? "").split(separator: "@").first.map { $0.lowercased() } ?? ""
        if !words.isEmpty { words.removeFirst() }
        let argument = words.first?.trimmingCharacters(in: .whitespaces) ?? ""
        let link = try await directory.telegramLink(chatID: chatID)
        let language = link?.language ?? telegramLanguage ?? options.defaultLanguage

        if command == "/start", !argument.isEmpty {
            guard LinkCode.isWellFormed(argument) else { return Messages(language).codeInvalid }
            let hash = LinkCode.hash(argument)
            let now = Date().milliseconds
            let result = try await directory.redeemLinkCode(hash: hash, chatID: chatID, now: now)
            switch result {
            case .linked(let userID, let username):
                logger.info("chat \(chatID) linked to user \(username)")
                let own = try await directory.language(userID: userID)
                return Messages(own ?? language).linked(username: username)
            case .expired:
                return Messages(language).codeExpired
            case .invalid:
                return Messages(language).codeInvalid
            }
        }
        guard let link else { return Messages(language).howToLink }
        let messages = Messages(language)
        switch command {
        case "/status": return try await status(link, messages)
        case "/nodes": return try await nodes(link, messages)
        case "/cost", "/coste": return try await cost(link, messages)
        case "/unlink":
            try await directory.unlinkTelegram(userID: link.userID)
            logger.info("chat \(chatID) unlinked user \(link.username)")
            return messages.unlinked
        default: return messages.help(username: link.username)
        }
    }

    /// The chat's user's nodes, as the dashboard shows them (`NodeViews`).
    private func views(_ link: TelegramLink, latest: Bool) async throws -> [NodeView] {
        try await NodeViews.of(
            userID: link.userID, username: link.username, directory: directory, series: series,
            inactiveAfter: options.inactiveAfter, latest: latest)
    }

    private func status(_ link: TelegramLink, _ messages: Messages) async throws -> String {
        let views = try await views(link, latest: true)
        guard !views.isEmpty else { return messages.noNodes }
        let espIDs = views.map(\.node.espID)
        let now = Date().milliseconds
        let means = try await series.meanPower(nodes: espIDs, from: now - options.windowMS, to: now)
        let rules = try await directory.alertRules(userID: link.userID)
        return views.map { view in
            let rule = rules.first { $0.espID == view.node.espID }
            return messages.statusLine(
                node: view.node.labelWithID, powerKW: view.latest?.power.map { $0 / 1000 },
                meanKW: means[view.node.espID].map { $0 / 1000 },
                thresholdKW: rule?.thresholdKW, state: rule?.state, windowMS: options.windowMS)
        }.joined(separator: "\n")
    }

    /// This month so far and projected, as the dashboard's card (`CostOutlook`).
    private func cost(_ link: TelegramLink, _ messages: Messages) async throws -> String {
        let views = try await views(link, latest: false)
        guard !views.isEmpty else { return messages.noNodes }
        do {
            guard
                let outlook = try await CostOutlook.month(
                    directory: directory, series: series, espIDs: views.map(\.node.espID), user: link.username,
                    timeZone: options.timeZone)
            else { return messages.noTariff }
            return messages.cost(outlook)
        } catch let error as TariffError {
            return TelegramText.escape(error.description)
        }
    }

    private func nodes(_ link: TelegramLink, _ messages: Messages) async throws -> String {
        let views = try await views(link, latest: false)
        guard !views.isEmpty else { return messages.noNodes }
        return views.map { view in
            let seen = view.node.lastSeen.map {
                ISO8601.format(milliseconds: $0.milliseconds, timeZone: options.timeZone)
            }
            return messages.nodeLine(node: view.node.labelWithID, status: view.status, lastSeen: seen)
        }.joined(separator: "\n")
    }
}

/// What the bot reads and changes of the directory: links, its own state, users' languages, alert
/// rules, and what `/cost` prices.
public typealias BotDirectory = TelegramLinkStore & SiteStateStore & UserSettingsStore & AlertRuleStore & CostDirectory

/// `telegram link`: a fresh one-time code and its deep link.
public struct TelegramLinker: Sendable {
    public static let botUsernameKey = "telegram_bot_username"

    public let directory: any TelegramLinkStore & SiteStateStore
    public let bot: BotAPI?

    public init(directory: any TelegramLinkStore & SiteStateStore, bot: BotAPI?) {
        self.directory = directory
        self.bot = bot
    }

    public struct Link: Sendable {
        public var url: String
        public var expiresAt: Date
    }

    /// The bot's username: from `getMe` (and cached), or the cache when the API is unreachable.
    public func botUsername() async throws -> String {
        let cached = try await directory.stateValue(Self.botUsernameKey)
        guard let bot else {
            if let cached { return cached }
            throw BotAPIError.notConfigured
        }
        do {
            let username = try await bot.username()
            if username != cached {
                try await directory.setStateValue(Self.botUsernameKey, username)
            }
            return username
        } catch BotAPIError.unavailable(let reason) {
            if let cached { return cached }
            throw BotAPIError.unavailable(reason)
        }
    }

    /// A new code for the user (voiding the previous one), valid 15 minutes.
    public func link(userID: Int64, now: Date = Date()) async throws -> Link {
        let username = try await botUsername()
        let (code, hash) = LinkCode.generate()
        let expires = now.milliseconds + LinkCode.validity
        try await directory.storeLinkCode(userID: userID, hash: hash, expiresAt: expires)
        return Link(url: "https://t.me/\(username)?start=\(code)", expiresAt: Date(milliseconds: expires))
    }
}
