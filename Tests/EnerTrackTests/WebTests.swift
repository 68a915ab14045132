import EnerTrackCore
import EnerTrackKit
import EnerTrackMariaDB
import EnerTrackSQL
import EnerTrackSQLite
import EnerTrackWeb
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Logging
import Testing

/// A site for web tests: ana and bob share a node named like an attack, each has a private
/// node, root is an admin without nodes.
struct WebSite {
    let harness: Harness
    let app: WebApp
    static let password = "a-long-enough-password"
    static let shared = "ESP_SHARED", anaOnly = "ESP_ANA", bobOnly = "ESP_BOB"
    static let attack = "<script>alert(1)</script>"

    init(_ kind: DirectoryKind = .sqlite, options: WebOptions = WebOptions()) async throws {
        var environment: [String: String] = [:]
        var settings: MariaDBSettings?
        if kind == .mariadb {
            let database = TestServers.freshDatabaseName()
            environment = try TestServers.mariaDBEnvironment(database: database)
            settings = try TestServers.mariaDB(database: database)
        }
        harness = try Harness(environment: environment)
        #expect(await harness.run(["db", "migrate"]).status == 0)
        for (user, admin) in [("ana", false), ("bob", false), ("root", true)] {
            var arguments = ["user", "add", user, "--email", "\(user)@example.org", "--password-stdin"]
            if admin { arguments.append("--admin") }
            #expect(await harness.run(arguments, stdin: [Self.password]).status == 0)
        }
        #expect(await harness.run(["node", "add", Self.shared, "--name", Self.attack]).status == 0)
        #expect(await harness.run(["node", "add", Self.anaOnly, "--name", "Cocina"]).status == 0)
        #expect(await harness.run(["node", "add", Self.bobOnly, "--name", "Taller"]).status == 0)
        for (user, node) in [("ana", Self.shared), ("bob", Self.shared), ("ana", Self.anaOnly), ("bob", Self.bobOnly)] {
            #expect(await harness.run(["assign", "add", user, node]).status == 0)
        }
        let directory: any DirectoryStore =
            if let settings { MariaDBDirectoryStore(settings: settings) } else {
                try SQLiteDirectoryStore(path: harness.dataDirectory + "/directory.sqlite")
            }
        let series = try SQLiteSeriesStore(path: harness.dataDirectory + "/series.sqlite")
        let now = Date().milliseconds
        try await series.write(
            (0..<30).flatMap { step in
                [Self.shared, Self.anaOnly, Self.bobOnly].map {
                    Reading(
                        node: $0, time: now - Int64(step) * 60_000, voltage: 230, power: 1500,
                        energy: 100 + Double(30 - step) / 40)
                }
            })
        var options = options
        options.timeZone = TimeZone(identifier: "Europe/Madrid")!
        app = WebApp(
            directory: directory, series: series, options: options, hasher: harness.hasher, bot: nil,
            assetsDirectory: "/usr/share/javascript", logger: Logger(label: "test"))
    }

    func test(_ body: @escaping @Sendable (any TestClientProtocol) async throws -> Void) async throws {
        try await Application(router: app.router()).test(.router) { client in try await body(client) }
    }
}

/// A browser: keeps cookies, sends forms with the page's CSRF token and this site's Origin.
final class Browser: @unchecked Sendable {
    let client: any TestClientProtocol
    var cookies: [String: String] = [:]
    /// The site's origin as a browser holding its (Secure) cookies sees it.
    static let origin = "https://localhost"
    let origin: String

    init(_ client: any TestClientProtocol, origin: String = Browser.origin) {
        self.client = client
        self.origin = origin
    }

    var cookieHeader: String { cookies.map { "\($0.key)=\($0.value)" }.joined(separator: "; ") }

    @discardableResult
    func get(_ uri: String, headers extra: HTTPFields = [:]) async throws -> TestResponse {
        var headers = extra
        if !cookies.isEmpty { headers[.cookie] = cookieHeader }
        let response = try await client.execute(uri: uri, method: .get, headers: headers, body: nil)
        remember(response)
        return response
    }

