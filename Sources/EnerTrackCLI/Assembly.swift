import EnerTrackCore
import EnerTrackIngest
import EnerTrackKit
import EnerTrackTelegram
import Foundation

// Where the command line turns the typed settings into those of the services it builds.

extension BotAPI {
    /// The configured bot, or nil without `enertrackBotToken`.
    static func configured(_ settings: Settings) -> BotAPI? {
        guard let token = settings.telegram.token else { return nil }
        return BotAPI(token: token, baseURL: settings.telegram.apiURL)
    }
}

enum IngestAssembly {
    /// MQTT settings of the configured broker (`DOMINIO`, `PUERTO_MQTTS`, …).
    static func mqttSettings(
        _ settings: Settings, clientID: String?, purpose: String, cleanSession: Bool
    ) throws -> MQTTSettings {
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

    /// One spool per client id: workers sharing a data directory never touch each other's segments,
    /// and a restarted worker finds its own leftovers.
    static func spoolDirectory(_ dataDirectory: String, clientID: String) -> String {
        let safe = String(
            clientID.unicodeScalars.map {
                CharacterSet.alphanumerics.contains($0) || "-_.".unicodeScalars.contains($0) ? Character($0) : "_"
            })
        return dataDirectory + "/spool/" + safe
    }

    /// `HOST:PORT` (`127.0.0.1:9106`, `[::1]:9106`).
    static func parseListen(_ text: String) throws -> (host: String, port: Int) {
        guard let colon = text.lastIndex(of: ":"), let port = Int(text[text.index(after: colon)...]),
            (1...65535).contains(port)
        else { throw Failure(.usage, "--metrics-listen '\(text)' is not HOST:PORT (for example 127.0.0.1:9106)") }
        var host = String(text[..<colon])
        if host.hasPrefix("["), host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        return (host.isEmpty ? "127.0.0.1" : host, port)
    }
}
