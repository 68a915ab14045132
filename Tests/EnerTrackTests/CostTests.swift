import EnerTrackCore
import EnerTrackKit
import Foundation
import Testing

/// Bills computed by hand, then by `report cost` from readings imported into each series store:
/// equal to the cent.
@Suite("report cost: hand-computed bills on both series stores")
struct CostTests {
    /// Counter readings every 15 minutes over `[from, to)`: the power of each quarter hour is
    /// `kw(local hour)` of the Madrid wall clock at its start.
    static func readingsCSV(node: String, from: String, to: String, kw: (Int) -> Double) throws -> String {
        let zone = try #require(TimeZone(identifier: "Europe/Madrid"))
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = zone
        let start = try #require(ISO8601.parse(from, localIn: zone)).milliseconds
        let end = try #require(ISO8601.parse(to, localIn: zone)).milliseconds
        var lines = ["time,node,energy"]
        var energy = 1000.0
        var time = start
        while time <= end {
            lines.append("\(time / 1000),\(node),\(energy)")
            let hour = calendar.component(.hour, from: Date(milliseconds: time))
            energy += kw(hour) * 0.25
            time += 900_000
        }
        return lines.joined(separator: "\n") + "\n"
    }

    /// A harness on the store, with the tariff imported and assigned to the meter, and its readings.
    static func prepared(
        _ factory: SeriesFactory, tariff: String, node: String, readings: String, assign: [String]? = nil
    ) async throws -> Harness {
        var environment = ["TZ": "Europe/Madrid"]
        if factory == .influx {
            environment["INFLUX_URL"] = try TestServers.influxURL()
            environment["INFLUX_DB"] = TestServers.freshInfluxDatabase()
        }
        let harness = try Harness(environment: environment)
        #expect(await harness.run(["node", "add", node]).status == 0)
        let tariffFile = harness.dataDirectory + "/tariff.toml"
        try tariff.write(toFile: tariffFile, atomically: true, encoding: .utf8)
        let imported = await harness.run(["tariff", "import", tariffFile])
        #expect(imported.status == 0, "\(imported.stderr)")
        let name = try #require(tariff.split(separator: "\"").dropFirst().first.map(String.init))
        let assigned = await harness.run(assign ?? ["tariff", "assign", node, name])
        #expect(assigned.status == 0, "\(assigned.stderr)")
        let file = harness.dataDirectory + "/readings.csv"
        try readings.write(toFile: file, atomically: true, encoding: .utf8)
        let loaded = await harness.run(["import", file])
        #expect(loaded.status == 0, "\(loaded.stderr)")
        return harness
    }

    static func bill(_ harness: Harness, _ arguments: [String]) async throws -> [String: Any] {
        let result = await harness.run(["report", "cost", "--by", "bill", "--json"] + arguments)
        #expect(result.status == 0, "\(result.stderr)")
        return try #require(try result.json() as? [String: Any], "\(result.stdout)")
    }

    static func amounts(_ bill: [String: Any]) -> [String: Double] {
        var amounts: [String: Double] = [:]
        for line in bill["lines"] as? [[String: Any]] ?? [] {
            if let label = line["label"] as? String { amounts[label] = line["amount"] as? Double }
        }
        return amounts
    }

    static let es20TD = """
        name = "hogar"
        currency = "EUR"

        [[version]]
        from = 2026-01-01
        periods = "es-2.0TD"
        energy = { P1 = 0.21, P2 = 0.15, P3 = 0.09 }
        power_periods = "es-2.0TD"
        power = { P1 = 0.0821, P2 = 0.0037 }
        contracted_kw = { P1 = 4.6, P2 = 4.6 }
        fixed_per_day = 0.0266
        taxes = [
          { name = "IEE", percent = 5.11269632, on = ["energy", "power"] },
          { name = "IVA", percent = 21, on = ["energy", "power", "fixed", "IEE"] },
        ]
        """