    @discardableResult
    func post(_ uri: String, _ fields: [String: String], origin: String?? = .none) async throws -> TestResponse {
        var headers: HTTPFields = [.contentType: "application/x-www-form-urlencoded"]
        if let origin = origin ?? self.origin { headers[.origin] = origin }
        if !cookies.isEmpty { headers[.cookie] = cookieHeader }
        let body = fields.map {
            "\($0.key)=\($0.value.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? "")"
        }.joined(separator: "&")
        let response = try await client.execute(
            uri: uri, method: .post, headers: headers, body: ByteBuffer(string: body))
        remember(response)
        return response
    }

    func remember(_ response: TestResponse) {
        for field in response.headers where field.name == .setCookie {
            let pair = field.value.split(separator: ";")[0].split(separator: "=", maxSplits: 1).map(String.init)
            guard pair.count == 2 else { continue }
            if pair[1].isEmpty || field.value.contains("Max-Age=0") {
                cookies[pair[0]] = nil
            } else {
                cookies[pair[0]] = pair[1]
            }
        }
    }

    /// The CSRF token in the last page's forms.
    static func csrf(_ response: TestResponse) -> String? {
        let text = String(buffer: response.body)
        guard let range = text.range(of: "name=\"csrf\" value=\"") else { return nil }
        return String(text[range.upperBound...].prefix { $0 != "\"" })
    }

    func login(_ user: String, _ password: String = WebSite.password) async throws -> TestResponse {
        let page = try await get("/login")
        return try await post("/login", ["csrf": Self.csrf(page) ?? "", "username": user, "password": password])
    }

    /// A form post from a page: its CSRF token.
    func submit(from page: String, to uri: String, _ fields: [String: String]) async throws -> TestResponse {
        let response = try await get(page)
        var fields = fields
        fields["csrf"] = Self.csrf(response) ?? ""
        return try await post(uri, fields)
    }
}

@Suite("Web dashboard and API")
struct WebTests {
    /// Route → expected status for anonymous, ana, bob, root.
    static let matrix: [(String, [Int])] = [
        ("/login", [200, 200, 200, 200]),
        ("/healthz", [200, 200, 200, 200]),
        ("/", [303, 200, 200, 200]),
        ("/nodes/\(WebSite.shared)", [303, 200, 200, 404]),
        ("/nodes/\(WebSite.anaOnly)", [303, 200, 404, 404]),
        ("/nodes/\(WebSite.bobOnly)", [303, 404, 200, 404]),
        ("/nodes/NOPE", [303, 404, 404, 404]),
        ("/consumption", [303, 200, 200, 200]),
        ("/consumption?by=hour&node=\(WebSite.anaOnly)", [303, 200, 404, 404]),
        ("/consumption.csv?by=day", [303, 200, 200, 200]),
        ("/alerts", [303, 200, 200, 200]),
        ("/telegram", [303, 200, 200, 200]),
        ("/profile", [303, 200, 200, 200]),
        ("/admin/users", [303, 403, 403, 200]),
        ("/admin/nodes", [303, 403, 403, 200]),
        ("/admin/assignments", [303, 403, 403, 200]),
        ("/register", [404, 404, 404, 404]),
        ("/api/v1/nodes", [401, 200, 200, 200]),
        ("/api/v1/nodes/\(WebSite.anaOnly)", [401, 200, 404, 404]),
        ("/api/v1/nodes/\(WebSite.shared)", [401, 200, 200, 404]),
        ("/api/v1/nodes/\(WebSite.anaOnly)/readings?from=1h", [401, 200, 404, 404]),
        ("/api/v1/nodes/\(WebSite.anaOnly)/history?range=7d", [401, 200, 404, 404]),
        ("/api/v1/nodes/\(WebSite.anaOnly)/consumption?by=hour", [401, 200, 404, 404]),
        ("/api/v1/nodes/NOPE/consumption", [401, 404, 404, 404]),
        ("/api/v1/kpi", [401, 200, 200, 200]),
        ("/api/v1/alerts", [401, 200, 200, 200]),
        ("/static/app.js", [200, 200, 200, 200]),
        ("/no/such/page", [404, 404, 404, 404]),
    ]

