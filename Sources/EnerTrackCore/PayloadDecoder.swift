import Foundation

/// Turns one MQTT message into a reading, or says why not (DESIGN.md's MQTT contract):
///
/// - `<prefix>/<ESPID>/<quantity>` with a plain number; quantity names in English or Spanish.
///   A burst of them (each quantity once, within a second of the first) shares the first's
///   timestamp, its whole second, so they merge into one row (`QuantityBursts`).
/// - `<prefix>/<ESPID>/<anything>` with a JSON object of quantity keys and an optional `ts`
///   (unix s or ms, or ISO 8601); without `ts` the arrival time counts.
/// - with `tasmota`, `tele/<device>/SENSOR` with Tasmota's `ENERGY` object (`TasmotaDecoder`).
///
/// It runs once per message on the MQTT thread, so it works on the raw bytes: flat JSON objects
/// (what meters send) are scanned in place, and only anything else goes to JSONSerialization.
public struct PayloadDecoder: Sendable {
    /// Larger payloads are refused before any parsing.
    public static let maxPayloadBytes = 64 * 1024

    public let prefix: String
    private let prefixBytes: [UInt8]
    public let tasmota: Bool
    /// How far ahead of its arrival a message may date a reading (ms).
    public let maxAhead: Int64

    public init(prefix: String, tasmota: Bool = false, maxAhead: Int64 = ReadingRules.defaultMaxAhead) {
        self.prefix = prefix
        self.prefixBytes = Array(prefix.utf8)
        self.tasmota = tasmota
        self.maxAhead = maxAhead
    }

    /// The subscriptions that deliver everything this decoder understands.
    public var topicFilters: [String] {
        [prefix + "/#"] + (tasmota ? ["tele/+/SENSOR"] : [])
    }

    /// `receivedAt` is the arrival time in ms since the epoch.
    public func decode(topic: String, payload: UnsafeRawBufferPointer, receivedAt: Int64) throws(Rejection) -> Reading {
        var topic = topic
        let result: Result<Reading, Rejection> = topic.withUTF8 { bytes in
            do throws(Rejection) {
                return .success(
                    try decode(topic: UnsafeRawBufferPointer(bytes), payload: payload, receivedAt: receivedAt))
            } catch {
                return .failure(error)
            }
        }
        return try result.get()
    }

    /// Per-quantity messages each take their own arrival second (no burst is remembered).
    public func decode(topic: UnsafeRawBufferPointer, payload: UnsafeRawBufferPointer, receivedAt: Int64)
        throws(Rejection) -> Reading
    {
        var bursts = QuantityBursts(capacity: 0)
        return try decode(topic: topic, payload: payload, receivedAt: receivedAt, bursts: &bursts)
    }

    /// `bursts` remembers each node's open burst of per-quantity messages (ingest keeps one per
    /// MQTT thread).
    public func decode(
        topic: UnsafeRawBufferPointer, payload: UnsafeRawBufferPointer, receivedAt: Int64,
        bursts: inout QuantityBursts
    ) throws(Rejection) -> Reading {
        let slash = UInt8(ascii: "/")
        if tasmota, Self.tasmotaDevice(topic) != nil {
            return try TasmotaDecoder.decode(topic: topic, payload: payload, receivedAt: receivedAt)
        }
        // <prefix>/<node>/<leaf>, where neither node nor leaf holds a '/'.
        guard topic.count > prefixBytes.count + 1, topic.starts(with: prefixBytes), topic[prefixBytes.count] == slash,
            let nodeEnd = topic[(prefixBytes.count + 1)...].firstIndex(of: slash),
            !topic[(nodeEnd + 1)...].contains(slash)
        else {
            throw Rejection(
                .badTopic,
                "topic \(LogText.quoted(String(decoding: topic.prefix(120), as: UTF8.self))) is not \(prefix)/<ESPID>/<quantity>"
            )
        }
        let node = String(decoding: topic[(prefixBytes.count + 1)..<nodeEnd], as: UTF8.self)
        try ReadingRules.checkNode(node)
        guard payload.count <= Self.maxPayloadBytes else {
            throw Rejection(.tooLarge, node: node, "payload of \(payload.count) bytes exceeds \(Self.maxPayloadBytes)")
        }
        let text = Self.trimmed(payload)
        if text.first == UInt8(ascii: "{") {
            return try decodeJSON(node: node, bytes: text, receivedAt: receivedAt)
        }
        let leaf = String(decoding: topic[(nodeEnd + 1)...], as: UTF8.self)
        guard let quantity = Quantity(name: leaf) else {
            throw Rejection(
                .unknownQuantity, node: node,
                "\(LogText.quoted(leaf, max: 40)) is not a quantity and the payload is not a JSON object")
        }
        guard let value = Self.number(text) else {
            throw Rejection(
                .notANumber, node: node,
                "\(quantity.rawValue) payload \(LogText.quoted(String(decoding: text.prefix(40), as: UTF8.self), max: 40)) is not a number"
            )
        }
        try ReadingRules.check(value: value, of: quantity, node: node)
        var reading = Reading(node: node, time: bursts.stamp(node: node, quantity: quantity, at: receivedAt))
        reading[quantity] = value
        return reading
    }

