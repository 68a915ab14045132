import EnerTrackCore
import EnerTrackKit
import Foundation
import Hummingbird
import Testing

/// Sites on the web: who sees a site, its page and API, the admin page, and the dashboard's
/// totals counting a site once (a production meter never as consumption).
@Suite("web: sites")
struct WebSitesTests {
    static let solar = "ESP_SOLAR"

    /// ana's ESP_ANA is the grid meter of `casa`, ESP_SOLAR (hers too) its inverter, and the
    /// meter she shares with bob (ESP_SHARED) a circuit. bob sees the circuit, not the site.
    static func site() async throws -> WebSite {
        let site = try await WebSite()
        let now = Int64(Date().timeIntervalSince1970)
        // The inverter: 600 W for the last 30 minutes, its counter from 10 kWh (0.01 kWh a minute).
        let csv =
            "time,node,power,energy\n"
            + (0..<30).map { "\(now - Int64(29 - $0) * 60),\(solar),600,\(10 + Double($0) / 100)" }.joined(
                separator: "\n") + "\n"
        try csv.write(toFile: site.harness.dataDirectory + "/solar.csv", atomically: true, encoding: .utf8)
        let harness = site.harness
        #expect(await harness.run(["import", harness.dataDirectory + "/solar.csv"]).status == 0)
        #expect(await harness.run(["node", "restore", solar]).status == 0)
        #expect(await harness.run(["assign", "add", "ana", solar]).status == 0)
        #expect(await harness.run(["site", "add", "casa", "--name", "Casa de Ana"]).status == 0)
        for (node, role) in [(WebSite.anaOnly, "grid"), (solar, "production"), (WebSite.shared, "consumption")] {
            let placed = await harness.run(["node", "edit", node, "--site", "casa", "--role", role])
            #expect(placed.status == 0, "\(placed.stderr)")
        }
        return site
    }

    @Test("the site page and its API for the user of the grid meter and for an admin; 404 for anyone else")
    func whoSees() async throws {
        let site = try await Self.site()
        try await site.test { client async throws in
            let ana = Browser(client)
            #expect(try await ana.login("ana").status == .seeOther)
            let page = String(buffer: try await ana.get("/sites/casa").body)
            #expect(
                page.contains("Casa de Ana") && page.contains("site-chart") && page.contains("Circuitos"), "\(page)")
            #expect(page.contains("Autosuficiencia") && page.contains("Sin circuito medido"))
            let list = String(buffer: try await ana.get("/api/v1/sites").body)
            #expect(list.contains("\"site\":\"casa\"") && list.contains("\"role\":\"grid\""), "\(list)")
            let flows = try #require(
                try JSONSerialization.jsonObject(
                    with: Data(String(buffer: try await ana.get("/api/v1/sites/casa/flows?by=hour&from=2h").body).utf8))
                    as? [String: Any])
            let total = try #require(flows["total"] as? [String: Any])
            // ESP_ANA's counter rose 0.725 kWh (29 minutes of 1/40 kWh), the inverter's 0.29.
            #expect(abs((total["import_kwh"] as? Double ?? 0) - 0.725) < 0.001, "\(total)")
            #expect(abs((total["production_kwh"] as? Double ?? 0) - 0.29) < 0.001, "\(total)")
            #expect(abs((total["consumption_kwh"] as? Double ?? 0) - 1.015) < 0.001, "\(total)")
            #expect(try await ana.get("/api/v1/sites/casa/flows?by=week").status == .badRequest)
            #expect(try await ana.get("/api/v1/sites/casa/flows?from=nonsense").status == .badRequest)
            #expect(try await ana.get("/api/v1/sites/otra/flows").status == .notFound)
            #expect(try await ana.get("/sites/otra").status == .notFound)

            let bob = Browser(client)
            #expect(try await bob.login("bob").status == .seeOther)
            #expect(try await bob.get("/sites/casa").status == .notFound, "bob sees a circuit, not the site")
            #expect(try await bob.get("/api/v1/sites/casa/flows").status == .notFound)
            #expect(String(buffer: try await bob.get("/api/v1/sites").body) == "[]")

