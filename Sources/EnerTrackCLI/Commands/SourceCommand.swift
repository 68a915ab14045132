import ArgumentParser
import EnerTrackCore
import EnerTrackKit
import Foundation

extension DecoderKind: ExpressibleByArgument {}

struct SourceCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "source",
        abstract: "Where readings come from: MQTT topic filters and the devices that publish on them.",
        discussion: """
            A source is a topic filter and the decoder of what arrives on it: enertrack (EnerTrack's \
            own topics, DESIGN.md), tasmota (tele/<device>/SENSOR, one or three phases), shelly-gen1 \
            (EM, 3EM: shellies/<id>/emeter/<n>/...), shelly-gen2 (Pro 3EM, Pro EM, 3EM and EM Gen3: \
            <prefix>/status/em:0, emdata:0, em1:N, em1data:N, and NotifyStatus on <prefix>/events/rpc) \
            or esphome (<node>/sensor/<object_id>/state). 'enertrack ingest' subscribes to every \
            source's filter and picks up a change within a minute, or at once on SIGHUP. With no \
            source, ingest reads <ENERTRACK_MQTT_PREFIX>/# as EnerTrack's topics (and \
            tele/+/SENSOR with --tasmota): add an enertrack source to keep those beside others.

            A meter's ESP id is the device's own topic level: the Tasmota <device>, the Shelly Gen1 \
            <id> (a 3EM's three emeters are the phases of one meter; an EM's channels are <id>-0 \
            and <id>-1), the Shelly Gen2 prefix (a Pro EM's em1 channels: <prefix>-0, <prefix>-1), \
            the ESPHome <node>. Unknown meters are registered inactive, as always.

            Examples:
              enertrack source add own --filter 'enertrack/#' --decoder enertrack
              enertrack source add shelly --filter 'shellypro3em-c8f09e8a1b2c/#' --decoder shelly-gen2
              enertrack source add shelly1 --filter 'shellies/#' --decoder shelly-gen1
              enertrack source add tasmota --filter 'tele/+/SENSOR' --decoder tasmota
              enertrack source add esp --filter 'pzem/sensor/+/state' --decoder esphome
              enertrack source add esp2 --filter 'taller/sensor/+/state' --decoder esphome \\
                  --no-discovery --map voltage_a=voltage_l1 --map energia=energy:Wh
              enertrack source list
              enertrack source remove tasmota
            """,
        subcommands: [Add.self, List.self, Remove.self])

    struct Add: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Add a source.",
            discussion: """
                ESPHome sources learn what each sensor measures from the Home Assistant discovery \
                messages ESPHome publishes by default (<discovery prefix>/sensor/<node>/<object_id>/config: \
                device class, unit, state topic); --map gives it by hand (OBJECT_ID=QUANTITY or \
                OBJECT_ID=QUANTITY:UNIT, e.g. energy_total=energy:Wh, phase_a_current=current_l1:mA) \
                and wins over discovery. Quantities: \(Quantity.allCases.map(\.rawValue).joined(separator: ", ")).
                """)

        @OptionGroup var global: GlobalOptions
        @Argument(help: "Source name (1-64 of A-Z a-z 0-9 _ -).") var name: String
        @Option(help: ArgumentHelp("MQTT topic filter ('+' one level, '#' the rest).", valueName: "FILTER"))
        var filter: String
        @Option(help: "enertrack, tasmota, shelly-gen1, shelly-gen2 or esphome.") var decoder: DecoderKind
        @Option(
            help: ArgumentHelp("ESPHome: a sensor by hand, OBJECT_ID=QUANTITY[:UNIT] (repeatable).", valueName: "MAP"))
        var map: [String] = []
        @Option(help: "ESPHome: the discovery prefix (default: homeassistant).") var discoveryPrefix: String?
        @Flag(help: "ESPHome: do not subscribe to discovery messages (use --map only).") var noDiscovery = false
        @OptionGroup var output: OutputOptions

        func run() async throws {
            let services = try global.services()
            let source = try makeSource()
            try await services.directory().addSource(source)
            Print.record(source.record, json: output.json, settings: services.settings)
        }

        func makeSource() throws(SourceError) -> MeterSource {
            try MeterSource.check(name: name, filter: filter)
            if decoder != .esphome {
                if !map.isEmpty { throw .optionNotFor("--map", decoder) }
                if discoveryPrefix != nil || noDiscovery { throw .optionNotFor("--discovery-prefix", decoder) }
            }
            var sensors: [String: SensorMapping] = [:]
            for pair in map {
                let parts = pair.split(separator: "=", maxSplits: 1).map(String.init)
                guard parts.count == 2, !parts[0].isEmpty else {
                    throw .badMapping(pair, "expected OBJECT_ID=QUANTITY[:UNIT]")
                }
                sensors[parts[0]] = try SensorMapping(parsing: parts[1])
            }
            let prefix = discoveryPrefix ?? "homeassistant"
            if let problem = TopicFilter.problem(prefix), !noDiscovery { throw .badFilter(prefix, problem) }
            return MeterSource(
                name: name, filter: filter, decoder: decoder, map: sensors,
                discoveryPrefix: decoder == .esphome && !noDiscovery ? prefix : nil)
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "List the sources ingest subscribes to.", discussion: "Example:\n  enertrack source list --json")

        @OptionGroup var global: GlobalOptions
        @OptionGroup var output: OutputOptions

        func run() async throws {
            let services = try global.services()
            let sources = try await services.directory().sources()
            let empty =
                "no sources: ingest reads \(services.settings.broker.topicPrefix)/# as EnerTrack's topics (and tele/+/SENSOR with --tasmota)"
            Print.records(sources.map(\.record), json: output.json, settings: services.settings, empty: empty)
        }
    }

    struct Remove: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Remove a source (a running ingest unsubscribes within a minute, or on SIGHUP).",
            discussion: "Example:\n  enertrack source remove tasmota")

        @OptionGroup var global: GlobalOptions
        @Argument(help: "Source name.") var name: String

        func run() async throws {
            let services = try global.services()
            try await services.directory().removeSource(name: name)
            Print.out("removed source '\(name)'\n")
        }
    }
}

extension MeterSource {
    var record: Record {
        Record([
            "name": .text(name), "filter": .text(filter), "decoder": .text(decoder.rawValue),
            "discovery": .text(discoveryPrefix.map { "\($0)/sensor/+/+/config" }),
            "map": .list(map.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value.quantity.rawValue)" }),
        ])
    }
}
