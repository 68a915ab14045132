import EnerTrackCore
import Foundation

/// What `simulate` and the demo publish in the shape of the devices people own, each as the
/// device itself would (the decoders read them back: `DeviceDecoderTests`).
public enum DeviceFormat: String, Sendable, CaseIterable {
    case shellyGen2 = "shelly-gen2"
    case shellyGen1 = "shelly-gen1"
    case esphome, tasmota

    /// The source `enertrack source add` needs to read this format (`<node>` levels as `+`).
    public var filter: String {
        switch self {
        case .shellyGen2: "+/status/+"
        case .shellyGen1: "shellies/#"
        case .esphome: "+/sensor/+/state"
        case .tasmota: "tele/+/SENSOR"
        }
    }

    /// A Shelly Gen1 3EM is told from an EM by its id: simulated ids get the 3EM's prefix.
    public func deviceID(_ node: String) -> String { self == .shellyGen1 ? "shellyem3-\(node)" : node }
}

extension MeterSimulator {
    /// A three-phase reading from a single-phase one: the load shared unevenly (`shares`, one
    /// line carrying most of it, as a workshop's machines do), each line's voltage near 230 V.
    public static func threePhase(_ reading: Reading, shares: [Double] = [0.55, 0.3, 0.15]) -> Reading {
        var out = reading
        guard let power = reading.power else { return out }
        let pf = reading.pf ?? 0.95
        let base = reading.voltage ?? 230
        func round(_ value: Double, _ places: Double) -> Double { (value * places).rounded() / places }
        var currents: [Double] = []
        for (phase, share) in shares.enumerated() {
            let volts = round(base + [0.8, -0.6, 0.3][phase], 10)
            let watts = round(power * share, 10)
            let amps = round(watts / (volts * pf), 1000)
            out[Quantity.voltage.phases[phase]] = volts
            out[Quantity.power.phases[phase]] = watts
            out[Quantity.current.phases[phase]] = amps
            out[Quantity.pf.phases[phase]] = round(pf, 100)
            currents.append(amps)
        }
        out.power = round(Quantity.power.phases.compactMap { out[$0] }.reduce(0, +), 10)
        out.current = round(currents.reduce(0, +), 1000)
        out.voltage = round(Quantity.voltage.phases.compactMap { out[$0] }.reduce(0, +) / 3, 10)
        return out
    }
}

extension DeviceFormat {
    /// The messages a device of this kind publishes for `reading` (per-phase values where the
    /// reading has them).
    public func messages(_ reading: Reading) -> [(topic: String, payload: String)] {
        let node = deviceID(reading.node)
        switch self {
        case .shellyGen2:
            var em: [(String, Double?)] = [
                ("total_act_power", reading.power), ("total_current", reading.current), ("a_freq", reading.frequency),
            ]
            for (phase, letter) in ["a", "b", "c"].enumerated() {
                em += [
                    ("\(letter)_voltage", reading[Quantity.voltage.phases[phase]]),
                    ("\(letter)_current", reading[Quantity.current.phases[phase]]),
                    ("\(letter)_act_power", reading[Quantity.power.phases[phase]]),
                    ("\(letter)_pf", reading[Quantity.pf.phases[phase]]),
                ]
            }
            let data: [(String, Double?)] = [
                ("total_act", reading.energy.map { $0 * 1000 }),
                ("total_act_ret", reading.energyExport.map { $0 * 1000 }),
            ]
            return [
                ("\(node)/status/em:0", Self.object([("id", 0)] + em)),
                ("\(node)/status/emdata:0", Self.object([("id", 0)] + data)),
            ]
        case .shellyGen1:
            var messages: [(String, String)] = []
            for phase in 0..<3 {
                let values: [(String, Double?)] = [
                    ("power", reading[Quantity.power.phases[phase]]),
                    ("voltage", reading[Quantity.voltage.phases[phase]]),
                    ("current", reading[Quantity.current.phases[phase]]), ("pf", reading[Quantity.pf.phases[phase]]),
                    // Each emeter's own counter: a third of the meter's.
                    ("total", reading.energy.map { $0 * 1000 / 3 }),
                    ("total_returned", (reading.energyExport ?? 0) * 1000 / 3),
                ]
                messages += values.compactMap { key, value in
                    value.map { ("shellies/\(node)/emeter/\(phase)/\(key)", Self.number($0)) }
                }
            }
            return messages
        case .esphome:
            return reading.values.map { quantity, value in
                ("\(node)/sensor/\(quantity.rawValue)/state", Self.number(value))
            }
        case .tasmota:
            func field(_ quantity: Quantity) -> String? {
                let phases = quantity.phases.compactMap { reading[$0] }
                if phases.count == 3 { return "[\(phases.map(Self.number).joined(separator: ","))]" }
                return reading[quantity].map(Self.number)
            }
            let fields: [(String, String?)] = [
                ("Total", reading.energy.map(Self.number)), ("ExportActive", reading.energyExport.map(Self.number)),
                ("Power", field(.power)), ("Voltage", field(.voltage)), ("Current", field(.current)),
                ("Factor", field(.pf)), ("Frequency", reading.frequency.map(Self.number)),
            ]
            let energy = fields.compactMap { key, value in value.map { "\"\(key)\":\($0)" } }.joined(separator: ",")
            return [("tele/\(node)/SENSOR", "{\"ENERGY\":{\(energy)}}")]
        }
    }

    /// ESPHome's discovery messages for the sensors `messages` publishes (retained, as ESPHome
    /// sends them), in its abbreviated keys.
    /// `root`: the level all of the device's topics are under (none: the broker's top).
    public func discovery(_ reading: Reading, root: String? = nil) -> [(topic: String, payload: String)] {
        let prefix = Self.rooted("homeassistant", root)
        guard self == .esphome else { return [] }
        let node = deviceID(reading.node)
        return reading.values.map { quantity, _ in
            let deviceClass =
                [
                    .voltage: "voltage", .current: "current", .power: "power", .energy: "energy",
                    .energyExport: "energy",
                    .pf: "power_factor", .frequency: "frequency",
                ][quantity.base] ?? ""
            let name = quantity.rawValue.replacingOccurrences(of: "_", with: " ")
            return (
                "\(prefix)/sensor/\(node)/\(quantity.rawValue)/config",
                #"{"dev_cla":"\#(deviceClass)","unit_of_meas":"\#(quantity.unit)","name":"\#(name)","stat_t":"\#(Self.rooted(node, root))/sensor/\#(quantity.rawValue)/state","uniq_id":"\#(node)\#(quantity.rawValue)","dev":{"ids":"\#(node)","name":"\#(node)"}}"#
            )
        }
    }

    static func rooted(_ topic: String, _ root: String?) -> String { root.map { "\($0)/\(topic)" } ?? topic }

    /// `messages` under `root`.
    public func messages(_ reading: Reading, root: String?) -> [(topic: String, payload: String)] {
        messages(reading).map { (Self.rooted($0.topic, root), $0.payload) }
    }

    private static func object(_ fields: [(String, Double?)]) -> String {
        "{" + fields.compactMap { key, value in value.map { "\"\(key)\":\(number($0))" } }.joined(separator: ",") + "}"
    }

    private static func number(_ value: Double) -> String {
        value == value.rounded() && abs(value) < 1e15 ? String(Int64(value)) : "\(value)"
    }
}
