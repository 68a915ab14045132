// bench/decode: the MQTT payload decoder alone (what ingest's MQTT thread runs per message),
// compiled -O together with EnerTrackCore's sources as one module.
import Foundation

@main
struct DecodeBench {
    static func main() {
        let count = Int(CommandLine.arguments.dropFirst().first ?? "") ?? 2_000_000
        // With a form's name as the second argument, only that form (for instruction counts).
        let only = CommandLine.arguments.dropFirst(2).first
        let decoder = PayloadDecoder(prefix: "enertrack", tasmota: true)
        let now: Int64 = 1_795_773_600_000
        let forms: [(String, String, String)] = [
            ("json", "enertrack/ESP32_COCINA/data", #"{"voltage":230.1,"current":1.234,"power":283.9,"energy":1234.567,"frequency":50.0,"pf":0.98,"ts":1795773599}"#),
            ("plain", "enertrack/ESP32_COCINA/potencia", "283.9"),
            ("tasmota", "tele/tasmota_5A1B2C/SENSOR", #"{"Time":"2026-11-27T10:30:00","ENERGY":{"Total":123.456,"Power":150,"Factor":0.88,"Voltage":230,"Current":0.739}}"#),
            ("hostile-ts", "enertrack/ESP1/x", #"{"ts":"2026-11-27T09:59:00Z","power":1}"#),
        ]
        for (name, topic, payload) in forms where only == nil || only == name {
            let bytes = Array(payload.utf8)
            let runs = name == "tasmota" ? count / 10 : count
            var stored = 0
            let started = DispatchTime.now().uptimeNanoseconds
            bytes.withUnsafeBytes { buffer in
                for index in 0..<runs {
                    if let reading = try? decoder.decode(topic: topic, payload: buffer, receivedAt: now + Int64(index & 1023)) {
                        stored &+= reading.node.utf8.count
                    }
                }
            }
            let elapsed = Double(DispatchTime.now().uptimeNanoseconds - started)
            print("\(name.padding(toLength: 11, withPad: " ", startingAt: 0)) \(String(format: "%7.0f", elapsed / Double(runs))) ns/message  (\(runs) messages, \(stored > 0 ? "decoded" : "rejected"))")
        }
        for (name, run) in routerForms(now: now) where only == nil || only == name {
            let runs = name == "ingest-json" || name == "shelly-gen1" || name == "esphome" ? count : count / 10
            let started = DispatchTime.now().uptimeNanoseconds
            let stored = run(runs)
            let elapsed = Double(DispatchTime.now().uptimeNanoseconds - started)
            print("\(name.padding(toLength: 11, withPad: " ", startingAt: 0)) \(String(format: "%7.0f", elapsed / Double(runs))) ns/message  (\(runs) messages, \(stored > 0 ? "decoded" : "rejected"))")
        }
    }
}
