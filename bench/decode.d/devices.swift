// bench/decode's forms through `MessageRouter` (what ingest runs since sources exist): the
// default router on EnerTrack's JSON, and each device decoder. Left out when the revision
// measured has no `Devices/` (bench/decode --before an older one).
import Foundation

func routerForms(now: Int64) -> [(name: String, run: (Int) -> Int)] {
    let sources = [
        MeterSource(name: "shelly2", filter: "+/status/+", decoder: .shellyGen2),
        MeterSource(name: "shelly1", filter: "shellies/#", decoder: .shellyGen1),
        MeterSource(name: "esp", filter: "+/sensor/+/state", decoder: .esphome, discoveryPrefix: "homeassistant"),
        MeterSource(name: "tasmota", filter: "tele/+/SENSOR", decoder: .tasmota),
    ]
    var plain = MessageRouter(sources: [], prefix: "enertrack", tasmota: true)
    var devices = MessageRouter(sources: sources, prefix: "enertrack")
    _ = try? devices.decode(
        topic: "homeassistant/sensor/pzem/pzem_voltage/config",
        payload: Array(#"{"dev_cla":"voltage","unit_of_meas":"V","stat_t":"pzem/sensor/pzem_voltage/state"}"#.utf8),
        receivedAt: now)
    func form(_ router: UnsafeMutablePointer<MessageRouter>, _ topic: String, _ payload: String) -> (Int) -> Int {
        { runs in
            var count = 0
            var topic = topic
            let bytes = Array(payload.utf8)
            topic.withUTF8 { topicBytes in
                bytes.withUnsafeBytes { payloadBytes in
                    for index in 0..<runs {
                        try? router.pointee.decode(
                            topic: UnsafeRawBufferPointer(topicBytes), payload: payloadBytes,
                            receivedAt: now + Int64(index & 1023)
                        ) { reading in count &+= reading.node.utf8.count }
                    }
                }
            }
            return count
        }
    }
    let plainRouter = UnsafeMutablePointer<MessageRouter>.allocate(capacity: 1)
    plainRouter.initialize(to: plain)
    let deviceRouter = UnsafeMutablePointer<MessageRouter>.allocate(capacity: 1)
    deviceRouter.initialize(to: devices)
    plain = plainRouter.pointee
    return [
        ("ingest-json", form(plainRouter, "enertrack/ESP32_COCINA/data", #"{"voltage":230.1,"current":1.234,"power":283.9,"energy":1234.567,"frequency":50.0,"pf":0.98,"ts":1795773599}"#)),
        ("shelly-gen2", form(deviceRouter, "shellypro3em-c8f09e8a1b2c/status/em:0", #"{"id":0,"a_act_power":2422.4,"a_aprt_power":2532.3,"a_current":10.839,"a_pf":0.96,"a_voltage":233.8,"b_act_power":408.0,"b_aprt_power":441.8,"b_current":1.865,"b_pf":-0.93,"b_voltage":236.9,"c_act_power":232.9,"c_aprt_power":270.4,"c_current":1.144,"c_pf":-0.87,"c_voltage":236.6,"n_current":null,"total_act_power":3063.295,"total_aprt_power":3244.558,"total_current":13.848}"#)),
        ("shelly-gen1", form(deviceRouter, "shellies/shellyem3-68C63AFAF952/emeter/0/power", "120.11")),
        ("esphome", form(deviceRouter, "pzem/sensor/pzem_voltage/state", "229.8")),
        ("tasmota-3ph", form(deviceRouter, "tele/tasmota_3ph/SENSOR", #"{"Time":"2025-02-16T21:28:28","ENERGY":{"Total":0,"Power":[1,0,0],"Factor":[0.16,0,0],"Frequency":[50,50,50],"Voltage":[230,230,230],"Current":[0.022,0,0]}}"#)),
    ]
}
