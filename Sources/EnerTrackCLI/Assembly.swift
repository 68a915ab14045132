import EnerTrackCore
import EnerTrackIngest
import EnerTrackKit
import EnerTrackTelegram
import Foundation

// Where the command line turns configuration into the settings of the services it builds.

extension BotAPI {
    /// The bot of the configuration, or nil without `enertrackBotToken`.
    static func configured(_ configuration: Configuration) -> BotAPI? {
        guard let token = configuration[.botToken], !token.isEmpty else { return nil }
        let base = configuration[.telegramAPIURL].flatMap(URL.init(string:)) ?? URL(string: "https://api.telegram.org")!
        return BotAPI(token: token, baseURL: base)
    }
}

enum IngestAssembly {
    /// MQTT settings from `DOMINIO`, `PUERTO_MQTTS`, `MQTT_USR`, `MQTT_PASS`, `MQTT_CAFILE`, `MQTT_CLIENT_ID`.
    static func mqttSettings(
        _ configuration: Configuration, clientID: String?, purpose: String, cleanSession: Bool
    ) throws -> MQTTSettings {
        guard let host = configuration[.mqttHost] else {
            throw Failure(
                .configuration,
                "DOMINIO is not set: it names the MQTT broker (TLS); set it in the env file or the environment")
        }
        let port = Int32(configuration[.mqttPort] ?? "8883") ?? 8883
        return MQTTSettings(
            host: host, port: port, username: configuration[.mqttUser], password: configuration[.mqttPassword],
            caFile: configuration[.mqttCAFile],
            clientID: clientID ?? configuration[.mqttClientID] ?? MQTTSettings.defaultClientID(purpose: purpose),
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