    /// Saturday 28 March to Friday 3 April 2026 in Madrid: a weekend, the spring DST change
    /// (Sunday 29, 23 hours) and Good Friday (3 April, a national holiday, valle all day).
    /// 1 kW always, +2 kW 08-09 (P2 on working days), 10-11 and 21-22 (P1), +4 kW 02-03 (P3;
    /// the hour that does not exist on the 29th).
    ///
    /// By hand: Sat 34 kWh P3; Sun 23 + 6 = 29 P3; Mon-Thu each P1 8 + 4 = 12, P2 8 + 2 = 10,
    /// P3 8 + 4 = 12; Fri 34 P3. P1 48, P2 40, P3 145 (233 kWh).
    /// Energy 48 × 0.21 = 10.08, 40 × 0.15 = 6.00, 145 × 0.09 = 13.05. Power 4.6 kW × 7 days =
    /// 32.2 kW·day: × 0.0821 = 2.64362 → 2.64, × 0.0037 = 0.11914 → 0.12. Rental 7 × 0.0266 =
    /// 0.1862 → 0.19. IEE 5.11269632 % of 29.13 + 2.64 + 0.12 = 31.89 → 1.630439 → 1.63. IVA 21 %
    /// of 31.89 + 0.19 + 1.63 = 33.71 → 7.0791 → 7.08. Total 40.79.
    @Test("2.0TD week with a holiday, a weekend and a DST change", arguments: SeriesFactory.allCases)
    func accessTariffWeek(_ factory: SeriesFactory) async throws {
        let readings = try Self.readingsCSV(node: "CASA", from: "2026-03-28T00:00", to: "2026-04-04T00:00") { hour in
            switch hour {
            case 8, 10, 21: 3
            case 2: 5
            default: 1
            }
        }
        let harness = try await Self.prepared(factory, tariff: Self.es20TD, node: "CASA", readings: readings)
        let bill = try await Self.bill(harness, ["--from", "2026-03-28", "--to", "2026-04-04"])
        let lines = try #require(bill["lines"] as? [[String: Any]])
        let quantities = Dictionary(
            lines.compactMap { line in (line["label"] as? String).map { ($0, line["quantity"] as? Double ?? -1) } },
            uniquingKeysWith: { a, _ in a })
        #expect(quantities["Energy P1"] == 48 && quantities["Energy P2"] == 40 && quantities["Energy P3"] == 145)
        #expect(quantities["Power P1 4.6 kW"] == 32.2 && quantities["Fixed per day"] == 7)
        let amounts = Self.amounts(bill)
        #expect(
            amounts == [
                "Energy P1": 10.08, "Energy P2": 6.00, "Energy P3": 13.05, "Power P1 4.6 kW": 2.64,
                "Power P2 4.6 kW": 0.12, "Fixed per day": 0.19, "IEE 5.11269632 %": 1.63, "IVA 21 %": 7.08,
            ], "\(amounts)")
        #expect(bill["total"] as? Double == 40.79 && bill["currency"] as? String == "EUR")
        #expect(bill["kwh"] as? Double == 233)
        let sum = lines.reduce(0.0) { $0 + ($1["amount"] as? Double ?? 0) }
        #expect(abs(sum - 40.79) < 0.000_001, "the total is the sum of the rounded lines")

