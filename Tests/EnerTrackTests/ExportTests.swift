import EnerTrackCore
import Foundation
import Testing

/// The export counter on every input path, and power integrated both ways.
@Suite("energy both ways: the export counter and signed power")
struct ExportTests {
    let payloads = PayloadTests()

    @Test("energy_export by every name, in topics and JSON; Tasmota's ExportActive; never negative")
    func names() throws {
        for name in ["energy_export", "export", "energia_exportada", "energia_vertida", "Energia_Vertida"] {
            let reading = try payloads.decode("enertrack/ESP32_RED/\(name)", "12.5")
            #expect(reading.energyExport == 12.5 && reading.values.count == 1, "\(name)")
        }
        let json = try payloads.decode(
            "enertrack/ESP32_RED/data", #"{"energia": 100.5, "energia_vertida": 40.25, "potencia": -1200}"#)
        #expect(json.energy == 100.5 && json.energyExport == 40.25 && json.power == -1200)
        let tasmota = try payloads.decode(
            "tele/tasmota_RED/SENSOR",
            #"{"Time":"2026-11-27T11:00:00","ENERGY":{"Total":120.5,"ExportActive":33.1,"Power":-850,"Voltage":231}}"#)
        #expect(tasmota.energy == 120.5 && tasmota.energyExport == 33.1 && tasmota.power == -850)
        #expect(payloads.reason("enertrack/ESP32_RED/energy_export", "-1") == .negativeEnergy)
        #expect(payloads.reason("enertrack/ESP32_RED/export", "nan") != nil)
    }

    @Test("CSV and line protocol carry the export counter")
    func importLines() throws {
        let now = Date(milliseconds: 1_795_773_700_000)
        var csv = ImportParser(format: .csv, now: now)
        #expect(try csv.parse("time,node,energy,energia_vertida") == nil)
        #expect(try csv.parse("2026-11-27T10:00:00Z,ESP32_RED,10,4")?.energyExport == 4)
        var lines = ImportParser(format: .lineProtocol, now: now)
        let point = try lines.parse("energy,node=ESP32_RED energy=10,energy_export=4.5 1795773600000000000")
        #expect(point?.energyExport == 4.5 && point?.energy == 10)
    }

    /// Power only, every minute: +2 kW for 10 minutes, then a line down to −2 kW over 2 minutes
    /// (crossing zero half way), then −2 kW for 10 minutes.
    /// Import: 2 × 10/60 + the triangle 2 × 1/60 / 2 = 0.3500 kWh; export the same.
    @Test("a meter without counters: positive power is import, negative power export, split where it crosses zero")
    func signedPower() {
        let start: Int64 = 1_795_773_600_000
        var readings: [Reading] = []
        for minute in 0...22 {
            let power: Double =
                minute <= 10 ? 2000 : minute >= 12 ? -2000 : 0
            readings.append(Reading(node: "P", time: start + Int64(minute) * 60_000, power: power))
        }
        let buckets = EnergyBuckets.from(readings)
        let (kwh, exported, _) = buckets.totals(from: start, to: start + 3_600_000)
        #expect(abs(kwh - 0.35) < 1e-9, "import \(kwh)")
        #expect(abs(exported - 0.35) < 1e-9, "export \(exported)")
        // All positive: exactly the figure it always had.
        let positive = (0...4).map { Reading(node: "P", time: start + Int64($0) * 60_000, power: 1200) }
        let before = EnergyBuckets.from(positive).totals(from: start, to: start + 3_600_000)
        #expect(abs(before.kwh - 0.08) < 1e-12 && before.exportKwh == 0)
    }

    @Test("an import counter with no export counter exports nothing it cannot tell")
    func importCounterOnly() {
        let start: Int64 = 1_795_773_600_000
        let readings = (0...10).map {
            Reading(node: "G", time: start + Int64($0) * 60_000, power: -500, energy: 10 + Double($0) / 100)
        }
        let totals = EnergyBuckets.from(readings).totals(from: start, to: start + 3_600_000)
        #expect(abs(totals.kwh - 0.1) < 1e-9 && totals.exportKwh == 0)
    }
}
