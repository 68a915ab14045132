import EnerTrackCore
import Foundation
import Testing

@Suite("MQTT payloads, import lines and timestamps")
struct PayloadTests {
    let decoder = PayloadDecoder(prefix: "enertrack", tasmota: true)
    /// 2026-11-27T10:00:00.700Z
    let arrival: Int64 = 1_795_773_600_700

    func decode(_ topic: String, _ payload: String) throws(Rejection) -> Reading {
        let bytes = Array(payload.utf8)
        let result: Result<Reading, Rejection> = bytes.withUnsafeBytes { buffer in
            do throws(Rejection) {
                return .success(try decoder.decode(topic: topic, payload: buffer, receivedAt: arrival))
            } catch {
                return .failure(error)
            }
        }
        return try result.get()
    }

    func reason(_ topic: String, _ payload: String) -> RejectReason? {
        do {
            _ = try decode(topic, payload)
            return nil
        } catch {
            return error.reason
        }
    }

    @Test("per-quantity topics in English and Spanish, timestamped to the arrival second")
    func perQuantity() throws {
        let cases: [(String, Quantity)] = [
            ("voltage", .voltage), ("voltaje", .voltage), ("tension", .voltage), ("current", .current),
            ("corriente", .current), ("power", .power), ("potencia", .power), ("energy", .energy), ("energia", .energy),
            ("pf", .pf), ("factor_potencia", .pf), ("fp", .pf), ("frequency", .frequency), ("frecuencia", .frequency),
        ]
        for (name, quantity) in cases {
            let reading = try decode("enertrack/ESP32_A/\(name)", " 0.5\n")
            #expect(reading.node == "ESP32_A")
            #expect(reading.time == 1_795_773_600_000, "same second → same row")
            #expect(reading[quantity] == 0.5, "\(name)")
            #expect(reading.values.count == 1)
        }
    }

    @Test("a burst of per-quantity messages keeps its first second across a second boundary; a repeat opens the next")
    func bursts() throws {
        var bursts = QuantityBursts()
        func stamp(_ node: String, _ topic: String, _ at: Int64) throws -> Int64 {
            let bytes = Array("1".utf8)
            let topicBytes = Array("enertrack/\(node)/\(topic)".utf8)
            return try bytes.withUnsafeBytes { payload in
                try topicBytes.withUnsafeBytes { topic in
                    try decoder.decode(topic: topic, payload: payload, receivedAt: at, bursts: &bursts).time
                }
            }
        }
        let second: Int64 = 1_795_773_600_000
        #expect(try stamp("A", "tension", second + 900) == second)
        #expect(try stamp("A", "potencia", second + 1_050) == second, "straddles the boundary: same row")
        #expect(try stamp("B", "power", second + 1_060) == second + 1_000, "another node has its own burst")
        #expect(try stamp("A", "energia", second + 1_200) == second)
        #expect(try stamp("A", "voltage", second + 1_300) == second + 1_000, "a repeated quantity opens the next")
        #expect(try stamp("A", "power", second + 2_350) == second + 2_000, "a second after the opening: the next")
        #expect(try stamp("A", "pf", second + 1_900) == second + 1_000, "a clock step back opens a new burst")
        // A flood of invented node ids cannot grow the map past its capacity: the ones beyond
        // it take their arrival second; closed bursts make room again.
        var small = QuantityBursts(capacity: 4)
        for index in 0..<100 { _ = small.stamp(node: "N\(index)", quantity: .power, at: second + 900 + Int64(index)) }
        #expect(small.stamp(node: "N2", quantity: .energy, at: second + 1_100) == second, "remembered")
        #expect(small.stamp(node: "N50", quantity: .energy, at: second + 1_100) == second + 1_000, "beyond capacity")
        #expect(small.stamp(node: "late", quantity: .energy, at: second + 5_900) == second + 5_000)
        #expect(small.stamp(node: "late", quantity: .power, at: second + 6_100) == second + 5_000, "room again")
    }

