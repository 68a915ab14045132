import Foundation

/// Tasmota's `tele/<device>/SENSOR` (`ENERGY` object), single- and three-phase.
///
/// - Single-phase: numbers (`"Power": 5`). Three-phase (several PZEMs, an SDM630, `SetOption129`):
///   arrays of up to three (`"Power": [10, 20, 30]`), which are the phases `l1`…`l3`;
///   `Total` and `ExportActive` arrays are summed (each phase's counter), a `Frequency`
///   array averaged. An array of one is the total.
/// - Units are Tasmota's: kWh, W, V, A, Hz. Tasmota's `Time` is local time without a zone:
///   the arrival second is more trustworthy. Other fields (`Today`, `ApparentPower`) are ignored.
public enum TasmotaDecoder {
    /// `<anything>/<device>/SENSOR` → the device bytes (Tasmota's full topic may be reordered;
    /// the device is the level before `SENSOR`).
    static func device(_ topic: UnsafeRawBufferPointer) -> Slice<UnsafeRawBufferPointer>? {
        let tail = Array("/SENSOR".utf8)
        guard topic.count > tail.count, topic.suffix(tail.count).elementsEqual(tail) else { return nil }
        let rest = topic[topic.startIndex..<(topic.endIndex - tail.count)]
        let start = rest.lastIndex(of: UInt8(ascii: "/")).map { $0 + 1 } ?? rest.startIndex
        return start < rest.endIndex ? rest[start...] : nil
    }

    public static func decode(topic: UnsafeRawBufferPointer, payload: UnsafeRawBufferPointer, receivedAt: Int64)
        throws(Rejection) -> Reading
    {
        guard let device = device(topic) else {
            throw Rejection(
                .badTopic,
                "topic \(LogText.quoted(String(decoding: topic.prefix(120), as: UTF8.self))) is not tele/<device>/SENSOR"
            )
        }
        let node = try DeviceJSON.node(device)
        let object = try DeviceJSON.object(payload, node: node, what: "Tasmota SENSOR")
        guard let energy = object["ENERGY"] as? [String: Any] else {
            throw Rejection(.empty, node: node, "Tasmota SENSOR payload has no ENERGY object")
        }
        var reading = Reading(node: node, time: DeviceJSON.second(receivedAt))
        for (key, quantity) in Self.phased {
            guard let raw = energy[key] else { continue }
            // A number is the total; an array of two or three, the phases.
            guard let array = try scalarOrArray(raw, &reading, quantity, key: key) else { continue }
            let values = try numbers(array, node: node, key: key)
            if values.count == 1 {
                try DeviceJSON.set(&reading, quantity, values[0])
            } else {
                for (phase, value) in zip(quantity.phases, values) { try DeviceJSON.set(&reading, phase, value) }
            }
        }
        for (key, quantity) in Self.combined {
            guard let raw = energy[key], let array = try scalarOrArray(raw, &reading, quantity, key: key) else {
                continue
            }
            let values = try numbers(array, node: node, key: key).compactMap { $0 }
            guard !values.isEmpty else { continue }
            let sum = values.reduce(0, +)
            try DeviceJSON.set(&reading, quantity, quantity == .frequency ? sum / Double(values.count) : sum)
        }
        guard !reading.isEmpty else { throw Rejection(.empty, node: node, "Tasmota ENERGY object has no quantity") }
        return reading
    }

    /// ENERGY's fields with a value per phase, and those whose phases add up (or average).
    private static let phased: [(String, Quantity)] = [
        ("Power", .power), ("Voltage", .voltage), ("Current", .current), ("Factor", .pf),
    ]
    private static let combined: [(String, Quantity)] = [
        ("Total", .energy), ("ExportActive", .energyExport), ("Frequency", .frequency),
    ]

    /// Sets a plain value (a number, the commonest, cast first) and answers nil, or answers the array.
    private static func scalarOrArray(_ raw: Any, _ reading: inout Reading, _ quantity: Quantity, key: String)
        throws(Rejection) -> NSArray?
    {
        if let number = raw as? NSNumber, !DeviceJSON.isBool(number) {
            try DeviceJSON.set(&reading, quantity, number.doubleValue)
            return nil
        }
        if let array = raw as? NSArray { return array }
        try DeviceJSON.set(&reading, quantity, try DeviceJSON.number(raw, node: reading.node, field: key))
        return nil
    }

    /// An array of one to three numbers (nulls kept as nil).
    private static func numbers(_ array: NSArray, node: String, key: String) throws(Rejection) -> [Double?] {
        guard (1...3).contains(array.count) else {
            throw Rejection(
                .outOfRange, node: node, "ENERGY.\(key) has \(array.count) values; a meter has 1 to 3 phases")
        }
        var values: [Double?] = []
        values.reserveCapacity(array.count)
        for item in array { values.append(try DeviceJSON.number(item, node: node, field: key)) }
        return values
    }
}
