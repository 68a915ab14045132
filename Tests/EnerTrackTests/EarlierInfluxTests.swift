import EnerTrackCore
import Foundation
import Testing

/// Readings the earlier deployment left in InfluxDB, under names of its own: found by detection
/// (or named by settings), read where they are by reports and rollups, and new readings written
/// beside them under the same names.
@Suite("Drop-in: the earlier deployment's InfluxDB data")
struct EarlierInfluxTests {
    static let start: Int64 = 1_780_000_200_000  // 2026-05-28 20:30 UTC, on the quarter hour

    /// Two hours of a meter at 460 W, one reading a minute, as the earlier deployment might have written them.
    static func seed(url: String, database: String) throws {
        _ = try shell(
            "/usr/bin/curl", ["-sf", "-XPOST", "\(url)/query", "--data-urlencode", "q=CREATE DATABASE \(database)"])
        var lines = ""
        for minute in 0...120 {
            let energy = 10 + Double(minute) * 0.46 / 60
            lines +=
                "mediciones,espid=ESP_OLD voltaje=230.0,corriente=2.0,potencia=460.0,energia=\(energy),factor_potencia=0.95,frecuencia=50.0 \(start + Int64(minute) * 60_000)\n"
        }
        _ = try shell(
            "/usr/bin/curl", ["-sf", "-XPOST", "\(url)/write?db=\(database)&precision=ms", "--data-binary", "@-"],
            stdin: lines)
    }

    static func query(url: String, database: String, _ text: String) throws -> String {
        try shell(
            "/usr/bin/curl",
            ["-sf", "-G", "\(url)/query", "--data-urlencode", "db=\(database)", "--data-urlencode", "q=\(text)"])
    }

    @Test("detected: Spanish fields and an espid tag are read by reports and rollups, and new readings go beside them")
    func detected() async throws {
        let url = try TestServers.influxURL()
        let database = TestServers.freshInfluxDatabase()
        try Self.seed(url: url, database: database)
        let harness = try Harness(environment: [
            "INFLUX_URL": url, "INFLUX_DB": database, "INFLUX_MEASUREMENT": "mediciones", "TZ": "UTC",
        ])
        #expect(await harness.run(["node", "add", "ESP_OLD"]).status == 0)

        let status = try await harness.run(["db", "status", "--json"]).objects()[0]
        let layout = status["series_layout"] as? [String] ?? []
        #expect(
            layout.contains(
                "mediciones: tags espid; fields corriente, energia, factor_potencia, frecuencia, potencia, voltaje"),
            "\(layout)")
        #expect(
            layout.contains(
                "uses: measurement mediciones, node tag espid, fields voltage=voltaje, current=corriente, power=potencia, energy=energia, pf=factor_potencia, frequency=frecuencia, energy_export=energy_export"
            ), "\(layout)")

        let from = String(Self.start / 1000)
        let to = String(Self.start / 1000 + 7200)
        let readings = try await harness.run([
            "report", "readings", "--node", "ESP_OLD", "--from", from, "--to", to, "--json",
        ]).objects()
        #expect(readings.count == 120)
        #expect(readings.first?["power"] as? Double == 460 && readings.first?["voltage"] as? Double == 230)

        #expect(await harness.run(["db", "rollup", "--rebuild"]).status == 0)
        let consumption = await harness.run([
            "report", "consumption", "--node", "ESP_OLD", "--by", "hour", "--from", from, "--to", to, "--json",
        ])
        #expect(consumption.status == 0, "\(consumption.stderr)")
        let rows = try #require((try consumption.json() as? [String: Any])?["rows"] as? [[String: Any]])
        let total = rows.compactMap { $0["kwh"] as? Double }.reduce(0, +)
        #expect(abs(total - 0.92) < 0.001, "two hours at 460 W: \(rows)")

        // A new reading lands in the earlier fields and tag; no English field appears.
        let file = harness.dataDirectory + "/new.csv"
        try "time,node,power,energy\n\(Self.start / 1000 + 7260),ESP_OLD,500,10.93\n".write(
            toFile: file, atomically: true, encoding: .utf8)
        let imported = await harness.run(["import", file])
        #expect(imported.status == 0, "\(imported.stderr)")
        let latest = try Self.query(
            url: url, database: database, "SELECT last(potencia) FROM mediciones WHERE espid = 'ESP_OLD'")
        #expect(latest.contains("500"), "\(latest)")
        let fields = try Self.query(url: url, database: database, "SHOW FIELD KEYS FROM mediciones")
        #expect(!fields.contains("\"power\"") && !fields.contains("\"energy\""), "\(fields)")
    }

    @Test("named by settings: INFLUX_NODE_TAG and INFLUX_FIELDS win over detection; a bad INFLUX_FIELDS is exit 78")
    func explicit() async throws {
        let url = try TestServers.influxURL()
        let database = TestServers.freshInfluxDatabase()
        try Self.seed(url: url, database: database)
        var environment = [
            "INFLUX_URL": url, "INFLUX_DB": database, "INFLUX_MEASUREMENT": "mediciones",
            "INFLUX_NODE_TAG": "espid", "INFLUX_FIELDS": "power=potencia,voltaje=voltaje,energy=energia",
        ]
        let harness = try Harness(environment: environment)
        #expect(await harness.run(["node", "add", "ESP_OLD"]).status == 0)
        let from = String(Self.start / 1000)
        let readings = try await harness.run(["report", "readings", "--node", "ESP_OLD", "--from", from, "--json"])
            .objects()
        #expect(readings.count == 121 && readings.last?["power"] as? Double == 460)
        environment["INFLUX_FIELDS"] = "watts"
        let bad = try await Harness(environment: environment).run(["report", "readings", "--node", "ESP_OLD"])
        #expect(bad.status == 78 && bad.stderr.contains("INFLUX_FIELDS"), "\(bad.stderr)")
    }
}
