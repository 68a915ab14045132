import EnerTrackCore
import EnerTrackKit
import Foundation
import Testing

/// A three-phase meter end to end: a CSV of per-phase power only, its consumption and bill by
/// hand on both series stores, and an alert on one phase's mean.
@Suite("Three-phase meters: consumption, cost and phase alerts")
struct ThreePhaseTests {
    /// 0.20 €/kWh from 2026 on (the retention tests bill with it too).
    static let flat = """
        name = "plano"
        currency = "EUR"

        [[version]]
        from = 2026-01-01
        periods = "flat"
        energy = { flat = 0.20 }
        """

    /// L1 1000 W, L2 500 W, L3 250 W every 15 minutes through 2026-03-10 (Madrid), and L1 at
    /// 2000 W from 18:00 to 20:00: 1.75 kW × 22 h + 2.75 kW × 2 h = 38.5 + 5.5 = 44 kWh;
    /// at 0.20 €/kWh, 8.80 €. The CSV has no total power: EnerTrack adds the phases.
    static func day() throws -> String {
        let zone = try #require(TimeZone(identifier: "Europe/Madrid"))
        let start = try #require(ISO8601.parse("2026-03-10T00:00", localIn: zone)).milliseconds
        var lines = ["time,node,power_l1,power_l2,power_l3,voltage_l1,voltage_l2,voltage_l3"]
        for quarter in 0...96 {
            let l1 = (72..<80).contains(quarter) ? 2000 : 1000
            lines.append("\((start + Int64(quarter) * 900_000) / 1000),TRIFASICA,\(l1),500,250,231,229,230")
        }
        return lines.joined(separator: "\n") + "\n"
    }

