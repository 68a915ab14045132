import EnerTrackCore
import Foundation
import Testing

/// Sites, export and the net bill, end to end on both series stores: readings imported as CSV,
/// figures read back through `report site`, `report consumption` and `report cost`.
///
/// The household (zone UTC, readings every 5 minutes, every power constant within an hour):
/// - circuit KITCHEN 0.4 kW all day; circuit CLIMATE 1.0 kW from 12:00 to 18:00, else 0.2 kW;
///   0.3 kW nobody meters (untracked);
/// - so consumption C = 0.9 kW, or 1.7 kW from 12:00 to 18:00;
/// - production P from 08:00 to 16:00: 2 kW on the sunny day (2026-06-01), 0.5 kW on the
///   cloudy one (2026-06-02), else 0;
/// - the grid meter counts import max(0, C − P) and export max(0, P − C) on two counters.
///
/// Derived by hand, the sunny day:
/// - 00–08: I 0.9, E 0, S 0 each hour;       08–12: I 0, E 1.1, S 0.9 (C 0.9);
/// - 12–16: I 0, E 0.3, S 1.7 (C 1.7);       16–18: I 1.7;   18–24: I 0.9;
/// - the day: I = 7.2 + 3.4 + 5.4 = 16.0; E = 4.4 + 1.2 = 5.6; P = 16; S = 16 − 5.6 = 10.4;
///   C = 16.0 + 10.4 = 26.4; self-sufficiency 10.4 / 26.4 = 0.3939; KITCHEN 9.6;
///   CLIMATE 0.2 × 18 + 1.0 × 6 = 9.6; untracked 0.3 × 24 = 7.2 (9.6 + 9.6 + 7.2 = 26.4).
/// The cloudy day: 08–12: I 0.4, S 0.5; 12–16: I 1.2, S 0.5; no export; P = 4, S = 4,
/// C = 26.4, I = 22.4, self-sufficiency 4 / 26.4 = 0.1515.
@Suite("sites: flows, export and the net bill on both series stores")
struct SiteFlowsTests {
    static let start = Int64(1_780_272_000)  // 2026-06-01T00:00:00Z

    static func consumption(hour: Int) -> (kitchen: Double, climate: Double, untracked: Double) {
        (0.4, (12..<18).contains(hour) ? 1.0 : 0.2, 0.3)
    }

    static func production(day: Int, hour: Int) -> Double {
        (8..<16).contains(hour) ? (day == 0 ? 2.0 : 0.5) : 0
    }

    /// Two days of readings. `grid`: a grid meter with both counters (a reset of its export
    /// counter at 10:00 and a one-reading spike of +500 kWh at 11:00 on the sunny day); else a
    /// total meter and no grid meter.
    static func csv(grid: Bool) -> String {
        var lines = ["time,node,power,energy,energy_export"]
        var (imported, exported, produced, kitchen, climate, total) = (100.0, 40.0, 7.0, 3.0, 2.0, 50.0)
        var resetDone = false
        for step in 0...(48 * 12) {
            let time = start + Int64(step) * 300
            if step > 0 {
                // The 5 minutes before this reading (hour of the interval's start).
                let hour = ((step - 1) * 5 / 60) % 24
                let day = (step - 1) * 5 / 60 / 24
                let use = consumption(hour: hour)
                let load = use.kitchen + use.climate + use.untracked
                let sun = production(day: day, hour: hour)
                imported += max(0, load - sun) / 12
                exported += max(0, sun - load) / 12
                produced += sun / 12
                kitchen += use.kitchen / 12
                climate += use.climate / 12
                total += load / 12
            }
            if grid, !resetDone, step == 10 * 12 {
                exported = max(0, production(day: 0, hour: 9) - 0.9) / 12  // restarted from 0 at 09:55
                resetDone = true
            }
            let spike = grid && step == 11 * 12 ? 500.0 : 0
            if grid {
                lines.append("\(time),GRID,,\(imported),\(exported + spike)")
            } else {
                lines.append("\(time),TOTAL,,\(total),")
            }
            lines.append("\(time),SOLAR,,\(produced),")
            lines.append("\(time),KITCHEN,,\(kitchen),")
            lines.append("\(time),CLIMATE,,\(climate),")
        }
        return lines.joined(separator: "\n") + "\n"
    }

