import EnerTrackCore
import EnerTrackKit
import Foundation
import Logging
import ServiceLifecycle

extension BotAPI {
    /// The bot of the configuration, or nil without `enertrackBotToken`.
    public static func configured(_ configuration: Configuration) -> BotAPI? {
        guard let token = configuration[.botToken], !token.isEmpty else { return nil }
        let base = configuration[.telegramAPIURL].flatMap(URL.init(string:)) ?? URL(string: "https://api.telegram.org")!
        return BotAPI(token: token, baseURL: base)
    }
}

extension Configuration {
    /// `ENERTRACK_LANG`, else Spanish.
    public var defaultLanguage: Language { self[.language].flatMap(Language.init(rawValue:)) ?? .es }
}

/// Looks up a user and an active assignment of one of their nodes, for commands that name both.
public enum RuleTarget {
    public static func resolve(directory: any DirectoryStore, username: String, espID: String) async throws -> (
        user: User, node: Node
    ) {
        let user = try await directory.existingUser(named: username)
        let node = try await directory.existingNode(espID: espID)
        let assigned = try await directory.assignments(AssignmentFilter(username: user.username, espID: node.espID))
        guard assigned.contains(where: \.isActive) else {
            throw DirectoryError.unknownAssignment(username: user.username, espID: node.espID)
        }
        return (user, node)
    }
}

/// Runs the bot as a service until SIGTERM or SIGINT.
public enum TelegramBotRunner {
    public static func run(
        configuration: Configuration, options: TelegramBotService.Options, logger: Logger
    ) async throws {
        guard let bot = BotAPI.configured(configuration) else { throw BotAPIError.notConfigured }
        let directory = try Stores.directory(configuration)
        let series = try Stores.series(configuration)
        let service = TelegramBotService(
            directory: directory, series: series, bot: bot, options: options, logger: logger)
        var quiet = logger
        quiet.logLevel = .warning
        let group = ServiceGroup(
            configuration: .init(
                services: [
                    .init(
                        service: service, successTerminationBehavior: .gracefullyShutdownGroup,
                        failureTerminationBehavior: .gracefullyShutdownGroup)
                ],
                gracefulShutdownSignals: [.sigterm, .sigint], logger: quiet))
        try await group.run()
    }
}
