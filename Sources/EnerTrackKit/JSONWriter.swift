import EnerTrackCore
import Foundation

/// The one JSON writer for hot paths (the web API's answers, readings exports): appends to a
/// string, no intermediate values. JSONEncoder costs more than the rest of a small API request;
/// everything else (pretty `--json` output, request bodies) goes through `JSONEncoder`.
public struct JSONWriter: Sendable {
    public private(set) var text = ""

    public init(capacity: Int = 0) { text.reserveCapacity(capacity) }

    /// Punctuation and anything already JSON (`{`, `,"key":`).
    public mutating func raw(_ json: String) { text += json }

    /// `"key":`, escaped.
    public mutating func key(_ key: String) {
        string(key)
        text += ":"
    }

    /// A quoted string: `"`, `\` and control characters escaped; everything else as it is.
    public mutating func string(_ value: String) {
        text += "\""
        // Most strings need no escape: appended whole.
        if !value.utf8.contains(where: { $0 < 0x20 || $0 == UInt8(ascii: "\"") || $0 == UInt8(ascii: "\\") }) {
            text += value
            text += "\""
            return
        }
        for scalar in value.unicodeScalars {
            switch scalar {
            case "\"": text += "\\\""
            case "\\": text += "\\\\"
            case "\n": text += "\\n"
            case "\r": text += "\\r"
            case "\t": text += "\\t"
            case _ where scalar.value < 0x20:
                let hex = String(scalar.value, radix: 16)
                text += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
            default: text.unicodeScalars.append(scalar)
            }
        }
        text += "\""
    }

    /// The shortest text that reads back as the same double (`230.1`, `12`); `null` for none
    /// and for NaN or infinities, which JSON cannot hold.
    public mutating func number(_ value: Double?) { text += Self.number(value) }

    public mutating func integer(_ value: Int64) { text += String(value) }

    public mutating func bool(_ value: Bool) { text += value ? "true" : "false" }

    public static func number(_ value: Double?) -> String {
        guard let value, value.isFinite else { return "null" }
        if value == value.rounded(), value.magnitude < 1e15 { return String(Int64(value)) }
        return "\(value)"
    }
}

extension JSONWriter {
    /// A reading's keys in the order they are written: sorted, as every JSON object here.
    static let readingKeys: [(key: String, quantity: Quantity?)] =
        ([("node", nil), ("time", nil)] + Quantity.allCases.map { ($0.rawValue, $0) }).sorted { $0.0 < $1.0 }

    /// A reading as every front end writes it (`report readings --format json`, the API's
    /// readings): one compact object, keys sorted, `time` ISO 8601 with the zone's offset, every
    /// quantity present (null where the meter did not report it).
    public mutating func reading(_ reading: Reading, timeZone: TimeZone) {
        raw("{")
        for (index, entry) in Self.readingKeys.enumerated() {
            if index > 0 { raw(",") }
            key(entry.key)
            if let quantity = entry.quantity {
                number(reading[quantity])
            } else if entry.key == "node" {
                string(reading.node)
            } else {
                string(ISO8601.format(milliseconds: reading.time, timeZone: timeZone))
            }
        }
        raw("}")
    }
}
