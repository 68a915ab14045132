import EnerTrackCore
import EnerTrackSQLite
import Foundation
import Testing

@Suite("report status")
struct StatusReportTests {
    @Test("active / inactive / no_data, and --check's one line with 0, 1, 2 as monitoring expects")
    func statuses() async throws {
        let harness = try Harness()
        for node in ["A", "B", "C"] { #expect(await harness.run(["node", "add", node]).status == 0) }
        let directory = try SQLiteDirectoryStore(path: harness.dataDirectory + "/directory.sqlite")
        try await directory.recordLastSeen(["A": Date().addingTimeInterval(-60), "B": Date().addingTimeInterval(-3600)])

        let rows = try await harness.run(["report", "status", "--json"]).objects()
        #expect(rows.map { $0["status"] as? String } == ["active", "inactive", "no_data"])
        #expect((rows[1]["age_seconds"] as? Int ?? 0) >= 3600)

        let critical = await harness.run(["report", "status", "--check"])
        #expect(
            critical.status == 2 && critical.stdout == "CRITICAL: 1 of 3 meters never reported: C; 1 inactive: B\n",
            "\(critical.stdout)")
        #expect(await harness.run(["node", "remove", "C"]).status == 0)
        let warning = await harness.run(["report", "status", "--check"])
        #expect(warning.status == 1 && warning.stdout == "WARNING: 1 of 2 meters inactive: B\n")
        #expect(await harness.run(["report", "status", "--check", "--inactive-after", "2h"]).status == 0)
        try await directory.recordLastSeen(["B": Date()])
        let ok = await harness.run(["report", "status", "--check"])
        #expect(ok.status == 0 && ok.stdout == "OK: 2 meters reporting\n")
        #expect(
            try await harness.run(["report", "status", "--all", "--json"]).objects().last?["status"] as? String
                == "removed")
        #expect(await harness.run(["report", "status", "--inactive-after", "soon"]).status == 64)
    }
}

@Suite("report kpi")
struct KPIReportTests {
    @Test("latest values, mean power over the window, energy today, and the ALL row")
    func kpi() async throws {
        let harness = try Harness(environment: ["TZ": "UTC"])
        let now = Int64(Date().timeIntervalSince1970)
        var lines = ["time,node,voltage,power,energy,frequency"]
        for minute in 0...30 {
            let time = now - Int64(30 - minute) * 60
            lines.append("\(time),K1,230,1000,\(100 + Double(minute) / 60),50")
            lines.append("\(time),K2,234,2000,,50.2")
        }
        try (lines.joined(separator: "\n") + "\n").write(
            toFile: harness.dataDirectory + "/k.csv", atomically: true, encoding: .utf8)
        #expect(await harness.run(["import", harness.dataDirectory + "/k.csv"]).status == 0)
        for node in ["K1", "K2"] { #expect(await harness.run(["node", "restore", node]).status == 0) }

        let result = await harness.run(["report", "kpi", "--json"])
        #expect(result.status == 0, "\(result.stderr)")
        let rows = try result.objects()
        #expect(rows.map { $0["node"] as? String } == ["K1", "K2", "ALL"])
        #expect(rows[0]["mean_power"] as? Double == 1000 && rows[1]["mean_power"] as? Double == 2000)
        #expect(rows[0]["energy"] as? Double == 100.5 && rows[0]["voltage"] as? Double == 230)
        #expect(
            rows[2]["power"] as? Double == 3000 && rows[2]["voltage"] as? Double == 232
                && rows[2]["frequency"] as? Double == 50.1)
        let secondsToday = now % 86_400
        if secondsToday > 31 * 60 {
            #expect(abs((rows[0]["today_kwh"] as? Double ?? 0) - 0.5) < 0.001, "30 minutes at 1 kW")
            #expect(abs((rows[1]["today_kwh"] as? Double ?? 0) - 1.0) < 0.001, "30 minutes at 2 kW, integrated")
            #expect(abs((rows[2]["today_kwh"] as? Double ?? 0) - 1.5) < 0.002)
        }
        #expect(await harness.run(["report", "kpi", "--window", "forever"]).status == 64)
        #expect(await harness.run(["report", "kpi", "--node", "NOPE"]).status == 67)
    }
}
