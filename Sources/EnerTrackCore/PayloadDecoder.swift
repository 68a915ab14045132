import Foundation

/// Turns one MQTT message into a reading, or says why not (DESIGN.md's MQTT contract):
///
/// - `<prefix>/<ESPID>/<quantity>` with a plain number; quantity names in English or Spanish.
///   Messages of one node within the same second share a timestamp, so they merge into one row.
/// - `<prefix>/<ESPID>/<anything>` with a JSON object of quantity keys and an optional `ts`
///   (unix s or ms, or ISO 8601); without `ts` the arrival time counts.
/// - with `tasmota`, `tele/<device>/SENSOR` with Tasmota's `ENERGY` object.
public struct PayloadDecoder: Sendable {
    /// Larger payloads are refused before any parsing.
    public static let maxPayloadBytes = 64 * 1024

    public let prefix: [Substring]
    public let tasmota: Bool

    public init(prefix: String, tasmota: Bool = false) {
        self.prefix = prefix.split(separator: "/", omittingEmptySubsequences: false)
        self.tasmota = tasmota
    }

    /// The subscriptions that deliver everything this decoder understands.
    public var topicFilters: [String] {
        [prefix.joined(separator: "/") + "/#"] + (tasmota ? ["tele/+/SENSOR"] : [])
    }

    /// `receivedAt` is the arrival time in ms since the epoch.
    public func decode(topic: String, payload: UnsafeRawBufferPointer, receivedAt: Int64) throws(Rejection) -> Reading {
        let levels = topic.split(separator: "/", omittingEmptySubsequences: false)
        if tasmota, levels.count == 3, levels[0] == "tele", levels[2] == "SENSOR" {
            let node = String(levels[1])
            try ReadingRules.checkNode(node)
            return try decodeTasmota(node: node, payload: payload, receivedAt: receivedAt)
        }
        guard levels.count == prefix.count + 2, levels.starts(with: prefix) else {
            throw Rejection(.badTopic, "topic '\(topic.prefix(120))' is not \(prefix.joined(separator: "/"))/<ESPID>/<quantity>")
        }
        let node = String(levels[prefix.count])
        try ReadingRules.checkNode(node)
        guard payload.count <= Self.maxPayloadBytes else {
            throw Rejection(.tooLarge, node: node, "payload of \(payload.count) bytes exceeds \(Self.maxPayloadBytes)")
        }
        let text = Self.trimmed(payload)
        if text.first == UInt8(ascii: "{") {
            return try decodeJSON(node: node, bytes: text, receivedAt: receivedAt)
        }
        guard let quantity = Quantity(name: String(levels[prefix.count + 1])) else {
            throw Rejection(.unknownQuantity, node: node, "'\(levels[prefix.count + 1].prefix(40))' is not a quantity and the payload is not a JSON object")
        }
        guard let value = Self.number(text) else {
            throw Rejection(.notANumber, node: node, "\(quantity.rawValue) payload '\(String(decoding: text.prefix(40), as: UTF8.self))' is not a number")
        }
        try ReadingRules.check(value: value, of: quantity, node: node)
        var reading = Reading(node: node, time: receivedAt - receivedAt % 1000)
        reading[quantity] = value
        return reading
    }

    private func decodeJSON(node: String, bytes: Slice<UnsafeRawBufferPointer>, receivedAt: Int64) throws(Rejection) -> Reading {
        let object: [String: Any]
        do {
            guard let parsed = try JSONSerialization.jsonObject(with: Data(bytes)) as? [String: Any] else {
                throw Rejection(.badJSON, node: node, "payload is not a JSON object")
            }
            object = parsed
        } catch let rejection as Rejection {
            throw rejection
        } catch {
            throw Rejection(.badJSON, node: node, "payload is not valid JSON")
        }
        var reading = Reading(node: node, time: receivedAt)
        for (key, raw) in object {
            if key == "ts" {
                let time: Int64?
                switch raw {
                case let text as String: time = ReadingRules.time(fromText: text)
                case let number as NSNumber where !Self.isBool(number): time = ReadingRules.time(fromNumber: number.doubleValue)
                default: time = nil
                }
                guard let time else { throw Rejection(.badTimestamp, node: node, "ts '\(raw)' is neither unix time nor ISO 8601") }
                try ReadingRules.check(time: time, now: receivedAt, node: node)
                reading.time = time
                continue
            }
            guard let quantity = Quantity(name: key) else { continue }  // extra keys (rssi, uptime) are ignored
            guard let value = Self.value(raw) else {
                throw Rejection(.notANumber, node: node, "\(key) is not a number")
            }
            try ReadingRules.check(value: value, of: quantity, node: node)
            reading[quantity] = value
        }
        guard !reading.isEmpty else { throw Rejection(.empty, node: node, "JSON object has no quantity") }
        return reading
    }

