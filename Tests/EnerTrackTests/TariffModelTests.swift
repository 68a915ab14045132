import EnerTrackCore
import Foundation
import Testing

@testable import EnerTrackKit

/// The tariff model, its file format and the bill arithmetic, without a store.
@Suite("tariff model, file and bill arithmetic")
struct TariffModelTests {
    static let madrid = TimeZone(identifier: "Europe/Madrid")!

    static func ms(_ text: String) -> Int64 { ISO8601.parse(text, localIn: madrid)!.milliseconds }

    static func parse(_ text: String) throws -> Tariff { try TariffFile.parse(text) }

    static func error(_ text: String) -> String {
        do {
            _ = try TariffFile.parse(text)
            return "no error"
        } catch {
            return error.description
        }
    }

    @Test("a figure becomes the decimal printf writes, however it is computed")
    func figures() {
        var generator = SystemRandomNumberGenerator()
        let posix = Locale(identifier: "en_US_POSIX")
        var mismatches: [String] = []
        // Random sums of kWh, exact ties of every scale, and values at the fast path's edges.
        var figures: [Double] = (0..<50_000).map { _ in
            Double.random(in: -2_000...20_000, using: &generator) * (Bool.random(using: &generator) ? 1 : 1e-3)
        }
        figures += [0, -0.0, 0.5, 1.5, 2.5, 0.0005, 0.0015, 0.125, 2.675, 1.005, 999_999.9995, 1e9, -1e9, 12_345_678.5]
        figures += (0..<2_000).map { Double($0) / 8 + 0.0625 }
        for figure in figures {
            for scale in [0, 2, 3, 4, 6] {
                let printed = Decimal(string: String(format: "%.\(scale)f", figure), locale: posix) ?? 0
                if Decimal(figure: figure, scale: scale) != printed { mismatches.append("\(figure) at \(scale)") }
            }
        }
        #expect(mismatches.isEmpty, "\(mismatches.prefix(20))")
    }

    static let base = """
        name = "t"
        currency = "EUR"
        [[version]]
        from = 2026-01-01
        """

    @Test("the examples import, and export reads back as the same tariff")
    func examplesRoundTrip() throws {
        let directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent(
            "../../examples")
        let files = try FileManager.default.contentsOfDirectory(atPath: directory.path).filter { $0.hasSuffix(".toml") }
        #expect(files.count >= 3)
        for file in files {
            let tariff = try TariffFile.read(path: directory.appendingPathComponent(file).path)
            #expect(try TariffFile.parse(tariff.toml) == tariff, "\(file)")
            #expect(try TariffFile.parse(tariff.toml).toml == tariff.toml, "\(file): export is stable")
        }
        let hogar = try TariffFile.read(path: directory.appendingPathComponent("tariff-2.0TD.toml").path)
        #expect(hogar.versions.map(\.from.description) == ["2025-01-01", "2026-01-01"])
        #expect(hogar.versions[1].holidays == .esNational, "es-2.0TD brings the national calendar by default")
        #expect(hogar.versions[0].taxes.map(\.name) == ["IEE", "IVA"])
    }

