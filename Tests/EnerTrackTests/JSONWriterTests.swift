import EnerTrackCore
import EnerTrackKit
import Foundation
import Testing

/// The hot-path JSON writer: what it writes is JSON, reads back as the same values.
@Suite("JSON writer")
struct JSONWriterTests {
    @Test("strings with quotes, backslashes, controls and U+2028 read back; numbers are shortest; NaN is null")
    func roundTrip() throws {
        let hostile = "a\"b\\c\n\r\t\u{0}\u{1F}\u{2028}é😀</script>"
        var writer = JSONWriter()
        writer.raw("{")
        writer.key(hostile)
        writer.string(hostile)
        writer.raw(",\"n\":[")
        for (index, value) in [12.0, 230.1, -0.5, 1e300, .nan, .infinity].enumerated() {
            if index > 0 { writer.raw(",") }
            writer.number(value)
        }
        writer.raw("]}")
        let parsed = try #require(
            try JSONSerialization.jsonObject(with: Data(writer.text.utf8)) as? [String: Any])
        #expect(parsed[hostile] as? String == hostile)
        let numbers = try #require(parsed["n"] as? [Any])
        #expect((numbers[0] as? NSNumber)?.doubleValue == 12 && writer.text.contains("[12,230.1,-0.5,1e+300"))
        #expect(numbers[4] is NSNull && numbers[5] is NSNull)
        #expect(JSONValue.object(["b": .int(1), "a": .string("x")]).compact() == #"{"a":"x","b":1}"#)
    }
}