    private func decodeTasmota(node: String, payload: UnsafeRawBufferPointer, receivedAt: Int64) throws(Rejection) -> Reading {
        guard payload.count <= Self.maxPayloadBytes else {
            throw Rejection(.tooLarge, node: node, "payload of \(payload.count) bytes exceeds \(Self.maxPayloadBytes)")
        }
        let object: [String: Any]?
        do { object = try JSONSerialization.jsonObject(with: Data(payload)) as? [String: Any] } catch {
            throw Rejection(.badJSON, node: node, "Tasmota SENSOR payload is not valid JSON")
        }
        guard let energy = object?["ENERGY"] as? [String: Any] else {
            throw Rejection(.empty, node: node, "Tasmota SENSOR payload has no ENERGY object")
        }
        // Tasmota's own `Time` is local time without a zone: the arrival second is more trustworthy.
        var reading = Reading(node: node, time: receivedAt - receivedAt % 1000)
        let fields: [(String, Quantity)] = [
            ("Total", .energy), ("Power", .power), ("Voltage", .voltage), ("Current", .current),
            ("Factor", .pf), ("Frequency", .frequency),
        ]
        for (key, quantity) in fields {
            guard let raw = energy[key] else { continue }
            guard let value = Self.value(raw) else { throw Rejection(.notANumber, node: node, "ENERGY.\(key) is not a number") }
            try ReadingRules.check(value: value, of: quantity, node: node)
            reading[quantity] = value
        }
        guard !reading.isEmpty else { throw Rejection(.empty, node: node, "Tasmota ENERGY object has no quantity") }
        return reading
    }

    private static func value(_ raw: Any) -> Double? {
        switch raw {
        case let number as NSNumber where !isBool(number): number.doubleValue
        case let text as String: number(Array(text.utf8)[...])
        default: nil
        }
    }

    /// JSON booleans arrive as NSNumber too, of the boolean subclass.
    private static let booleanType = type(of: NSNumber(value: true))
    private static func isBool(_ number: NSNumber) -> Bool { type(of: number) == booleanType }

    /// A plain decimal number (`230.1`, `-3`, `1e3`); `nan` and `inf` parse so that they are
    /// rejected as not finite rather than as text.
    static func number<C: Collection>(_ bytes: C) -> Double? where C.Element == UInt8 {
        if bytes.count <= 9, let word = String(bytes: bytes, encoding: .utf8)?.lowercased() {
            switch word {
            case "nan", "-nan", "+nan": return .nan
            case "inf", "+inf", "infinity", "+infinity": return .infinity
            case "-inf", "-infinity": return -.infinity
            default: break
            }
        }
        guard !bytes.isEmpty, bytes.count <= 64,
            bytes.allSatisfy({ ($0 >= 0x30 && $0 <= 0x39) || $0 == 0x2E || $0 == 0x2D || $0 == 0x2B || $0 == 0x65 || $0 == 0x45 })
        else { return nil }
        return Double(String(decoding: bytes, as: UTF8.self))
    }

    private static func trimmed(_ payload: UnsafeRawBufferPointer) -> Slice<UnsafeRawBufferPointer> {
        var start = payload.startIndex
        var end = payload.endIndex
        func isSpace(_ byte: UInt8) -> Bool { byte == 0x20 || byte == 0x0A || byte == 0x0D || byte == 0x09 || byte == 0 }
        while start < end, isSpace(payload[start]) { start += 1 }
        while end > start, isSpace(payload[end - 1]) { end -= 1 }
        return payload[start..<end]
    }
}