    /// `tele/<device>/SENSOR` → the device bytes.
    private static func tasmotaDevice(_ topic: UnsafeRawBufferPointer) -> Slice<UnsafeRawBufferPointer>? {
        let head = Array("tele/".utf8)
        let tail = Array("/SENSOR".utf8)
        guard topic.count > head.count + tail.count, topic.starts(with: head),
            topic.suffix(tail.count).elementsEqual(tail)
        else { return nil }
        let device = topic[head.count..<(topic.count - tail.count)]
        return device.contains(UInt8(ascii: "/")) ? nil : device
    }

    // MARK: JSON

    /// A JSON key, as far as readings care.
    enum FlatKey {
        case ts
        case quantity(Quantity)
        case other(String)

        init(_ name: String) {
            if name == "ts" {
                self = .ts
            } else if let quantity = Quantity(name: name) {
                self = .quantity(quantity)
            } else {
                self = .other(name)
            }
        }

        init(bytes: Slice<UnsafeRawBufferPointer>) {
            if bytes.count == 2, bytes.first == 0x74, bytes.last == 0x73 {
                self = .ts
            } else if let quantity = Quantity.match(bytes) {
                self = .quantity(quantity)
            } else {
                self = .other("")
            }  // ignored: its name is never needed
        }
    }

    /// A JSON value of a flat object, as far as readings care.
    enum FlatValue {
        case number(Double)
        case text(Slice<UnsafeRawBufferPointer>)
        case string(String)
        case other(Any)
    }

    private func decodeJSON(node: String, bytes: Slice<UnsafeRawBufferPointer>, receivedAt: Int64) throws(Rejection)
        -> Reading
    {
        var reading = Reading(node: node, time: receivedAt)
        var failure: Rejection?
        // A closure literal in the call stays non-escaping: `reading` is not boxed on the heap.
        let flat = FlatJSON.scan(bytes) { key, value in
            do throws(Rejection) {
                try self.apply(key: key, value: value, to: &reading, receivedAt: receivedAt)
                return true
            } catch {
                failure = error
                return false
            }
        }
        if !flat {
            if let failure { throw failure }
            // Not a flat object of plain values: let Foundation decide what it is.
            reading = Reading(node: node, time: receivedAt)
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
            for (key, raw) in object {
                let value: FlatValue =
                    switch raw {
                    case let number as NSNumber where !DeviceJSON.isBool(number): .number(number.doubleValue)
                    case let text as String: .string(text)
                    default: .other(raw)
                    }
                try apply(key: FlatKey(key), value: value, to: &reading, receivedAt: receivedAt)
            }
        }
        if let failure { throw failure }
        guard !reading.isEmpty else { throw Rejection(.empty, node: node, "JSON object has no quantity") }
        return reading
    }

