import EnerTrackCore
import Foundation
import Testing

@Suite("Device payloads: Shelly Gen1 and Gen2, ESPHome, Tasmota")
struct DeviceDecoderTests {
    let now: Int64 = 1_780_000_000_000

    @Test("every fixture decodes to the readings stated by hand", arguments: DeviceFixtures.all.map(\.file))
    func fixture(_ file: String) throws {
        let expected = try #require(DeviceFixtures.all.first { $0.file == file }?.expected)
        var router = MessageRouter(sources: DeviceFixtures.sources, prefix: "enertrack")
        var readings: [Reading] = []
        for message in try DeviceFixtures.messages(file, ts: now / 1000 - 2) {
            readings += try router.decode(topic: message.topic, payload: Array(message.payload.utf8), receivedAt: now)
        }
        #expect(DeviceFixtures.differences(DeviceFixtures.merged(readings), expected) == [])
    }

    @Test("NotifyStatus takes the frame's ts; a status topic the arrival second")
    func times() throws {
        var router = MessageRouter(sources: DeviceFixtures.sources, prefix: "enertrack")
        let notify = try #require(try DeviceFixtures.messages("shelly-pro3em-notify", ts: now / 1000 - 2).first)
        let stamped = try router.decode(topic: notify.topic, payload: Array(notify.payload.utf8), receivedAt: now + 345)
        #expect(stamped.map(\.time) == [now - 2000])
        let status = try #require(try DeviceFixtures.messages("shelly-pro3em-status").first)
        let arrived = try router.decode(topic: status.topic, payload: Array(status.payload.utf8), receivedAt: now + 345)
        #expect(arrived.map(\.time) == [now])
    }