    /// Tariff files and what their error must say.
    static let badFiles: [(String, String)] = [
        ("name = \"t\"\ncurrency = \"EUR\"\n[[version]\n", "line 3"),
        (
            Self.base + "\nperiods = \"es-3.0TD\"\nenergy = { P1 = 1 }",
            "version[1].periods 'es-3.0TD' is not a preset"
        ),
        (
            Self.base + "\nperiods = \"es-2.0TD\"\nenergy = { P1 = 0.2, P2 = 0.1 }",
            "version[1].energy has no price for period P3"
        ),
        (Self.base + "\nperiods = \"flat\"\nenergy = { P4 = 0.2 }", "version[1].energy.P4: no such period"),
        (Self.base + "\nperiods = \"flat\"\nenergy = { flat = 0.2 }\nenrgy = 1", "version[1].enrgy: unknown key"),
        (Self.base + "\nperiods = \"flat\"\nenergy = { flat = \"cheap\" }", "version[1].energy.flat is a string"),
        (Self.base + "\nperiods = \"flat\"\nenergy = { flat = nan }", "not a finite number"),
        (Self.base + "\nperiods = \"flat\"\nenergy = { flat = 1e300 }", "out of range"),
        (Self.base + "\nperiods = \"flat\"\nenergy = { flat = 0.1 }\nfixed_per_day = -1", "cannot be negative"),
        (
            Self.base
                + "\nperiods = \"flat\"\nenergy = { flat = 0.1 }\ntaxes = [{ name = \"IVA\", percent = 21, on = [\"IEE\"] }]",
            "'IEE' is neither a part"
        ),
        (
            Self.base
                + "\nperiods = \"flat\"\nenergy = { flat = 0.1 }\ntaxes = [{ name = \"IVA\", percent = 121, on = [\"energy\"] }]",
            "over 100"
        ),
        (Self.base + "\nperiods = \"flat\"\nenergy = { flat = 0.1 }\npower = { P1 = 0.08 }", "needs power_periods"),
        (
            Self.base
                + "\nperiods = \"flat\"\nenergy = { flat = 0.1 }\npower_periods = \"es-2.0TD\"\npower = { P1 = 0.08 }",
            "power period P1 needs both"
        ),
        (
            Self.base
                + "\nenergy = { a = 0.1 }\n[[version.period]]\nname = \"a\"\ndays = [\"mon\"]\nhours = [\"10:10-11:00\"]",
            "on quarter hours"
        ),
        (
            Self.base
                + "\nenergy = { a = 0.1 }\n[[version.period]]\nname = \"a\"\ndays = [\"lun\"]\nhours = [\"10:00-11:00\"]",
            "'lun' is not a day"
        ),
        (
            Self.base
                + "\nenergy = { a = 0.1 }\n[[version.period]]\nname = \"a\"\ndays = [\"mon\"]\nhours = [\"10:00-11:00\"]",
            "exactly one period needs default = true"
        ),
        ("name = \"../etc\"\ncurrency = \"EUR\"\n[[version]]\nfrom = 2026-01-01", "name '../etc' must be"),
        ("name = \"t\"\ncurrency = \"euro\"\n[[version]]\nfrom = 2026-01-01", "not an ISO 4217 code"),
        ("name = \"t\"\ncurrency = \"EUR\"\nversion = []", "at least one [[version]]"),
        (
            "name = \"t\"\ncurrency = \"EUR\"\n[[version]]\nfrom = 2026-02-30\nperiods = \"flat\"\nenergy = { flat = 1 }",
            "line 4"
        ),
        (
            "name = \"t\"\ncurrency = \"EUR\"\n[[version]]\nfrom = \"1999-12-31\"\nperiods = \"flat\"\nenergy = { flat = 1 }",
            "is not a date like 2025-01-01 (2000 to 2199)"
        ),
        (
            Self.base
                + "\nperiods = \"flat\"\nenergy = { flat = 1 }\n[[version]]\nfrom = 2026-01-01\nperiods = \"flat\"\nenergy = { flat = 2 }",
            "another version starts that day"
        ),
        (Self.base + "\nperiods = \"flat\"\nenergy = { flat = 1 }\nholidays = [\"es-regional\"]", "neither a date"),
        (String(repeating: "[", count: 5000), "line 1"),
        ("[[[1]]]", "line 1: a table header needs a name"),
        ("a = 1\n  [[ =", "line 2: a table header needs a name"),
        ("[[]]", "line 1"),
        ("[ ]", "line 1"),
        ("name = \"t\"\u{0}", "NUL"),
        (
            "name = \"t\"\ncurrency = \"EUR\"\nx = [1, 2 × 3]",
            "line 3: non-ASCII characters may only be in strings and comments"
        ),
        ("name = é", "line 1: non-ASCII"),
    ]

    @Test("errors name the key, the line of a syntax error, and what was expected")
    func fileErrors() {
        for (text, expected) in Self.badFiles {
            let message = Self.error(text)
            #expect(message.contains(expected), "\(expected) ← \(message)")
        }
    }