    static func harness(_ factory: SeriesFactory) throws -> Harness {
        var environment = ["TZ": "UTC"]
        if factory == .influx {
            environment["INFLUX_URL"] = try TestServers.influxURL()
            environment["INFLUX_DB"] = TestServers.freshInfluxDatabase()
        }
        return try Harness(environment: environment)
    }

    /// Imports the readings and makes the site: GRID (or TOTAL), SOLAR, two circuits.
    static func setUp(_ harness: Harness, grid: Bool) async throws {
        let file = harness.dataDirectory + "/house.csv"
        try csv(grid: grid).write(toFile: file, atomically: true, encoding: .utf8)
        let imported = await harness.run(["import", file])
        #expect(imported.status == 0, "\(imported.stderr)")
        #expect(await harness.run(["site", "add", "casa", "--name", "Casa"]).status == 0)
        let connection = grid ? ["GRID", "grid"] : ["TOTAL", "total"]
        for (node, role) in [
            (connection[0], connection[1]), ("SOLAR", "production"), ("KITCHEN", "consumption"),
            ("CLIMATE", "consumption"),
        ] {
            #expect(await harness.run(["node", "restore", node]).status == 0)
            let placed = await harness.run(["node", "edit", node, "--site", "casa", "--role", role])
            #expect(placed.status == 0, "\(placed.stderr)")
        }
    }

    static func rows(_ harness: Harness, _ arguments: [String]) async throws -> [[String: Any]] {
        let result = await harness.run(["report", "site", "casa", "--json"] + arguments)
        #expect(result.status == 0, "\(result.stderr)")
        let report = try #require(try result.json() as? [String: Any])
        return try #require(report["rows"] as? [[String: Any]])
    }

    static func near(_ value: Any?, _ expected: Double, _ what: String) {
        let actual = value as? Double ?? .nan
        #expect(abs(actual - expected) <= max(0.001 * abs(expected), 0.0005), "\(what): \(actual) ≠ \(expected)")
    }

    static func checkDays(_ days: [[String: Any]]) {
        #expect(days.count == 2)
        guard days.count == 2 else { return }
        let (sunny, cloudy) = (days[0], days[1])
        near(sunny["import_kwh"], 16.0, "sunny import")
        near(sunny["export_kwh"], 5.6, "sunny export")
        near(sunny["production_kwh"], 16, "sunny production")
        near(sunny["self_consumption_kwh"], 10.4, "sunny self-consumption")
        near(sunny["consumption_kwh"], 26.4, "sunny consumption")
        near(sunny["self_sufficiency"], 10.4 / 26.4, "sunny self-sufficiency")
        near(sunny["untracked_kwh"], 7.2, "sunny untracked")
        let circuits = sunny["circuits"] as? [String: Double] ?? [:]
        near(circuits["KITCHEN"], 9.6, "kitchen")
        near(circuits["CLIMATE"], 9.6, "climate")
        near(cloudy["import_kwh"], 22.4, "cloudy import")
        near(cloudy["export_kwh"], 0, "cloudy export")
        near(cloudy["production_kwh"], 4, "cloudy production")
        near(cloudy["self_consumption_kwh"], 4, "cloudy self-consumption")
        near(cloudy["consumption_kwh"], 26.4, "cloudy consumption")
        near(cloudy["self_sufficiency"], 4 / 26.4, "cloudy self-sufficiency")
        near(cloudy["untracked_kwh"], 7.2, "cloudy untracked")
    }

