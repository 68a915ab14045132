import CSupport
import EnerTrackCore
import EnerTrackKit
import Foundation
import Hummingbird
import Logging
import ServiceLifecycle

#if canImport(Glibc)
    import Glibc
#endif

/// Builds `ingest` from the configuration and runs it in a service group with graceful
/// shutdown on SIGTERM/SIGINT, next to the optional Prometheus endpoint.
public enum IngestRunner {
    /// MQTT settings from `DOMINIO`, `PUERTO_MQTTS`, `MQTT_USR`, `MQTT_PASS`, `MQTT_CAFILE`, `MQTT_CLIENT_ID`.
    public static func mqttSettings(
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
    public static func spoolDirectory(_ dataDirectory: String, clientID: String) -> String {
        let safe = String(
            clientID.unicodeScalars.map {
                CharacterSet.alphanumerics.contains($0) || "-_.".unicodeScalars.contains($0) ? Character($0) : "_"
            })
        return dataDirectory + "/spool/" + safe
    }

    /// `HOST:PORT` (`127.0.0.1:9106`, `[::1]:9106`).
    public static func parseListen(_ text: String) throws -> (host: String, port: Int) {
        guard let colon = text.lastIndex(of: ":"), let port = Int(text[text.index(after: colon)...]),
            (1...65535).contains(port)
        else { throw Failure(.usage, "--metrics-listen '\(text)' is not HOST:PORT (for example 127.0.0.1:9106)") }
        var host = String(text[..<colon])
        if host.hasPrefix("["), host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        return (host.isEmpty ? "127.0.0.1" : host, port)
    }

    public static func run(
        configuration: Configuration, options: IngestOptions, clientID: String?, metricsListen: String?, logger: Logger
    ) async throws {
        // glibc gives every thread that allocates its own arena, each keeping freed memory:
        // two arenas hold ingest's working set with a fraction of the resident memory.
        _ = mallopt(M_ARENA_MAX, 2)
        let listen = try metricsListen.map(parseListen)
        let mqtt = try mqttSettings(configuration, clientID: clientID, purpose: "ingest", cleanSession: false)
        let directory = try Stores.directory(configuration)
        let series = try Stores.series(configuration)
        let dataDirectory = try Stores.ensureDataDirectory(configuration.dataDirectory)
        let service = try IngestService(
            mqtt: mqtt, series: series, directory: directory,
            spoolDirectory: spoolDirectory(dataDirectory, clientID: mqtt.clientID), options: options,
            prefix: configuration[.mqttTopicPrefix] ?? "enertrack", logger: logger)
        var services: [ServiceGroupConfiguration.ServiceConfiguration] = [
            .init(
                service: service, successTerminationBehavior: .gracefullyShutdownGroup,
                failureTerminationBehavior: .gracefullyShutdownGroup)
        ]
        if let listen {
            let router = Router()
            let metrics = service.metrics
            router.get("metrics") { _, _ in metrics.prometheusText() }
            let app = Application(
                router: router,
                configuration: .init(
                    address: .hostname(listen.host, port: listen.port), serverName: "enertrack-ingest"),
                logger: quietLogger(logger))
            services.append(.init(service: app, failureTerminationBehavior: .gracefullyShutdownGroup))
            logger.notice("metrics on http://\(listen.host):\(listen.port)/metrics")
        }
        let group = ServiceGroup(
            configuration: .init(
                services: services, gracefulShutdownSignals: [.sigterm, .sigint], logger: quietLogger(logger)))
        try await group.run()
    }

    /// ServiceLifecycle and Hummingbird narrate every start and stop at info level; we log our own story.
    static func quietLogger(_ logger: Logger) -> Logger {
        var quiet = logger
        quiet.logLevel = .warning
        return quiet
    }
}

/// One line per event on stderr, `LEVEL: message`: systemd's journal adds time and unit itself.
public struct StderrLogHandler: LogHandler {
    public var metadata: Logger.Metadata = [:]
    public var logLevel: Logger.Level = .info

    public init() {}

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    public func log(event: LogEvent) {
        var line = "\(event.level.rawValue): \(event.message)"
        let merged = metadata.merging(event.metadata ?? [:]) { $1 }
        if !merged.isEmpty {
            line += " " + merged.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: " ")
        }
        line += "\n"
        FileHandle.standardError.write(Data(line.utf8))
    }

    public static func logger(label: String, level: Logger.Level = .info) -> Logger {
        var logger = Logger(label: label) { _ in StderrLogHandler() }
        logger.logLevel = level
        return logger
    }
}
