import EnerTrackCore
import EnerTrackKit
import Foundation
import Hummingbird
import Testing

/// Costs on the web: the consumption page, the dashboard card, the node page, the API, and the
/// admin page's tariffs; the same figures as the command line.
@Suite("web: cost and the consumption page")
struct WebCostTests {
    static let flat = """
        name = "plana"
        currency = "EUR"

        [[version]]
        from = 2020-01-01
        periods = "flat"
        energy = { flat = 0.25 }
        """

    /// The consumption page's pivot table (periods × meters), without the charts' tables.
    static func pivot(_ page: String) -> String {
        page.components(separatedBy: "<div class=\"pivot\">").last ?? ""
    }

    /// The site with ana's meters on a flat tariff (no fixed charges, so figures do not move
    /// between two requests).
    static func site() async throws -> WebSite {
        let site = try await WebSite()
        let file = site.harness.dataDirectory + "/plana.toml"
        try flat.write(toFile: file, atomically: true, encoding: .utf8)
        #expect(await site.harness.run(["tariff", "import", file]).status == 0)
        #expect(await site.harness.run(["tariff", "assign", "--user", "ana", "plana"]).status == 0)
        return site
    }

    @Test("the consumption page's kWh and cost come from one read of the series store, the same figures as apart")
    func oneEnergyRead() async throws {
        let site = try await Self.site()
        try await site.importAnaReadings(days: 3, every: 300)
        let series = CountingSeries(site.series)
        let madrid = TimeZone(identifier: "Europe/Madrid")!
        let now = Date()
        let range = ConsumptionReport.defaultRange(.day, now: now, timeZone: madrid)
        let meters = [(espID: WebSite.anaOnly, label: "Ana"), (espID: WebSite.shared, label: "Cocina")]
        let cache = ClosedPeriods(capacity: 1_000)
        func view() async throws -> ConsumptionView {
            try await ConsumptionView.build(
                series: series, tariffs: site.directory, user: "ana", meters: meters, unit: .day, range: range,
                timeZone: madrid, now: now, cache: cache)
        }
        let first = try await view()
        #expect(series.take() == ["energy(query)": 1], "a page reads its energy once")
        #expect(first.costCents != nil && first.totalKWh > 60, "\(first.totalKWh)")
        #expect(try await view() == first, "the second page, from the kept figures, is the same")
        #expect(series.take() == ["energy(query)": 1])
        // The figures match the reports computed apart (as the command line does).
        let report = try await ConsumptionReport.compute(
            series: site.series, nodes: meters.map(\.espID), unit: .day, range: range, timeZone: madrid, now: now)
        #expect(first.periods.map(\.totalKWh).reduce(0, +) == report.totalKWh)
        #expect(first.totalKWh == report.totalKWh)
    }