            let root = Browser(client)
            #expect(try await root.login("root").status == .seeOther)
            #expect(try await root.get("/sites/casa").status == .ok, "admins see every site")
        }
    }

    @Test("the dashboard and report kpi count the site once, by its consumption; the inverter is not consumption")
    func totals() async throws {
        let site = try await Self.site()
        let cli = await site.harness.run(["report", "kpi", "--user", "ana", "--json"])
        #expect(cli.status == 0, "\(cli.stderr)")
        let rows = try JSONDecoder().decode([KPIs.Row].self, from: Data(cli.stdout.utf8))
        let all = try #require(rows.last)
        func today(_ node: String) -> Double { rows.first { $0.node == node }?.todayKWh ?? -1 }
        // Consumption = import + production − export (none): the grid meter's and the inverter's
        // kWh; not the circuit's (inside it) nor the inverter's as a meter of its own.
        let expected = today(WebSite.anaOnly) + today(Self.solar)
        #expect(abs((all.todayKWh ?? 0) - expected) < 0.002, "ALL \(all.todayKWh ?? -1) ≠ \(expected): \(rows)")
        try await site.test { client async throws in
            let ana = Browser(client)
            #expect(try await ana.login("ana").status == .seeOther)
            let web = try JSONDecoder().decode(
                KPIs.Row.self, from: Data(String(buffer: try await ana.get("/api/v1/kpi").body).utf8))
            #expect(abs((web.todayKWh ?? 0) - (all.todayKWh ?? 1)) < 0.001, "web \(web) cli \(all)")
            let home = String(buffer: try await ana.get("/").body)
            #expect(home.contains("data-site=\"casa\"") && home.contains("href=\"/sites/casa\""), "the live flow card")
            let live = String(buffer: try await ana.get("/api/v1/live?since=0").body)
            #expect(live.contains("\"sites\":[{\"site\":\"casa\""), "\(live)")
        }
    }

    @Test("the consumption page's site column is the site's consumption, the same from kept figures")
    func siteColumn() async throws {
        let site = try await Self.site()
        try await site.importAnaReadings(days: 3, every: 300)
        let madrid = TimeZone(identifier: "Europe/Madrid")!
        let now = Date()
        let range = ConsumptionReport.defaultRange(.day, now: now, timeZone: madrid)
        let ids = [WebSite.shared, WebSite.anaOnly, Self.solar]
        let scope = try await SiteScope.read(site.directory, meters: ids)
        #expect(!scope.counts(Self.solar) && !scope.counts(WebSite.shared) && scope.counts(WebSite.anaOnly))
        let cache = ClosedPeriods(capacity: 1_000)
        func view() async throws -> ConsumptionView {
            try await ConsumptionView.build(
                series: site.series, tariffs: site.directory, user: "ana", meters: ids.map { ($0, $0) }, unit: .day,
                range: range, timeZone: madrid, now: now, cache: cache, sites: scope)
        }
        let first = try await view()
        #expect(first.meters.map(\.label) == ["Casa de Ana"], "one column, the site's: \(first.meters)")
        let layout = try #require(scope.site(of: WebSite.anaOnly))
        let report = try await SiteReport.compute(
            layout: layout, series: site.series, unit: .day, range: range, timeZone: madrid, now: now)
        let expected = Dictionary(uniqueKeysWithValues: report.rows.map { ($0.start, $0.flows.consumptionKwh) })
        for period in first.periods {
            #expect(abs((period.kwh[0] ?? -1) - (expected[period.start] ?? -2)) < 1e-9, "\(period.label)")
        }
        let second = try await view()
        #expect(second == first, "the second page, from the kept figures, is the same: \(first) \(second)")
    }

    @Test("the admin page adds sites and places meters; refusals come back as messages, nothing changed")
    func admin() async throws {
        let site = try await Self.site()
        try await site.test { client async throws in
            let root = Browser(client)
            #expect(try await root.login("root").status == .seeOther)
            let page = String(buffer: try await root.get("/admin/sites").body)
            #expect(page.contains("Casa de Ana") && page.contains("Medidores en instalaciones"))
            let added = try await root.submit(
                from: "/admin/sites", to: "/admin/sites", ["action": "add", "site": "taller", "name": "Taller"])
            #expect(added.status == .seeOther)
            #expect(String(buffer: try await root.get("/admin/sites").body).contains("Instalación taller creada."))
            _ = try await root.submit(
                from: "/admin/sites", to: "/admin/sites", ["action": "add", "site": "mal nombre", "name": "x"])
            #expect(String(buffer: try await root.get("/admin/sites").body).contains("el nombre de instalación"))
            // A second grid meter in casa is refused, with the reason.
            _ = try await root.submit(
                from: "/admin/sites", to: "/admin/sites",
                ["action": "place", "esp_id": WebSite.bobOnly, "site": "casa", "role": "grid", "parent": ""])
            #expect(String(buffer: try await root.get("/admin/sites").body).contains("ya tiene un medidor de red"))
            _ = try await root.submit(
                from: "/admin/sites", to: "/admin/sites",
                [
                    "action": "place", "esp_id": WebSite.bobOnly, "site": "casa", "role": "consumption",
                    "parent": WebSite.shared,
                ])
            let meters = await site.harness.run(["site", "show", "casa", "--json"])
            #expect(meters.stdout.contains("\"parent\" : \"\(WebSite.shared)\""), "\(meters.stdout)")
            let bob = Browser(client)
            #expect(try await bob.login("bob").status == .seeOther)
            #expect(try await bob.get("/admin/sites").status == .forbidden)
            let refused = try await bob.submit(from: "/profile", to: "/admin/sites", ["action": "add", "site": "nope"])
            #expect(refused.status == .forbidden, "a user with a valid token is not an admin")
            #expect(await site.harness.run(["site", "show", "nope"]).status == 67, "bob created nothing")
        }
    }
}