    @Test("what a device might send wrongly is rejected with a reason, never a trap")
    func hostile() throws {
        var router = MessageRouter(sources: DeviceFixtures.sources, prefix: "enertrack")
        for message in try DeviceFixtures.messages("esphome") {  // the discovery messages
            _ = try router.decode(topic: message.topic, payload: Array(message.payload.utf8), receivedAt: now)
        }
        let cases: [(String, String, RejectReason)] = [
            ("x/status/em:0", "{\"a_voltage\":\"high\"}", .notANumber),
            ("x/status/em:0", "{\"a_voltage\":5000}", .outOfRange),
            ("x/status/emdata:0", "{\"total_act\":-5}", .negativeEnergy),
            ("x/status/em:0", "[1,2]", .badJSON),
            ("x/status/em:0", "{", .badJSON),
            ("x y/status/em:0", "{\"a_voltage\":230}", .badNode),
            ("x/events/rpc", "{\"method\":\"NotifyStatus\",\"params\":{\"ts\":1e300}}", .badTimestamp),
            ("shellies/shellyem3-1/emeter/7/power", "1", .badTopic),
            ("shellies/shellyem3-1/emeter/0/power", "watts", .notANumber),
            ("shellies/shellyem3-1/emeter/0/total", "-1", .negativeEnergy),
            ("c3-debug/sensor/never_seen/state", "1", .unknownQuantity),
            ("tele/t/SENSOR", "{\"ENERGY\":{\"Power\":[1,2,3,4]}}", .outOfRange),
            ("tele/t/SENSOR", "{\"ENERGY\":{\"Voltage\":[1,\"x\"]}}", .notANumber),
            ("tele/t/SENSOR", "{\"StatusSNS\":{}}", .empty),
            ("nobody/listens/here", "1", .badTopic),
        ]
        for (topic, payload, reason) in cases {
            #expect(throws: Rejection.self, "\(topic) \(payload)") {
                _ = try router.decode(topic: topic, payload: Array(payload.utf8), receivedAt: now)
            }
            do {
                _ = try router.decode(topic: topic, payload: Array(payload.utf8), receivedAt: now)
            } catch {
                #expect(error.reason == reason, "\(topic) \(payload): \(error)")
            }
        }
        // Things a device sends that measure nothing: no reading, no rejection.
        for (topic, payload) in [
            ("x/status/switch:0", "{\"output\":true}"), ("x/events/rpc", "{\"method\":\"NotifyEvent\",\"params\":{}}"),
            ("shellies/shellyem3-1/online", "true"), ("shellies/shellyem-1/emeter/0/energy", "12"),
            ("c3-debug/sensor/uptime/state", "1"),
        ] {
            #expect(try router.decode(topic: topic, payload: Array(payload.utf8), receivedAt: now).isEmpty)
        }
    }

    @Test("ESPHome by hand: --map wins over discovery, units convert, an unmapped sensor is refused naming why")
    func esphomeMap() throws {
        let map = [
            "kwh": try SensorMapping(parsing: "energy:Wh"), "fase_a": try SensorMapping(parsing: "current_l1:mA"),
        ]
        var router = MessageRouter(
            sources: [MeterSource(name: "esp", filter: "taller/#", decoder: .esphome, map: map)], prefix: "enertrack")
        // A discovery message saying otherwise loses to the map.
        _ = try router.decode(
            topic: "taller/sensor/kwh/config",
            payload: Array(#"{"dev_cla":"power","stat_t":"taller/sensor/kwh/state"}"#.utf8),
            receivedAt: now)
        let energy = try router.decode(topic: "taller/sensor/kwh/state", payload: Array("15234".utf8), receivedAt: now)
        #expect(energy.first?.energy == 15.234)
        let current = try router.decode(
            topic: "taller/sensor/fase_a/state", payload: Array("1250".utf8), receivedAt: now)
        #expect(current.first?[.currentL1] == 1.25 && current.first?.node == "taller")
        #expect(throws: Rejection.self) {
            _ = try router.decode(topic: "taller/sensor/otro/state", payload: Array("1".utf8), receivedAt: now)
        }
        #expect(throws: SourceError.self) { _ = try SensorMapping(parsing: "energy:J") }
        #expect(throws: SourceError.self) { _ = try SensorMapping(parsing: "volts") }
    }

    @Test("per-phase names, a CSV-style row with only phases gets its totals, topic filters match as MQTT says")
    func phasesAndFilters() throws {
        for (name, quantity) in [
            ("voltage_l1", Quantity.voltageL1), ("tension_l2", .voltageL2), ("a_current", .currentL1),
            ("potencia_fase3", .powerL3), ("pf_l2", .pfL2), ("fase1_corriente", .currentL1), ("c_pf", .pfL3),
        ] {
            #expect(Quantity(name: name) == quantity, "\(name)")
            #expect(Quantity.match(Array(name.utf8)) == quantity, "\(name)")
        }
        var reading = Reading(node: "T", time: now)
        reading[.powerL1] = 100
        reading[.powerL2] = 200
        #expect(Reading.completingTotals([reading]).first?.power == nil)  // two phases: no total
        reading[.powerL3] = 300
        reading.power = 590  // the device's total wins
        #expect(Reading.completingTotals([reading]).first?.power == 590)
        reading.power = nil
        #expect(Reading.completingTotals([reading]).first?.power == 600)

        func matches(_ topic: String, _ filter: String) -> Bool {
            var topic = topic
            return topic.withUTF8 {
                TopicFilter.matches(UnsafeRawBufferPointer($0), levels: TopicFilter.levels(filter))
            }
        }
        #expect(matches("a/b/c", "a/#") && matches("a", "a/#") && matches("a/b/c", "+/b/+"))
        #expect(!matches("a/b", "+/b/+") && !matches("$SYS/x", "#") && !matches("a/b/c/d", "a/+/c"))
        #expect(
            TopicFilter.problem("a/#/b") != nil && TopicFilter.problem("a+/b") != nil
                && TopicFilter.problem("a/+/#") == nil)
    }
}