        // By day: the DST Sunday (29 kWh, all valle) and Good Friday (all valle).
        let daily = await harness.run([
            "report", "cost", "--by", "day", "--from", "2026-03-28", "--to", "2026-04-04", "--json",
        ])
        #expect(daily.status == 0, "\(daily.stderr)")
        let rows = try JSONDecoder().decode(CostJSON.self, from: Data(daily.stdout.utf8)).rows
        #expect(rows.count == 7)
        let sunday = try #require(rows.first { $0.period == "2026-03-29" })
        // 29 × 0.09 = 2.61; power 0.37766 → 0.38 and 0.01702 → 0.02; rental 0.03; IEE of 3.01 →
        // 0.15; IVA of 3.19 → 0.67; total 3.86.
        #expect(sunday.kwh == 29 && sunday.energy == 2.61 && sunday.power == 0.40 && sunday.fixed == 0.03)
        #expect(sunday.taxes == ["IEE": 0.15, "IVA": 0.67] && sunday.unpricedKWh == nil)
        #expect(sunday.total == 3.86, "\(sunday)")
        let friday = try #require(rows.first { $0.period == "2026-04-03" })
        #expect(friday.bands["P3"]?.kwh == 34 && friday.bands["P1"]?.kwh == 0 && friday.bands["P2"]?.kwh == 0)
        let monday = try #require(rows.first { $0.period == "2026-03-30" }).bands
        #expect(monday["P1"]?.kwh == 12 && monday["P2"]?.kwh == 10 && monday["P3"]?.kwh == 12)
        #expect(monday["P1"]?.cost == 2.52)
    }

    static let priceChange = """
        name = "cambio"
        currency = "EUR"

        [[version]]
        from = 2026-01-01
        periods = "flat"
        energy = { flat = 0.20 }

        [[version]]
        from = 2026-01-16
        periods = "flat"
        energy = { flat = 0.30 }
        """

    /// 1 kW through January 2026: the 15 days before the change at 0.20 (360 kWh, 72.00), the 16
    /// from it at 0.30 (384 kWh, 115.20): 187.20.
    @Test(
        "a price change in the middle of a month keeps the old price on the old days", arguments: SeriesFactory.allCases
    )
    func priceChangeMidMonth(_ factory: SeriesFactory) async throws {
        let readings = try Self.readingsCSV(node: "PISO", from: "2026-01-01T00:00", to: "2026-02-01T00:00") { _ in 1 }
        let harness = try await Self.prepared(factory, tariff: Self.priceChange, node: "PISO", readings: readings)
        let bill = try await Self.bill(harness, ["--from", "2026-01-01", "--to", "2026-02-01"])
        #expect(
            Self.amounts(bill) == ["Energy flat (from 2026-01-01)": 72.00, "Energy flat (from 2026-01-16)": 115.20],
            "\(bill)")
        #expect(bill["total"] as? Double == 187.20)
        let daily = await harness.run([
            "report", "cost", "--by", "day", "--from", "2026-01-15", "--to", "2026-01-17", "--format", "csv",
        ])
        #expect(
            daily.stdout
                == "node,period,kwh,flat_kwh,flat_cost,energy,power,fixed,total\nPISO,2026-01-15,24.000,24.000,4.80,4.80,0.00,0.00,4.80\nPISO,2026-01-16,24.000,24.000,7.20,7.20,0.00,0.00,7.20\n",
            "\(daily.stdout)\(daily.stderr)")
        // Importing a changed file again replaces the tariff: the new prices apply at once.
        let monthly = await harness.run([
            "report", "cost", "--by", "month", "--from", "2026-01-01", "--to", "2026-02-01", "--json",
        ])
        let report = try #require(try monthly.json() as? [String: Any])
        #expect(report["total"] as? Double == 187.20)
    }

    static let monthlyFixed = """
        name = "plana"
        currency = "EUR"

        [[version]]
        from = 2026-01-01
        periods = "flat"
        energy = { flat = 0.10 }
        fixed_per_month = 10.00
        """

    /// 1 kW in February (28 days, 672 kWh: 67.20) and March 2026 (31 days, one of 23 hours: 743
    /// kWh, 74.30): each month's fixed charge is 10.00 whatever its length; half of February
    /// (14 days) is 5.00.
    @Test("a flat tariff with a monthly fixed charge over months of 28 and 31 days", arguments: SeriesFactory.allCases)
    func monthlyFixedCharge(_ factory: SeriesFactory) async throws {
        let readings = try Self.readingsCSV(node: "TIENDA", from: "2026-02-01T00:00", to: "2026-04-01T00:00") { _ in 1 }
        let harness = try await Self.prepared(factory, tariff: Self.monthlyFixed, node: "TIENDA", readings: readings)
        let result = await harness.run([
            "report", "cost", "--by", "month", "--from", "2026-02-01", "--to", "2026-04-01", "--json",
        ])
        #expect(result.status == 0, "\(result.stderr)")
        let report = try JSONDecoder().decode(CostJSON.self, from: Data(result.stdout.utf8))
        #expect(report.rows.map(\.period) == ["2026-02", "2026-03"])
        #expect(report.rows.map(\.kwh) == [672, 743])
        #expect(report.rows.map(\.energy) == [67.20, 74.30])
        #expect(report.rows.map(\.fixed) == [10.00, 10.00])
        #expect(report.rows.map(\.total) == [77.20, 84.30])
        #expect(report.total == 161.50 && report.currency == "EUR" && report.by == "month")
        let half = try await Self.bill(harness, ["--from", "2026-02-01", "--to", "2026-02-15"])
        #expect(Self.amounts(half) == ["Energy flat": 33.60, "Fixed per month": 5.00], "\(half)")
        let lines = try #require(half["lines"] as? [[String: Any]])
        #expect(lines.last?["quantity"] as? Double == 0.5 && lines.last?["unit"] as? String == "month")
    }

    static let dynamic = """
        name = "pvpc"
        currency = "EUR"

        [[version]]
        from = 2026-01-01
        periods = "flat"
        energy = "series"
        """

    /// Tuesday 5 May 2026, hourly prices 0.01 × (hour + 1); 1 kW all day and +2 kW from 18 to 20:
    /// 0.01 × (1 + … + 24) = 3.00, plus 2 × (0.19 + 0.20) = 0.78: 3.78 for 28 kWh.
    @Test("a dynamic hourly price series", arguments: SeriesFactory.allCases)
    func dynamicPrices(_ factory: SeriesFactory) async throws {
        let readings = try Self.readingsCSV(node: "ESTUDIO", from: "2026-05-05T00:00", to: "2026-05-06T00:00") { hour in
            hour == 18 || hour == 19 ? 3 : 1
        }
        let harness = try await Self.prepared(factory, tariff: Self.dynamic, node: "ESTUDIO", readings: readings)
        // Before any price: a clear error naming the first hour without one.
        let early = await harness.run(["report", "cost", "--by", "bill", "--from", "2026-05-05", "--to", "2026-05-06"])
        #expect(
            early.status == 65 && early.stderr.contains("no dynamic price for 2026-05-05T00:00:00+02:00"),
            "\(early.stderr)")
        var csv = "time,price\n"
        for hour in 0..<24 {
            csv += String(format: "2026-05-05T%02d:00:00+02:00,%.2f\n", hour, 0.01 * Double(hour + 1))
        }
        let file = harness.dataDirectory + "/prices.csv"
        try csv.write(toFile: file, atomically: true, encoding: .utf8)
        let stored = await harness.run(["tariff", "prices", "import", "pvpc", file])
        #expect(
            stored.status == 0 && stored.stdout.contains("stored 24 prices for pvpc (hourly)"),
            "\(stored.stdout)\(stored.stderr)")
        let bill = try await Self.bill(harness, ["--from", "2026-05-05", "--to", "2026-05-06"])
        #expect(Self.amounts(bill) == ["Energy flat": 3.78], "\(bill)")
        let lines = try #require(bill["lines"] as? [[String: Any]])
        #expect(lines.first?["quantity"] as? Double == 28 && bill["total"] as? Double == 3.78)
        // A range that ends inside an hour: 18 hours at 1 kW (1.71) and a quarter at 3 kW × 0.19
        // (0.1425): 18.75 kWh, 1.85 — not the whole hour an hourly sum would hold.
        let partial = try await Self.bill(harness, ["--from", "2026-05-05", "--to", "2026-05-05T18:15"])
        #expect(partial["kwh"] as? Double == 18.75 && partial["total"] as? Double == 1.85, "\(partial)")
        // The same prices per 15 minutes (each hour's price four times) give the same bill.
        var quarters = "time;price\n"
        for quarter in 0..<96 {
            quarters += String(
                format: "2026-05-05T%02d:%02d:00+02:00;%@\n", quarter / 4, quarter % 4 * 15,
                String(format: "%.2f", 0.01 * Double(quarter / 4 + 1)).replacingOccurrences(of: ".", with: ","))
        }
        try quarters.write(toFile: file, atomically: true, encoding: .utf8)
        let replaced = await harness.run(["tariff", "prices", "import", "pvpc", file])
        #expect(
            replaced.status == 0 && replaced.stdout.contains("96 prices") && replaced.stdout.contains("15-minute"),
            "\(replaced.stderr)")
        #expect(
            Self.amounts(try await Self.bill(harness, ["--from", "2026-05-05", "--to", "2026-05-06"])) == [
                "Energy flat": 3.78
            ])
    }
}