    @Test("access matrix: every route × anonymous, two users, an admin", arguments: DirectoryKind.allCases)
    func access(_ kind: DirectoryKind) async throws {
        let site = try await WebSite(kind)
        try await site.test { client in
            var browsers: [Browser] = [Browser(client)]
            for user in ["ana", "bob", "root"] {
                let browser = Browser(client)
                let login = try await browser.login(user)
                #expect(login.status == .seeOther && login.headers[.location] == "/", "\(user): \(login.status)")
                browsers.append(browser)
            }
            for (route, expected) in Self.matrix {
                for (index, browser) in browsers.enumerated() {
                    let response = try await browser.get(route)
                    #expect(
                        Int(response.status.code) == expected[index],
                        "\(route) as \(["anonymous", "ana", "bob", "root"][index]): \(response.status.code)")
                    #expect(
                        response.headers[HTTPField.Name("Content-Security-Policy")!]?.contains("frame-ancestors 'none'")
                            == true, "\(route)")
                }
            }
            // Opening a node's page is an access.
            let assignments = try await site.harness.run(["assign", "list", "--user", "ana", "--json"]).objects()
            #expect(
                assignments.contains { $0["esp_id"] as? String == WebSite.anaOnly && $0["last_access"] is String },
                "\(assignments)")
        }
    }

    @Test("state-changing requests need the CSRF token and this origin")
    func csrf() async throws {
        let site = try await WebSite()
        try await site.test { client in
            let ana = Browser(client)
            #expect(try await ana.login("ana").status == .seeOther)
            let page = try await ana.get("/alerts")
            let token = try #require(Browser.csrf(page))
            let fields = ["node": WebSite.anaOnly, "action": "set", "kw": "2.5"]
            #expect(try await ana.post("/alerts", fields).status == .forbidden, "no token")
            #expect(
                try await ana.post("/alerts", fields.merging(["csrf": "forged"]) { $1 }).status == .forbidden,
                "wrong token")
            #expect(
                try await ana.post("/alerts", fields.merging(["csrf": token]) { $1 }, origin: "https://evil.example")
                    .status == .forbidden, "other origin")
            let accepted = try await ana.post("/alerts", fields.merging(["csrf": token]) { $1 })
            #expect(accepted.status == .seeOther && accepted.headers[.location] == "/alerts")
            let rules = try await site.harness.run(["alerts", "list", "--json"]).objects()
            #expect(rules.count == 1 && rules.first?["threshold_kw"] as? Double == 2.5)
            // Logging in needs the login form's token too.
            let stranger = Browser(client)
            #expect(
                try await stranger.post("/login", ["username": "ana", "password": WebSite.password]).status
                    == .forbidden)
        }
    }

    @Test("session cookie attributes; Secure unless insecure cookies are asked for")
    func cookies() async throws {
        for secure in [true, false] {
            var options = WebOptions()
            options.secureCookies = secure
            let site = try await WebSite(options: options)
            try await site.test { client in
                let ana = Browser(client, origin: secure ? "https://localhost" : "http://localhost")
                let login = try await ana.login("ana")
                let cookie = try #require(
                    login.headers[values: .setCookie].first { $0.hasPrefix(WebApp.sessionCookie + "=") })
                #expect(
                    cookie.contains("HttpOnly") && cookie.contains("SameSite=Lax") && cookie.contains("Path=/"),
                    "\(cookie)")
                #expect(cookie.contains("; Secure") == secure, "\(cookie)")
                let id = try #require(ana.cookies[WebApp.sessionCookie])
                #expect(id.count >= 22, "at least 128 bits")
            }
        }
    }

    @Test("a new session id at every login; logout ends the session; a password change ends the others")
    func sessions() async throws {
        let site = try await WebSite()
        try await site.test { client in
            let ana = Browser(client)
            _ = try await ana.login("ana")
            let first = try #require(ana.cookies[WebApp.sessionCookie])
            _ = try await ana.login("ana")
            let second = try #require(ana.cookies[WebApp.sessionCookie])
            #expect(first != second)
            let stale = Browser(client)
            stale.cookies[WebApp.sessionCookie] = first
            #expect(try await stale.get("/").status == .seeOther, "the old id is gone")
            #expect(try await ana.get("/").status == .ok)

            let other = Browser(client)
            _ = try await other.login("ana")
            let changed = try await ana.submit(
                from: "/profile", to: "/profile/password",
                ["current": WebSite.password, "password": "another-long-password", "repeat": "another-long-password"])
            #expect(changed.status == .seeOther)
            #expect(try await ana.get("/").status == .ok, "this browser got a new session")
            #expect(try await other.get("/").status == .seeOther, "the other session ended")

            let logout = try await ana.submit(from: "/", to: "/logout", [:])
            #expect(logout.status == .seeOther && logout.headers[.location] == "/login")
            let after = Browser(client)
            after.cookies[WebApp.sessionCookie] = try #require(
                changed.headers[values: .setCookie].first { $0.hasPrefix(WebApp.sessionCookie) }?
                    .split(separator: ";")[0].split(separator: "=", maxSplits: 1).last.map(String.init))
            #expect(try await after.get("/").status == .seeOther, "logged out")
        }
    }

    @Test("login throttling: after 5 failures a growing delay and 429, the same for unknown accounts")
    func throttling() async throws {
        for user in ["ana", "ghost"] {
            let site = try await WebSite()
            try await site.test { client in
                let browser = Browser(client)
                for attempt in 1...5 {
                    let response = try await browser.login(user, "wrong-password-\(attempt)")
                    #expect(response.status == .unauthorized, "\(user) attempt \(attempt)")
                    #expect(String(buffer: response.body).contains("Usuario o contraseña incorrectos"))
                }
                let blocked = try await browser.login(user, WebSite.password)
                #expect(blocked.status == .tooManyRequests, "\(user): \(blocked.status)")
                #expect(Int(blocked.headers[.retryAfter] ?? "") ?? 0 >= 1)
            }
        }
    }

    @Test("a node named <script> is escaped on every page and in JSON")
    func escaping() async throws {
        let site = try await WebSite()
        try await site.test { client in
            let root = Browser(client)
            _ = try await root.login("root")
            #expect(await site.harness.run(["assign", "add", "root", WebSite.shared]).status == 0)
            for page in [
                "/", "/nodes/\(WebSite.shared)", "/consumption", "/alerts", "/admin/nodes", "/admin/assignments",
            ] {
                let text = String(buffer: try await root.get(page).body)
                #expect(!text.contains(WebSite.attack), "\(page) contains the raw name")
                #expect(
                    text.contains("&lt;script&gt;alert(1)&lt;/script&gt;") || page == "/admin/assignments", "\(page)")
                #expect(
                    !text.contains("&amp;lt;") && !text.contains("&lt;tr") && !text.contains("&lt;td"),
                    "\(page) escaped its own markup")
            }
            let api = try await root.get("/api/v1/nodes")
            let nodes = try JSONSerialization.jsonObject(with: Data(buffer: api.body)) as? [[String: Any]]
            #expect(nodes?.first?["name"] as? String == WebSite.attack, "JSON carries the value; the page escapes it")
        }
    }

    @Test("a legacy Werkzeug scrypt hash logs in; API tokens; forms of every page act")
    func legacyAndForms() async throws {
        let site = try await WebSite()
        let store = try SQLiteDirectoryStore(path: site.harness.dataDirectory + "/directory.sqlite")
        let legacy =
            "scrypt:32768:8:1$Z0XEBAuXhcYNnOpR$30d30a789164c41dc57eaf282d51053bf45258064ca01276c65db757d8edffc651c68a5cd52d04460814920b72f108219e66cbb50f731b87dde3fbab2c599b4f"
        try await store.setPasswordHash(legacy, username: "bob")
        let token = await site.harness.run(["user", "token", "ana"])
        #expect(token.status == 0 && token.stdout.hasPrefix("et_"))
        try await site.test { client in
            let bob = Browser(client)
            #expect(try await bob.login("bob", "correct horse battery").status == .seeOther)
            #expect(try await bob.get("/").status == .ok)

            let script = Browser(client)
            let bearer = try await script.get(
                "/api/v1/nodes",
                headers: [.authorization: "Bearer " + token.stdout.trimmingCharacters(in: .whitespacesAndNewlines)])
            #expect(bearer.status == .ok)
            #expect(
                try await script.get("/api/v1/nodes", headers: [.authorization: "Bearer et_forged"]).status
                    == .unauthorized)

            let root = Browser(client)
            _ = try await root.login("root")
            #expect(
                try await root.submit(
                    from: "/admin/users", to: "/admin/users",
                    [
                        "action": "create", "username": "carla", "email": "carla@example.org",
                        "password": "carla-long-password",
                    ]
                ).status == .seeOther)
            #expect(
                try await root.submit(
                    from: "/admin/nodes", to: "/admin/nodes", ["action": "add", "esp_id": "ESP_NEW", "name": "Nuevo"]
                ).status == .seeOther)
            #expect(
                try await root.submit(
                    from: "/admin/assignments", to: "/admin/assignments",
                    ["action": "add", "username": "carla", "esp_id": "ESP_NEW"]
                ).status == .seeOther)
            let bad = try await root.submit(
                from: "/admin/nodes", to: "/admin/nodes", ["action": "add", "esp_id": "bad id!"])
            #expect(bad.status == .seeOther)
            let flashed = try await root.get("/admin/nodes")
            #expect(String(buffer: flashed.body).contains("alert-danger"), "a friendly error after a bad form")
            // The directory's facts in the page's language, without the command line's advice.
            #expect(String(buffer: flashed.body).contains("id ESP no válido"))
            _ = try await root.submit(
                from: "/admin/users", to: "/admin/users",
                ["action": "create", "username": "carla", "email": "c2@example.org", "password": "carla-long-password"])
            let duplicate = String(buffer: try await root.get("/admin/users").body)
            #expect(
                duplicate.contains("ya existe") && !duplicate.contains("enertrack user"), "\(duplicate.prefix(2000))")
            let carla = Browser(client)
            #expect(try await carla.login("carla", "carla-long-password").status == .seeOther)
            #expect(try await carla.get("/nodes/ESP_NEW").status == .ok)
            #expect(
                try await carla.submit(from: "/profile", to: "/profile", ["name": "Carla", "language": "en"]).status
                    == .seeOther)
            #expect(String(buffer: try await carla.get("/").body).contains("Dashboard"), "the user's language")
            let link = try await carla.submit(from: "/telegram", to: "/telegram/link", [:])
            #expect(
                link.status == .ok && String(buffer: link.body).contains("not configured"), "no bot: a clear message")
            let csv = try await carla.get("/consumption.csv?by=day&node=ESP_NEW")
            #expect(
                csv.headers[.contentType]?.hasPrefix("text/csv") == true
                    && String(buffer: csv.body).hasPrefix("node,start,end,kwh,complete"))
        }
    }
}

