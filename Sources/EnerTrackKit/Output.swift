import EnerTrackCore
import Foundation

/// A JSON value, encoded with sorted keys; `null` is written, never omitted.
public indirect enum JSONValue: Encodable, Sendable, Equatable {
    case null
    case bool(Bool)
    case int(Int64)
    case number(Double)
    case string(String)
    case array([JSONValue])
    case object([String: JSONValue])

    public func encode(to encoder: Encoder) throws {
        var container = encoder.singleValueContainer()
        switch self {
        case .null: try container.encodeNil()
        case .bool(let value): try container.encode(value)
        case .int(let value): try container.encode(value)
        case .number(let value): try container.encode(value)
        case .string(let value): try container.encode(value)
        case .array(let value): try container.encode(value)
        case .object(let value): try container.encode(value)
        }
    }

    /// Compact, sorted keys: what the web API sends (through `JSONWriter`).
    public func compact() -> String {
        var writer = JSONWriter()
        write(to: &writer)
        return writer.text
    }

    func write(to writer: inout JSONWriter) {
        switch self {
        case .null: writer.raw("null")
        case .bool(let value): writer.bool(value)
        case .int(let value): writer.integer(value)
        case .number(let value): writer.number(value)
        case .string(let value): writer.string(value)
        case .array(let values):
            writer.raw("[")
            for (index, value) in values.enumerated() {
                if index > 0 { writer.raw(",") }
                value.write(to: &writer)
            }
            writer.raw("]")
        case .object(let object):
            writer.raw("{")
            for (index, key) in object.keys.sorted().enumerated() {
                if index > 0 { writer.raw(",") }
                writer.key(key)
                object[key]!.write(to: &writer)
            }
            writer.raw("}")
        }
    }

    /// Pretty-printed, sorted keys, no escaped slashes, ending in a newline.
    public func rendered() -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        let data = (try? encoder.encode(self)) ?? Data("null".utf8)
        return String(decoding: data, as: UTF8.self) + "\n"
    }
}

/// One value of a record, typed so JSON keeps its type and the table formats it for people.
public enum Cell: Sendable, Equatable {
    case text(String?)
    case flag(Bool)
    case integer(Int64?)
    case number(Double?, decimals: Int)
    case time(Date?)
    case list([String])
}

/// An ordered list of named cells: one row of a table, one object of a JSON array.
public struct Record: Sendable, Equatable {
    public var fields: [Field]

    public struct Field: Sendable, Equatable {
        public let key: String
        public let cell: Cell
    }

    public init(_ fields: KeyValuePairs<String, Cell>) {
        self.fields = fields.map { Field(key: $0.key, cell: $0.value) }
    }
}

/// Renders records as JSON, an aligned table, or a vertical key/value list, with times as
/// ISO 8601 with the site zone's offset.
public struct RecordRenderer: Sendable {
    public let timeZone: TimeZone

    public init(timeZone: TimeZone) { self.timeZone = timeZone }

    public func json(_ records: [Record]) -> String {
        JSONValue.array(records.map(jsonObject)).rendered()
    }

    public func jsonObject(_ record: Record) -> JSONValue {
        var object: [String: JSONValue] = [:]
        for field in record.fields { object[field.key] = jsonValue(field.cell) }
        return .object(object)
    }

    public func jsonValue(_ cell: Cell) -> JSONValue {
        switch cell {
        case .text(let value): value.map(JSONValue.string) ?? .null
        case .flag(let value): .bool(value)
        case .integer(let value): value.map(JSONValue.int) ?? .null
        case .number(let value, _): value.map(JSONValue.number) ?? .null
        case .time(let value): value.map { .string(iso8601($0)) } ?? .null
        case .list(let values): .array(values.map(JSONValue.string))
        }
    }

    /// An aligned table with upper-case headers; `empty` is printed instead when there are no rows.
    public func table(_ records: [Record], empty: String) -> String {
        guard let first = records.first else { return empty + "\n" }
        let headers = first.fields.map { $0.key.uppercased() }
        let rows = records.map { $0.fields.map { text($0.cell) } }
        var widths = headers.map(\.count)
        for row in rows {
            for (index, value) in row.enumerated() where index < widths.count {
                widths[index] = max(widths[index], value.count)
            }
        }
        func line(_ values: [String]) -> String {
            values.enumerated().map { index, value in
                index == values.count - 1 ? value : value.padding(toLength: widths[index], withPad: " ", startingAt: 0)
            }.joined(separator: "  ")
        }
        return ([line(headers)] + rows.map(line)).joined(separator: "\n") + "\n"
    }

    /// `key: value` lines, for `show` commands.
    public func details(_ record: Record) -> String {
        let width = record.fields.map(\.key.count).max() ?? 0
        return record.fields.map { field in
            var value = text(field.cell)
            // A long list (a column mapping, a layout) reads better one item a line.
            if case .list(let values) = field.cell, values.count > 1, value.count > 100 {
                value = values.joined(separator: "\n" + String(repeating: " ", count: width + 2))
            }
            return (field.key + ":").padding(toLength: width + 1, withPad: " ", startingAt: 0) + " " + value
        }.joined(separator: "\n") + "\n"
    }

