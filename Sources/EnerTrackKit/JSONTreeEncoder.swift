import EnerTrackCore
import Foundation

extension JSONValue {
    /// A view model as JSON: its `CodingKeys` are the keys, and — unlike `JSONEncoder` — an
    /// optional that is nil is written as `null`, never left out (every key is always there,
    /// as in all our JSON). Dates are written as records write them: ISO 8601 to the second in
    /// `timeZone`.
    public init(encoding value: some Encodable, timeZone: TimeZone = .gmt) throws {
        let encoder = TreeEncoder(timeZone: timeZone)
        try encoder.encodeValue(value)
        self = encoder.value
    }
}

/// A key known only at run time (a quantity's name, a record's field).
public struct AnyKey: CodingKey {
    public var stringValue: String
    public var intValue: Int? { nil }
    public init(_ name: String) { stringValue = name }
    public init?(stringValue: String) { self.stringValue = stringValue }
    public init?(intValue: Int) { nil }
}

/// Encodes into a `JSONValue` tree: containers write into the slot they were made for.
final class TreeEncoder: Encoder {
    var codingPath: [any CodingKey] = []
    var userInfo: [CodingUserInfoKey: Any] { [:] }
    let timeZone: TimeZone
    var result: JSONValue?
    /// Containers nested in this one, filled in when the value is read (key, or array slot).
    var nested: [(key: String?, slot: Int, encoder: TreeEncoder)] = []

    /// The encoded value, nested containers included.
    var value: JSONValue {
        var value = result ?? .null
        for entry in nested {
            switch value {
            case .object(var object):
                if let key = entry.key { object[key] = entry.encoder.value }
                value = .object(object)
            case .array(var array) where entry.slot < array.count:
                array[entry.slot] = entry.encoder.value
                value = .array(array)
            default: break
            }
        }
        return value
    }

    /// A container written into a new encoder that takes `key` (or the next array slot) here.
    func nest(key: String?) -> TreeEncoder {
        let encoder = TreeEncoder(timeZone: timeZone)
        var slot = 0
        if key == nil {
            if case .array(let array) = result { slot = array.count }
            append(.null)
        } else if let key {
            set(key, .null)
        }
        nested.append((key, slot, encoder))
        return encoder
    }

    init(timeZone: TimeZone) { self.timeZone = timeZone }

    /// Dates and the leaves are written here; anything else encodes itself into a new tree.
    func encodeValue(_ value: some Encodable) throws {
        switch value {
        case let json as JSONValue: result = json
        case let date as Date: result = .string(RecordRenderer(timeZone: timeZone).iso8601(date))
        case let decimal as Decimal: result = .number(decimal.double)
        default: try value.encode(to: self)
        }
    }

    func child(_ value: some Encodable) throws -> JSONValue {
        let encoder = TreeEncoder(timeZone: timeZone)
        try encoder.encodeValue(value)
        return encoder.value
    }

    func container<Key: CodingKey>(keyedBy type: Key.Type) -> KeyedEncodingContainer<Key> {
        if case .object = result {} else { result = .object([:]) }
        return KeyedEncodingContainer(Keyed<Key>(encoder: self))
    }

    func unkeyedContainer() -> any UnkeyedEncodingContainer {
        if case .array = result {} else { result = .array([]) }
        return Unkeyed(encoder: self)
    }

    func singleValueContainer() -> any SingleValueEncodingContainer { Single(encoder: self) }

    func set(_ key: String, _ value: JSONValue) {
        guard case .object(var object) = result else { return }
        result = nil  // the dictionary is uniquely referenced while it changes
        object[key] = value
        result = .object(object)
    }

    func append(_ value: JSONValue) {
        guard case .array(var array) = result else { return }
        result = nil
        array.append(value)
        result = .array(array)
    }

    struct Keyed<Key: CodingKey>: KeyedEncodingContainerProtocol {
        let encoder: TreeEncoder
        var codingPath: [any CodingKey] { encoder.codingPath }