    @Test("the consumption page: no future periods, none before the first reading, a pivot with totals, cost")
    func consumptionPage() async throws {
        let site = try await Self.site()
        let pivot = await site.harness.run(["report", "consumption", "--user", "ana", "--by", "day", "--pivot"])
        #expect(pivot.status == 0, "\(pivot.stderr)")
        try await site.test { client async throws in
            let ana = Browser(client)
            #expect(try await ana.login("ana").status == .seeOther)
            // Readings are from the last 30 minutes: from 2020 by day lists today only (and
            // yesterday, just after midnight).
            let page = String(buffer: try await ana.get("/consumption?by=day&from=2020-01-01").body)
            // The pivot's rows (the cost chart's own table comes before it), header and total aside.
            let rows = Self.pivot(page).components(separatedBy: "<tr>").count - 2
            #expect(rows == site.readingDays + 1, "a row per day with readings and the total row:\n\(page)")
            #expect(page.contains("data-stacked") && page.contains("Cocina"), "stacked by meter, named")
            #expect(page.contains("cost-chart") && page.contains("€"), "cost beside kWh")
            #expect(page.contains("id=\"cost-table-summary\""), "the cost chart has its table")
            // Chart.js only where a chart is drawn.
            #expect(page.contains("/static/vendor/chart.min.") && page.contains("/static/charts."))
            #expect(!String(buffer: try await Browser(client).get("/login").body).contains("chart.min."))
            #expect(!String(buffer: try await ana.get("/profile").body).contains("chart.min."))
            #expect(
                page.contains("id=\"tariffs\"") && page.contains("plana (precio único 0,25 €/kWh)"),
                "the user sees their tariff")
            // By hour (the last 24 hours by default): no hour after the current one.
            let hourly = String(buffer: try await ana.get("/consumption?by=hour").body)
            let hours = Self.pivot(hourly).components(separatedBy: "<tr>").count - 2
            #expect((1...3).contains(hours), "only the hours with readings, none in the future: \(hours)")
            // The CSV is the pivot, as the command line prints it.
            let csv = String(buffer: try await ana.get("/consumption.csv?by=day").body)
            #expect(csv == pivot.stdout, "web:\n\(csv)\ncli:\n\(pivot.stdout)")
            let header = csv.split(separator: "\n").first.map { Set($0.split(separator: ",").map(String.init)) }
            #expect(
                header == ["start", WebSite.shared, WebSite.anaOnly, "total"] && csv.contains("\ntotal,"), "\(csv)")
        }
    }

    @Test("the API's cost is report cost --user, for all meters and for one; others' meters are 404")
    func apiCost() async throws {
        let site = try await Self.site()
        let cli = await site.harness.run(["report", "cost", "--user", "ana", "--by", "month", "--json"])
        #expect(cli.status == 0, "\(cli.stderr)")
        let expected = try #require(try JSONSerialization.jsonObject(with: Data(cli.stdout.utf8)) as? [String: Any])
        let expectedTotal = expected["total"] as? Double
        let expectedRows = (expected["rows"] as? [Any])?.count
        try await site.test { client async throws in
            let ana = Browser(client)
            #expect(try await ana.login("ana").status == .seeOther)
            let all = try await ana.get("/api/v1/cost?by=month")
            #expect(all.status == .ok)
            let web = try #require(
                try JSONSerialization.jsonObject(with: Data(String(buffer: all.body).utf8)) as? [String: Any])
            #expect(web["total"] as? Double == expectedTotal)
            #expect((web["rows"] as? [Any])?.count == expectedRows)
            #expect((web["total"] as? Double ?? 0) > 0)
            let one = try await ana.get("/api/v1/nodes/\(WebSite.anaOnly)/cost?by=bill")
            let bill = try #require(
                try JSONSerialization.jsonObject(with: Data(String(buffer: one.body).utf8)) as? [String: Any])
            #expect((bill["lines"] as? [[String: Any]])?.first?["label"] as? String == "Energy flat", "\(bill)")
            #expect(try await ana.get("/api/v1/nodes/\(WebSite.bobOnly)/cost").status == .notFound)
            #expect(try await ana.get("/api/v1/cost?by=week").status == .badRequest)
            #expect(try await ana.get("/api/v1/cost?by=day&from=2026-13-45").status == .badRequest)
            // bob has no tariff: a clear conflict, not a crash.
            let bob = Browser(client)
            #expect(try await bob.login("bob").status == .seeOther)
            let none = try await bob.get("/api/v1/nodes/\(WebSite.bobOnly)/cost")
            #expect(none.status == .conflict && String(buffer: none.body).contains("no tariff"))
            // Pages price what they can: bob's dashboard has no cost card and still loads.
            let dashboard = try await bob.get("/")
            #expect(dashboard.status == .ok && !String(buffer: dashboard.body).contains("cost-card"))
            // ana's dashboard has this month so far / projected; the node page today's cost.
            #expect(String(buffer: try await ana.get("/").body).contains("cost-card"))
            let nodePage = String(buffer: try await ana.get("/nodes/\(WebSite.anaOnly)").body)
            #expect(nodePage.contains("Coste hoy") || nodePage.contains("Cost today"))
        }
    }

    @Test("from 30d, the first day (cut mid-day) has its cost; kept figures give the same page again")
    func firstDayCost() async throws {
        let site = try await Self.site()
        try await site.importAnaReadings(days: 33, every: 3_600)
        try await site.test { client async throws in
            let ana = Browser(client)
            #expect(try await ana.login("ana").status == .seeOther)
            let page = String(buffer: try await ana.get("/consumption?by=day&from=30d").body)
            let rows = Self.pivot(page).components(separatedBy: "<tr>").dropFirst(2).map {
                $0.components(separatedBy: "</tr>")[0]
            }
            #expect(rows.count == 32, "31 days and the total row: \(rows.count)")
            // Period, total, cost, then the meters: the cost is the second data cell.
            let cells = rows.first?.components(separatedBy: "<td") ?? []
            let firstCost = cells.count > 2 ? cells[2] : ""
            #expect(firstCost.contains("€") && !firstCost.contains("–"), "the first day is priced: \(rows.first ?? "")")
            let again = String(buffer: try await ana.get("/consumption?by=day&from=30d").body)
            #expect(again == page, "the second page, from kept figures, is the first")
        }
    }

    @Test("the alerts page's threshold inputs keep a width (no squeezing at 375 px)")
    func alertsMarkup() async throws {
        let site = try await Self.site()
        try await site.test { client async throws in
            let ana = Browser(client)
            #expect(try await ana.login("ana").status == .seeOther)
            let page = String(buffer: try await ana.get("/alerts").body)
            #expect(page.contains("class=\"d-flex flex-wrap gap-2\"") && page.contains("threshold"))
            let css = String(buffer: try await ana.get("/static/app.css").body)
            #expect(css.contains(".threshold { flex: 1 1 6rem; min-width: 6rem; }"))
        }
    }

    @Test(
        "a meter on dynamic prices without them: only its cost is left out, in words; prices uploaded on the page bring it"
    )
    func missingDynamicPrices() async throws {
        let site = try await Self.site()
        let file = site.harness.dataDirectory + "/pvpc.toml"
        try CostTests.dynamic.write(toFile: file, atomically: true, encoding: .utf8)
        #expect(await site.harness.run(["tariff", "import", file]).status == 0)
        #expect(await site.harness.run(["tariff", "assign", WebSite.anaOnly, "pvpc"]).status == 0)
        try await site.test { client async throws in
            let ana = Browser(client)
            #expect(try await ana.login("ana").status == .seeOther)
            let page = String(buffer: try await ana.get("/consumption?by=day").body)
            // The shared meter (flat tariff) keeps its cost; Cocina is named, with the days, in Spanish.
            #expect(page.contains("Cocina: aún no hay precios dinámicos para"), "\(page)")
            #expect(page.contains("cost-chart") && page.contains("€"), "the other meter's cost stays")
            #expect(!page.contains("enertrack tariff") && !page.contains("Subir precios"), "no command, no admin link")
            // The terms page says what the tariffs are, in words.
            let terms = String(buffer: try await ana.get("/tariff").body)
            #expect(terms.contains("pvpc") && terms.contains("plana") && terms.contains("precio único"), "\(terms)")
            #expect(terms.contains("0,25 €/kWh") && terms.contains("dinámico"))
            // An administrator uploads today's and yesterday's hourly prices on the tariffs page.
            let root = Browser(client)
            #expect(try await root.login("root").status == .seeOther)
            let admin = String(buffer: try await root.get("/admin/tariffs").body)
            #expect(admin.contains("id=\"prices\"") && admin.contains("<option value=\"pvpc\">"))
            let csrf = admin.firstMatch(of: /name="csrf" value="([^"]+)"/).map { String($0.output.1) } ?? ""
            let zone = TimeZone(identifier: "Europe/Madrid")!
            var calendar = Calendar(identifier: .gregorian)
            calendar.timeZone = zone
            let start = calendar.startOfDay(for: Date().addingTimeInterval(-86_400 * 3))
            let lines = (0..<(24 * 5)).map { hour in
                ISO8601.format(milliseconds: start.addingTimeInterval(Double(hour) * 3600).milliseconds, timeZone: zone)
                    + ",0.1"
            }
            let stored = try await root.post(
                "/admin/tariffs",
                ["csrf": csrf, "action": "prices", "tariff": "pvpc", "prices": lines.joined(separator: "\n")])
            #expect(stored.status == .seeOther)
            let after = String(buffer: try await root.get("/admin/tariffs").body)
            #expect(after.contains("Guardados 120 precios de pvpc"), "\(after)")
            let priced = String(buffer: try await ana.get("/consumption?by=day").body)
            #expect(!priced.contains("aún no hay precios dinámicos"), "Cocina is priced now")
            // A bad line is refused with its number, nothing stored.
            let bad = try await root.post(
                "/admin/tariffs",
                ["csrf": csrf, "action": "prices", "tariff": "pvpc", "prices": "2026-12-01T00:00,abc"])
            #expect(bad.status == .seeOther)
            #expect(String(buffer: try await root.get("/admin/tariffs").body).contains("alert-danger"))
        }
    }
}
