import EnerTrackCore
import Foundation
import Testing

@Suite("import and report readings")
struct ImportTests {
    @Test("CSV: good lines stored, bad ones listed by line number, exit 65; importing again changes nothing")
    func csv() async throws {
        let harness = try Harness()
        let file = harness.dataDirectory + "/readings.csv"
        try """
        time,node,voltage,current,power,energy,pf,frequency
        2026-11-27T10:00:00Z,ESP_A,230.1,1.5,345,12.5,0.98,50
        2026-11-27T10:00:10Z,ESP_A,,,350,12.501,,
        1795773620,ESP_A,231,1.6,360,12.502,0.97,49.99
        2026-11-27T10:00:30Z,ESP_A,230,abc,1,1,1,50
        2026-11-27T10:00:40Z,ESP_A,230,1,1,-4,1,50
        not-a-time,ESP_A,230,1,1,1,1,50
        2026-11-27T10:00:50Z,ESP_A,230

        """.write(toFile: file, atomically: true, encoding: .utf8)
        let first = await harness.run(["import", file])
        #expect(first.status == 65, "\(first.stderr)")
        #expect(first.stdout.contains("8 lines, 3 readings stored, 4 lines rejected"), "\(first.stdout)")
        #expect(first.stdout.contains("registered as inactive: ESP_A"))
        #expect(first.stderr.contains("line 5: not_a_number"))
        #expect(first.stderr.contains("line 6: negative_energy"))
        #expect(first.stderr.contains("line 7: bad_timestamp"))
        #expect(first.stderr.contains("line 8: bad_line"))
        #expect(
            first.stderr.split(separator: "\n").count == 5,
            "one line per rejected line, then the summary: \(first.stderr)")

        let again = await harness.run(["import", "--json", file])
        let summary = try #require(try again.json() as? [String: Any])
        #expect(summary["stored"] as? Int == 3 && summary["rejected"] as? Int == 4)
        #expect((summary["errors"] as? [[String: Any]])?.first?["line"] as? Int == 5)

        let exported = await harness.run([
            "report", "readings", "--node", "esp_a", "--from", "2026-11-27T00:00:00Z", "--to", "2026-11-28T00:00:00Z",
            "--format", "json",
        ])
        #expect(exported.status == 0, "\(exported.stderr)")
        let rows = try exported.objects()
        #expect(rows.count == 3, "no duplicates after importing twice")
        #expect(rows.first?["time"] as? String == "2026-11-27T11:00:00+01:00", "site time zone (Europe/Madrid)")
        #expect(rows.first?["node"] as? String == "ESP_A", "the directory's spelling")
        #expect(rows.first?["pf"] as? Double == 0.98)
        #expect(rows[1]["voltage"] is NSNull, "absent quantities are null")
        #expect(rows[1]["power"] as? Double == 350)
    }

    @Test("line protocol of an influx_inspect export (ns, DDL, Spanish fields); CSV export reads back")
    func lineProtocol() async throws {
        let harness = try Harness()
        let file = harness.dataDirectory + "/export.lp"
        try """
        # DDL
        CREATE DATABASE medidores WITH NAME autogen
        # DML
        # CONTEXT-DATABASE:medidores
        # CONTEXT-RETENTION-POLICY:autogen
        mediciones,esp_id=ESP32_X voltaje=229.8,corriente=0.52,potencia=110.5,energia=77.25,fp=0.92,frecuencia=50.02 1795773600000000000
        mediciones,esp_id=ESP32_X potencia=112i 1795773610000000000

        """.write(toFile: file, atomically: true, encoding: .utf8)
        let result = await harness.run(["import", file])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(
            result.stdout.contains("(line-protocol): 7 lines, 2 readings stored, 0 lines rejected"), "\(result.stdout)")

        let csv = await harness.run([
            "report", "readings", "--node", "ESP32_X", "--from", "1795773600", "--to", "1795773611", "--format", "csv",
        ])
        #expect(
            csv.stdout == """
                time,node,voltage,current,power,energy,pf,frequency,energy_export
                2026-11-27T11:00:00+01:00,ESP32_X,229.8,0.52,110.5,77.25,0.92,50.02,
                2026-11-27T11:00:10+01:00,ESP32_X,,,112,,,,

                """)
        let table = await harness.run([
            "report", "readings", "--node", "ESP32_X", "--from", "1795773600", "--to", "now",
        ])
        #expect(table.stdout.hasPrefix("time "))
        #expect(table.stdout.split(separator: "\n").count == 3)

        // What report readings wrote, import reads (stdin this time): nothing new.
        let back = await harness.run(["import", "-"], stdin: csv.stdout.split(separator: "\n").map(String.init))
        #expect(back.status == 0 && back.stdout.contains("2 readings stored"), "\(back.stdout)\(back.stderr)")
        let count = await harness.run([
            "report", "readings", "--node", "ESP32_X", "--from", "2026-11-27", "--format", "json",
        ])
        #expect(try count.objects().count == 2)
    }

    @Test("usage errors: unknown file 66, bad --from 64, empty export is an empty JSON array")
    func errors() async throws {
        let harness = try Harness()
        #expect(await harness.run(["import", "/nonexistent/file.csv"]).status == 66)
        let bad = await harness.run(["report", "readings", "--node", "X", "--from", "yesterday-ish"])
        #expect(bad.status == 64 && bad.stderr.contains("--from"))
        let empty = await harness.run(["report", "readings", "--node", "X", "--format", "json"])
        #expect(empty.status == 0 && empty.stdout == "[]\n")
    }
}