/// The real thing: `enertrack demo` serving, and Debian's headless Chromium logging in and
/// loading the dashboard and a node page in both themes without console errors. Screenshots
/// are kept in `.build/test-artifacts/browser/` (or $ENERTRACK_TEST_ARTIFACTS).
@Suite("Headless browser")
struct BrowserTests {
    @Test("login, dashboard and node page in light and dark, no console errors, screenshots saved")
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
        let check = Process()
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
        for name in ["dashboard-light.png", "dashboard-dark.png", "node-light.png", "node-dark.png"] {
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
            #expect(Set(rows[0].keys) == ["time", "power", "voltage", "energy"])
            let history = try await json("/api/v1/nodes/\(WebSite.anaOnly)/history?range=1h&quantity=voltage")
            #expect((history["points"] as? [[String: Any]])?.count == 30 && history["unit"] as? String == "V")
            let consumption = try await json("/api/v1/nodes/\(WebSite.anaOnly)/consumption?by=hour&from=today")
            #expect(consumption["unit"] as? String == "kWh" && consumption["tz"] as? String == "Europe/Madrid")
            #expect(
                abs((number(consumption["total_kwh"]) ?? 0) - 29.0 / 40) < 0.001, "\(consumption["total_kwh"] ?? "")")
            let kpi = try await json("/api/v1/kpi")
            // No meter is active (nothing moved last-seen), so there is no "power now"; the latest values still count.
            #expect(kpi["power_w"] is NSNull && number(kpi["voltage"]) == 230, "\(kpi)")
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
            directory: down, series: site.app.series, options: WebOptions(), hasher: site.harness.hasher, bot: nil,
            assetsDirectory: "/usr/share/javascript", logger: Logger(label: "test"))
        try await Application(router: app.router()).test(.router) { client in
            let health = try await client.execute(uri: "/healthz", method: .get, headers: [:], body: nil)
            #expect(health.status == .serviceUnavailable)
            #expect(String(buffer: health.body).contains("\"directory\":\"unavailable\""))
        }
    }
}