    private func apply(key: FlatKey, value: FlatValue, to reading: inout Reading, receivedAt: Int64) throws(Rejection) {
        let node = reading.node
        let quantity: Quantity
        switch key {
        case .other: return  // extra keys (rssi, uptime) are ignored
        case .quantity(let known): quantity = known
        case .ts:
            let time: Int64? =
                switch value {
                case .number(let number): ReadingRules.time(fromNumber: number)
                case .text(let text): ReadingRules.time(fromText: String(decoding: text, as: UTF8.self))
                case .string(let text): ReadingRules.time(fromText: text)
                case .other: nil
                }
            guard let time else { throw Rejection(.badTimestamp, node: node, "ts is neither unix time nor ISO 8601") }
            try ReadingRules.check(time: time, now: receivedAt, maxAhead: maxAhead, node: node)
            reading.time = time
            return
        }
        let number: Double? =
            switch value {
            case .number(let number): number
            case .text(let text): Self.number(text)
            case .string(let text): Self.number(Array(text.utf8))
            case .other: nil
            }
        guard let number else { throw Rejection(.notANumber, node: node, "\(quantity.rawValue) is not a number") }
        try ReadingRules.check(value: number, of: quantity, node: node)
        reading[quantity] = number
    }

    /// A plain decimal number (`230.1`, `-3`, `1e3`); `nan` and `inf` parse so that they are
    /// rejected as not finite rather than as text.
    public static func number<C: Collection>(_ bytes: C) -> Double? where C.Element == UInt8 {
        if bytes.count <= 9, let first = bytes.first, first > 0x39 || first == 0x2B || first == 0x2D {
            switch String(decoding: bytes, as: UTF8.self).lowercased() {
            case "nan", "-nan", "+nan": return .nan
            case "inf", "+inf", "infinity", "+infinity": return .infinity
            case "-inf", "-infinity": return -.infinity
            default: break
            }
        }
        guard !bytes.isEmpty, bytes.count <= 64,
            bytes.allSatisfy({
                ($0 >= 0x30 && $0 <= 0x39) || $0 == 0x2E || $0 == 0x2D || $0 == 0x2B || $0 == 0x65 || $0 == 0x45
            })
        else { return nil }
        return FastDecimal.parse(bytes) ?? Double(String(decoding: bytes, as: UTF8.self))
    }

    private static func trimmed(_ payload: UnsafeRawBufferPointer) -> Slice<UnsafeRawBufferPointer> {
        var start = payload.startIndex
        var end = payload.endIndex
        func isSpace(_ byte: UInt8) -> Bool {
            byte == 0x20 || byte == 0x0A || byte == 0x0D || byte == 0x09 || byte == 0
        }
        while start < end, isSpace(payload[start]) { start += 1 }
        while end > start, isSpace(payload[end - 1]) { end -= 1 }
        return payload[start..<end]
    }
}

/// The timestamps of per-quantity messages. A meter publishes its quantities one topic after
/// another; cutting them by the clock's second would split a burst that straddles a second
/// boundary into two half rows. So a node's burst opens with a message of a quantity it has not
/// carried yet and takes that arrival's second; the node's next messages join it while each
/// brings a new quantity and arrives within `window` ms of the opening one. A repeated quantity
/// or a later message opens the next burst.
///
/// Node ids come from the network: the map is pruned of closed bursts when it reaches
/// `capacity`, and beyond that messages take their own arrival second.
public struct QuantityBursts: Sendable {
    public static let window: Int64 = 1000

    private struct Burst {
        var stamp: Int64
        var opened: Int64
        var quantities: UInt32
    }

    private var open: [String: Burst] = [:]
    public let capacity: Int

    public init(capacity: Int = 100_000) {
        self.capacity = capacity
    }

    /// The time of a message of `quantity` from `node` that arrived at `arrival` (ms).
    public mutating func stamp(node: String, quantity: Quantity, at arrival: Int64) -> Int64 {
        let bit = UInt32(1) << UInt32(Quantity.allCases.firstIndex(of: quantity) ?? 0)
        if var burst = open[node], arrival >= burst.opened, arrival - burst.opened < Self.window,
            burst.quantities & bit == 0
        {
            burst.quantities |= bit
            open[node] = burst
            return burst.stamp
        }
        let stamp = arrival - ((arrival % 1000) + 1000) % 1000
        if open[node] == nil, open.count >= capacity {
            open = open.filter { arrival - $0.value.opened < Self.window && arrival >= $0.value.opened }
            guard open.count < capacity else { return stamp }
        }
        open[node] = Burst(stamp: stamp, opened: arrival, quantities: bit)
        return stamp
    }
}
