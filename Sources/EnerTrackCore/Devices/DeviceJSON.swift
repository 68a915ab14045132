import Foundation

/// What the device decoders share: parsing a JSON object, and reading a number out of it with
/// every check a reading's value gets.
enum DeviceJSON {
    /// The payload as a JSON object, or a rejection naming the device kind.
    static func object(_ payload: UnsafeRawBufferPointer, node: String?, what: String) throws(Rejection)
        -> [String: Any]
    {
        guard payload.count <= PayloadDecoder.maxPayloadBytes else {
            throw Rejection(
                .tooLarge, node: node, "payload of \(payload.count) bytes exceeds \(PayloadDecoder.maxPayloadBytes)")
        }
        let parsed: Any
        do { parsed = try JSONSerialization.jsonObject(with: Data(payload)) } catch {
            throw Rejection(.badJSON, node: node, "\(what) payload is not valid JSON")
        }
        guard let object = parsed as? [String: Any] else {
            throw Rejection(.badJSON, node: node, "\(what) payload is not a JSON object")
        }
        return object
    }

    /// A JSON value as a number: nil for null (a device says "not measured" so), a rejection
    /// for anything else that is not a number.
    static func number(_ raw: Any, node: String?, field: @autoclosure () -> String) throws(Rejection) -> Double? {
        switch raw {
        case let number as NSNumber where !isBool(number): return number.doubleValue
        case is NSNull: return nil
        case let text as String:
            if let value = PayloadDecoder.number(Array(text.utf8)) { return value }
        default: break
        }
        throw Rejection(.notANumber, node: node, "\(LogText.quoted(field(), max: 40)) is not a number")
    }

    /// A payload that is one plain number (`230.1`, ` 12 `), as devices publish one value per topic.
    static func plainNumber(_ payload: UnsafeRawBufferPointer, node: String, what: String) throws(Rejection) -> Double {
        let text = String(decoding: payload.prefix(64), as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        guard payload.count <= 64, let value = PayloadDecoder.number(Array(text.utf8)) else {
            throw Rejection(.notANumber, node: node, "\(what) payload is not a number")
        }
        return value
    }

    /// Sets `quantity` to `value` × `scale` after the checks every reading passes.
    static func set(
        _ reading: inout Reading, _ quantity: Quantity, _ value: Double?, scale: Double = 1
    ) throws(Rejection) {
        guard let value else { return }
        let scaled = value * scale
        try ReadingRules.check(value: scaled, of: quantity, node: reading.node)
        reading[quantity] = scaled
    }

    /// JSON booleans arrive as NSNumber too, of the boolean subclass.
    private static let booleanType = type(of: NSNumber(value: true))
    static func isBool(_ number: NSNumber) -> Bool { type(of: number) == booleanType }

    /// The arrival time cut to its second: what a message without a time of its own is dated.
    static func second(_ receivedAt: Int64) -> Int64 { receivedAt - ((receivedAt % 1000) + 1000) % 1000 }

    /// The node id a device's topic segment gives, checked as any ESP id.
    static func node(_ bytes: some Collection<UInt8>) throws(Rejection) -> String {
        let node = String(decoding: bytes, as: UTF8.self)
        try ReadingRules.checkNode(node)
        return node
    }
}
