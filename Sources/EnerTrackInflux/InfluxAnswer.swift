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
