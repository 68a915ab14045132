import ArgumentParser
import EnerTrackCore
import EnerTrackIngest
import EnerTrackKit
import EnerTrackRuntime
import EnerTrackWeb
import ServiceLifecycle

struct IngestCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ingest",
        abstract: "Consume meter readings from MQTT over TLS into the series store (long-running, systemd).",
        discussion: """
            Connects to DOMINIO:PUERTO_MQTTS over TLS (certificate and host name verified against \
            MQTT_CAFILE, else the system trust store), logs in as MQTT_USR, and subscribes to \
            '<MQTT_TOPIC_PREFIX>/#' at QoS 1 with a persistent session under a stable client id. \
            Every accepted message is appended to a spool in the data directory before anything \
            else, so a reading the broker handed over survives a crash or a series store outage; \
            the spool is drained into the store in batches.

            Accepted payloads: '<prefix>/<ESPID>/<quantity>' with a plain number (voltage|voltaje|tension, \
            current|corriente, power|potencia, energy|energia, pf|factor_potencia|fp, frequency|frecuencia), \
            or '<prefix>/<ESPID>/<anything>' with a JSON object of those keys and an optional 'ts' \
            (unix s or ms, or ISO 8601); with --tasmota also 'tele/<device>/SENSOR'. Readings from \
            unregistered ESP ids are stored and the id is registered inactive (see 'node list --all').

            Exit status: 0 after SIGTERM/SIGINT (stops consuming, drains up to 9 s), 69 broker TLS \
            failure, 77 broker refused the login, 78 bad configuration.

            Examples:
              enertrack ingest
              enertrack ingest --share enertrack --client-id enertrack-ingest-2 --metrics-listen 127.0.0.1:9106
            """)

    @OptionGroup var global: GlobalOptions
    @Option(
        name: .customLong("share"),
        help: ArgumentHelp(
            "Subscribe through '$share/GROUP/...' so several workers split one stream.", valueName: "GROUP"))
    var shareGroup: String?
    @Flag(help: "Also accept Tasmota 'tele/<device>/SENSOR' messages (ENERGY object).") var tasmota = false
    @Flag(
        help: "Drop readings of ESP ids that are not registered (counted as unknown_node) instead of registering them.")
    var knownOnly = false
    @Option(
        help: ArgumentHelp(
            "Readings the spool may hold before consumption pauses (the broker keeps queueing).", valueName: "N"))
    var spoolMax = 1_000_000
    @Option(
        help: ArgumentHelp(
            "MQTT client id (default: MQTT_CLIENT_ID, else enertrack-ingest-<hostname>). Each worker needs its own.",
            valueName: "ID"))
    var clientID: String?
    @OptionGroup var metrics: MetricsOptions
    @Flag(help: "Log every minute's stats and state changes only (default), or everything with --verbose.")
    var verbose = false
    /// Seconds between stats lines; for tests, which cannot wait a minute.
    @Option(help: .hidden) var statsInterval = 60

    func validate() throws {
        guard spoolMax >= 1_000 else { throw ValidationError("--spool-max must be at least 1000") }
        if let shareGroup, shareGroup.isEmpty || shareGroup.contains(where: { "/+#".contains($0) }) {
            throw ValidationError("--share GROUP must be a non-empty name without '/', '+' or '#'")
        }
    }

    func run() async throws {
        let settings = try global.settings()
        var options = IngestOptions()
        options.shareGroup = shareGroup
        options.tasmota = tasmota
        options.knownOnly = knownOnly
        options.spoolCapacity = spoolMax
        options.statsInterval = .seconds(max(statsInterval, 1))
        options.maxClockAhead = settings.readings.maxClockAhead
        options.maxNewNodesPerHour = settings.readings.maxNewNodesPerHour
        options.retention = settings.readings.retention
        let logger = StderrLogHandler.logger(
            label: "ingest", level: verbose ? .debug : .info, configured: verbose ? nil : settings.logLevel)
        IngestService.limitMallocArenas()
        let assembly = Services(settings)
        let mqtt = try assembly.mqttSettings(clientID: clientID, purpose: "ingest", cleanSession: false)
        let service = try assembly.ingestService(mqtt: mqtt, options: options, logger: logger)
        var services: [any Service] = [service]
        if let server = try metrics.server(logger: logger, exposition: { service.metrics.registry.exposition() }) {
            services.append(server)
        }
        try await ServiceRunner.run(services, logger: logger)
    }
}
