import EnerTrackCore
import EnerTrackKit
import EnerTrackMariaDB
import EnerTrackRuntime
import EnerTrackSQL
import EnerTrackSQLite
import EnerTrackWeb
import Foundation
import HTTPTypes
import Hummingbird
import Logging
import Testing

/// The real thing: `enertrack demo` serving, and Debian's headless Chromium logging in and
/// loading the dashboard and a node page in both themes without console errors. Screenshots
/// are kept in `.build/test-artifacts/browser/` (or $ENERTRACK_TEST_ARTIFACTS).
@Suite("Headless browser")
struct BrowserTests {
    @Test(
        "every page at 375 and 1366 px, light and dark, Spanish and English: no overflow, English, axe violation or broken chart"
    )
    func browser() async throws {
        let harness = try Harness()
        let port = freePort()
        let directory = harness.dataDirectory + "/demo"
        var environment = harness.environment
        environment["ENERTRACK_CONFIG"] = "/dev/null"
        let demo = try LiveProcess(
            ["demo", "--port", String(port), "--dir", directory, "--days", "10"], environment: environment,
            logPath: harness.dataDirectory + "/demo.log")
        #expect(await demo.waitForLog("serving on", timeout: 120), "\(demo.log)")
        let password = try #require(
            demo.log.components(separatedBy: "Password:").last?.split(separator: " ").first.map(String.init))
        let artifacts =
            ProcessInfo.processInfo.environment["ENERTRACK_TEST_ARTIFACTS"]
            ?? packageRoot.appendingPathComponent(".build/test-artifacts/browser").path
        let check = Subprocess()
        ChildProcess.prepare(
            check, executable: packageRoot.appendingPathComponent("scripts/browser-check").path,
            arguments: ["http://127.0.0.1:\(port)", "demo", password, artifacts, "ESP32_TALLER"])
        let pipe = Pipe()
        check.standardOutput = pipe
        check.standardError = pipe
        try check.run()
        let output = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        check.waitUntilExit()
        #expect(check.terminationStatus == 0 && output.contains("browser-check: ok"), "\(output)")
        for name in ["login.png", "home-light-1366.png", "home-dark-375.png", "nodes-esp32-taller-dark-375.png"] {
            #expect(FileManager.default.fileExists(atPath: artifacts + "/" + name), "\(name)")
        }
        await demo.expectCleanStop()
    }
}

