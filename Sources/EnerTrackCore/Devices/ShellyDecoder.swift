import Foundation

/// Shelly Gen2 and later (Pro 3EM, Pro EM, 3EM Gen3, EM Gen3): the status of the energy meter
/// components, published as `<prefix>/status/<component>` and inside `<prefix>/events/rpc`
/// `NotifyStatus` / `NotifyFullStatus` frames.
///
/// - `em:N` (a three-phase meter): `a_`/`b_`/`c_` `voltage`, `current`, `act_power`, `pf` are
///   the phases; `total_act_power` and `total_current` the totals; `a_freq` the frequency.
/// - `emdata:N`: `total_act` and `total_act_ret`, the import and export counters, in Wh.
/// - `em1:N` / `em1data:N` (a channel of a Pro EM or EM Gen3): `voltage`, `current`,
///   `act_power`, `pf`, `freq`; `total_act_energy`, `total_act_ret_energy` in Wh.
///
/// The meter is the prefix's last level (`shellypro3em-…`); a channel `N` of `em1` is
/// `<prefix>-N`, and so is an `em:N` past 0. Other components (`switch:0`, `sys`) are ignored.
public enum ShellyGen2Decoder {
    public static func decode(
        topic: UnsafeRawBufferPointer, payload: UnsafeRawBufferPointer, receivedAt: Int64,
        emit: (Reading) -> Void
    ) throws(Rejection) {
        let text = String(decoding: topic.prefix(1024), as: UTF8.self)
        var levels = text.split(separator: "/", omittingEmptySubsequences: false).map(String.init)
        guard levels.count >= 3 else { throw badTopic(text) }
        let last = levels.removeLast()
        let kind = levels.removeLast()
        guard let device = levels.last, !device.isEmpty else { throw badTopic(text) }
        let object = try DeviceJSON.object(payload, node: nil, what: "Shelly")
        switch (kind, last) {
        case ("status", let component):
            try decode(component: component, object, device: device, time: DeviceJSON.second(receivedAt), emit: emit)
        case ("events", "rpc"):
            guard let method = object["method"] as? String, method == "NotifyStatus" || method == "NotifyFullStatus",
                let params = object["params"] as? [String: Any]
            else { return }  // events, replies: nothing measured
            var time = DeviceJSON.second(receivedAt)
            if let raw = params["ts"], let seconds = try DeviceJSON.number(raw, node: nil, field: "params.ts") {
                guard let stamped = ReadingRules.time(fromNumber: seconds) else {
                    throw Rejection(.badTimestamp, node: device, "params.ts \(seconds) is not a unix time")
                }
                try ReadingRules.check(time: stamped, now: receivedAt, node: device)
                time = stamped
            }
            for (component, value) in params.sorted(by: { $0.key < $1.key }) {
                guard let status = value as? [String: Any] else { continue }
                try decode(component: component, status, device: device, time: time, emit: emit)
            }
        default:
            throw badTopic(text)
        }
    }

    /// Each component's keys: the quantity they are and the factor to its unit (Wh → kWh).
    private static let fields: [String: [(String, Quantity, Double)]] = [
        "em": [("total_act_power", .power, 1), ("total_current", .current, 1), ("a_freq", .frequency, 1)]
            + zip(["a", "b", "c"], [0, 1, 2]).flatMap { letter, phase in
                [
                    ("\(letter)_voltage", Quantity.voltage.phases[phase], 1.0),
                    ("\(letter)_current", Quantity.current.phases[phase], 1.0),
                    ("\(letter)_act_power", Quantity.power.phases[phase], 1.0),
                    ("\(letter)_pf", Quantity.pf.phases[phase], 1.0),
                ]
            },
        "emdata": [("total_act", .energy, 0.001), ("total_act_ret", .energyExport, 0.001)],
        "em1": [
            ("voltage", .voltage, 1), ("current", .current, 1), ("act_power", .power, 1), ("pf", .pf, 1),
            ("freq", .frequency, 1),
        ],
        "em1data": [("total_act_energy", .energy, 0.001), ("total_act_ret_energy", .energyExport, 0.001)],
    ]

    private static func badTopic(_ text: String) -> Rejection {
        Rejection(
            .badTopic,
            "topic \(LogText.quoted(text, max: 120)) is not <prefix>/status/<component> or <prefix>/events/rpc")
    }

