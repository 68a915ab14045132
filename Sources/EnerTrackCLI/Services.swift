import EnerTrackCore
import EnerTrackIngest
import EnerTrackKit
import EnerTrackTelegram
import EnerTrackWeb
import Foundation
import Logging

/// The composition root: every command's stores and services are assembled here, from the typed
/// settings resolved once (`GlobalOptions.settings()`), with the process's password hasher and
/// tariff parser (`CommandContext`). Nothing else in the command line opens a store or builds a
/// bot, an administration service or the web application (`ArchitectureTests` checks it).
struct Services: Sendable {
    let settings: Settings
    let context: CommandContext

    init(_ settings: Settings, context: CommandContext = .current) {
        self.settings = settings
        self.context = context
    }

    /// The directory store the settings select; `migrate: false` opens the embedded one without
    /// applying migrations (status, dry runs).
    func directory(migrate: Bool = true) throws -> any DirectoryStore {
        try Stores.directory(settings, migrate: migrate)
    }

    func series() throws -> any SeriesStore { try Stores.series(settings) }

    /// The configured Telegram bot, or nil without `enertrackBotToken`.
    var bot: BotAPI? {
        settings.telegram.token.map { BotAPI(token: $0, baseURL: settings.telegram.apiURL) }
    }

    func admin(_ store: (any DirectoryStore)? = nil) throws -> DirectoryAdmin {
        DirectoryAdmin(store: try store ?? directory(), hasher: context.passwordHasher)
    }

    func siteAdmin(_ store: (any DirectoryStore)? = nil) throws -> SiteAdmin {
        SiteAdmin(store: try store ?? directory(), timeZone: settings.timeZone)
    }

    func tariffAdmin(_ store: (any DirectoryStore)? = nil) throws -> TariffAdmin {
        TariffAdmin(store: try store ?? directory(), timeZone: settings.timeZone, parser: context.tariffParser)
    }

    /// The alert rules' runner; `directory`/`series`, when given, are stores opened already.
    func alertRunner(
        bot: BotAPI?, logger: Logger, directory store: (any DirectoryStore)? = nil,
        series given: (any SeriesStore)? = nil
    ) throws -> AlertRunner {
        AlertRunner(directory: try store ?? directory(), series: try given ?? series(), bot: bot, logger: logger)
    }

    /// `telegram bot`'s long-polling service.
    func telegramBot(_ bot: BotAPI, options: TelegramBotService.Options, logger: Logger) throws -> TelegramBotService {
        TelegramBotService(
            directory: try directory(), series: try series(), bot: bot, options: options, logger: logger)
    }

    /// `serve`'s application (the demo's too): stores, options from the settings and the flags.
    func buildApplication(
        trustedProxies: [String], insecure: Bool = false, hsts: Bool = false,
        idleTimeout: Int = WebOptions().idleTimeout, maxConnections: Int = WebOptions().maxConnections,
        metrics: WebMetrics? = nil, logger: Logger
    ) throws -> WebApp {
        var options = WebOptions()
        options.metrics = metrics
        options.idleTimeout = idleTimeout
        options.maxConnections = maxConnections
        options.secureCookies = !(insecure || settings.web.insecureCookies)
        options.registrationOpen = settings.web.registrationOpen
        options.trustedProxies = Set(trustedProxies)
        options.timeZone = settings.timeZone
        options.defaultLanguage = settings.language
        options.webhookSecret = settings.telegram.webhookSecret
        options.hsts = hsts || settings.web.hsts
        options.publicURL = settings.web.publicURL
        options.tariffParser = context.tariffParser
        return WebApp(
            directory: try directory(), series: try series(), options: options, hasher: context.passwordHasher,
            bot: bot, assetsDirectory: settings.web.assetsDirectory, logger: logger)
    }

    /// MQTT settings of the configured broker (`DOMINIO`, `PUERTO_MQTTS`, …).
    func mqttSettings(clientID: String?, purpose: String, cleanSession: Bool) throws -> MQTTSettings {
        let broker = settings.broker
        guard let host = broker.host else {
            throw Failure(
                .configuration,
                "DOMINIO is not set: it names the MQTT broker (TLS); set it in the env file or the environment")
        }
        return MQTTSettings(
            host: host, port: Int32(broker.port), username: broker.user, password: broker.password,
            caFile: broker.caFile,
            clientID: clientID ?? broker.clientID ?? MQTTSettings.defaultClientID(purpose: purpose),
            cleanSession: cleanSession)
    }

    /// `ingest`'s service: the broker, both stores, and a spool of its own under the data directory.
    func ingestService(mqtt: MQTTSettings, options: IngestOptions, logger: Logger) throws -> IngestService {
        let dataDirectory = try Stores.ensureDataDirectory(settings.dataDirectory)
        let directory = try directory()
        return try IngestService(
            mqtt: mqtt, series: try series(), directory: directory,
            spoolDirectory: Self.spoolDirectory(dataDirectory, clientID: mqtt.clientID), options: options,
            prefix: settings.broker.topicPrefix, logger: logger, sources: directory)
    }

    /// One spool per client id: workers sharing a data directory never touch each other's segments,
    /// and a restarted worker finds its own leftovers.
    static func spoolDirectory(_ dataDirectory: String, clientID: String) -> String {
        let safe = String(
            clientID.unicodeScalars.map {
                CharacterSet.alphanumerics.contains($0) || "-_.".unicodeScalars.contains($0) ? Character($0) : "_"
            })
        return dataDirectory + "/spool/" + safe
    }
}

extension GlobalOptions {
    /// The composition root over this command's settings.
    func services() throws -> Services { Services(try settings()) }
}