        mutating func encodeNil(forKey key: Key) throws { encoder.set(key.stringValue, .null) }
        mutating func encode(_ value: Bool, forKey key: Key) throws { encoder.set(key.stringValue, .bool(value)) }
        mutating func encode(_ value: String, forKey key: Key) throws { encoder.set(key.stringValue, .string(value)) }
        mutating func encode(_ value: Double, forKey key: Key) throws { encoder.set(key.stringValue, .number(value)) }
        mutating func encode(_ value: Int, forKey key: Key) throws { encoder.set(key.stringValue, .int(Int64(value))) }
        mutating func encode(_ value: Int64, forKey key: Key) throws { encoder.set(key.stringValue, .int(value)) }
        mutating func encode(_ value: some Encodable, forKey key: Key) throws {
            encoder.set(key.stringValue, try encoder.child(value))
        }
        // Nil optionals are written as null (the synthesized code asks for these).
        mutating func encodeIfPresent(_ value: Bool?, forKey key: Key) throws {
            encoder.set(key.stringValue, value.map(JSONValue.bool) ?? .null)
        }
        mutating func encodeIfPresent(_ value: String?, forKey key: Key) throws {
            encoder.set(key.stringValue, value.map(JSONValue.string) ?? .null)
        }
        mutating func encodeIfPresent(_ value: Double?, forKey key: Key) throws {
            encoder.set(key.stringValue, value.map(JSONValue.number) ?? .null)
        }
        mutating func encodeIfPresent(_ value: Int64?, forKey key: Key) throws {
            encoder.set(key.stringValue, value.map(JSONValue.int) ?? .null)
        }
        mutating func encodeIfPresent(_ value: Int?, forKey key: Key) throws {
            encoder.set(key.stringValue, value.map { .int(Int64($0)) } ?? .null)
        }
        mutating func encodeIfPresent(_ value: (some Encodable)?, forKey key: Key) throws {
            encoder.set(key.stringValue, try value.map(encoder.child) ?? .null)
        }

        mutating func nestedContainer<NestedKey: CodingKey>(keyedBy keyType: NestedKey.Type, forKey key: Key)
            -> KeyedEncodingContainer<NestedKey>
        {
            encoder.nest(key: key.stringValue).container(keyedBy: keyType)
        }
        mutating func nestedUnkeyedContainer(forKey key: Key) -> any UnkeyedEncodingContainer {
            encoder.nest(key: key.stringValue).unkeyedContainer()
        }
        mutating func superEncoder() -> any Encoder { encoder }
        mutating func superEncoder(forKey key: Key) -> any Encoder { encoder }
    }

    struct Unkeyed: UnkeyedEncodingContainer {
        let encoder: TreeEncoder
        var codingPath: [any CodingKey] { encoder.codingPath }
        var count: Int {
            if case .array(let array) = encoder.result { return array.count }
            return 0
        }

        mutating func encodeNil() throws { encoder.append(.null) }
        mutating func encode(_ value: String) throws { encoder.append(.string(value)) }
        mutating func encode(_ value: Double) throws { encoder.append(.number(value)) }
        mutating func encode(_ value: some Encodable) throws { encoder.append(try encoder.child(value)) }
        mutating func nestedContainer<NestedKey: CodingKey>(keyedBy keyType: NestedKey.Type)
            -> KeyedEncodingContainer<NestedKey>
        {
            encoder.nest(key: nil).container(keyedBy: keyType)
        }
        mutating func nestedUnkeyedContainer() -> any UnkeyedEncodingContainer {
            encoder.nest(key: nil).unkeyedContainer()
        }
        mutating func superEncoder() -> any Encoder { encoder }
    }

    struct Single: SingleValueEncodingContainer {
        let encoder: TreeEncoder
        var codingPath: [any CodingKey] { encoder.codingPath }

        mutating func encodeNil() throws { encoder.result = .null }
        mutating func encode(_ value: Bool) throws { encoder.result = .bool(value) }
        mutating func encode(_ value: String) throws { encoder.result = .string(value) }
        mutating func encode(_ value: Double) throws { encoder.result = .number(value) }
        mutating func encode(_ value: Float) throws { encoder.result = .number(Double(value)) }
        mutating func encode(_ value: Int) throws { encoder.result = .int(Int64(value)) }
        mutating func encode(_ value: Int64) throws { encoder.result = .int(value) }
        mutating func encode(_ value: Int32) throws { encoder.result = .int(Int64(value)) }
        mutating func encode(_ value: UInt) throws { encoder.result = .number(Double(value)) }
        mutating func encode(_ value: some Encodable) throws { encoder.result = try encoder.child(value) }
    }
}