    @Test("the screen lets non-ASCII text through in strings and comments, headers with names")
    func screen() throws {
        let text = #"""
            # Tarifa de la escuela: “punta” × 2 €
            name = "t"   # nombre único
            currency = "EUR"
            note = """
            [[ línea ]] dentro de un texto"""
            other = '''
            é'''
            [[version]]
            from = 2026-01-01
            periods = "flat"
            energy = { flat = 0.1 }
            """#
        #expect(TariffFile.screen(text) == nil)
        #expect(TariffFile.screen(#"a = "\"" é"#)?.line == 1, "an escaped quote does not end the string")
        #expect(TariffFile.screen("a = 'x' é")?.line == 1)
    }

    @Test("the 2.0TD preset, holidays and DST: every bucket of a DST week in its period")
    func scheduleOf20TD() throws {
        let tariff = try Self.parse(Self.base + "\nperiods = \"es-2.0TD\"\nenergy = { P1 = 3, P2 = 2, P3 = 1 }")
        let timeline = TariffTimeline(assignments: [(CalendarDay(year: 2000, month: 1, day: 1), tariff)])
        let from = Self.ms("2026-10-23T00:00")
        let to = Self.ms("2026-10-27T00:00")
        let schedule = try CostSchedule(timeline: timeline, from: from, to: to, timeZone: Self.madrid)
        // Friday 23: 96 buckets; Saturday and Sunday (25 hours) valle; Monday 26 a working day.
        #expect(schedule.bandOf.count == (4 * 24 + 1) * 4)
        func period(_ local: String) -> String {
            let index = Int((Self.ms(local) - from) / EnergyBuckets.bucket)
            return schedule.bands[Int(schedule.bandOf[index])].period
        }
        #expect(period("2026-10-23T07:45") == "P3" && period("2026-10-23T08:00") == "P2")
        #expect(period("2026-10-23T13:45") == "P1" && period("2026-10-23T14:00") == "P2")
        #expect(period("2026-10-23T21:45") == "P1" && period("2026-10-23T22:00") == "P2")
        #expect(period("2026-10-24T12:00") == "P3" && period("2026-10-25T12:00") == "P3")
        #expect(period("2026-10-26T10:00") == "P1" && period("2026-10-26T09:59") == "P2")
        #expect(schedule.hourly, "2.0TD boundaries are on hours")
        #expect(schedule.days.map { ($0.end - $0.start) / 3_600_000 } == [24, 24, 25, 24])
        // 1 January (fixed), 6 January, Good Friday 2027 (26 March) are valle all day.
        let holidays = try CostSchedule(
            timeline: timeline, from: Self.ms("2027-01-01T00:00"), to: Self.ms("2027-12-31T00:00"),
            timeZone: Self.madrid)
        func holidayPeriod(_ local: String) -> String {
            let index = Int((Self.ms(local) - holidays.from) / EnergyBuckets.bucket)
            return holidays.bands[Int(holidays.bandOf[index])].period
        }
        #expect(holidayPeriod("2027-01-06T11:00") == "P3" && holidayPeriod("2027-01-07T11:00") == "P1")
        #expect(holidayPeriod("2027-03-26T11:00") == "P3" && holidayPeriod("2027-03-25T11:00") == "P1")
    }

    @Test("custom periods with seasons, own holidays, and 15-minute boundaries")
    func customPeriods() throws {
        let tariff = try Self.parse(
            Self.base + """

                holidays = [2026-03-19]
                energy = { peak = 0.3, shoulder = 0.2, off = 0.1 }
                [[version.period]]
                name = "peak"
                days = ["mon", "tue", "wed", "thu", "fri"]
                hours = ["09:15-13:45"]
                months = [1, 2, 3]
                [[version.period]]
                name = "shoulder"
                days = ["sat"]
                [[version.period]]
                name = "off"
                default = true
                """)
        let timeline = TariffTimeline(assignments: [(CalendarDay(year: 2026, month: 1, day: 1), tariff)])
        let from = Self.ms("2026-03-16T00:00")
        let schedule = try CostSchedule(
            timeline: timeline, from: from, to: Self.ms("2026-04-07T00:00"), timeZone: Self.madrid)
        func period(_ local: String) -> String {
            schedule.bands[Int(schedule.bandOf[Int((Self.ms(local) - from) / EnergyBuckets.bucket)])].period
        }
        #expect(period("2026-03-16T09:00") == "off" && period("2026-03-16T09:15") == "peak")
        #expect(period("2026-03-16T13:30") == "peak" && period("2026-03-16T13:45") == "off")
        #expect(period("2026-03-19T10:00") == "off", "a listed holiday")
        #expect(period("2026-03-21T03:00") == "shoulder", "Saturday, all day")
        #expect(period("2026-04-06T10:00") == "off", "April is out of the peak season")
        #expect(!schedule.hourly)
    }

    @Test("assignments over time cross with versions; days before any tariff are unpriced")
    func timelines() throws {
        let a = try Self.parse(
            "name = \"a\"\ncurrency = \"EUR\"\n[[version]]\nfrom = 2026-01-01\nperiods = \"flat\"\nenergy = { flat = 0.1 }\n[[version]]\nfrom = 2026-03-01\nperiods = \"flat\"\nenergy = { flat = 0.2 }"
        )
        let b = try Self.parse(
            "name = \"b\"\ncurrency = \"EUR\"\n[[version]]\nfrom = 2020-01-01\nperiods = \"flat\"\nenergy = { flat = 1 }"
        )
        let timeline = TariffTimeline(assignments: [
            (CalendarDay(year: 2026, month: 2, day: 15), b), (CalendarDay(year: 2000, month: 1, day: 1), a),
        ])
        #expect(
            timeline.segments.map { "\($0.tariff) \($0.from)..\($0.until?.description ?? "")" } == [
                "a 2026-01-01..2026-02-15", "b 2026-02-15..",
            ])
        // A day in 2025 is before tariff a's first version.
        let from = Self.ms("2025-12-31T00:00")
        let end = Self.ms("2026-01-02T00:00")
        let schedule = try CostSchedule(timeline: timeline, from: from, to: end, timeZone: Self.madrid)
        var energy: [BucketEnergy] = []
        for bucket in stride(from: from, to: end, by: Int(EnergyBuckets.bucket)) {
            energy.append(BucketEnergy(bucket: bucket, kwh: 0.25))
        }
        let usage = schedule.usage(rows: [from..<end], energy: energy)
        #expect(usage[0].unpricedKWh == 24 && usage[0].kwh.reduce(0, +) == 24)
        let bill = schedule.bill(usage[0])
        #expect(bill.total == Decimal(string: "2.4") && bill.unpricedKWh == 24)
    }

    @Test("rounding: each line half away from zero, taxes on rounded lines in order, export capped")
    func billArithmetic() throws {
        let tariff = try Self.parse(
            Self.base + """

                periods = "flat"
                energy = { flat = 0.125 }
                export = 0.05
                fixed_per_day = 0.005
                taxes = [
                  { name = "A", percent = 10, on = ["energy"] },
                  { name = "B", percent = 50, on = ["A", "fixed"] },
                ]
                """)
        let timeline = TariffTimeline(assignments: [(CalendarDay(year: 2026, month: 1, day: 1), tariff)])
        let from = Self.ms("2026-06-01T00:00")
        let schedule = try CostSchedule(timeline: timeline, from: from, to: from + 86_400_000, timeZone: Self.madrid)
        var usage = schedule.usage(
            rows: [from..<(from + 86_400_000)], energy: [BucketEnergy(bucket: from, kwh: 1)])[0]
        // 1 kWh × 0.125 = 0.125 → 0.13; A 10 % of 0.13 = 0.013 → 0.01; fixed 0.005 → 0.01; B 50 %
        // of 0.01 + 0.01 = 0.01.
        var bill = schedule.bill(usage)
        #expect(
            bill.lines.map(\.amount) == [
                Decimal(string: "0.13")!, Decimal(string: "0.01")!, Decimal(string: "0.01")!, Decimal(string: "0.01")!,
            ])
        #expect(bill.total == Decimal(string: "0.16"))
        // Export: 10 kWh × 0.05 = 0.50 would exceed the energy it offsets (0.13): capped.
        usage.exported[0] = 10
        bill = schedule.bill(usage)
        let export = try #require(bill.lines.first { $0.label == "Export compensation" })
        #expect(export.amount == Decimal(string: "-0.13") && bill.sum(part: "energy") == 0)
        usage.exported[0] = 1
        bill = schedule.bill(usage)
        #expect(bill.lines.first { $0.label == "Export compensation" }?.amount == Decimal(string: "-0.05"))
        #expect(Decimal(string: "-0.125")!.rounded(2) == Decimal(string: "-0.13")!)
        #expect(Decimal(string: "2.675")!.rounded(2) == Decimal(string: "2.68")!)
    }

    @Test("price files: steps, separators, errors naming the line")
    func priceFiles() throws {
        let hourly = try PriceSeries.parse(
            "time,price\n2026-05-05T00:00:00+02:00,0.1\n2026-05-05T01:00:00+02:00,0.2\n", timeZone: Self.madrid)
        #expect(hourly.map(\.duration) == [3_600_000, 3_600_000] && hourly.map(\.price) == [0.1, 0.2])
        let market = try PriceSeries.parse(
            "fecha;precio\n2026-05-05 00:00;120,5\n2026-05-05 00:15;-3,25\n", timeZone: Self.madrid, perMWh: true)
        #expect(market.map(\.price) == [0.1205, -0.00325] && market[0].duration == 900_000)
        #expect(market[0].time == Self.ms("2026-05-05T00:00"), "no offset: the site's wall clock")
        let cases: [(String, String)] = [
            ("time,price\n2026-05-05T00:00:00Z,abc\n", "line 2: 'abc' is not a price"),
            ("time,price\n2026-05-05T00:00:00Z,0.1\nnot a time,0.1\n", "line 3"),
            ("2026-05-05T00:00:00Z,0.1\n2026-05-05T00:00:00Z,0.2\n", "line 2: a second price"),
            ("2026-05-05T00:00:00Z,0.1\n2026-05-05T00:05:00Z,0.2\n", "not on a quarter hour"),
            ("2026-05-05T00:00:00Z,0.1\n2026-05-05T00:30:00Z,0.2\n", "one per hour or per 15 minutes"),
            ("2026-05-05T00:00:00Z,1e9\n", "out of range"),
            ("2026-05-05T00:00:00Z\n", "expected time,price"),
            ("", "no prices"),
        ]
        for (text, expected) in cases {
            do {
                _ = try PriceSeries.parse(text, timeZone: Self.madrid)
                Issue.record("accepted: \(text)")
            } catch {
                #expect(error.description.contains(expected), "\(expected) ← \(error.description)")
            }
        }
    }
}

/// Files from outside are parsed by a child enertrack: a file the TOML parser aborts on ends the
/// child, with a clear message and exit 65, never the command or `serve`.
@Suite("tariff import: the parser in a child process")
struct TariffImportIsolationTests {
    @Test("a file toml++ aborts on: exit 65 with a message, nothing stored; the web admin page survives it")
    func parserAbort() async throws {
        let fixture = packageRoot.appendingPathComponent("Tests/EnerTrackTests/Fixtures/tariff-parser-abort.toml").path
        let site = try await WebSite()
        let imported = await site.harness.run(["tariff", "import", fixture])
        #expect(
            imported.status == 65 && imported.stderr.contains("the TOML parser stopped on this file"),
            "\(imported.stderr)")
        #expect(try await site.harness.run(["tariff", "list", "--json"]).objects().isEmpty, "nothing stored")
        let text = try String(contentsOfFile: fixture, encoding: .utf8)
        try await site.test { client async throws in
            let root = Browser(client)
            #expect(try await root.login("root").status == .seeOther)
            let posted = try await root.submit(
                from: "/admin/tariffs", to: "/admin/tariffs", ["action": "import", "definition": text])
            #expect(posted.status == .seeOther)
            let page = String(buffer: try await root.get("/admin/tariffs").body)
            #expect(page.contains("el analizador TOML se detuvo"), "the refusal is the page's flash, in Spanish")
            // A content error is worded in the page's language too (`currency` missing).
            _ = try await root.submit(
                from: "/admin/tariffs", to: "/admin/tariffs",
                [
                    "action": "import",
                    "definition":
                        "name = \"x\"\n[[version]]\nfrom = 2026-01-01\nperiods = \"flat\"\nenergy = { flat = 0.1 }\n",
                ])
            let missing = String(buffer: try await root.get("/admin/tariffs").body)
            #expect(missing.contains("la tarifa: falta currency"), "\(missing)")
            let good = try String(
                contentsOfFile: packageRoot.appendingPathComponent("examples/tariff-2.0TD.toml").path, encoding: .utf8)
            #expect(
                try await root.submit(
                    from: "/admin/tariffs", to: "/admin/tariffs", ["action": "import", "definition": good]
                ).status == .seeOther)
            #expect(String(buffer: try await root.get("/admin/tariffs").body).contains("hogar"))
            #expect(
                try await root.submit(
                    from: "/admin/tariffs", to: "/admin/tariffs",
                    ["action": "assign", "target": "node:\(WebSite.anaOnly)", "tariff": "hogar", "from": "2026-01-01"]
                ).status == .seeOther)
            #expect(
                String(buffer: try await root.get("/admin/tariffs").body).contains("\(WebSite.anaOnly) (2026-01-01)"))
            let export = try await root.get("/admin/tariffs/hogar")
            #expect(String(buffer: export.body).hasPrefix("name = \"hogar\""))
            #expect(try await root.get("/admin/tariffs/..%2Fetc").status == .notFound)
            let ana = Browser(client)
            #expect(try await ana.login("ana").status == .seeOther)
            #expect(try await ana.get("/admin/tariffs").status == .forbidden)
        }
    }
}
