import Foundation

/// InfluxDB line protocol: writing our readings, and reading what `influx export` or
/// `influx_inspect export` of the earlier deployment produced.
public enum LineProtocol {
    /// Tags that name the meter in files of the earlier deployment, ours first.
    public static let nodeTags = ["node", "esp_id", "espid", "nodo", "device"]

    /// One line, ms timestamp; the node is a tag, each present quantity a float field, named as
    /// `layout` says. Written byte by byte into `out`: ingest encodes tens of thousands of lines a second.
    public static func append(
        _ reading: Reading, measurement: String, layout: InfluxLayout = .standard, to out: inout [UInt8]
    ) {
        escape(measurement, specials: [0x2C, 0x20], into: &out)
        out.append(contentsOf: layout.nodeTagBytes)
        escape(reading.node, specials: [0x2C, 0x20, 0x3D], into: &out)
        var first = true
        for (index, quantity) in Quantity.allCases.enumerated() {
            guard let value = reading[quantity] else { continue }
            out.append(first ? 0x20 : 0x2C)
            first = false
            out.append(contentsOf: layout.fieldBytes[index])
            appendFloat(value, to: &out)
        }
        out.append(0x20)
        appendInteger(reading.time, to: &out)
        out.append(0x0A)
    }

    /// A float field value: integral values keep a `.0` so InfluxDB types the field as float.
    private static func appendFloat(_ value: Double, to out: inout [UInt8]) {
        if value == value.rounded(), abs(value) < 1e15 {
            appendInteger(Int64(value), to: &out)
            out.append(0x2E)
            out.append(0x30)
        } else {
            out.append(contentsOf: value.description.utf8)
        }
    }

    private static func appendInteger(_ value: Int64, to out: inout [UInt8]) {
        if value < 0 { out.append(0x2D) }
        var magnitude = value.magnitude
        var digits:
            (
                UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8,
                UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8
            ) =
                (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)
        var count = 0
        withUnsafeMutableBytes(of: &digits) { buffer in
            repeat {
                buffer[count] = UInt8(truncatingIfNeeded: magnitude % 10) + 0x30
                magnitude /= 10
                count += 1
            } while magnitude > 0
            for index in stride(from: count - 1, through: 0, by: -1) { out.append(buffer[index]) }
        }
    }

    /// A measurement name as line protocol wants it (commas and spaces escaped).
    public static func escapeMeasurement(_ name: String) -> String {
        var out: [UInt8] = []
        escape(name, specials: [0x2C, 0x20], into: &out)
        return String(decoding: out, as: UTF8.self)
    }

    /// A tag value as line protocol wants it (commas, spaces and equals signs escaped).
    public static func escapeTag(_ value: String) -> String {
        var out: [UInt8] = []
        escape(value, specials: [0x2C, 0x20, 0x3D], into: &out)
        return String(decoding: out, as: UTF8.self)
    }

    private static func escape(_ text: String, specials: [UInt8], into out: inout [UInt8]) {
        for byte in text.utf8 {
            if byte == 0x5C || specials.contains(byte) { out.append(0x5C) }
            out.append(byte)
        }
    }

    /// One parsed line: measurement, tags, numeric fields, timestamp as written (unit unknown).
    public struct Point: Sendable, Equatable {
        public var measurement: String
        public var tags: [String: String]
        public var fields: [String: Double]
        public var timestamp: Int64?
    }

    /// Parses one line; nil for lines to skip (blank, `#` comments, the `CREATE DATABASE`
    /// header of `influx_inspect export`). String and boolean fields are skipped.
    public static func parse(_ line: Substring) throws(Rejection) -> Point? {
        let trimmed = line.drop(while: { $0 == " " || $0 == "\t" })
        if trimmed.isEmpty || trimmed.hasPrefix("#") || trimmed.hasPrefix("CREATE ") { return nil }
        let sections = split(trimmed, on: " ")
        guard sections.count == 2 || sections.count == 3 else {
            throw Rejection(.badLine, "expected 'measurement,tags fields [timestamp]'")
        }
        let head = split(sections[0], on: ",")
        guard let measurement = head.first.map(unescape), !measurement.isEmpty else {
            throw Rejection(.badLine, "missing measurement")
        }
        var tags: [String: String] = [:]
        for pair in head.dropFirst() {
            let parts = split(pair, on: "=")
            guard parts.count == 2 else {
                throw Rejection(.badLine, "tag \(LogText.quoted(pair, max: 40)) is not key=value")
            }
            tags[unescape(parts[0])] = unescape(parts[1])
        }
        var fields: [String: Double] = [:]
        for pair in split(sections[1], on: ",") {
            let parts = split(pair, on: "=")
            guard parts.count == 2 else {
                throw Rejection(.badLine, "field \(LogText.quoted(pair, max: 40)) is not key=value")
            }
            var value = parts[1]
            if value.hasPrefix("\"") || ["t", "f", "true", "false", "T", "F", "TRUE", "FALSE"].contains(value) {
                continue
            }
            if value.hasSuffix("i") || value.hasSuffix("u") { value = value.dropLast() }
            guard let number = Double(value) else {
                throw Rejection(
                    .notANumber,
                    "field \(LogText.quoted(unescape(parts[0]), max: 40)) value \(LogText.quoted(value, max: 40)) is not a number"
                )
            }
            fields[unescape(parts[0])] = number
        }
        var timestamp: Int64?
        if sections.count == 3 {
            guard let stamp = Int64(sections[2]) else {
                throw Rejection(.badTimestamp, "timestamp \(LogText.quoted(sections[2], max: 40)) is not an integer")
            }
            timestamp = stamp
        }
        return Point(measurement: measurement, tags: tags, fields: fields, timestamp: timestamp)
    }

    /// A timestamp of unknown precision in ms, told by magnitude: s, ms, µs or ns (exports use ns).
    public static func milliseconds(_ stamp: Int64) -> Int64 {
        switch stamp.magnitude {  // magnitude, not abs(): abs(Int64.min) traps
        case ..<100_000_000_000: stamp * 1000
        case ..<100_000_000_000_000: stamp
        case ..<100_000_000_000_000_000: stamp / 1000
        default: stamp / 1_000_000
        }
    }

    /// Splits on an unescaped separator outside double quotes.
    static func split(_ text: Substring, on separator: Character) -> [Substring] {
        var parts: [Substring] = []
        var start = text.startIndex
        var index = text.startIndex
        var quoted = false
        while index < text.endIndex {
            let char = text[index]
            if char == "\\" {
                index = text.index(after: index)
                if index < text.endIndex { index = text.index(after: index) }
                continue
            }
            if char == "\"" { quoted.toggle() }
            if char == separator, !quoted {
                parts.append(text[start..<index])
                start = text.index(after: index)
            }
            index = text.index(after: index)
        }
        parts.append(text[start..<text.endIndex])
        return parts
    }

    static func unescape(_ text: Substring) -> String {
        guard text.contains("\\") else { return String(text) }
        var out = ""
        var escaping = false
        for char in text {
            if escaping || char != "\\" {
                out.append(char)
                escaping = false
            } else {
                escaping = true
            }
        }
        return out
    }
}
