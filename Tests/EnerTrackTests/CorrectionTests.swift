import EnerTrackCore
import EnerTrackKit
import Foundation
import Hummingbird
import Testing

/// `readings delete|correct|history`: readings changed, the rollups of the affected range
/// recomputed so consumption and bills follow, on both series stores; the dry run predicts
/// exactly what the correction does; the audit trail; refusals that change nothing.
@Suite("Corrections of readings with an audit trail", .serialized)
struct CorrectionTests {
    /// Local midnight of 2026-11-02 in Europe/Madrid (UTC+1), in Unix seconds.
    static let day: Int64 = 1_793_574_000

    /// Two local days and one more reading (at 2026-11-04 00:00) of a 1 kW load, a reading a
    /// minute: 24 kWh a day. With `counter`, an energy counter from 100 kWh; `swappedAt` (s after
    /// the first day's midnight) restarts it from zero, as a new meter would.
    static func csv(node: String, counter: Bool, swappedAt: Int64? = nil) -> String {
        var lines = [counter ? "time,node,power,energy" : "time,node,power"]
        for minute in 0...(2 * 1440) {
            let seconds = Int64(minute) * 60
            guard counter else {
                lines.append("\(day + seconds),\(node),1000")
                continue
            }
            var energy = 100 + Double(minute) / 60
            if let swappedAt, seconds >= swappedAt { energy = Double(seconds - swappedAt + 60) / 3600 }
            lines.append("\(day + seconds),\(node),1000,\(String(format: "%.6f", energy))")
        }
        return lines.joined(separator: "\n") + "\n"
    }

    static func dayKWh(_ harness: Harness, _ node: String) async throws -> [String: Double] {
        let result = await harness.run([
            "report", "consumption", "--node", node, "--by", "day", "--from", "2026-11-02", "--to", "2026-11-04",
            "--json",
        ])
        #expect(result.status == 0, "\(result.stderr)")
        var days: [String: Double] = [:]
        let report = try #require(try result.json() as? [String: Any], "\(result.stdout)")
        for row in report["rows"] as? [[String: Any]] ?? [] {
            if let start = row["start"] as? String, let kwh = row["kwh"] as? Double {
                days[String(start.prefix(10))] = kwh
            }
        }
        return days
    }

    static func record(_ result: CommandResult) throws -> [String: Any] {
        #expect(result.status == 0, "\(result.stdout)\(result.stderr)")
        return try #require(try result.objects().first, "\(result.stdout)")
    }

    static func afterKWh(_ record: [String: Any], _ day: String) -> Double? {
        (record["days"] as? [[String: Any]])?.first { $0["day"] as? String == day }?["after_kwh"] as? Double
    }