@Suite("Web edge cases")
struct WebEdgeTests {
    @Test("API JSON: readings, history, consumption and KPIs carry the stored values")
    func apiValues() async throws {
        let site = try await WebSite()
        try await site.test { client in
            let ana = Browser(client)
            _ = try await ana.login("ana")
            func json(_ uri: String) async throws -> [String: Any] {
                let response = try await ana.get(uri)
                #expect(response.status == .ok, "\(uri)")
                return try #require(
                    try JSONSerialization.jsonObject(with: Data(buffer: response.body)) as? [String: Any], "\(uri)")
            }
            let readings = try await json("/api/v1/nodes/\(WebSite.anaOnly)/readings?from=2h")
            let rows = try #require(readings["readings"] as? [[String: Any]])
            #expect(rows.count == 30 && readings["truncated"] as? Bool == false)
            func number(_ value: Any?) -> Double? { (value as? NSNumber)?.doubleValue }
            #expect(
                rows.allSatisfy {
                    number($0["power"]) == 1500 && number($0["voltage"]) == 230
                        && (($0["time"] as? String).flatMap(ISO8601.parse)) != nil
                }, "\(rows.first ?? [:])")
            // Every reading as `report readings` writes it: each quantity present, null where not reported.
            #expect(Set(rows[0].keys) == Set(["node", "time"] + Quantity.totals.map(\.rawValue)))
            #expect(rows[0]["current"] is NSNull && rows[0]["node"] as? String == WebSite.anaOnly)
            let history = try await json("/api/v1/nodes/\(WebSite.anaOnly)/history?range=1h&quantity=voltage")
            #expect((history["points"] as? [[String: Any]])?.count == 30 && history["unit"] as? String == "V")
            let consumption = try await json("/api/v1/nodes/\(WebSite.anaOnly)/consumption?by=hour&from=3h")
            #expect(consumption["unit"] as? String == "kWh" && consumption["tz"] as? String == "Europe/Madrid")
            #expect(
                abs((number(consumption["total_kwh"]) ?? 0) - 29.0 / 40) < 0.001, "\(consumption["total_kwh"] ?? "")")
            let kpi = try await json("/api/v1/kpi")
            // No meter is active (nothing moved last-seen), so there is no "power now"; the latest values still count.
            #expect(kpi["power"] is NSNull && number(kpi["voltage"]) == 230, "\(kpi)")
        }
    }

    @Test(
        "idle and absolute session timeouts; oversized bodies refused; /healthz 503 when a store is down; open registration"
    )
    func edges() async throws {
        var options = WebOptions()
        options.registrationOpen = true
        let site = try await WebSite(options: options)
        let store = try SQLiteDirectoryStore(path: site.harness.dataDirectory + "/directory.sqlite")
        try await site.test { client in
            let ana = Browser(client)
            _ = try await ana.login("ana")
            #expect(try await ana.get("/").status == .ok)
            let idle = Date().milliseconds - SessionRules.idleTimeout - 1_000
            try await store.sqlTransaction { sql in try sql.run("UPDATE web_sessions SET last_seen = ?", .int(idle)) }
            #expect(try await ana.get("/").status == .seeOther, "idle for over 30 minutes")
            _ = try await ana.login("ana")
            let old = Date().milliseconds - SessionRules.absoluteTimeout - 1_000
            try await store.sqlTransaction { sql in try sql.run("UPDATE web_sessions SET created_at = ?", .int(old)) }
            #expect(try await ana.get("/").status == .seeOther, "older than 12 hours")

            _ = try await ana.login("ana")
            let page = try await ana.get("/profile")
            let big = try await ana.post(
                "/profile", ["csrf": Browser.csrf(page) ?? "", "name": String(repeating: "x", count: 100_000)])
            #expect(big.status == .contentTooLarge, "\(big.status)")

            let visitor = Browser(client)
            let form = try await visitor.get("/register")
            #expect(form.status == .ok)
            let made = try await visitor.post(
                "/register",
                [
                    "csrf": Browser.csrf(form) ?? "", "username": "dani", "email": "dani@example.org",
                    "password": "dani-long-password",
                    "repeat": "dani-long-password",
                ])
            #expect(made.status == .seeOther && made.headers[.location] == "/")
            #expect(try await visitor.get("/").status == .ok, "registered and logged in")
            let users = try await site.harness.run(["user", "show", "dani", "--json"]).objects()
            #expect(users.first?["admin"] as? Bool == false)
        }

        // A directory store that is down: 503 for load balancers.
        let down = MariaDBDirectoryStore(
            settings: MariaDBSettings(
                host: "127.0.0.1", port: UInt32(freePort()), socket: nil, user: "nobody", password: nil,
                database: "none", sslCA: nil))
        let app = WebApp(
            directory: down, series: site.series, options: WebOptions(), hasher: site.harness.hasher, bot: nil,
            assetsDirectory: "/usr/share/javascript", logger: Logger(label: "test"))
        try await RouterClient.with(app.router()) { client in
            let health = try await client.execute(uri: "/healthz", method: .get, headers: [:], body: nil)
            #expect(health.status == .serviceUnavailable)
            #expect(String(buffer: health.body).contains("\"directory\":\"unavailable\""))
            // A page that needs the directory: the site's error page with a way on, never an empty answer.
            let page = try await client.execute(
                uri: "/", headers: [.cookie: "\(WebApp.sessionCookie)=some-session", .acceptLanguage: "en"])
            #expect(page.status == .internalServerError)
            #expect(
                String(buffer: page.body).contains("Something went wrong")
                    && page.headers[.contentType]?.hasPrefix("text/html") == true)
            let api = try await client.execute(uri: "/api/v1/nodes", headers: [.authorization: "Bearer x"])
            #expect(api.status == .internalServerError && String(buffer: api.body) == #"{"error":"internal error"}"#)
        }
    }

    @Test("an unknown address: the site's 404 page with the visitor's navigation; the API's is JSON")
    func unknownAddresses() async throws {
        let site = try await WebSite()
        try await site.test { client in
            let anonymous = try await client.execute(uri: "/no/such/page", headers: [.acceptLanguage: "es"])
            #expect(anonymous.status == .notFound)
            let text = String(buffer: anonymous.body)
            #expect(text.contains("No encontrado") && text.contains("<nav") && text.contains("href=\"/\""), "\(text)")
            // Every page: a skip link to the content; the system's theme until the visitor picks one.
            #expect(text.contains("href=\"#main\">Saltar al contenido</a>") && text.contains("id=\"main\""))
            #expect(
                text.contains("data-theme-auto") && text.contains("/static/theme.")
                    && text.contains("aria-pressed=\"false\""))
            let dark = String(
                buffer: try await client.execute(uri: "/login", headers: [.cookie: "theme=dark"]).body)
            #expect(
                !dark.contains("theme.js") && dark.contains("data-bs-theme=\"dark\"")
                    && dark.contains("aria-pressed=\"true\""))
            let script = try await client.execute(uri: "/static/theme.js")
            #expect(script.status == .ok && String(buffer: script.body).contains("prefers-color-scheme: dark"))
            let ana = Browser(client)
            _ = try await ana.login("ana")
            let signedIn = try await ana.get("/nada")
            #expect(signedIn.status == .notFound && String(buffer: signedIn.body).contains("/logout"), "with her menu")
            let api = try await ana.get("/api/v1/nothing")
            #expect(api.status == .notFound && String(buffer: api.body) == #"{"error":"not found"}"#)
        }
    }
}
