import EnerTrackCore
import Foundation
import Testing

@testable import EnerTrackKit

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

extension JSONWriterTests {
    @Test("times are ISO8601.format's text across DST changes, in any order, in several zones")
    func times() {
        var generator = SystemRandomNumberGenerator()
        for zone in ["Europe/Madrid", "America/St_Johns", "Australia/Lord_Howe", "Asia/Kathmandu", "UTC"] {
            let timeZone = TimeZone(identifier: zone)!
            // Every 7 minutes and 13.5 s across the spring and autumn changes of 2026, then random times.
            var times = Array(stride(from: Int64(1_774_000_000_000), to: 1_775_500_000_000, by: 433_500))
            times += Array(stride(from: Int64(1_792_000_000_000), to: 1_793_500_000_000, by: 433_500))
            times += (0..<2_000).map { _ in
                Int64.random(in: -62_135_596_800_000...253_402_300_799_999, using: &generator)
            }
            times += [Int64.min, Int64.max, 0, -1, 999, -62_135_596_800_001]
            // One writer over the whole run (its offset is reused), each time compared.
            var writer = JSONWriter()
            var mismatches: [String] = []
            for time in times {
                let before = writer.text.utf8.count
                writer.time(time, timeZone: timeZone)
                let written = String(writer.text.utf8.dropFirst(before)) ?? ""
                let expected = "\"" + ISO8601.format(milliseconds: time, timeZone: timeZone) + "\""
                if written != expected { mismatches.append("\(time): \(written) ≠ \(expected)") }
            }
            #expect(mismatches.isEmpty, "\(zone): \(mismatches.prefix(5))")
        }
    }
}

/// View models to JSON: `JSONValue(encoding:)`, what every front end sends.
@Suite("view model JSON")
struct ViewModelJSONTests {
    struct Inner: Codable, Equatable {
        var label: String
        var values: [Double]
    }

    struct Model: Codable, Equatable {
        var name: String
        var missing: String?
        var count: Int
        var when: Date?
        var inner: Inner?
        var list: [Inner]
        var flag: Bool

        enum CodingKeys: String, CodingKey {
            case name, missing, count
            case when = "at_time"
            case inner, list, flag
        }
    }

    @Test("keys from CodingKeys, sorted; nil written as null, never left out; dates ISO 8601 in the zone")
    func encoding() throws {
        let model = Model(
            name: "a\"b", missing: nil, count: 3, when: Date(timeIntervalSince1970: 1_764_806_400), inner: nil,
            list: [Inner(label: "x", values: [1, 2.5])], flag: true)
        let json = try JSONValue(encoding: model, timeZone: TimeZone(identifier: "Europe/Madrid")!).compact()
        #expect(
            json
                == #"{"at_time":"2025-12-04T01:00:00+01:00","count":3,"flag":true,"inner":null,"list":[{"label":"x","values":[1,2.5]}],"missing":null,"name":"a\"b"}"#,
            "\(json)")
        // Containers nested by hand (as some Codable types write themselves) land where they belong.
        struct Nested: Encodable {
            enum Keys: String, CodingKey { case a, b, c }
            func encode(to encoder: any Encoder) throws {
                var top = encoder.container(keyedBy: Keys.self)
                var inner = top.nestedContainer(keyedBy: Keys.self, forKey: .a)
                try inner.encode(1, forKey: .b)
                var list = top.nestedUnkeyedContainer(forKey: .b)
                try list.encode("x")
                var deeper = list.nestedContainer(keyedBy: Keys.self)
                try deeper.encode(true, forKey: .c)
                try list.encode("y")
                try top.encode("z", forKey: .c)
            }
        }
        let nested = try JSONValue(encoding: Nested()).compact()
        #expect(nested == #"{"a":{"b":1},"b":["x",{"c":true},"y"],"c":"z"}"#, "\(nested)")
        let empty = try JSONValue(encoding: [Model](), timeZone: .gmt).compact()
        #expect(empty == "[]")
        let reading = Reading(node: "N", time: 0, voltage: 230)
        let object = try JSONValue(encoding: ReadingJSON(reading, timeZone: .gmt)).compact()
        var writer = JSONWriter()
        writer.reading(reading, timeZone: .gmt)
        #expect(object == writer.text, "a reading is one JSON on every path")
    }

    @Test("a stacked chart written directly is its encoding; money in cents reads as the Decimal amount")
    func chartsAndCents() throws {
        let chart = StackedChart(
            unit: "€", labels: ["2026-11-01", "nov \"2\""],
            series: [
                .init(label: "Punta", values: [0.1, 12, 1e-7, 3.456_789]),
                .init(label: "Valle\n", values: [.nan, -2.5]),
                .init(label: "Potencia, cargos fijos e impuestos", values: [1, 2], other: true),
            ])
        #expect(chart.json == (try JSONValue(encoding: chart).compact()), "\(chart.json)")
        #expect(StackedChart(unit: "kWh", labels: [], series: []).json == #"{"labels":[],"series":[],"unit":"kWh"}"#)
        for language in Language.allCases {
            let words = Words(language)
            for cents: Int128 in [0, 1, 9, 10, 99, 100, 101, 12_345, -1, -99, -100, -12_345, 1_000_000_000_07] {
                #expect(
                    words.money(cents: cents, currency: "EUR") == words.money(Decimal(cents: cents), currency: "EUR"),
                    "\(cents) in \(language)")
            }
            #expect(words.money(cents: nil, currency: "USD") == "–")
            #expect(words.money(cents: -5, currency: "USD") == (language == .es ? "-0,05 USD" : "-0.05 USD"))
        }
    }

    @Test("a view model that writes itself writes what its encoding writes")
    func writablesAreTheirEncoding() throws {
        let node = Node(
            id: 1, espID: "ESP \"1\"", name: nil, description: nil, isActive: true, createdAt: Date(),
            lastSeen: Date(timeIntervalSince1970: 1_764_806_400))
        let assignment = Assignment(
            username: "ana", espID: node.espID, nodeName: nil, isActive: true, location: "Cocina\nnorte",
            assignedAt: Date(), lastAccess: nil)
        var other = NodeSummary(
            NodeView(assignment: assignment, node: node, status: .noData, latest: nil), timeZone: .gmt)
        other.name = "Taller"
        other.lastSeen = nil
        let summaries = [
            NodeSummary(NodeView(assignment: assignment, node: node, status: .active, latest: nil), timeZone: .gmt),
            other,
        ]
        for value in [summaries, [], Array(summaries.prefix(1))] {
            var writer = JSONWriter()
            value.write(to: &writer)
            #expect(writer.text == (try JSONValue(encoding: value).compact()), "\(writer.text)")
        }
    }
}