    @Test(
        "a day of per-phase power: consumption 44 kWh and a bill of 8.80 €, by hand", arguments: SeriesFactory.allCases)
    func dayByHand(_ factory: SeriesFactory) async throws {
        let harness = try await CostTests.prepared(
            factory, tariff: Self.flat, node: "TRIFASICA", readings: try Self.day())
        let readings = await harness.run([
            "report", "readings", "--node", "TRIFASICA", "--from", "2026-03-10T18:00", "--to", "2026-03-10T18:01",
            "--format", "csv",
        ])
        #expect(
            readings.stdout.hasPrefix(
                "time,node,voltage,current,power,energy,pf,frequency,energy_export,voltage_l1,voltage_l2,voltage_l3,current_l1"
            )
                && readings.stdout.contains(",TRIFASICA,230,,2750,,,,,231,229,230,,,,2000,500,250,,,\n"),
            "\(readings.stdout)\(readings.stderr)")
        let json = await harness.run([
            "report", "readings", "--node", "TRIFASICA", "--from", "2026-03-10T18:00", "--to", "2026-03-10T18:01",
            "--json",
        ])
        let row = try #require(try json.objects().first, "\(json.stdout)")
        #expect(
            row["power_l1"] as? Double == 2000 && row["power"] as? Double == 2750 && row["current_l1"] is NSNull
                && row["voltage"] as? Double == 230, "the per-phase keys of a reading with phases: \(row)")
        let consumption = await harness.run([
            "report", "consumption", "--node", "TRIFASICA", "--from", "2026-03-10", "--to", "2026-03-11", "--json",
        ])
        let report = try #require(
            try consumption.json() as? [String: Any], "\(consumption.stdout)\(consumption.stderr)")
        #expect(abs((report["total_kwh"] as? Double ?? 0) - 44) < 1e-6, "\(report)")
        let bill = try await CostTests.bill(harness, ["--from", "2026-03-10", "--to", "2026-03-11"])
        #expect(bill["total"] as? Double == 8.80, "\(bill)")
    }

    @Test(
        "an alert on one phase's mean: L1 above --phase-kw fires though the total stays under --kw; resolves below 90 %"
    )
    func phaseAlert() async throws {
        let harness = try Harness()
        #expect(await harness.run(["node", "add", "TRIFASICA"]).status == 0)
        #expect(await harness.addUser("ana").status == 0)
        #expect(await harness.run(["assign", "add", "ana", "TRIFASICA"]).status == 0)
        for (arguments, message) in [
            (["alerts", "set", "ana", "TRIFASICA"], "give --kw, --phase-kw or both"),
            (["alerts", "set", "ana", "TRIFASICA", "--phase-kw=-1"], "--phase-kw must be a number of kW above 0"),
        ] {
            let refused = await harness.run(arguments)
            #expect(refused.status == 64 && refused.stderr.contains(message), "\(refused.stderr)")
        }
        let set = await harness.run(["alerts", "set", "ana", "TRIFASICA", "--kw", "10", "--phase-kw", "2.3"])
        #expect(set.status == 0 && set.stderr.contains("10.0 kW, 2.3 kW per phase"), "\(set.stderr)")
        let listed = try #require(try await harness.run(["alerts", "list", "--json"]).objects().first)
        #expect(listed["phase_kw"] as? Double == 2.3 && listed["threshold_kw"] as? Double == 10)

        // The last 10 minutes: L1 at 2.5 kW, the total 3.5 kW (under 10); then the same
        // instants again (replacing the values) with L1 at 2 kW.
        let now = Int64(Date().timeIntervalSince1970)
        func load(l1: Int) async throws {
            var lines = ["time,node,power_l1,power_l2,power_l3,current_l1,current_l2,current_l3"]
            let watts: [Double] = [Double(l1), 700, 300]
            let amps = watts.map { (watts: Double) -> String in String((watts / 230 * 1000).rounded() / 1000) }
                .joined(separator: ",")
            for second in stride(from: now - 600, to: now, by: 30) {
                lines.append("\(second),TRIFASICA,\(l1),700,300,\(amps)")
            }
            let file = harness.dataDirectory + "/now-\(l1).csv"
            try (lines.joined(separator: "\n") + "\n").write(toFile: file, atomically: true, encoding: .utf8)
            #expect(await harness.run(["import", file]).status == 0)
        }
        try await load(l1: 2500)
        // The KPIs' imbalance: currents 10.9, 3.0, 1.3 A (P / 230 V): mean 5.072, L1 5.797 above it.
        let kpi = try #require(try await harness.run(["report", "kpi", "--json"]).objects().first)
        let watts: [Double] = [2500, 700, 300]
        let currents = watts.map { (watts: Double) -> Double in (watts / 230 * 1000).rounded() / 1000 }
        let mean = currents.reduce(0, +) / 3
        let expected = (currents.map { abs($0 - mean) }.max() ?? 0) / mean * 100
        #expect(abs((kpi["phase_imbalance_pct"] as? Double ?? 0) - expected) < 1e-9, "\(kpi), want \(expected)")
        let fired = try #require(try await Self.rules(harness).first)
        #expect(fired["action"] as? String == "entered" && fired["state"] as? String == "firing", "\(fired)")
        #expect(abs((fired["mean_kw"] as? Double ?? 0) - 2.5) < 1e-9, "the message is about L1's mean: \(fired)")

        // L1 back to 2.0 kW (under 90 % of 2.3): resolved.
        try await load(l1: 2000)
        let resolved = try #require(try await Self.rules(harness).first)
        #expect(resolved["action"] as? String == "resolved", "\(resolved)")

        // A rule on the phases only.
        #expect(await harness.run(["alerts", "set", "ana", "TRIFASICA", "--phase-kw", "1"]).status == 0)
        let phaseOnly = try #require(try await harness.run(["alerts", "list", "--json"]).objects().first)
        #expect(phaseOnly["threshold_kw"] is NSNull && phaseOnly["phase_kw"] as? Double == 1, "\(phaseOnly)")
    }

    /// The rules of `alerts run --json` (a 15-minute window).
    static func rules(_ harness: Harness) async throws -> [[String: Any]] {
        let result = await harness.run(["alerts", "run", "--json"])
        let answer = try #require(try result.json() as? [String: Any], "\(result.stdout)\(result.stderr)")
        return answer["rules"] as? [[String: Any]] ?? []
    }
}
