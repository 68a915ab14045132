import EnerTrackCore
import Foundation

/// An InfluxQL answer (`/query`, 1.x and the 2.x/3.x compatibility API), read through Codable.
struct InfluxAnswer: Decodable {
    struct Result: Decodable {
        var error: String?
        var series: [InfluxSeries]?
    }
    var results: [Result]
}

/// One series of an answer: its tags, its column names and its rows.
struct InfluxSeries: Decodable {
    var tags: [String: String]?
    var columns: [String]
    var values: [[InfluxValue]]?
}

/// A cell of an InfluxQL row: InfluxDB answers with numbers, strings, booleans and nulls.
enum InfluxValue: Decodable, Equatable {
    case integer(Int64)
    case number(Double)
    case string(String)
    case bool(Bool)
    case null

    init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if container.decodeNil() {
            self = .null
        } else if let value = try? container.decode(Int64.self) {
            self = .integer(value)
        } else if let value = try? container.decode(Double.self) {
            self = .number(value)
        } else if let value = try? container.decode(String.self) {
            self = .string(value)
        } else {
            self = .bool(try container.decode(Bool.self))
        }
    }

    var double: Double? {
        switch self {
        case .integer(let value): Double(value)
        case .number(let value): value
        default: nil
        }
    }

    /// Whole numbers as they are; a fractional one toward zero, bounded (as NSNumber did).
    var int64: Int64? {
        switch self {
        case .integer(let value): value
        case .number(let value): value.isFinite ? Int64(saturating: value.rounded(.towardZero)) : nil
        default: nil
        }
    }

    /// A time (ms) as a store may hold it, 1970 to 9999 (`TimeArgument.range`); nil for anything
    /// else, so a hostile or broken answer never reaches arithmetic that would trap.
    var time: Int64? { int64.flatMap(ReadingRules.storedTime) }

    /// A count (samples, covered milliseconds of a bucket): 0 to 2^40; nil for anything else.
    var count: Int64? { int64.flatMap(ReadingRules.storedCount) }

    var string: String? {
        if case .string(let value) = self { return value }
        return nil
    }
}

/// An error body: InfluxDB 1.x says `error`, 2.x/3.x `message`.
struct InfluxErrorBody: Decodable {
    var error: String?
    var message: String?
}

/// `POST /api/v2/delete`'s body.
struct InfluxDeleteRequest: Encodable {
    var start: String
    var stop: String
    var predicate: String
}

/// A fast reader of InfluxQL JSON answers (`{"results":[{"series":[{"tags","columns","values"}]}]}`)
/// straight from the bytes: JSONDecoder with `InfluxValue`'s tries costs more than InfluxDB's own
/// work on a year of hourly sums. Anything it does not expect (an unknown key's value it cannot
/// skip, bad JSON) answers nil, and the caller falls back to JSONDecoder, which says what is wrong.
final class InfluxAnswerReader {
    struct Series {
        var tags: [String: String] = [:]
        var columns: [String] = []
        var values: [[InfluxValue]] = []
    }

    struct Failure: Error {}

    let bytes: UnsafeRawBufferPointer
    var index = 0

    init(bytes: UnsafeRawBufferPointer) { self.bytes = bytes }
    /// Nesting of skipped values: an answer nested deeper than this is not InfluxDB's.
    var depth = 0

    /// The series of every result, or the first result error (as `error`).
    static func read(_ data: Data) -> (series: [Series], error: String?)? {
        data.withUnsafeBytes { buffer in
            try? InfluxAnswerReader(bytes: buffer).answer()
        }
    }

    func answer() throws -> (series: [Series], error: String?) {
        var series: [Series] = []
        var error: String?
        try object { key in
            guard key == "results" else { return try skip() }
            try array {
                try object { key in
                    switch key {
                    case "error":
                        let message = try string()
                        if error == nil { error = message }
                    case "series": try array { series.append(try self.series()) }
                    default: try skip()
                    }
                }
            }
        }
        whitespace()
        guard index == bytes.count else { throw Failure() }
        return (series, error)
    }

    func series() throws -> Series {
        var series = Series()
        try object { key in
            switch key {
            case "tags": try object { tag in series.tags[tag] = try string() }
            case "columns": try array { series.columns.append(try string()) }
            case "values":
                try array {
                    var row: [InfluxValue] = []
                    row.reserveCapacity(series.columns.count)
                    try array { row.append(try value()) }
                    series.values.append(row)
                }
            default: try skip()
            }
        }
        return series
    }

    // MARK: JSON

    func whitespace() {
        while index < bytes.count,
            bytes[index] == 0x20 || bytes[index] == 0x0A || bytes[index] == 0x0D || bytes[index] == 0x09
        {
            index += 1
        }
    }