    @Test("JSON objects: any subtopic, Spanish keys, ts in s, ms or ISO 8601, extra keys ignored")
    func json() throws {
        let plain = try decode(
            "enertrack/ESP1/data",
            #"{"voltage": 230.5, "corriente": 1.5, "potencia": 345, "energia": 12.25, "fp": 0.98, "frecuencia": 50, "rssi": -60}"#
        )
        #expect(
            plain
                == Reading(
                    node: "ESP1", time: arrival, voltage: 230.5, current: 1.5, power: 345, energy: 12.25, pf: 0.98,
                    frequency: 50))
        #expect(try decode("enertrack/ESP1/x", #"{"power": 1, "ts": 1795773000}"#).time == 1_795_773_000_000)
        #expect(try decode("enertrack/ESP1/x", #"{"power": 1, "ts": 1795773000123}"#).time == 1_795_773_000_123)
        #expect(try decode("enertrack/ESP1/x", #"{"power": 1, "ts": 1795773000.5}"#).time == 1_795_773_000_500)
        #expect(
            try decode("enertrack/ESP1/x", #"{"power": 1, "ts": "2026-11-27T11:00:00+01:00"}"#).time
                == 1_795_773_600_000)
        #expect(try decode("enertrack/ESP1/x", #"{"power": "12.5"}"#).power == 12.5)
        // What the in-place scanner leaves to Foundation: nesting, escapes, arrays.
        #expect(
            try decode("enertrack/ESP1/x", #"{"power": 1.5e3, "meta": {"fw": "1.2"}, "tags": [1, 2]}"#).power == 1500)
        #expect(try decode("enertrack/ESP1/x", #"{"name": "caf\u00e9 \"A\"", "energia": 7}"#).energy == 7)
        #expect(try decode("enertrack/ESP1/x", " {\n\t\"voltage\" : -0.0 ,\"ok\":true,\"x\":null}\n").voltage == 0)
    }