    /// One component's status: a reading, or nothing for a component that measures no energy.
    private static func decode(
        component: String, _ status: [String: Any], device: String, time: Int64, emit: (Reading) -> Void
    ) throws(Rejection) {
        let parts = component.split(separator: ":")
        guard parts.count == 2, let channel = Int(parts[1]), (0...99).contains(channel) else { return }
        let single = parts[0] == "em1" || parts[0] == "em1data"
        let node = try DeviceJSON.node(Array((single || channel > 0 ? "\(device)-\(channel)" : device).utf8))
        var reading = Reading(node: node, time: time)
        guard let fields = Self.fields[String(parts[0])] else { return }
        for (key, quantity, scale) in fields {
            guard let raw = status[key] else { continue }
            try DeviceJSON.set(&reading, quantity, try DeviceJSON.number(raw, node: node, field: key), scale: scale)
        }
        if !reading.isEmpty { emit(reading) }
    }
}

/// Shelly Gen1 (EM, 3EM): one value per topic, `<prefix>/emeter/<n>/<value>` where the prefix
/// is `shellies/<id>` unless configured otherwise; `<id>` (the level before `emeter`) names the
/// device.
///
/// - A 3EM (an id starting `shellyem3`) is one three-phase meter `<id>`: emeters 0, 1, 2 are
///   its phases; its import and export counters are the sums of the three emeters' `total` and
///   `total_returned` (Wh), stored once all three are known, with phase 3's message.
/// - An EM's two channels are meters `<id>-0` and `<id>-1`.
/// - `energy` and `returned_energy` are watt-minutes since the last report, and
///   `reactive_power` no quantity of ours: ignored, as every other Shelly topic (`relay/0`,
///   `online`, `announce`).
public struct ShellyGen1Decoder: Sendable {
    /// An emeter's values: the quantity and the factor to its unit.
    private static let quantities: [String: (Quantity, Double)] = [
        "power": (.power, 1), "voltage": (.voltage, 1), "current": (.current, 1), "pf": (.pf, 1),
        "total": (.energy, 0.001), "total_returned": (.energyExport, 0.001),
    ]

    /// Each 3EM's last `total` and `total_returned` per emeter (Wh).
    private var counters: [String: [Double?]] = [:]
    public let capacity: Int

    public init(capacity: Int = 10_000) {
        self.capacity = capacity
    }

    public mutating func decode(
        topic: UnsafeRawBufferPointer, payload: UnsafeRawBufferPointer, receivedAt: Int64,
        bursts: inout QuantityBursts, emit: (Reading) -> Void
    ) throws(Rejection) {
        let text = String(decoding: topic.prefix(1024), as: UTF8.self)
        let levels = text.split(separator: "/", omittingEmptySubsequences: false)
        guard levels.count >= 4, levels[levels.count - 3] == "emeter" else { return }  // not a meter value
        let leaf = levels[levels.count - 1]
        let id = levels[levels.count - 4]
        guard let emeter = Int(levels[levels.count - 2]), (0...2).contains(emeter) else {
            throw Rejection(.badTopic, "topic \(LogText.quoted(text, max: 120)): emeter must be 0, 1 or 2")
        }
        guard let (quantity, scale) = Self.quantities[String(leaf)] else { return }
        let threePhase = id.lowercased().hasPrefix("shellyem3")
        let node = try DeviceJSON.node(Array((threePhase ? String(id) : "\(id)-\(emeter)").utf8))
        let value = try DeviceJSON.plainNumber(payload, node: node, what: String(leaf))
        if threePhase, quantity.isCounter {
            // One counter per emeter: the meter's is their sum.
            try ReadingRules.check(value: value * scale, of: quantity, node: node)
            if counters[node] == nil, counters.count >= capacity { counters.removeAll() }
            var known = counters[node] ?? Array(repeating: nil, count: 6)
            known[emeter + (quantity == .energy ? 0 : 3)] = value
            counters[node] = known
            let own = Array(known[(quantity == .energy ? 0 : 3)...].prefix(3))
            guard emeter == 2, own.allSatisfy({ $0 != nil }) else { return }
            var reading = Reading(node: node, time: bursts.stamp(node: node, quantity: quantity, at: receivedAt))
            try DeviceJSON.set(&reading, quantity, own.compactMap { $0 }.reduce(0, +), scale: scale)
            emit(reading)
            return
        }
        let target = threePhase ? quantity.phases[emeter] : quantity
        var reading = Reading(node: node, time: bursts.stamp(node: node, quantity: target, at: receivedAt))
        try DeviceJSON.set(&reading, target, value, scale: scale)
        emit(reading)
    }
}