    func expect(_ byte: UInt8) throws {
        whitespace()
        guard index < bytes.count, bytes[index] == byte else { throw Failure() }
        index += 1
    }

    func peek() -> UInt8? {
        whitespace()
        return index < bytes.count ? bytes[index] : nil
    }

    func object(_ member: (String) throws -> Void) throws {
        try expect(UInt8(ascii: "{"))
        if peek() == UInt8(ascii: "}") {
            index += 1
            return
        }
        while true {
            let key = try string()
            try expect(UInt8(ascii: ":"))
            try member(key)
            guard let next = peek() else { throw Failure() }
            index += 1
            if next == UInt8(ascii: "}") { return }
            guard next == UInt8(ascii: ",") else { throw Failure() }
        }
    }

    func array(_ element: () throws -> Void) throws {
        try expect(UInt8(ascii: "["))
        if peek() == UInt8(ascii: "]") {
            index += 1
            return
        }
        while true {
            try element()
            guard let next = peek() else { throw Failure() }
            index += 1
            if next == UInt8(ascii: "]") { return }
            guard next == UInt8(ascii: ",") else { throw Failure() }
        }
    }

    func string() throws -> String {
        try expect(UInt8(ascii: "\""))
        let start = index
        var escaped = false
        while index < bytes.count, bytes[index] != UInt8(ascii: "\"") {
            if bytes[index] == UInt8(ascii: "\\") {
                escaped = true
                index += 1
            }
            index += 1
        }
        guard index < bytes.count else { throw Failure() }
        let raw = UnsafeRawBufferPointer(rebasing: bytes[start..<index])
        index += 1
        guard escaped else { return String(decoding: raw, as: UTF8.self) }
        // Rare here (tag values are ESP ids): let Foundation undo the escapes.
        var quoted = Data([UInt8(ascii: "\"")])
        quoted.append(contentsOf: raw)
        quoted.append(UInt8(ascii: "\""))
        guard let text = try? JSONDecoder().decode(String.self, from: quoted) else { throw Failure() }
        return text
    }

    func value() throws -> InfluxValue {
        guard let first = peek() else { throw Failure() }
        switch first {
        case UInt8(ascii: "\""): return .string(try string())
        case UInt8(ascii: "n"):
            try literal("null")
            return .null
        case UInt8(ascii: "t"):
            try literal("true")
            return .bool(true)
        case UInt8(ascii: "f"):
            try literal("false")
            return .bool(false)
        default: return try number()
        }
    }

    func literal(_ word: StaticString) throws {
        let count = word.utf8CodeUnitCount
        guard index + count <= bytes.count else { throw Failure() }
        for offset in 0..<count where bytes[index + offset] != word.utf8Start[offset] { throw Failure() }
        index += count
    }

    func number() throws -> InfluxValue {
        let start = index
        var integral = true
        while index < bytes.count {
            let byte = bytes[index]
            if byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9") || byte == UInt8(ascii: "-") {
                index += 1
            } else if byte == UInt8(ascii: ".") || byte == UInt8(ascii: "e") || byte == UInt8(ascii: "E")
                || byte == UInt8(ascii: "+")
            {
                integral = false
                index += 1
            } else {
                break
            }
        }
        guard index > start, index - start < 64 else { throw Failure() }
        let slice = UnsafeRawBufferPointer(rebasing: bytes[start..<index])
        // Most numbers take the fast paths (an answer of a day of readings has ~60,000 of them).
        if integral, slice.count <= 18, let value = Self.integer(slice) { return .integer(value) }
        if !integral, let value = FastDecimal.parse(slice), value.isFinite { return .number(value) }
        let text = String(decoding: slice, as: UTF8.self)
        if integral, let value = Int64(text) { return .integer(value) }
        guard let value = Double(text), value.isFinite else { throw Failure() }
        return .number(value)
    }

    /// `-?digits` of at most 18 digits as an integer; nil for anything else.
    static func integer(_ bytes: UnsafeRawBufferPointer) -> Int64? {
        var value: Int64 = 0
        var negative = false
        for (offset, byte) in bytes.enumerated() {
            if offset == 0, byte == UInt8(ascii: "-") {
                negative = true
                continue
            }
            guard byte >= UInt8(ascii: "0"), byte <= UInt8(ascii: "9") else { return nil }
            value = value * 10 + Int64(byte - UInt8(ascii: "0"))
        }
        guard bytes.count > (negative ? 1 : 0) else { return nil }
        return negative ? -value : value
    }

    /// Skips any JSON value.
    func skip() throws {
        guard let first = peek(), depth < 64 else { throw Failure() }
        depth += 1
        defer { depth -= 1 }
        switch first {
        case UInt8(ascii: "{"): try object { _ in try skip() }
        case UInt8(ascii: "["): try array { try skip() }
        default: _ = try value()
        }
    }
}
