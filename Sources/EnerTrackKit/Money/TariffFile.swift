import EnerTrackCore
import Foundation
import TOMLKit

/// Tariff files: TOML read by TOMLKit (toml++), turned into plain values for `Tariff(document:)`,
/// which checks every key.
public enum TariffFile {
    /// The largest tariff file read (a real one is a few kB).
    public static let maxBytes = 1 << 20

    /// Parses a tariff file's text; syntax errors name the line and column, content errors the key.
    public static func parse(_ text: String, source: String = "the tariff file") throws(TariffError) -> Tariff {
        guard text.utf8.count <= maxBytes else { throw TariffError("\(source) is over \(maxBytes / 1024) KiB") }
        guard !text.utf8.contains(0) else { throw TariffError("\(source) contains a NUL byte: not a text file") }
        if let line = malformedHeader(text) {
            throw TariffError(
                "\(source): line \(line): a table header needs a name, like [[version]] or [[version.period]]")
        }
        let table: TOMLTable
        do {
            table = try TOMLTable(string: text)
        } catch let error as TOMLParseError {
            throw TariffError(
                "\(source): line \(error.source.begin.line), column \(error.source.begin.column): \(error.description)")
        } catch {
            throw TariffError("\(source): \(error)")
        }
        do {
            return try Tariff(document: document(table))
        } catch {
            throw TariffError("\(source): \(error.description)")
        }
    }

    /// Reads a file (`-` is standard input).
    public static func read(path: String) throws -> Tariff {
        try parse(try FileInput.text(path: path, maxBytes: maxBytes, what: "tariff file"), source: path)
    }

    /// The first line whose table header has no key after its brackets (`[[[`, `[[=`, `[ ]`).
    /// toml++ 3.4 asserts on these instead of reporting them (a precondition of `parse_key`,
    /// marzer/tomlplusplus#301; in a release build an assumption, so undefined behaviour):
    /// they are refused before the parser sees them.
    static func malformedHeader(_ text: String) -> Int? {
        func isKeyStart(_ byte: UInt8) -> Bool {
            switch byte {
            case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"),
                UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "_"), UInt8(ascii: "-"), UInt8(ascii: "\""),
                UInt8(ascii: "'"):
                true
            default: false
            }
        }
        var lineNumber = 0
        for line in text.utf8.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false) {
            lineNumber += 1
            var bytes = line.drop { $0 == UInt8(ascii: " ") || $0 == UInt8(ascii: "\t") }
            guard bytes.first == UInt8(ascii: "[") else { continue }
            bytes = bytes.dropFirst().drop { $0 == UInt8(ascii: " ") || $0 == UInt8(ascii: "\t") }
            if bytes.first == UInt8(ascii: "[") {
                bytes = bytes.dropFirst().drop { $0 == UInt8(ascii: " ") || $0 == UInt8(ascii: "\t") }
            }
            guard let first = bytes.first, isKeyStart(first) else { return lineNumber }
        }
        return nil
    }

    static func document(_ table: TOMLTable) -> [String: DocumentValue] {
        var values: [String: DocumentValue] = [:]
        for key in table.keys {
            if let value = table[key] { values[key] = convert(value) }
        }
        return values
    }

    static func convert(_ value: TOMLValueConvertible) -> DocumentValue {
        switch value.type {
        case .table: return value.table.map { .table(document($0)) } ?? .other("a table")
        case .array:
            guard let array = value.array else { return .other("an array") }
            return .array(array.map { convert($0) })
        case .string: return value.string.map(DocumentValue.string) ?? .other("a string")
        case .int: return value.int.map(DocumentValue.integer) ?? .other("an integer")
        case .double: return value.double.map(DocumentValue.number) ?? .other("a number")
        case .bool: return value.bool.map(DocumentValue.bool) ?? .other("a boolean")
        case .date:
            guard let date = value.date else { return .other("a date") }
            return .date(CalendarDay(year: date.year, month: date.month, day: date.day))
        case .time: return .other("a time")
        case .dateTime: return .other("a date-time")
        }
    }
}