    static func checkHours(_ hours: [[String: Any]]) {
        #expect(hours.count == 24)
        guard hours.count == 24 else { return }
        // (hour, import, export, production, consumption, self-consumption)
        let expected: [(Int, Double, Double, Double, Double, Double)] = [
            (3, 0.9, 0, 0, 0.9, 0), (10, 0, 1.1, 2, 0.9, 0.9), (13, 0, 0.3, 2, 1.7, 1.7), (17, 1.7, 0, 0, 1.7, 0),
            (20, 0.9, 0, 0, 0.9, 0),
        ]
        for (hour, i, e, p, c, s) in expected {
            let row = hours[hour]
            near(row["import_kwh"], i, "import at \(hour)")
            near(row["export_kwh"], e, "export at \(hour)")
            near(row["production_kwh"], p, "production at \(hour)")
            near(row["consumption_kwh"], c, "consumption at \(hour)")
            near(row["self_consumption_kwh"], s, "self-consumption at \(hour)")
            near(row["untracked_kwh"], 0.3, "untracked at \(hour)")
            let circuits = row["circuits"] as? [String: Double] ?? [:]
            near(circuits["CLIMATE"], consumption(hour: hour).climate, "climate at \(hour)")
        }
    }

    @Test(
        "a grid meter with both counters: flows by hour and day, export with a reset and a spike",
        arguments: SeriesFactory.allCases)
    func gridSite(_ factory: SeriesFactory) async throws {
        let harness = try Self.harness(factory)
        try await Self.setUp(harness, grid: true)
        Self.checkDays(try await Self.rows(harness, ["--by", "day", "--from", "2026-06-01", "--to", "2026-06-03"]))
        Self.checkHours(try await Self.rows(harness, ["--by", "hour", "--from", "2026-06-01", "--to", "2026-06-02"]))

        // The grid meter's own report: export and net beside import; a meter without export keeps its columns.
        let consumption = await harness.run([
            "report", "consumption", "--by", "day", "--node", "GRID", "--from", "2026-06-01", "--to", "2026-06-03",
            "--format", "csv",
        ])
        let lines = consumption.stdout.split(separator: "\n").map(String.init)
        #expect(lines.first == "node,start,end,kwh,complete,export_kwh,net_kwh", "\(consumption.stdout)")
        #expect(lines.count == 3 && lines[1].hasSuffix(",16.0,true,5.6,10.4"), "\(consumption.stdout)")
        let circuit = await harness.run([
            "report", "consumption", "--by", "day", "--node", "KITCHEN", "--from", "2026-06-01", "--to", "2026-06-02",
            "--format", "csv",
        ])
        #expect(
            circuit.stdout
                == "node,start,end,kwh,complete\nKITCHEN,2026-06-01T00:00:00Z,2026-06-02T00:00:00Z,9.6,true\n")
    }

    @Test(
        "a total meter and a production meter: import and export derived per bucket", arguments: SeriesFactory.allCases)
    func totalSite(_ factory: SeriesFactory) async throws {
        let harness = try Self.harness(factory)
        try await Self.setUp(harness, grid: false)
        Self.checkDays(try await Self.rows(harness, ["--by", "day", "--from", "2026-06-01", "--to", "2026-06-03"]))
        Self.checkHours(try await Self.rows(harness, ["--by", "hour", "--from", "2026-06-01", "--to", "2026-06-02"]))
    }

    /// A flat tariff: energy 0.20/kWh, IVA 21 % on energy; export price and cap as given.
    static func tariff(export: String, cap: String?) -> String {
        """
        name = "flat"
        currency = "EUR"

        [[version]]
        from = 2026-01-01
        periods = "flat"
        holidays = []
        energy = { flat = 0.20 }
        export = \(export)
        \(cap.map { "export_cap = \"\($0)\"" } ?? "")
        taxes = [{ name = "IVA", percent = 21, on = ["energy"] }]
        """
    }

    static func bill(_ harness: Harness, _ target: [String]) async throws -> (lines: [[String: Any]], total: Double) {
        let result = await harness.run(
            ["report", "cost", "--by", "bill", "--from", "2026-06-01", "--to", "2026-06-02", "--json"] + target)
        #expect(result.status == 0, "\(result.stderr)")
        let bill = try #require(try result.json() as? [String: Any])
        return (bill["lines"] as? [[String: Any]] ?? [], bill["total"] as? Double ?? .nan)
    }

    /// The sunny day's bill: energy 16.0 kWh × 0.20 = 3.20; export 5.6 kWh.
    /// - export 0.05: compensation 0.28 (not capped); IVA 21 % of 2.92 = 0.6132 → 0.61; total 3.53.
    /// - export 0.60: 3.36 capped at 3.20; IVA 0; total 0.00.
    /// - export 0.60, export_cap = "none": −3.36; IVA of −0.16 = −0.0336 → −0.03; total −0.19.
    @Test(
        "the net bill: compensation under the cap, capped, and uncapped, to the cent", arguments: SeriesFactory.allCases
    )
    func netBill(_ factory: SeriesFactory) async throws {
        let harness = try Self.harness(factory)
        try await Self.setUp(harness, grid: true)
        let file = harness.dataDirectory + "/flat.toml"
        for (export, cap, compensation, tax, total) in [
            ("0.05", nil, -0.28, 0.61, 3.53), ("0.60", nil, -3.20, 0.0, 0.0), ("0.60", "none", -3.36, -0.03, -0.19),
        ] as [(String, String?, Double, Double, Double)] {
            try Self.tariff(export: export, cap: cap).write(toFile: file, atomically: true, encoding: .utf8)
            let imported = await harness.run(["tariff", "import", file])
            #expect(imported.status == 0, "\(imported.stderr)")
            _ = await harness.run(["tariff", "assign", "GRID", "flat", "--from", "2026-01-01"])
            for target in [["--node", "GRID"], ["--site", "casa"]] {
                let (lines, sum) = try await Self.bill(harness, target)
                let energy = lines.first { $0["label"] as? String == "Energy flat" }
                let export = lines.first { $0["label"] as? String == "Export compensation" }
                let iva = lines.first { $0["part"] as? String == "IVA" }
                #expect(energy?["amount"] as? Double == 3.2, "\(target) \(lines)")
                #expect(export?["amount"] as? Double == compensation && export?["unit"] as? String == "kWh", "\(lines)")
                #expect(abs((export?["quantity"] as? Double ?? 0) - 5.6) < 0.001, "\(lines)")
                #expect(iva?["amount"] as? Double == tax, "\(export) \(cap ?? "-") \(lines)")
                #expect(abs(sum - total) < 0.001, "\(target) total \(sum) ≠ \(total)")
            }
        }
    }

    /// Export priced by a series (`export_series`): 0.10 from 08:00 to 12:00, 0.02 otherwise.
    /// Sunny day: 4.4 kWh × 0.10 + 1.2 kWh × 0.02 = 0.464 → 0.46; IVA 21 % of 3.20 − 0.46 =
    /// 2.74 → 0.5754 → 0.58; total 3.20 − 0.46 + 0.58 = 3.32.
    @Test("the net bill with dynamic export prices from a price series", arguments: SeriesFactory.allCases)
    func seriesExport(_ factory: SeriesFactory) async throws {
        let harness = try Self.harness(factory)
        try await Self.setUp(harness, grid: true)
        let dir = harness.dataDirectory
        try """
        name = "excedentes"
        currency = "EUR"

        [[version]]
        from = 2026-01-01
        periods = "flat"
        holidays = []
        energy = "series"
        """.write(toFile: dir + "/excedentes.toml", atomically: true, encoding: .utf8)
        #expect(await harness.run(["tariff", "import", dir + "/excedentes.toml"]).status == 0)
        let prices = (0..<48).map { hour in
            "\(ISO8601.format(milliseconds: (Self.start + Int64(hour) * 3600) * 1000, timeZone: .gmt)),\((8..<12).contains(hour % 24) ? "0.10" : "0.02")"
        }
        try ("time,price\n" + prices.joined(separator: "\n") + "\n").write(
            toFile: dir + "/prices.csv", atomically: true, encoding: .utf8)
        let stored = await harness.run(["tariff", "prices", "import", "excedentes", dir + "/prices.csv"])
        #expect(stored.status == 0, "\(stored.stderr)")
        try Self.tariff(export: "0", cap: nil).replacingOccurrences(
            of: "export = 0\n", with: "export_series = \"excedentes\"\n"
        )
        .write(toFile: dir + "/flat.toml", atomically: true, encoding: .utf8)
        let imported = await harness.run(["tariff", "import", dir + "/flat.toml"])
        #expect(imported.status == 0, "\(imported.stderr)")
        #expect(await harness.run(["tariff", "export", "flat"]).stdout.contains("export_series = \"excedentes\""))
        #expect(await harness.run(["tariff", "assign", "GRID", "flat", "--from", "2026-01-01"]).status == 0)
        for target in [["--node", "GRID"], ["--site", "casa"]] {
            let (lines, sum) = try await Self.bill(harness, target)
            let export = lines.first { $0["label"] as? String == "Export compensation" }
            #expect(export?["amount"] as? Double == -0.46, "\(target) \(lines)")
            #expect(lines.first { $0["part"] as? String == "IVA" }?["amount"] as? Double == 0.58, "\(lines)")
            #expect(abs(sum - 3.32) < 0.001, "\(target) total \(sum)")
        }
    }

    /// Sunny day, flat 0.20: energy cost 3.20; circuit shares at 0.20 per kWh consumed in hours
    /// with import (00–08, 16–24; 08–16 import nothing): KITCHEN 0.4 × 16 × 0.2 = 1.28, CLIMATE
    /// 0.2 × 14 + 1.0 × 2 = 4.8 kWh → 0.96, untracked 0.3 × 16 × 0.2 = 0.96.
    @Test(
        "circuit costs and the untracked remainder add up to the energy cost, to the cent",
        arguments: SeriesFactory.allCases)
    func circuitCosts(_ factory: SeriesFactory) async throws {
        let harness = try Self.harness(factory)
        try await Self.setUp(harness, grid: true)
        let file = harness.dataDirectory + "/flat.toml"
        try Self.tariff(export: "0.05", cap: nil).write(toFile: file, atomically: true, encoding: .utf8)
        #expect(await harness.run(["tariff", "import", file]).status == 0)
        #expect(await harness.run(["tariff", "assign", "GRID", "flat", "--from", "2026-01-01"]).status == 0)
        let days = try await Self.rows(
            harness, ["--by", "day", "--from", "2026-06-01", "--to", "2026-06-03", "--cost"])
        let sunny = try #require(days.first)
        #expect(sunny["energy_cost"] as? Double == 3.2)
        let shares = sunny["circuit_cost"] as? [String: Double] ?? [:]
        #expect(shares["KITCHEN"] == 1.28 && shares["CLIMATE"] == 0.96, "\(shares)")
        #expect(sunny["untracked_cost"] as? Double == 0.96)
        for rows in [
            days,
            try await Self.rows(harness, ["--by", "hour", "--from", "2026-06-02", "--to", "2026-06-03", "--cost"]),
        ] {
            for row in rows {
                let cents = { (value: Double?) in Int(((value ?? 0) * 100).rounded()) }
                let parts = (row["circuit_cost"] as? [String: Double] ?? [:]).values.reduce(0) { $0 + cents($1) }
                #expect(
                    parts + cents(row["untracked_cost"] as? Double) == cents(row["energy_cost"] as? Double),
                    "\(row["period"] ?? "") \(row)")
            }
        }
        #expect((days.last?["energy_cost"] as? Double) == 4.48, "cloudy: 22.4 kWh × 0.20")
    }
}
