import Foundation

/// ESPHome's MQTT sensors: `<node>/sensor/<object_id>/state` with a plain value in the
/// sensor's unit. What each sensor measures is learned from its Home Assistant discovery message
/// (`<discovery prefix>/sensor/<node>/<object_id>/config`, retained, in the abbreviated keys
/// ESPHome sends by default — `dev_cla`, `unit_of_meas`, `stat_t` — or the long ones), or given
/// by hand (`source add --map object_id=quantity[:unit]`), which wins.
///
/// - The quantity is the device class (`voltage`, `current`, `power`, `energy`,
///   `power_factor`, `frequency`), else the unit's; an `energy` sensor whose object id or name
///   says export (`export`, `returned`, `feed`, `injected`, `vertida`, `exportada`) is the
///   export counter; a phase is read from the object id or name (`l1`, `phase_a`, `fase1`).
/// - The unit converts (Wh → kWh, mA → A, kW → W, % → power factor). A sensor whose unit is
///   not one its quantity is measured in is not learned, and its states are rejected, naming why.
/// - The meter is `<node>`, the level before `sensor`. A discovered sensor that measures
///   something else (uptime, Wi-Fi signal) is ignored, as a device's extra JSON keys are.
public struct ESPHomeDecoder: Sendable {
    public let map: [String: SensorMapping]
    /// State topic → node and mapping, from discovery messages.
    private var learned: [String: (node: String, mapping: SensorMapping)] = [:]
    /// State topic → why a discovered sensor is not used (for the rejection's reason).
    private var unusable: [String: String] = [:]
    /// State topics of discovered sensors that measure something else (uptime, signal).
    private var ignored: Set<String> = []
    public let capacity: Int

    public init(map: [String: SensorMapping] = [:], capacity: Int = 10_000) {
        self.map = map
        self.capacity = capacity
    }

    /// What `old` learned from discovery messages (its map by hand stays its own).
    mutating func adoptLearned(of old: ESPHomeDecoder) {
        learned = old.learned
        unusable = old.unusable
        ignored = old.ignored
    }

    public mutating func decode(
        topic: UnsafeRawBufferPointer, payload: UnsafeRawBufferPointer, receivedAt: Int64,
        bursts: inout QuantityBursts, emit: (Reading) -> Void
    ) throws(Rejection) {
        let text = String(decoding: topic.prefix(1024), as: UTF8.self)
        let levels = text.split(separator: "/", omittingEmptySubsequences: false).map(String.init)
        if levels.count >= 5, levels[levels.count - 1] == "config", levels[levels.count - 4] == "sensor" {
            try discover(levels: levels, payload: payload)
            return
        }
        guard levels.count >= 4, levels[levels.count - 1] == "state", levels[levels.count - 3] == "sensor" else {
            return  // ESPHome's other topics (status, debug, switches)
        }
        let objectID = levels[levels.count - 2]
        let node = try DeviceJSON.node(Array(levels[levels.count - 4].utf8))
        if map[objectID] == nil, ignored.contains(text) { return }  // uptime, Wi-Fi signal: not ours
        guard let mapping = map[objectID] ?? learned[text]?.mapping else {
            let why = unusable[text] ?? "no discovery message was seen for it and the source has no --map for it"
            throw Rejection(.unknownQuantity, node: node, "ESPHome sensor \(LogText.quoted(objectID, max: 40)): \(why)")
        }
        let value = try DeviceJSON.plainNumber(payload, node: node, what: "\(mapping.quantity.rawValue) state")
        var reading = Reading(node: node, time: bursts.stamp(node: node, quantity: mapping.quantity, at: receivedAt))
        try DeviceJSON.set(&reading, mapping.quantity, value, scale: mapping.scale)
        emit(reading)
    }

    /// Learns (or, for an empty payload, forgets) what one sensor measures.
    private mutating func discover(levels: [String], payload: UnsafeRawBufferPointer) throws(Rejection) {
        let node = levels[levels.count - 3]
        let objectID = levels[levels.count - 2]
        if payload.isEmpty { return }  // a removed entity; its state topic stops anyway
        let config = try DeviceJSON.object(payload, node: nil, what: "ESPHome discovery")
        func string(_ keys: String...) -> String? { keys.lazy.compactMap { config[$0] as? String }.first }
        guard var stateTopic = string("stat_t", "state_topic") else { return }
        if let base = config["~"] as? String {
            if stateTopic.hasPrefix("~") { stateTopic = base + stateTopic.dropFirst() }
            if stateTopic.hasSuffix("~") { stateTopic = stateTopic.dropLast() + base }
        }
        let name = [objectID, string("obj_id", "object_id") ?? "", string("name") ?? ""].joined(separator: " ")
        let unit = string("unit_of_meas", "unit_of_measurement")
        let found = Self.quantity(deviceClass: string("dev_cla", "device_class"), unit: unit, name: name)
        guard learned.count + unusable.count + ignored.count < capacity || learned[stateTopic] != nil else { return }
        guard let quantity = found else {
            learned[stateTopic] = nil
            ignored.insert(stateTopic)
            return
        }
        ignored.remove(stateTopic)
        guard let scale = Units.scale(unit, to: quantity) else {
            learned[stateTopic] = nil
            unusable[stateTopic] =
                "its unit \(LogText.quoted(unit ?? "", max: 20)) is not one \(quantity.rawValue) is measured in"
            return
        }
        unusable[stateTopic] = nil
        learned[stateTopic] = (node, SensorMapping(quantity: quantity, scale: scale))
    }

    /// The quantity a sensor measures: its device class, else its unit; export and phase from
    /// the words of its object id and name.
    static func quantity(deviceClass: String?, unit: String?, name: String) -> Quantity? {
        let base: Quantity? =
            switch deviceClass {
            case "voltage": .voltage
            case "current": .current
            case "power": .power
            case "energy": .energy
            case "power_factor": .pf
            case "frequency": .frequency
            case nil: unit.flatMap(Units.quantity(ofUnit:))
            default: nil
            }
        guard let base else { return nil }
        let words = Set(
            name.lowercased().split(whereSeparator: { !$0.isLetter && !$0.isNumber }).map(String.init))
        if base == .energy {
            let export: Set = ["export", "exported", "returned", "return", "feed", "injected", "vertida", "exportada"]
            return words.isDisjoint(with: export) ? .energy : .energyExport
        }
        guard !base.phases.isEmpty, let phase = phase(words) else { return base }
        return base.phases[phase - 1]
    }

    /// 1…3 when the words name a phase: `l1`, `phase1`, `fase1`, `phase a`, `fase a`.
    private static func phase(_ words: Set<String>) -> Int? {
        for (index, names) in [
            ["l1", "phase1", "fase1", "p1"], ["l2", "phase2", "fase2", "p2"], ["l3", "phase3", "fase3", "p3"],
        ]
        .enumerated() where !words.isDisjoint(with: names) {
            return index + 1
        }
        if words.contains("phase") || words.contains("fase") {
            for (index, letter) in ["a", "b", "c"].enumerated() where words.contains(letter) { return index + 1 }
        }
        return nil
    }
}
