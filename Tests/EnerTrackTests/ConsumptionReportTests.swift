import EnerTrackCore
import Foundation
import Testing

@testable import EnerTrackSQLite

/// `report consumption` end to end: ground truth imported into each series store, then reported.
@Suite("report consumption on both series stores")
struct ConsumptionReportTests {
    /// 1 kW for the whole Madrid autumn DST day (and an hour either side), a counter read every
    /// 5 minutes, with a zero glitch and a duplicated line.
    func groundTruthCSV() throws -> String {
        let start = try #require(ISO8601.parse("2026-10-24T23:00:00+02:00"))
        var lines = ["time,node,power,energy"]
        for step in 0...(27 * 12) {
            let time = Int64(start.timeIntervalSince1970) + Int64(step) * 300
            let energy = step == 100 ? 0 : 1000 + Double(step) / 12
            lines.append("\(time),DST_A,1000,\(energy)")
            if step == 50 { lines.append(lines.last!) }
        }
        return lines.joined(separator: "\n") + "\n"
    }

    @Test("the autumn DST day: 25 hourly rows of 1 kWh, 25 kWh in the daily row", arguments: SeriesFactory.allCases)
    func autumnDay(_ factory: SeriesFactory) async throws {
        var environment = ["TZ": "Europe/Madrid"]
        if factory == .influx {
            environment["INFLUX_URL"] = try TestServers.influxURL()
            environment["INFLUX_DB"] = TestServers.freshInfluxDatabase()
        }
        let harness = try Harness(environment: environment)
        let file = harness.dataDirectory + "/truth.csv"
        try groundTruthCSV().write(toFile: file, atomically: true, encoding: .utf8)
        let imported = await harness.run(["import", file])
        #expect(imported.status == 0, "\(imported.stderr)")
        if factory == .sqlite {
            let store = try SQLiteSeriesStore(path: harness.dataDirectory + "/series.sqlite")
            #expect(try await store.dirtyNodes() == 0, "import leaves the rollups up to date")
        }
        #expect(await harness.run(["node", "restore", "DST_A"]).status == 0)

        let hourly = await harness.run([
            "report", "consumption", "--by", "hour", "--from", "2026-10-25", "--to", "2026-10-26", "--format", "json",
        ])
        #expect(hourly.status == 0, "\(hourly.stderr)")
        let report = try #require(try hourly.json() as? [String: Any])
        let rows = try #require(report["rows"] as? [[String: Any]])
        #expect(
            report["by"] as? String == "hour" && report["tz"] as? String == "Europe/Madrid"
                && report["unit"] as? String == "kWh")
        #expect(rows.count == 25)
        #expect(rows.allSatisfy { abs(($0["kwh"] as? Double ?? 0) - 1) < 0.001 }, "\(rows.map { $0["kwh"] ?? "" })")
        #expect(rows.allSatisfy { $0["complete"] as? Bool == true })
        #expect(rows.first?["start"] as? String == "2026-10-25T00:00:00+02:00")
        #expect(
            rows[2]["start"] as? String == "2026-10-25T02:00:00+02:00"
                && rows[3]["start"] as? String == "2026-10-25T02:00:00+01:00")
        #expect(abs((report["total_kwh"] as? Double ?? 0) - 25) < 0.025)
        // --json is --format json, as on every read command.
        let flag = await harness.run([
            "report", "consumption", "--by", "hour", "--from", "2026-10-25", "--to", "2026-10-26", "--json",
        ])
        #expect(flag.status == 0 && flag.stdout == hourly.stdout, "\(flag.stderr)")
        let readings = await harness.run([
            "report", "readings", "--node", "DST_A", "--from", "2026-10-25", "--to",
            "2026-10-25T01:00", "--json",
        ])
        #expect(readings.status == 0 && ((try? readings.json()) as? [Any])?.isEmpty == false, "\(readings.stderr)")

        let daily = await harness.run([
            "report", "consumption", "--by", "day", "--node", "dst_a", "--from", "2026-10-25", "--to", "2026-10-26",
            "--format", "csv",
        ])
        #expect(
            daily.stdout
                == "node,start,end,kwh,complete\nDST_A,2026-10-25T00:00:00+02:00,2026-10-26T00:00:00+01:00,25.0,true\n",
            "\(daily.stdout)\(daily.stderr)")

        let table = await harness.run([
            "report", "consumption", "--by", "hour", "--from", "2026-10-25", "--to", "2026-10-26", "--total",
        ])
        #expect(table.stdout.contains("█") && table.stdout.contains("total: 25.000 kWh"), "\(table.stdout)")
    }

    @Test("rejections: unknown node 67, unknown user 67, a bad zone 64, --to before --from 64")
    func rejections() async throws {
        let harness = try Harness()
        #expect(await harness.run(["report", "consumption", "--node", "NOPE"]).status == 67)
        #expect(await harness.run(["report", "consumption", "--user", "nobody"]).status == 67)
        #expect(await harness.run(["report", "consumption", "--tz", "Mars/Olympus"]).status == 64)
        #expect(
            await harness.run(["report", "consumption", "--from", "2026-10-25", "--to", "2026-10-24"]).status == 64)
        let yesterday = await harness.run([
            "report", "consumption", "--by", "day", "--from", "yesterday", "--to", "today", "--format", "json",
        ])
        #expect(yesterday.status == 0, "\(yesterday.stderr)")
        let empty = await harness.run(["report", "consumption", "--format", "json"])
        #expect(empty.status == 0 && (try? empty.json() as? [String: Any])?["total_kwh"] as? Double == 0)
    }
}
