import EnerTrackCore
import EnerTrackKit
import EnerTrackMariaDB
import EnerTrackSQL
import EnerTrackSQLite
import EnerTrackWeb
import Foundation
import HTTPTypes
import Hummingbird
import Logging
import Testing

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
        ("/admin/tariffs", [303, 403, 403, 200]),
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
            // Each threshold field is named for its meter (a screen reader hears which one).
            let labels = String(buffer: page.body).matches(
                of: /aria-label="(Umbral de [^"]+ en kW|Threshold of [^"]+ in kW)"/)
            #expect(labels.count >= 2 && Set(labels.map { String($0.output.1) }).count == labels.count)
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
                // The delay grows with each failure (2, 4, 8 … s): on a loaded machine an attempt may
                // come after a delay ran out, so keep failing until one is refused.
                var blocked: TestResponse?
                for attempt in 6...10 {
                    let response = try await browser.login(user, "wrong-password-\(attempt)")
                    if response.status == .tooManyRequests {
                        blocked = response
                        break
                    }
                    #expect(response.status == .unauthorized, "\(user) attempt \(attempt)")
                }
                let refused = try #require(blocked, "\(user): no 429 within ten failures")
                #expect(Int(refused.headers[.retryAfter] ?? "") ?? 0 >= 1)
                let right = try await browser.login(user, WebSite.password)
                #expect(right.status == .tooManyRequests, "\(user): the right password waits too: \(right.status)")
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
            // Shown once: the page that showed it ended the cookie, and no later page shows it.
            #expect(
                flashed.headers[values: .setCookie].contains { $0.hasPrefix("flash=;") && $0.contains("Max-Age=0") })
            #expect(!String(buffer: try await root.get("/consumption").body).contains("id ESP no válido"))
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
                    && String(buffer: csv.body).hasPrefix("start,ESP_NEW,total"))
        }
    }
}
