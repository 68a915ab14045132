import Foundation

/// An in-place scanner for the JSON meters send: one object whose values are numbers, strings
/// without escapes, booleans or null. It answers false for anything else (nesting, escapes,
/// or text that is not JSON), and the caller then asks JSONSerialization, which has the last word.
enum FlatJSON {
    /// Calls `visit` for each key and value in order; stops and answers false when `visit` does.
    static func scan(
        _ bytes: Slice<UnsafeRawBufferPointer>, _ visit: (PayloadDecoder.FlatKey, PayloadDecoder.FlatValue) -> Bool
    ) -> Bool {
        var cursor = Cursor(bytes: bytes, at: bytes.startIndex, end: bytes.endIndex)
        cursor.skipSpace()
        guard cursor.take(0x7B) else { return false }  // {
        cursor.skipSpace()
        if cursor.take(0x7D) {  // }
            cursor.skipSpace()
            return cursor.atEnd
        }
        while true {
            cursor.skipSpace()
            guard let key = cursor.string() else { return false }
            cursor.skipSpace()
            guard cursor.take(0x3A) else { return false }  // :
            cursor.skipSpace()
            guard let value = cursor.value(), visit(PayloadDecoder.FlatKey(bytes: key), value) else { return false }
            cursor.skipSpace()
            if cursor.take(0x2C) { continue }  // ,
            guard cursor.take(0x7D) else { return false }
            cursor.skipSpace()
            return cursor.atEnd
        }
    }

    /// A position in the bytes, moved by what it reads.
    struct Cursor {
        let bytes: Slice<UnsafeRawBufferPointer>
        var at: Int
        let end: Int

        var atEnd: Bool { at == end }

        /// Steps over `byte` when it is next.
        mutating func take(_ byte: UInt8) -> Bool {
            guard at < end, bytes[at] == byte else { return false }
            at += 1
            return true
        }

        mutating func skipSpace() {
            while at < end, bytes[at] == 0x20 || bytes[at] == 0x0A || bytes[at] == 0x0D || bytes[at] == 0x09 { at += 1 }
        }

        /// A string without escapes or control characters (those are Foundation's job).
        mutating func string() -> Slice<UnsafeRawBufferPointer>? {
            guard at < end, bytes[at] == 0x22 else { return nil }
            let start = at + 1
            var index = start
            while index < end, bytes[index] != 0x22 {
                if bytes[index] == 0x5C || bytes[index] < 0x20 { return nil }
                index += 1
            }
            guard index < end else { return nil }
            at = index + 1
            return bytes[start..<index]
        }

        mutating func digits() -> Bool {
            let start = at
            while at < end, bytes[at] >= 0x30, bytes[at] <= 0x39 { at += 1 }
            return at > start
        }

        /// A JSON number.
        mutating func number() -> Double? {
            let start = at
            _ = take(0x2D)  // -
            guard at < end, bytes[at] >= 0x30, bytes[at] <= 0x39 else { return nil }
            if !take(0x30) { _ = digits() }
            if take(0x2E) { guard digits() else { return nil } }  // .
            if take(0x65) || take(0x45) {  // e E
                if !take(0x2B) { _ = take(0x2D) }
                guard digits() else { return nil }
            }
            let text = bytes[start..<at]
            return FastDecimal.parse(text) ?? Double(String(decoding: text, as: UTF8.self))
        }

        mutating func literal(_ word: StaticString) -> Bool {
            let count = word.utf8CodeUnitCount
            let utf8 = UnsafeBufferPointer(start: word.utf8Start, count: count)
            guard end - at >= count, bytes[at..<(at + count)].elementsEqual(utf8) else { return false }
            at += count
            return true
        }

        /// A string, a number, `true`, `false` or `null`; nil for anything else.
        mutating func value() -> PayloadDecoder.FlatValue? {
            guard at < end else { return nil }
            switch bytes[at] {
            case 0x22: return string().map { .text($0) }
            case 0x74: return literal("true") ? .other(true) : nil
            case 0x66: return literal("false") ? .other(false) : nil
            case 0x6E: return literal("null") ? .other(NSNull()) : nil
            default: return number().map { .number($0) }
            }
        }
    }
}