    @Test("Tasmota SENSOR with --tasmota")
    func tasmota() throws {
        let reading = try decode(
            "tele/tasmota_5C1F/SENSOR",
            #"{"Time":"2026-11-27T11:00:00","ENERGY":{"TotalStartTime":"2025-01-01T00:00:00","Total":123.456,"Yesterday":1.2,"Today":0.3,"Power":250,"ApparentPower":260,"ReactivePower":30,"Factor":0.96,"Voltage":231,"Current":1.13,"Frequency":50}}"#
        )
        #expect(
            reading
                == Reading(
                    node: "tasmota_5C1F", time: 1_795_773_600_000, voltage: 231, current: 1.13, power: 250,
                    energy: 123.456, pf: 0.96, frequency: 50))
        let off = PayloadDecoder(prefix: "enertrack")
        #expect(off.topicFilters == ["enertrack/#"])
        #expect(decoder.topicFilters == ["enertrack/#", "tele/+/SENSOR"])
    }

    @Test("every malformed payload is rejected with its reason, never a crash")
    func rejections() {
        #expect(reason("enertrack/ESP1/power", "abc") == .notANumber)
        #expect(reason("enertrack/ESP1/power", "") == .notANumber)
        #expect(reason("enertrack/ESP1/power", "0x10") == .notANumber)
        #expect(reason("enertrack/ESP1/power", "NaN") == .notFinite)
        #expect(reason("enertrack/ESP1/power", "inf") == .notFinite)
        #expect(reason("enertrack/ESP1/power", "-Infinity") == .notFinite)
        #expect(reason("enertrack/ESP1/energy", "-1") == .negativeEnergy)
        #expect(reason("enertrack/ESP1/voltage", "50000") == .outOfRange)
        #expect(reason("enertrack/ESP1/pf", "1.5") == .outOfRange)
        #expect(reason("enertrack/ESP1/data", #"{"power": 1"#) == .badJSON)
        #expect(reason("enertrack/ESP1/data", #"{"power": true}"#) == .notANumber)
        #expect(reason("enertrack/ESP1/data", #"{"power": 1} trailing"#) == .badJSON)
        #expect(reason("enertrack/ESP1/data", #"{"power": [1]}"#) == .notANumber)
        #expect(reason("enertrack/ESP1/data", #"{"rssi": -60}"#) == .empty)
        #expect(reason("enertrack/ESP1/data", #"{"power": 1, "ts": 12345}"#) == .badTimestamp)
        #expect(reason("enertrack/ESP1/data", #"{"power": 1, "ts": "yesterday"}"#) == .badTimestamp)
        #expect(reason("enertrack/ESP1/data", #"{"power": 1, "ts": 4102444800}"#) == .future)
        #expect(reason("enertrack/ESP1/data", "{" + String(repeating: " ", count: 70_000) + "}") == .tooLarge)
        #expect(reason("enertrack/ESP1", "1") == .badTopic)
        #expect(reason("enertrack/ESP1/a/power", "1") == .badTopic)
        #expect(reason("other/ESP1/power", "1") == .badTopic)
        #expect(reason("enertrack/ESP 1/power", "1") == .badNode)
        #expect(reason("enertrack//power", "1") == .badNode)
        #expect(reason("enertrack/ESP1/status", "online") == .unknownQuantity)
        #expect(reason("tele/dev/SENSOR", #"{"Time":"x"}"#) == .empty)
        // Binary garbage.
        let garbage: [UInt8] = [0xFF, 0xFE, 0x00, 0x7B, 0x80]
        let rejected = garbage.withUnsafeBytes { buffer in
            (try? decoder.decode(topic: "enertrack/ESP1/data", payload: buffer, receivedAt: arrival)) == nil
        }
        #expect(rejected)
    }

    @Test("a multi-level prefix")
    func prefix() throws {
        let site = PayloadDecoder(prefix: "site/enertrack")
        let reading = Array("7".utf8).withUnsafeBytes { buffer in
            try? site.decode(topic: "site/enertrack/ESP9/power", payload: buffer, receivedAt: arrival)
        }
        #expect(reading?.node == "ESP9" && reading?.power == 7)
    }

    @Test("readings merge field by field; the later value wins")
    func coalesce() {
        let merged = Reading.coalesce([
            Reading(node: "A", time: 1, voltage: 230), Reading(node: "B", time: 1, power: 5),
            Reading(node: "A", time: 1, current: 2), Reading(node: "A", time: 1, voltage: 231),
        ])
        #expect(
            merged == [Reading(node: "A", time: 1, voltage: 231, current: 2), Reading(node: "B", time: 1, power: 5)])
    }

    @Test("line protocol: escaping round trip, exports in ns, comments and DDL skipped")
    func lineProtocol() throws {
        var out: [UInt8] = []
        LineProtocol.append(
            Reading(node: "ESP 1,x=y", time: 1_795_773_600_000, voltage: 230, power: 0.5), measurement: "my energy",
            to: &out)
        let line = String(decoding: out, as: UTF8.self)
        #expect(line == "my\\ energy,node=ESP\\ 1\\,x\\=y voltage=230.0,power=0.5 1795773600000\n")
        let point = try LineProtocol.parse(line.dropLast()[...])
        #expect(point?.measurement == "my energy" && point?.tags["node"] == "ESP 1,x=y")
        #expect(point?.fields == ["voltage": 230, "power": 0.5])

        var parser = ImportParser(format: .lineProtocol, now: Date(timeIntervalSince1970: 1_795_773_600))
        #expect(try parser.parse("# DDL") == nil)
        #expect(try parser.parse("CREATE DATABASE enertrack WITH NAME autogen") == nil)
        let exported = try parser.parse(
            #"energy,nodo=ESP7 voltaje=229.5,potencia=120i,estado="ok" 1795773000000000000"#)
        #expect(exported == Reading(node: "ESP7", time: 1_795_773_000_000, voltage: 229.5, power: 120))
        #expect(throws: Rejection.self) { try parser.parse("energy voltage=1 1795773000") }  // no node tag
        #expect(throws: Rejection.self) { try parser.parse("energy,node=A voltage=x 1795773000") }
        #expect(throws: Rejection.self) { try parser.parse("energy,node=A voltage=1") }  // no timestamp
    }

    @Test("CSV: header with any subset and order of quantities, ISO or unix times, quoted cells")
    func csv() throws {
        var parser = ImportParser(format: .csv, now: Date(timeIntervalSince1970: 1_795_773_600))
        #expect(try parser.parse("time,node,potencia,energy") == nil)
        #expect(
            try parser.parse("2026-11-27T10:00:00Z,ESP1,100,5.5")
                == Reading(node: "ESP1", time: 1_795_773_600_000, power: 100, energy: 5.5))
        #expect(
            try parser.parse("1795773600,\"ESP1\",,5.5\r")
                == Reading(node: "ESP1", time: 1_795_773_600_000, energy: 5.5))
        #expect(try parser.parse("1795773600250,ESP1,1,") == Reading(node: "ESP1", time: 1_795_773_600_250, power: 1))
        #expect(throws: Rejection.self) { try parser.parse("2026-11-27T10:00:00Z,ESP1,100") }
        #expect(throws: Rejection.self) { try parser.parse("2026-11-27T10:00:00Z,ESP1,,-3") }
        #expect(throws: Rejection.self) { try parser.parse("2026-11-27T10:00:00Z,ESP1,,") }
        var headless = ImportParser(format: .csv)
        #expect(throws: Rejection.self) { try headless.parse("a,b,c") }
        #expect(ImportParser.detect(firstLine: "time,node,power") == .csv)
        #expect(ImportParser.detect(firstLine: "energy,node=A power=1 1") == .lineProtocol)
    }

    @Test("ISO 8601 parsing and formatting in the site zone, DST included")
    func iso8601() throws {
        let madrid = try #require(TimeZone(identifier: "Europe/Madrid"))
        #expect(ISO8601.format(milliseconds: 1_795_773_600_000, timeZone: madrid) == "2026-11-27T11:00:00+01:00")
        #expect(ISO8601.format(milliseconds: 1_795_773_600_250, timeZone: .gmt) == "2026-11-27T10:00:00.250Z")
        #expect(ISO8601.format(milliseconds: 1_782_900_000_000, timeZone: madrid) == "2026-07-01T12:00:00+02:00")
        #expect(ISO8601.parse("2026-11-27T11:00:00+01:00")?.timeIntervalSince1970 == 1_795_773_600)
        #expect(ISO8601.parse("2026-11-27 10:00:00.5Z")?.timeIntervalSince1970 == 1_795_773_600.5)
        #expect(ISO8601.parse("2026-11-27T10:00:00+0000")?.timeIntervalSince1970 == 1_795_773_600)
        #expect(ISO8601.parse("2026-11-27")?.timeIntervalSince1970 == 1_795_737_600)
        #expect(ISO8601.parse("2026-13-01") == nil)
        #expect(ISO8601.parse("2026-11-27T10:00:00 junk") == nil)
        #expect(ISO8601.parse("2026-11-27", localIn: madrid)?.timeIntervalSince1970 == 1_795_734_000)
        #expect(ISO8601.parse("2026-07-01T12:00", localIn: madrid)?.timeIntervalSince1970 == 1_782_900_000)
        #expect(ISO8601.parse("2026-07-01T12:00Z", localIn: madrid)?.timeIntervalSince1970 == 1_782_907_200)
    }
}

@Suite("Fast decimal parsing")
struct FastDecimalTests {
    @Test("gives strtod's bits for meter-style numbers, and gives up where it cannot")
    func sameBits() throws {
        var generator = SystemRandomNumberGenerator()
        var samples = [
            "0", "-0", "0.0", "-0.0", "230.1", "0.98", "49.99", "12345.6789", "1e3", "1.5E-3", "-17.25e+2",
            "0.1", "0.2", "0.30000000000000004", "9007199254740991", "123456789012345678", "1e22", "1e-22", "3.14159",
        ]
        for _ in 0..<20_000 {
            let value = Double.random(in: -100_000...100_000, using: &generator)
            samples.append(String(format: "%.\(Int.random(in: 0...6, using: &generator))f", value))
        }
        for text in samples {
            let expected = try #require(Double(text))
            let bytes = Array(text.utf8)
            if let fast = PayloadDecoder.number(bytes) {
                #expect(fast.bitPattern == expected.bitPattern, "\(text)")
            }
        }
        #expect(PayloadDecoder.number(Array("1e400".utf8)) == .infinity)
        #expect(PayloadDecoder.number(Array("12345678901234567890123".utf8)) == 12345678901234567890123.0)
    }
}
