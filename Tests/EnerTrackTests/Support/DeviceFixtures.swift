import EnerTrackCore
import Foundation
import Testing

/// The device payloads under `Fixtures/devices` (each file names its source), the sources that
/// read them, and what they hold, stated by hand.
enum DeviceFixtures {
    struct Message {
        var topic: String
        var payload: String
    }

    /// A fixture's messages, `@TS@` replaced by `ts` (unix seconds).
    static func messages(_ name: String, ts: Int64 = 0) throws -> [Message] {
        let url = try #require(
            Bundle.module.url(forResource: name, withExtension: "txt", subdirectory: "Fixtures/devices"))
        return try String(contentsOf: url, encoding: .utf8).split(separator: "\n").compactMap { line in
            guard !line.hasPrefix("#"), let tab = line.firstIndex(of: "\t") else { return nil }
            return Message(
                topic: String(line[..<tab]),
                payload: String(line[line.index(after: tab)...]).replacingOccurrences(of: "@TS@", with: "\(ts)"))
        }
    }

    static let sources = [
        MeterSource(name: "shelly2", filter: "+/status/+", decoder: .shellyGen2),
        MeterSource(name: "shelly2rpc", filter: "+/events/rpc", decoder: .shellyGen2),
        MeterSource(name: "shelly1", filter: "shellies/#", decoder: .shellyGen1),
        MeterSource(
            name: "esphome", filter: "c3-debug/#", decoder: .esphome, discoveryPrefix: "homeassistant"),
        MeterSource(name: "tasmota", filter: "tele/+/SENSOR", decoder: .tasmota),
    ]

    /// A source per decoder, every filter under `prefix` (the live tests' topics are their own),
    /// added through `enertrack source add`.
    static func addSources(_ harness: Harness, prefix p: String, esphome: String, discovery: String) async {
        for arguments in [
            ["s2", "--filter", "\(p)/+/status/+", "--decoder", "shelly-gen2"],
            ["s2rpc", "--filter", "\(p)/+/events/rpc", "--decoder", "shelly-gen2"],
            ["s1", "--filter", "\(p)/shellies/#", "--decoder", "shelly-gen1"],
            ["esp", "--filter", esphome, "--decoder", "esphome", "--discovery-prefix", discovery],
            ["tas", "--filter", "\(p)/tele/+/SENSOR", "--decoder", "tasmota"],
        ] {
            let added = await harness.run(["source", "add"] + arguments)
            #expect(added.status == 0, "\(added.stderr)")
        }
    }

    /// Expected values per node: quantity → value.
    typealias Expected = [String: [Quantity: Double]]

    static let pro3emStatus: Expected = [
        "shellypro3em-c8f09e8a1b2c": [
            .power: 3063.295, .current: 13.848, .voltage: (233.8 + 236.9 + 236.6) / 3,
            .voltageL1: 233.8, .voltageL2: 236.9, .voltageL3: 236.6,
            .currentL1: 10.839, .currentL2: 1.865, .currentL3: 1.144,
            .powerL1: 2422.4, .powerL2: 408.0, .powerL3: 232.9,
            .pfL1: 0.96, .pfL2: -0.93, .pfL3: -0.87,
            // No total power factor from the device: P over the phases' V·I.
            .pf: (2422.4 + 408.0 + 232.9) / (233.8 * 10.839 + 236.9 * 1.865 + 236.6 * 1.144),
            .energy: 20.26929, .energyExport: 0,
        ]
    ]

    static let pro3emNotify: Expected = [
        "shellypro3em-c8f09e8a1b2c": [
            .power: 3007.343, .current: 13.528, .voltage: (233.6 + 236.9 + 236.4) / 3,
            .voltageL1: 233.6, .voltageL2: 236.9, .voltageL3: 236.4,
            .currentL1: 10.541, .currentL2: 1.864, .currentL3: 1.122,
            .powerL1: 2375.1, .powerL2: 407.5, .powerL3: 224.8,
            .pfL1: 0.96, .pfL2: -0.93, .pfL3: -0.87,
            .pf: (2375.1 + 407.5 + 224.8) / (233.6 * 10.541 + 236.9 * 1.864 + 236.4 * 1.122),
        ]
    ]

    static let proEMStatus: Expected = [
        "shellyproem50-08f9e0e67204-1": [
            .current: 22.78, .voltage: 224.6, .power: 5080.3, .pf: 0.99, .frequency: 50,
            .energy: 6.6449, .energyExport: 2.59526,
        ]
    ]

    static let gen1ThreeEM: Expected = [
        "shellyem3-68C63AFAF952": [
            .powerL1: 120.11, .pfL1: 0.71, .currentL1: 0.71, .voltageL1: 239.03,
            .powerL2: 116.23, .pfL2: 0.71, .currentL2: 0.69, .voltageL2: 237.51,
            .powerL3: 76.46, .pfL3: 0.54, .currentL3: 0.59, .voltageL3: 240.50,
            .power: 120.11 + 116.23 + 76.46, .current: 0.71 + 0.69 + 0.59,
            .voltage: (239.03 + 237.51 + 240.50) / 3,
            .pf: (120.11 + 116.23 + 76.46) / (239.03 * 0.71 + 237.51 * 0.69 + 240.50 * 0.59),
            // Wh → kWh, the sum of the three emeters' counters.
            .energy: (21831.1 + 10000.5 + 13685.4) / 1000, .energyExport: (53.0 + 0.0 + 394.1) / 1000,
        ]
    ]

    static let gen1EM: Expected = [
        "shellyem-123456789012-0": [.power: 611.53, .voltage: 238.85, .energy: 1.8919, .energyExport: 0],
        "shellyem-123456789012-1": [.power: 0],
    ]

    static let esphome: Expected = [
        "c3-debug": [
            .voltage: 229.8, .energy: 15.234,  // Wh → kWh
            .current: 1.25,  // mA → A
            .powerL2: 287,  // kW → W
            .pf: 0.93,
        ]
    ]

    static let tasmotaThreePhase: Expected = [
        "tasmota_3ph": [
            .energy: 0, .powerL1: 1, .powerL2: 0, .powerL3: 0, .power: 1,
            .pfL1: 0.16, .pfL2: 0, .pfL3: 0, .frequency: 50,
            .voltageL1: 230, .voltageL2: 230, .voltageL3: 230, .voltage: 230,
            .currentL1: 0.022, .currentL2: 0, .currentL3: 0, .current: 0.022,
            .pf: 1 / (230 * 0.022),
        ],
        "tasmota_DF20CB": [
            .energy: 27416.748, .powerL1: 457, .powerL2: 457, .powerL3: 457, .power: 1371,
            .voltageL1: 226, .voltageL2: 239, .voltageL3: 243, .voltage: 236,
        ],
    ]

    static let tasmotaOnePhase: Expected = [
        "livingroom-lamp": [.energy: 3.705, .power: 5, .pf: 1, .voltage: 233, .current: 0.021]
    ]

    static let all: [(file: String, expected: Expected)] = [
        ("shelly-pro3em-status", pro3emStatus), ("shelly-pro3em-notify", pro3emNotify),
        ("shelly-proem-status", proEMStatus), ("shelly-3em-gen1", gen1ThreeEM), ("shelly-em-gen1", gen1EM),
        ("esphome", esphome), ("tasmota-3phase", tasmotaThreePhase), ("tasmota-1phase", tasmotaOnePhase),
    ]

    /// Readings merged per node (latest value of each quantity wins), totals completed.
    static func merged(_ readings: [Reading]) -> [String: Reading] {
        var byNode: [String: Reading] = [:]
        for reading in readings {
            var merged = byNode[reading.node] ?? Reading(node: reading.node, time: reading.time)
            merged.merge(reading)
            byNode[reading.node] = merged
        }
        return byNode.mapValues { reading in
            var reading = reading
            reading.completeTotals()
            return reading
        }
    }

    /// Differences between what was decoded and what was expected (empty: they agree).
    static func differences(_ readings: [String: Reading], _ expected: Expected) -> [String] {
        var problems: [String] = []
        for (node, values) in expected {
            guard let reading = readings[node] else {
                problems.append("no reading of \(node)")
                continue
            }
            for quantity in Quantity.allCases {
                let want = values[quantity]
                let got = reading[quantity]
                if let want, let got, abs(want - got) <= 1e-9 * max(1, abs(want)) { continue }
                if want == nil, got == nil { continue }
                problems.append(
                    "\(node) \(quantity.rawValue): got \(got.map { "\($0)" } ?? "nil"), want \(want.map { "\($0)" } ?? "nil")"
                )
            }
        }
        for node in readings.keys where expected[node] == nil { problems.append("unexpected node \(node)") }
        return problems
    }
}
