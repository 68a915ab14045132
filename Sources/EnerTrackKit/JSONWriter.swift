import EnerTrackCore
import Foundation

/// The one JSON writer for hot paths (the web API's answers, readings exports): appends to a
/// string, no intermediate values. JSONEncoder costs more than the rest of a small API request;
/// everything else (pretty `--json` output, request bodies) goes through `JSONEncoder`.
public struct JSONWriter: Sendable {
    /// UTF-8, appended byte by byte (a `String` pays for every small append).
    private var bytes: [UInt8] = []
    /// The offset of the last time written, and until when it holds (a reading export is a
    /// run of times in one offset: the zone is asked again only past a transition).
    private var offset: (seconds: Int, from: Int64, until: Int64)?

    public var text: String { String(decoding: bytes, as: UTF8.self) }
    public var utf8: [UInt8] { bytes }

    public init(capacity: Int = 0) { bytes.reserveCapacity(capacity) }

    /// Punctuation and anything already JSON (`{`, `,"key":`).
    public mutating func raw(_ json: String) { bytes.append(contentsOf: json.utf8) }

    /// `"key":`, escaped.
    public mutating func key(_ key: String) {
        string(key)
        bytes.append(UInt8(ascii: ":"))
    }

    /// A quoted string: `"`, `\` and control characters escaped; everything else as it is.
    public mutating func string(_ value: String) {
        bytes.append(UInt8(ascii: "\""))
        for byte in value.utf8 {
            switch byte {
            case UInt8(ascii: "\""): bytes.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "\"")])
            case UInt8(ascii: "\\"): bytes.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "\\")])
            case UInt8(ascii: "\n"): bytes.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "n")])
            case UInt8(ascii: "\r"): bytes.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "r")])
            case UInt8(ascii: "\t"): bytes.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "t")])
            case 0..<0x20:
                let hex = Array("0123456789abcdef".utf8)
                bytes.append(contentsOf: Array("\\u00".utf8))
                bytes.append(hex[Int(byte >> 4)])
                bytes.append(hex[Int(byte & 0xF)])
            default: bytes.append(byte)
            }
        }
        bytes.append(UInt8(ascii: "\""))
    }

    /// The shortest text that reads back as the same double (`230.1`, `12`); `null` for none
    /// and for NaN or infinities, which JSON cannot hold.
    public mutating func number(_ value: Double?) {
        guard let value, value.isFinite else { return raw("null") }
        if value == value.rounded(), value.magnitude < 1e15 { return integer(Int64(value)) }
        raw(value.description)
    }

    public mutating func integer(_ value: Int64) {
        guard value >= 0, value < 10 else { return raw(String(value)) }
        bytes.append(UInt8(ascii: "0") + UInt8(value))
    }

    public mutating func bool(_ value: Bool) { raw(value ? "true" : "false") }

    public static func number(_ value: Double?) -> String {
        var writer = JSONWriter()
        writer.number(value)
        return writer.text
    }

    /// A time as a quoted ISO 8601 string in the zone, exactly as `ISO8601.format` writes it,
    /// without asking the zone for its offset again while the last one holds.
    public mutating func time(_ milliseconds: Int64, timeZone: TimeZone) {
        let clamped = min(max(milliseconds, -62_135_596_800_000), TimeArgument.range.upperBound)
        let seconds = clamped >= 0 ? clamped / 1000 : (clamped - 999) / 1000
        let offsetSeconds: Int
        if let offset, seconds >= offset.from, seconds < offset.until {
            offsetSeconds = offset.seconds
        } else {
            let date = Date(timeIntervalSince1970: TimeInterval(seconds))
            offsetSeconds = timeZone.secondsFromGMT(for: date)
            let next = timeZone.nextDaylightSavingTimeTransition(after: date).map { Int64($0.timeIntervalSince1970) }
            // Until the next transition, and an hour at most (a zone's rules may change in ways
            // its transitions do not list).
            offset = (offsetSeconds, seconds, min(next ?? seconds + 3_600, seconds + 3_600))
        }
        bytes.append(UInt8(ascii: "\""))
        ISO8601.write(milliseconds: clamped, offset: offsetSeconds, into: &bytes)
        bytes.append(UInt8(ascii: "\""))
    }
}

extension JSONWriter {
    /// A reading's keys in the order they are written: sorted, as every JSON object here.
    /// Those of a single-phase reading, and those of a reading with phases (`voltage_l1` …).
    static let readingKeys = keys(Quantity.totals)
    static let phaseReadingKeys = keys(Quantity.allCases)

    private static func keys(_ quantities: [Quantity]) -> [(key: String, quantity: Quantity?)] {
        ([("node", nil), ("time", nil)] + quantities.map { ($0.rawValue, $0) }).sorted { $0.0 < $1.0 }
    }

    /// A reading as every front end writes it (`report readings --format json`, the API's
    /// readings): one compact object, keys sorted, `time` ISO 8601 with the zone's offset, every
    /// quantity present (null where the meter did not report it); the per-phase keys only in a
    /// reading that has phases.
    public mutating func reading(_ reading: Reading, timeZone: TimeZone) {
        let phases = reading.hasPhases
        let keys = phases ? Self.phaseReadingKeys : Self.readingKeys
        let texts = phases ? Self.phaseReadingKeyTexts : Self.readingKeyTexts
        for (index, entry) in keys.enumerated() {
            raw(texts[index])
            if let quantity = entry.quantity {
                number(reading[quantity])
            } else if entry.key == "node" {
                string(reading.node)
            } else {
                time(reading.time, timeZone: timeZone)
            }
        }
        raw("}")
    }

    /// Each key of a reading with what comes before it: `{"current":`, `,"energy":`, …
    static let readingKeyTexts = keyTexts(readingKeys)
    static let phaseReadingKeyTexts = keyTexts(phaseReadingKeys)

    private static func keyTexts(_ keys: [(key: String, quantity: Quantity?)]) -> [String] {
        keys.enumerated().map { index, entry in
            var writer = JSONWriter()
            writer.raw(index == 0 ? "{" : ",")
            writer.key(entry.key)
            return writer.text
        }
    }
}

/// A view model that writes its JSON straight to bytes, exactly as `JSONValue(encoding:)` writes
/// it (keys sorted, nil as null): for the answers of the busiest routes, where the encoder's tree
/// costs more than the rest of the request. `JSONWriterTests` compares the two for each type.
public protocol JSONWritable {
    func write(to writer: inout JSONWriter)
}

extension Array: JSONWritable where Element: JSONWritable {
    public func write(to writer: inout JSONWriter) {
        writer.raw("[")
        for (index, element) in enumerated() {
            if index > 0 { writer.raw(",") }
            element.write(to: &writer)
        }
        writer.raw("]")
    }
}

extension JSONWriter {
    /// A quoted string, or `null`.
    public mutating func string(_ value: String?) {
        guard let value else { return raw("null") }
        string(value)
    }
}
