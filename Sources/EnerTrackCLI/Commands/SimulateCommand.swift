import ArgumentParser
import EnerTrackCore
import EnerTrackIngest
import EnerTrackKit
import Foundation

struct SimulateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "simulate",
        abstract: "Publish realistic readings of simulated meters to the configured broker (demos, load tests).",
        discussion: """
            Meters are named <PREFIX>-001, <PREFIX>-002, …; each follows a household daily load \
            curve (scaled per meter), 230 V ± noise, 50 Hz, its own power factor, and an energy \
            counter that rises with the power drawn. JSON messages carry 'ts' in ms; the topics \
            format publishes one plain number per quantity. The device formats publish three-phase \
            readings (the load shared 55/30/15 % over the lines) as the device would, on its own \
            topics (a Shelly Pro 3EM's status/em:0 and emdata:0, a Shelly 3EM's \
            shellies/shellyem3-<id>/emeter/N/..., ESPHome's <id>/sensor/<quantity>/state with \
            retained discovery messages, Tasmota's tele/<id>/SENSOR with arrays): add the source \
            the command names so that ingest reads them.

            --household simulates one house with solar panels instead, as the demo's: \
            <PREFIX>-RED (the grid meter: import and export counters, signed power), <PREFIX>-SOLAR \
            (an inverter following a sunny or cloudy day) and three circuits, <PREFIX>-COCINA, \
            -CLIMA and -RESTO, all read at each tick (every 10 s by default). Make them a site \
            with enertrack site add and node edit --site --role.

            Examples:
              enertrack simulate --nodes 5
              enertrack simulate --household --node-prefix CASA
              enertrack simulate --nodes 1000 --rate 2000 --duration 60 --qos 0
              enertrack simulate --nodes 3 --format shelly-gen2
            """)

    @OptionGroup var global: GlobalOptions
    @Option(help: "Number of simulated meters.") var nodes = 5
    @Option(
        help: ArgumentHelp(
            "Readings per second, all meters together (default: one per meter every 10 s).", valueName: "PER_SECOND"))
    var rate: Double?
    @Option(help: ArgumentHelp("Stop after this many seconds (default: run until interrupted).", valueName: "S"))
    var duration: Double?
    @Option(
        help: """
            json (one message per reading), topics (one message per quantity), or a device's own \
            three-phase messages: shelly-gen2, shelly-gen1, esphome, tasmota.
            """)
    var format: SimulatedFormat = .json
    @Option(
        help: ArgumentHelp(
            "With a device format: publish its topics under ROOT/ (a shared or bridged broker).", valueName: "ROOT"))
    var topicRoot: String?
    @Option(help: "MQTT QoS, 0 or 1.") var qos: Int32 = 1
    @Option(help: "ESP id prefix of the simulated meters.") var nodePrefix = "SIM"
    @Flag(help: "One house with solar panels: grid meter (with export), inverter and three circuits.")
    var household = false

    enum SimulatedFormat: String, ExpressibleByArgument, CaseIterable {
        case json, topics
        case shellyGen2 = "shelly-gen2"
        case shellyGen1 = "shelly-gen1"
        case esphome, tasmota
    }

    func validate() throws {
        guard (1...100_000).contains(nodes) else { throw ValidationError("--nodes must be 1 to 100000") }
        if let rate, !(rate >= 0.001 && rate <= 1_000_000) {
            throw ValidationError("--rate must be 0.001 to 1000000 per second")
        }
        if let duration, !(duration > 0 && duration <= 31_622_400) {
            throw ValidationError("--duration must be above 0 and at most a year (31622400 s)")
        }
        if let topicRoot {
            guard DeviceFormat(rawValue: format.rawValue) != nil else {
                throw ValidationError(
                    "--topic-root is for the device formats (shelly-gen2, shelly-gen1, esphome, tasmota)")
            }
            guard TopicFilter.problem(topicRoot) == nil, !topicRoot.contains("+"), !topicRoot.contains("#"),
                !topicRoot.hasSuffix("/")
            else { throw ValidationError("--topic-root must be topic levels without wildcards or a trailing '/'") }
        }
        guard qos == 0 || qos == 1 else { throw ValidationError("--qos must be 0 or 1") }
        guard DirectoryRules.isESPID(nodePrefix + (household ? "-COCINA" : "-1")) else {
            throw ValidationError("--node-prefix must be letters, digits, '_' or '-'")
        }
    }

    func run() async throws {
        let services = try global.services()
        let settings = services.settings
        var options = SimulateRunner.Options()
        options.nodes = nodes
        options.rate = rate ?? (household ? 0.5 : max(Double(nodes) / 10, 0.1))
        options.household = household
        options.duration = duration
        options.json = format == .json
        options.device = DeviceFormat(rawValue: format.rawValue)
        options.topicRoot = topicRoot
        if let device = options.device {
            let filter = topicRoot.map { "\($0)/\(device.filter)" } ?? device.filter
            let discovery =
                device == .esphome ? " --discovery-prefix \(topicRoot.map { "\($0)/" } ?? "")homeassistant" : ""
            Print.err(
                "publishing as \(device.rawValue): ingest reads it with 'enertrack source add \(device.rawValue) --filter '\(filter)' --decoder \(device.rawValue)\(discovery)'\n"
            )
        }
        options.qos = qos
        options.nodePrefix = nodePrefix
        let mqtt = try services.mqttSettings(
            clientID: options.clientID ?? "enertrack-simulate-\(getpid())", purpose: "simulate",
            cleanSession: true)
        let summary = try await SimulateRunner.run(
            settings: mqtt, prefix: settings.broker.topicPrefix,
            timeZone: settings.timeZone, options: options
        ) {
            Print.err($0 + "\n")
        }
        Print.out(
            String(
                format: "published %d readings (%d messages, %d acknowledged) from %d meters in %.1f s\n",
                summary.readings, summary.messages, summary.acknowledged, nodes, summary.seconds))
        if qos == 1, summary.acknowledged < summary.messages {
            throw Failure(
                .unavailable, "the broker acknowledged \(summary.acknowledged) of \(summary.messages) messages")
        }
    }
}