    public func text(_ cell: Cell) -> String {
        switch cell {
        case .text(let value): value ?? "-"
        case .flag(let value): value ? "yes" : "no"
        case .integer(let value): value.map(String.init) ?? "-"
        case .number(let value, let decimals): value.map { String(format: "%.\(decimals)f", $0) } ?? "-"
        case .time(let value): value.map(iso8601) ?? "-"
        case .list(let values): values.isEmpty ? "-" : values.joined(separator: ", ")
        }
    }

    /// To the second, with the zone's offset at that instant.
    public func iso8601(_ date: Date) -> String {
        ISO8601.format(
            milliseconds: Int64(saturating: date.timeIntervalSince1970.rounded(.down) * 1000), timeZone: timeZone)
    }
}

extension User {
    /// The fields `user list`/`user show` print; never the password hash.
    public var record: Record {
        Record([
            "username": .text(username), "email": .text(email), "name": .text(name), "admin": .flag(isAdmin),
            "active": .flag(isActive && removedAt == nil), "created_at": .time(createdAt),
        ])
    }
}

extension Node {
    public var record: Record {
        Record([
            "esp_id": .text(espID), "name": .text(name), "description": .text(description), "active": .flag(isActive),
            "created_at": .time(createdAt), "last_seen": .time(lastSeen),
        ])
    }
}

extension Assignment {
    public var record: Record {
        Record([
            "username": .text(username), "esp_id": .text(espID), "name": .text(nodeName), "active": .flag(isActive),
            "location": .text(location), "assigned_at": .time(assignedAt), "last_access": .time(lastAccess),
        ])
    }
}

/// A large JSON object written in pieces (compact, sorted keys, as `JSONValue.compact()`): its
/// small fields as they are, and the array under `arrayKey` made one element at a time,
/// `perChunk` elements to a piece. A report of thousands of rows is sent as it is rendered,
/// never held as one tree of values.
public struct JSONChunks: Sequence, Sendable {
    let head: String
    let tail: String
    let count: Int
    let perChunk: Int
    let element: @Sendable (Int) -> JSONValue

    public init(
        fields: [String: JSONValue], arrayKey: String, count: Int, perChunk: Int = 256,
        element: @escaping @Sendable (Int) -> JSONValue
    ) {
        var head = JSONWriter()
        var tail = JSONWriter()
        head.raw("{")
        var beforeArray = true
        for (index, key) in (Array(fields.keys) + [arrayKey]).sorted().enumerated() {
            if key == arrayKey {
                if index > 0 { head.raw(",") }
                head.key(key)
                head.raw("[")
                tail.raw("]")
                beforeArray = false
            } else if beforeArray {
                if index > 0 { head.raw(",") }
                head.key(key)
                fields[key]?.write(to: &head)
            } else {
                tail.raw(",")
                tail.key(key)
                fields[key]?.write(to: &tail)
            }
        }
        tail.raw("}")
        self.head = head.text
        self.tail = tail.text
        self.count = count
        self.perChunk = Swift.max(perChunk, 1)
        self.element = element
    }

    /// A view model's JSON with its array `arrayKey` written `count` elements at a time
    /// (`element(index)`): `head` is the view model with that array empty.
    public init<Head: Encodable, Element: Encodable & SendableMetatype>(
        encoding head: Head, arrayKey: String, count: Int, perChunk: Int = 256,
        element: @escaping @Sendable (Int) -> Element
    ) {
        var fields: [String: JSONValue] = [:]
        if case .object(let object) = Self.tree(head) { fields = object }
        fields[arrayKey] = nil
        self.init(fields: fields, arrayKey: arrayKey, count: count, perChunk: perChunk) { Self.tree(element($0)) }
    }

    /// A view model as a JSON tree (`null` for one that cannot be encoded, which a plain view
    /// model never is).
    static func tree(_ value: some Encodable) -> JSONValue { (try? JSONValue(encoding: value)) ?? .null }

    /// A view model's JSON, indented (the command line's `--format json`).
    public static func rendered(_ value: some Encodable) -> String { tree(value).rendered() }

    /// A view model's JSON, compact.
    public static func compact(_ value: some Encodable) -> String { tree(value).compact() }

    /// A small answer in one piece.
    public init(whole text: String) {
        head = text
        tail = ""
        count = 0
        perChunk = 1
        element = { _ in .null }
    }

    public func makeIterator() -> AnyIterator<String> {
        var next = -1
        return AnyIterator {
            if next == -1 {
                next = 0
                return head
            }
            guard next <= count else { return nil }
            guard next < count else {
                next += 1
                return tail
            }
            var writer = JSONWriter()
            let end = Swift.min(next + perChunk, count)
            for index in next..<end {
                if index > 0 { writer.raw(",") }
                element(index).write(to: &writer)
            }
            next = end
            return writer.text
        }
    }

    /// The whole text at once (for a small answer, or a test).
    public var text: String { joined() }
}