extension CostTests {
    /// InfluxDB keeps hourly rollups for cost reports once they are complete; a database whose
    /// rollups predate them (no marker) is priced from the 15-minute points, the same to the cent,
    /// until `db rollup --rebuild` completes them.
    @Test("InfluxDB: hourly rollups and the 15-minute fallback give the same bill")
    func hourlyRollups() async throws {
        let readings = try Self.readingsCSV(node: "CASA", from: "2026-03-28T00:00", to: "2026-04-04T00:00") { hour in
            hour == 21 ? 3 : 1
        }
        let harness = try await Self.prepared(.influx, tariff: Self.es20TD, node: "CASA", readings: readings)
        let arguments = ["--from", "2026-03-28", "--to", "2026-04-04"]
        let hourly = try await Self.bill(harness, arguments)
        let url = try #require(harness.environment["INFLUX_URL"])
        let database = try #require(harness.environment["INFLUX_DB"])
        func influx(_ query: String) throws -> String {
            try shell(
                "/usr/bin/curl",
                [
                    "-sS", "-XPOST", "-G", url + "/query", "--data-urlencode", "db=" + database, "--data-urlencode",
                    "q=" + query,
                ])
        }
        #expect(try influx("SELECT count(kwh) FROM energy_rollup_h").contains("168"), "7 days × 24 hours − 1 (DST) + 1")
        _ = try influx("DROP MEASUREMENT energy_rollup_meta")
        _ = try influx("DROP MEASUREMENT energy_rollup_h")
        let fallback = try await Self.bill(harness, arguments)
        #expect(
            fallback["total"] as? Double == hourly["total"] as? Double && Self.amounts(fallback) == Self.amounts(hourly)
        )
        #expect(await harness.run(["db", "rollup", "--rebuild"]).status == 0)
        #expect(try influx("SELECT * FROM energy_rollup_meta").contains("hourly"))
        let rebuilt = try await Self.bill(harness, arguments)
        #expect(
            Self.amounts(rebuilt) == Self.amounts(hourly) && rebuilt["total"] as? Double == hourly["total"] as? Double)
    }
}