    @Test(
        "scale: the dry run predicts it, consumption and the bill follow, the audit trail records it",
        arguments: SeriesFactory.allCases)
    func scale(_ factory: SeriesFactory) async throws {
        let harness = try await CostTests.prepared(
            factory, tariff: ThreePhaseTests.flat, node: "CT_A", readings: Self.csv(node: "CT_A", counter: true))
        #expect(try await Self.dayKWh(harness, "CT_A") == ["2026-11-02": 24, "2026-11-03": 24])
        let range = ["--from", "2026-11-02T06:00", "--to", "2026-11-02T12:00"]
        let dry = try Self.record(
            await harness.run(["readings", "correct", "CT_A"] + range + ["--scale", "0.5", "--dry-run", "--json"]))
        // Six hours at half: 3 kWh less; the minute across the range's end is the counter's
        // break (the corrected counter meets the stored one), which counts nothing: 1/60 kWh less.
        let expected = 24 - 3 - 1.0 / 60
        #expect(abs((Self.afterKWh(dry, "2026-11-02") ?? 0) - expected) < 1e-6, "\(dry)")
        #expect(dry["applied"] as? Bool == false && dry["readings"] as? Int == 360)
        #expect(try await Self.dayKWh(harness, "CT_A")["2026-11-02"] == 24, "a dry run changes nothing")
        #expect((try await harness.run(["readings", "history", "--json"]).json() as? [Any])?.isEmpty == true)

        let done = try Self.record(
            await harness.run(
                ["readings", "correct", "CT_A"] + range + ["--scale", "0.5", "--reason", "CT ratio", "--json"]))
        #expect(Self.afterKWh(done, "2026-11-02") == Self.afterKWh(dry, "2026-11-02"), "the dry run said what happened")
        let days = try await Self.dayKWh(harness, "CT_A")
        #expect(abs((days["2026-11-02"] ?? 0) - expected) < 1e-6 && days["2026-11-03"] == 24, "\(days)")
        // The bill follows: 20.983… kWh at 0.20.
        let bill = try await CostTests.bill(harness, ["--node", "CT_A", "--from", "2026-11-02", "--to", "2026-11-03"])
        #expect(bill["total"] as? Double == 4.20, "\(bill)")
        // Power halved in the range; the break is no reading.
        let readings = await harness.run([
            "report", "readings", "--node", "CT_A", "--from", "2026-11-02T11:58", "--to", "2026-11-02T12:02",
            "--format", "csv",
        ])
        let rows = readings.stdout.split(separator: "\n").dropFirst()
        #expect(rows.count == 4 && rows.prefix(2).allSatisfy { $0.contains(",500,") }, "\(readings.stdout)")
        #expect(!readings.stdout.contains(",-1,"), "\(readings.stdout)")

        let history = try await harness.run(["readings", "history", "CT_A", "--json"]).objects()
        #expect(history.count == 1, "\(history)")
        let entry = try #require(history.first)
        #expect(entry["action"] as? String == "scale" && entry["detail"] as? String == "× 0.5")
        #expect(entry["reason"] as? String == "CT ratio" && entry["readings"] as? Int == 360)
        #expect(entry["before_kwh"] as? Double == 24 && !(entry["actor"] as? String ?? "").isEmpty, "\(entry)")
        #expect((entry["store"] as? String ?? "").hasPrefix(factory == .sqlite ? "sqlite:" : "influxdb:"))
        let text = await harness.run(["readings", "history"])
        #expect(
            text.stdout.contains("scale × 0.5 CT_A 2026-11-02 06:00 → 2026-11-02 12:00: 360 readings"), "\(text.stdout)"
        )
    }

    @Test(
        "delete on a meter without a counter: the hole is a gap, the day loses its energy",
        arguments: SeriesFactory.allCases)
    func delete(_ factory: SeriesFactory) async throws {
        let harness = try await CostTests.prepared(
            factory, tariff: ThreePhaseTests.flat, node: "PW_A", readings: Self.csv(node: "PW_A", counter: false))
        #expect(try await Self.dayKWh(harness, "PW_A")["2026-11-02"] == 24)
        let range = ["--from", "2026-11-02T06:00", "--to", "2026-11-02T07:00"]
        let dry = try Self.record(await harness.run(["readings", "delete", "PW_A"] + range + ["--dry-run", "--json"]))
        let done = try Self.record(await harness.run(["readings", "delete", "PW_A"] + range + ["--json"]))
        // 05:59 to 07:00 is longer than a gap may be bridged: 61 minutes of 1 kW are not counted.
        let expected = 24 - 61.0 / 60
        #expect(abs((Self.afterKWh(dry, "2026-11-02") ?? 0) - expected) < 1e-6, "\(dry)")
        #expect(Self.afterKWh(done, "2026-11-02") == Self.afterKWh(dry, "2026-11-02") && done["readings"] as? Int == 60)
        #expect(abs((try await Self.dayKWh(harness, "PW_A")["2026-11-02"] ?? 0) - expected) < 1e-6)
        let left = await harness.run([
            "report", "readings", "--node", "PW_A", "--from", "2026-11-02T05:00", "--to", "2026-11-02T08:00",
            "--format", "csv",
        ])
        #expect(left.stdout.split(separator: "\n").count == 1 + 120, "\(left.stdout.prefix(300))")
    }

    @Test(
        "energy offset: a swapped meter's counter made continuous, the day's energy the same",
        arguments: SeriesFactory.allCases)
    func offset(_ factory: SeriesFactory) async throws {
        // The new meter from 12:00 starts at 1/60 kWh; the old one stopped at 111.983… kWh.
        let harness = try await CostTests.prepared(
            factory, tariff: ThreePhaseTests.flat, node: "SW_A",
            readings: Self.csv(node: "SW_A", counter: true, swappedAt: 12 * 3600))
        #expect(try await Self.dayKWh(harness, "SW_A") == ["2026-11-02": 24, "2026-11-03": 24])
        let done = try Self.record(
            await harness.run([
                "readings", "correct", "SW_A", "--from", "2026-11-02T12:00", "--to", "now", "--energy-offset",
                String(100 + 719.0 / 60), "--reason", "meter swapped", "--json",
            ]))
        #expect(done["readings"] as? Int == 1441 + 720, "\(done)")
        #expect(try await Self.dayKWh(harness, "SW_A") == ["2026-11-02": 24, "2026-11-03": 24])
        let csv = await harness.run([
            "report", "readings", "--node", "SW_A", "--from", "2026-11-04T00:00", "--to", "now", "--format", "csv",
        ]).stdout
        // The last reading: the old counter plus what the new one counted, 148 kWh.
        let columns = try #require(csv.split(separator: "\n").first).split(
            separator: ",", omittingEmptySubsequences: false)
        let last = try #require(csv.split(separator: "\n").last).split(separator: ",", omittingEmptySubsequences: false)
        let energy = try #require(columns.firstIndex(of: "energy"))
        #expect(last.count == columns.count && abs((Double(last[energy]) ?? 0) - 148) < 1e-6, "\(csv)")
        let status = await harness.run(["report", "status", "--json"]).stdout
        #expect(!status.contains(": -1"), "the counter break is never a meter's latest reading: \(status)")
    }

    @Test("refusals: bad arguments, values out of range, no readings, the future, pruned readings — nothing changed")
    func refusals() async throws {
        let harness = try await CostTests.prepared(
            .sqlite, tariff: ThreePhaseTests.flat, node: "RF_A", readings: Self.csv(node: "RF_A", counter: true))
        let range = ["--from", "2026-11-02T06:00", "--to", "2026-11-02T12:00"]
        let cases: [([String], Int32, String)] = [
            (["readings", "correct", "RF_A"] + range + ["--scale", "2000"], 65, "refused, nothing was changed"),
            (["readings", "correct", "RF_A"] + range + ["--set", "power=5000000"], 64, "outside"),
            (["readings", "correct", "RF_A"] + range + ["--set", "colour=5"], 64, "QUANTITY=VALUE"),
            (["readings", "correct", "RF_A"] + range + ["--scale", "0.5", "--set", "pf=1"], 64, "exactly one"),
            (["readings", "correct", "RF_A"] + range + ["--scale=-1"], 64, "above 0"),
            (["readings", "correct", "RF_A"] + range + ["--energy-offset=-500"], 65, "negative"),
            (["readings", "delete", "RF_A", "--from", "2025-01-01", "--to", "2025-01-02"], 66, "no readings"),
            (["readings", "delete", "NOPE", "--from", "2026-11-02", "--to", "2026-11-03"], 66, "no readings"),
            (["readings", "delete", "RF_A", "--from", "2026-11-02", "--to", "2030-01-01"], 64, "future"),
            (["readings", "delete", "RF_A", "--from", "2026-11-03", "--to", "2026-11-02"], 64, "--to"),
        ]
        for (arguments, status, message) in cases {
            let result = await harness.run(arguments)
            #expect(
                result.status == status && result.stderr.contains(message),
                "\(arguments.joined(separator: " ")): \(result.status) \(result.stderr)")
        }
        #expect(try await Self.dayKWh(harness, "RF_A") == ["2026-11-02": 24, "2026-11-03": 24])
        #expect(await harness.run(["readings", "history"]).stdout == "no corrections\n")
        // Readings before the retention horizon are gone: the range must start after it.
        #expect(await harness.run(["db", "prune", "--quiet"], environment: ["ENERTRACK_RETENTION": "10d"]).status == 0)
        let pruned = await harness.run(["readings", "correct", "RF_A"] + range + ["--scale", "0.5"])
        #expect(pruned.status == 65 && pruned.stderr.contains("pruned"), "\(pruned.stderr)")
    }

    @Test("the node page lists the corrections to an admin, escaped; other users do not see them")
    func nodePage() async throws {
        let site = try await WebSite()
        try await site.importAnaReadings(days: 1, every: 60)
        let corrected = await site.harness.run([
            "readings", "correct", WebSite.anaOnly, "--from", "6h", "--to", "2h", "--set", "frequency=50",
            "--reason", WebSite.attack,
        ])
        #expect(corrected.status == 0, "\(corrected.stderr)")
        #expect(await site.harness.run(["assign", "add", "root", WebSite.anaOnly]).status == 0)
        try await site.test { client async throws in
            let root = Browser(client)
            #expect(try await root.login("root").status == .seeOther)
            let page = String(buffer: try await root.get("/nodes/\(WebSite.anaOnly)").body)
            // In the viewer's words, not the command line's.
            #expect(page.contains("Frecuencia fijado en 50") && !page.contains("frequency=50"), "\(page.suffix(3000))")
            #expect(!page.contains(WebSite.attack) && page.contains("&lt;script&gt;"))
            let ana = Browser(client)
            #expect(try await ana.login("ana").status == .seeOther)
            let hers = String(buffer: try await ana.get("/nodes/\(WebSite.anaOnly)").body)
            #expect(hers.contains(WebSite.anaOnly) && !hers.contains("fijado en 50"))
        }
    }
}

/// The node page reads a stored record back into the correction it names; a record it cannot
/// read (another version's words, or bytes someone put there) is shown as "changed", never a trap.
@Suite("Correction records read back")
struct CorrectionRecordTests {
    @Test("action and detail name the correction; unreadable ones are nil")
    func roundTrip() {
        let changes: [ReadingCorrection] = [
            .delete, .energyOffset(12.5), .energyOffset(-3), .scale(0.5), .set(.frequency, 50), .set(.power, 1e-3),
        ]
        for change in changes {
            #expect(ReadingCorrection(action: change.action, detail: change.detail) == change, "\(change.detail)")
        }
        for (action, detail) in [
            ("scale", "× nan"), ("scale", "0.5"), ("energy-offset", "+inf kWh"), ("set", "nothing=1"),
            ("set", "power"), ("rename", ""), ("energy-offset", "12"),
        ] {
            #expect(ReadingCorrection(action: action, detail: detail) == nil, "\(action) \(detail)")
        }
    }
}
