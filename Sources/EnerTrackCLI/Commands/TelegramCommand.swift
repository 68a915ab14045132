import ArgumentParser
import EnerTrackCore
import EnerTrackKit
import EnerTrackRuntime
import EnerTrackTelegram
import Foundation
import ServiceLifecycle

struct TelegramCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "telegram",
        abstract: "Link users' Telegram chats and run the bot.",
        discussion: """
            Linking: 'telegram link USER' prints a t.me deep link with a one-time code (valid 15 \
            minutes, single use; a new one voids the old). The user opens it, Telegram sends \
            '/start <code>' to the bot, and 'telegram bot' links that chat. Needs \
            enertrackBotToken (and TELEGRAM_API_URL for a Bot API server of your own).
            """,
        subcommands: [Link.self, Unlink.self, Status.self, Test.self, Bot.self, Webhook.self])

    struct Link: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Print a deep link that links the user's Telegram chat (valid 15 minutes).",
            discussion: "Examples:\n  enertrack telegram link ana\n  enertrack telegram link ana --json")

        @OptionGroup var global: GlobalOptions
        @Argument(help: "Username or email.") var username: String
        @Flag(help: "Print JSON.") var json = false

        func run() async throws {
            let services = try global.services()
            let settings = services.settings
            let directory = try services.directory()
            let user = try await directory.existingUser(named: username)
            let link = try await TelegramLinker(directory: directory, bot: services.bot).link(
                userID: user.id)
            let expires = RecordRenderer(timeZone: settings.timeZone).iso8601(link.expiresAt)
            if json {
                try Print.json(
                    LinkAnswer(username: user.username, url: link.url, expires: link.expiresAt), settings: settings)
            } else {
                Print.out("\(link.url)\n")
                Print.err("open it in Telegram as '\(user.username)' before \(expires); it works once\n")
            }
        }
    }

    struct Unlink: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Unlink the user's Telegram chat (and void any pending code).",
            discussion: "Example:\n  enertrack telegram unlink ana")

        @OptionGroup var global: GlobalOptions
        @Argument(help: "Username or email.") var username: String

        func run() async throws {
            let directory = try global.services().directory()
            let user = try await directory.existingUser(named: username)
            let removed = try await directory.unlinkTelegram(userID: user.id)
            Print.err(
                removed ? "Telegram chat of '\(user.username)' unlinked\n" : "'\(user.username)' had no linked chat\n")
        }
    }

    struct Status: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Whether users have a linked Telegram chat, and since when.",
            discussion: "Examples:\n  enertrack telegram status\n  enertrack telegram status ana --json")

        @OptionGroup var global: GlobalOptions
        @Argument(help: "Username or email (default: every user).") var username: String?
        @OptionGroup var output: OutputOptions

        func run() async throws {
            let services = try global.services()
            let settings = services.settings
            let directory = try services.directory()
            let users =
                if let username { [try await directory.existingUser(named: username)] } else {
                    try await directory.users(includeRemoved: false)
                }
            let links = try await directory.telegramLinks()
            let records = users.map { user in
                let link = links.first { $0.userID == user.id }
                return Record([
                    "username": .text(user.username), "linked": .flag(link != nil),
                    "since": .time(link.map { Date(milliseconds: $0.linkedAt) }),
                ])
            }
            Print.records(records, json: output.json, settings: settings, empty: "no users")
        }
    }

    struct Test: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Send a test message to the user's linked chat.",
            discussion:
                "Exit 65 when the user has no linked chat, 69 when the Bot API cannot be reached.\n\nExample:\n  enertrack telegram test ana"
        )

        @OptionGroup var global: GlobalOptions
        @Argument(help: "Username or email.") var username: String

        func run() async throws {
            let services = try global.services()
            let settings = services.settings
            let directory = try services.directory()
            let user = try await directory.existingUser(named: username)
            guard let bot = services.bot else { throw BotAPIError.notConfigured }
            guard let link = try await directory.telegramLink(userID: user.id) else {
                throw Failure(
                    .dataError, "'\(user.username)' has no linked Telegram chat (see 'enertrack telegram link')")
            }
            do {
                try await bot.send(
                    chatID: link.chatID,
                    html: Messages(link.language ?? settings.language).test(username: user.username))
            } catch BotAPIError.blocked(_, let reason) {
                try await directory.unlinkTelegram(chatID: link.chatID)
                throw Failure(
                    .dataError, "the chat of '\(user.username)' blocked the bot (\(reason)); it is unlinked now")
            }
            Print.err("test message sent to '\(user.username)'\n")
        }
    }

    struct Webhook: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Have Telegram push updates to serve's POST /telegram/webhook instead of 'telegram bot' polling.",
            discussion: """
                'set URL' registers the public HTTPS address of /telegram/webhook with \
                TELEGRAM_WEBHOOK_SECRET as the secret Telegram sends back (serve refuses updates \
                without it, 403). While a webhook is set, 'telegram bot' cannot poll: stop it, or \
                'delete' the webhook to go back to polling.

                Examples:
                  enertrack telegram webhook set https://energia.example.org/telegram/webhook
                  enertrack telegram webhook delete
                """)

        @OptionGroup var global: GlobalOptions
        @Argument(help: "set or delete.") var action: String
        @Argument(help: "The public HTTPS URL of /telegram/webhook (for set).") var url: String?

        func validate() throws {
            guard ["set", "delete"].contains(action) else { throw ValidationError("say 'set URL' or 'delete'") }
            if action == "set" {
                guard let url, let parsed = URL(string: url),
                    parsed.scheme == "https" || parsed.host == "127.0.0.1" || parsed.host == "localhost"
                else {
                    throw ValidationError("'set' needs the https:// URL of /telegram/webhook")
                }
            }
        }

        func run() async throws {
            let services = try global.services()
            let settings = services.settings
            guard let bot = services.bot else { throw BotAPIError.notConfigured }
            if action == "delete" {
                try await bot.deleteWebhook()
                Print.err("webhook deleted; 'telegram bot' can poll again\n")
                return
            }
            guard let secret = settings.telegram.webhookSecret else {
                throw Failure(
                    .configuration,
                    "set TELEGRAM_WEBHOOK_SECRET first (the same value for serve): 1-256 characters A-Z a-z 0-9 _ -")
            }
            try await bot.setWebhook(url: url ?? "", secretToken: secret)
            Print.err("Telegram now sends updates to \(url ?? "")\n")
        }
    }

    struct Bot: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Run the Telegram bot: links chats, answers /status, /nodes, /unlink (long-running, systemd).",
            discussion: """
                Long-polls getUpdates; the update offset is stored in the directory store, so no \
                update is handled twice across restarts. SIGTERM ends the poll in flight and exits 0. \
                Chats that are not linked get the how-to-link answer and never any data.

                --metrics-listen serves Prometheus metrics: updates handled, replies by outcome, \
                failed polls and whether the Bot API answers (enertrack_bot_*).

                Examples:
                  enertrack telegram bot
                  enertrack telegram bot --metrics-listen 127.0.0.1:9108
                """)

        @OptionGroup var global: GlobalOptions
        @Option(help: ArgumentHelp("Seconds a getUpdates long poll waits.", valueName: "SECONDS")) var pollTimeout = 25
        @Option(help: ArgumentHelp("Window of the mean power in /status.", valueName: "AGE")) var window = "15m"
        @OptionGroup var metrics: MetricsOptions

        func validate() throws {
            guard (0...50).contains(pollTimeout) else {
                throw ValidationError("--poll-timeout must be 0 to 50 seconds")
            }
            guard TimeArgument.duration(window) != nil else {
                throw ValidationError("--window takes a duration such as 15m")
            }
        }

        func run() async throws {
            let services = try global.services()
            let settings = services.settings
            var options = TelegramBotService.Options()
            options.pollTimeout = pollTimeout
            options.windowMS = Int64((TimeArgument.duration(window) ?? 900) * 1000)
            options.defaultLanguage = settings.language
            options.timeZone = settings.timeZone
            guard let bot = services.bot else { throw BotAPIError.notConfigured }
            let logger = StderrLogHandler.logger(label: "telegram", level: .info, configured: settings.logLevel)
            let botMetrics = metrics.metricsListen == nil ? nil : BotMetrics()
            options.metrics = botMetrics
            let service = try services.telegramBot(bot, options: options, logger: logger)
            var running: [any Service] = [service]
            if let botMetrics,
                let server = try metrics.server(logger: logger, exposition: { botMetrics.registry.exposition() })
            {
                running.append(server)
            }
            try await ServiceRunner.run(running, logger: logger)
        }
    }
}

/// `telegram link --json`: the one-time link and until when it works.
struct LinkAnswer: Encodable {
    var username: String
    var url: String
    var expires: Date
}
