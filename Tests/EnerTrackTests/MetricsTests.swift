import EnerTrackCore
import EnerTrackIngest
import EnerTrackRuntime
import Foundation
import Hummingbird
import Testing

@testable import EnerTrackTelegram
@testable import EnerTrackWeb

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

/// Metrics on every service through swift-metrics and swift-prometheus: what each exposes,
/// counted right, and Prometheus' own `promtool check metrics` passes on each.
@Suite("Metrics of ingest, serve, the bot and alerts run", .serialized)
struct MetricsTests {
    /// `promtool check metrics` (Debian's prometheus, unpacked by install-deps --test) on an exposition.
    static func promtool(_ exposition: String) throws {
        let promtool = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
            .appendingPathComponent("../../.build-tools/promtool").standardized.path
        try #require(
            FileManager.default.isExecutableFile(atPath: promtool),
            "promtool is missing: run scripts/install-deps --test")
        let output = try shell(
            "/bin/sh", ["-c", "'\(promtool)' check metrics 2>&1; echo \"exit $?\""], stdin: exposition)
        #expect(output.hasSuffix("exit 0\n") && !output.contains("WARNING"), "promtool: \(output)\n\(exposition)")
    }

    static func get(_ url: String) async throws -> (text: String, contentType: String?) {
        let (data, response) = try await URLSession.shared.data(from: try #require(URL(string: url)))
        return (
            String(decoding: data, as: UTF8.self),
            (response as? HTTPURLResponse)?.value(forHTTPHeaderField: "Content-Type")
        )
    }

    static func value(_ text: String, _ series: String) -> Double? {
        text.split(separator: "\n").first { $0.hasPrefix(series + " ") }.flatMap { Double($0.split(separator: " ")[1]) }
    }

    @Test("ingest: its metric names on the library, the write latency histogram, promtool passes")
    func ingest() async throws {
        let site = try IngestSite()
        let port = freePort()
        let ingest = try await site.startedIngest(
            ["--metrics-listen", "127.0.0.1:\(port)"], clientID: "metrics", log: "m.log")
        try site.publish("\(site.prefix)/ESP_M1/json", #"{"power": 100, "energy": 1.5}"#)
        try site.publish("\(site.prefix)/ESP_M1/json", "{broken")
        #expect(
            await eventually(timeout: 15) {
                (try await IngestSite.metrics(port: port)["enertrack_ingest_readings_stored_total"] ?? 0) >= 1
            })
        let (text, type) = try await Self.get("http://127.0.0.1:\(port)/metrics")
        #expect(type?.hasPrefix("text/plain; version=0.0.4") == true)
        #expect(Self.value(text, "enertrack_ingest_messages_received_total") == 2, "\(text)")
        #expect(Self.value(text, "enertrack_ingest_readings_rejected_total{reason=\"bad_json\"}") == 1)
        #expect(Self.value(text, "enertrack_ingest_mqtt_connected") == 1)
        #expect((Self.value(text, "enertrack_ingest_store_write_seconds_count") ?? 0) >= 1, "\(text)")
        #expect(Self.value(text, "enertrack_ingest_reading_delay_seconds_count") == 1, "\(text)")
        try Self.promtool(text)
        await ingest.expectCleanStop()
    }

    @Test("serve --metrics-listen: requests per route, logins by outcome, logouts, sessions; promtool passes")
    func serve() async throws {
        let site = try await WebSite()
        let port = freePort()
        let metricsPort = freePort()
        var environment = site.harness.environment
        environment["ENERTRACK_DATA_DIR"] = site.harness.dataDirectory
        environment["ENERTRACK_INSECURE_COOKIES"] = "1"
        let serve = try LiveProcess(
            ["serve", "--port", "\(port)", "--metrics-listen", "127.0.0.1:\(metricsPort)"], environment: environment,
            logPath: site.harness.dataDirectory + "/serve.log")
        #expect(await eventually(timeout: 20) { (try? await Self.get("http://127.0.0.1:\(port)/healthz")) != nil })
        _ = try await Self.get("http://127.0.0.1:\(port)/login")
        _ = try await Self.get("http://127.0.0.1:\(port)/no-such-page")
        _ = try await Self.get("http://127.0.0.1:\(port)/nodes/\(WebSite.anaOnly)")
        let (text, type) = try await Self.get("http://127.0.0.1:\(metricsPort)/metrics")
        #expect(type?.hasPrefix("text/plain; version=0.0.4") == true)
        #expect(
            Self.value(text, #"enertrack_http_requests_total{route="/login",method="GET",status="200"}"#) == 2,
            "\(text)")
        #expect(Self.value(text, #"enertrack_http_requests_total{route="unmatched",method="GET",status="404"}"#) == 1)
        // The path a client sent never becomes a label: only the route's pattern (a visitor's
        // /nodes/… is sent to /login, the second GET of it).
        #expect(
            Self.value(text, #"enertrack_http_requests_total{route="/nodes/{esp}",method="GET",status="303"}"#) == 1
                && !text.contains(WebSite.anaOnly), "\(text)")
        #expect(Self.value(text, "enertrack_serve_sessions_active") == 0)
        try Self.promtool(text)
        await serve.expectCleanStop()

        // Logins and logouts, in process (the form's CSRF token and cookies by the test browser).
        let metrics = WebMetrics()
        var options = WebOptions()
        options.metrics = metrics
        let counted = try await WebSite(options: options)
        try await counted.test { client async throws in
            let ana = Browser(client)
            #expect(try await ana.login("ana", "wrong password").status == .unauthorized)
            #expect(try await ana.login("ana").status == .seeOther)
            let home = try await ana.get("/")
            #expect(try await ana.submit(from: String(buffer: home.body), to: "/logout", [:]).status == .seeOther)
            let other = Browser(client)
            #expect(try await other.login("bob").status == .seeOther)
        }
        let exposition = String(decoding: await metrics.exposition(sessions: counted.directory), as: UTF8.self)
        #expect(Self.value(exposition, #"enertrack_serve_logins_total{result="ok"}"#) == 2, "\(exposition)")
        #expect(Self.value(exposition, #"enertrack_serve_logins_total{result="refused"}"#) == 1)
        #expect(Self.value(exposition, "enertrack_serve_logouts_total") == 1)
        #expect(Self.value(exposition, "enertrack_serve_sessions_active") == 1, "bob's session is open")
        try Self.promtool(exposition)
    }

    @Test("telegram bot --metrics-listen: updates and replies counted; promtool passes")
    func bot() async throws {
        let site = try await AlertSite(.sqlite)
        let port = freePort()
        var environment = site.harness.environment
        environment["ENERTRACK_DATA_DIR"] = site.harness.dataDirectory
        let bot = try LiveProcess(
            ["telegram", "bot", "--poll-timeout", "1", "--metrics-listen", "127.0.0.1:\(port)"],
            environment: environment, logPath: site.harness.dataDirectory + "/bot.log")
        try site.standIn.push(chat: 42, "/help")
        #expect(
            await eventually(timeout: 15) {
                Self.value(
                    try await Self.get("http://127.0.0.1:\(port)/metrics").text,
                    #"enertrack_bot_replies_total{result="sent"}"#)
                    == 1
            }, "\(bot.log)")
        let text = try await Self.get("http://127.0.0.1:\(port)/metrics").text
        #expect(Self.value(text, "enertrack_bot_updates_total") == 1 && Self.value(text, "enertrack_bot_api_up") == 1)
        try Self.promtool(text)
        await bot.expectCleanStop()
    }

    @Test("alerts run leaves rules, firing, sent, pending and the oldest pending age in the textfile; promtool passes")
    func alertsTextfile() async throws {
        let site = try await AlertSite(.sqlite)
        try await site.user("ana", node: "ESP_MT1")
        try await site.link("ana", chat: 7)
        #expect(await site.harness.run(["alerts", "set", "ana", "ESP_MT1", "--kw", "0.5"]).status == 0)
        try await site.power("ESP_MT1", watts: 2000)
        let file = site.harness.dataDirectory + "/enertrack.prom"
        // The Bot API refuses for now: the message waits.
        try site.standIn.fail("sendMessage", status: 502, times: 1)
        _ = try await site.run([], environment: ["ENERTRACK_METRICS_TEXTFILE": file])
        let text = try String(contentsOfFile: file, encoding: .utf8)
        #expect(
            Self.value(text, "enertrack_alerts_rules") == 1 && Self.value(text, "enertrack_alerts_firing") == 1,
            "\(text)")
        #expect(Self.value(text, "enertrack_alerts_pending") == 1 && Self.value(text, "enertrack_alerts_sent") == 0)
        #expect(Self.value(text, "enertrack_alerts_delivery_failed") == 1)
        #expect((Self.value(text, "enertrack_alerts_oldest_pending_age_seconds") ?? -1) >= 0)
        let now = Date().timeIntervalSince1970
        #expect(abs((Self.value(text, "enertrack_alerts_last_run_timestamp_seconds") ?? 0) - now) < 120)
        try Self.promtool(text)
        // The next run delivers it.
        _ = try await site.run([], environment: ["ENERTRACK_METRICS_TEXTFILE": file])
        let after = try String(contentsOfFile: file, encoding: .utf8)
        #expect(
            Self.value(after, "enertrack_alerts_sent") == 1 && Self.value(after, "enertrack_alerts_pending") == 0,
            "\(after)")
        // 'none' writes nothing; a dry run neither.
        try FileManager.default.removeItem(atPath: file)
        _ = try await site.run([], environment: ["ENERTRACK_METRICS_TEXTFILE": "none"])
        _ = try await site.run(["--dry-run"], environment: ["ENERTRACK_METRICS_TEXTFILE": file])
        #expect(!FileManager.default.fileExists(atPath: file))
    }
}

/// The Grafana example asks only for what the services expose, in PromQL Prometheus parses.
@Suite("examples/grafana-dashboard.json")
struct GrafanaDashboardTests {
    @Test("every panel has a query; every metric it names is one a service exposes; promtool parses each expression")
    func dashboard() throws {
        let path = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
            .appendingPathComponent("../../examples/grafana-dashboard.json").standardized.path
        let dashboard = try #require(
            try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: path))) as? [String: Any])
        let panels = try #require(dashboard["panels"] as? [[String: Any]]).filter { $0["type"] as? String != "row" }
        var expressions: [String] = []
        for panel in panels {
            let targets = panel["targets"] as? [[String: Any]] ?? []
            #expect(!targets.isEmpty, "\(panel["title"] ?? "")")
            expressions += targets.compactMap { $0["expr"] as? String }
            for query in targets.compactMap({ $0["query"] as? String }) {
                #expect(query.contains("\"energy\"") || query.contains("\"energy_rollup\""), "\(query)")
            }
        }
        // Every family the four services register.
        let web = WebMetrics()
        web.record(route: "/", method: "GET", status: 200, duration: .milliseconds(1))
        let expositions = [
            IngestMetrics().registry.exposition(), web.registry.exposition(), BotMetrics().registry.exposition(),
            AlertMetrics.registry(AlertRunner.Report(), finished: Date(), took: .seconds(1)).exposition(),
        ].map { String(decoding: $0, as: UTF8.self) }
        let families = Set(
            expositions.flatMap { $0.split(separator: "\n") }.filter { $0.hasPrefix("# TYPE ") }.map {
                String($0.split(separator: " ")[2])
            })
        let named = try NSRegularExpression(pattern: "enertrack_[a-z_]+")
        for expression in expressions {
            let range = NSRange(expression.startIndex..., in: expression)
            for match in named.matches(in: expression, range: range) {
                var name = String(expression[Range(match.range, in: expression)!])
                for suffix in ["_bucket", "_sum", "_count"] where name.hasSuffix(suffix) && !families.contains(name) {
                    name = String(name.dropLast(suffix.count))
                }
                #expect(families.contains(name), "\(name) in \(expression) is exposed by no service")
            }
        }
        #expect(expressions.count > 20)
        // Prometheus' own parser: each expression as a recording rule.
        let rules =
            "groups:\n  - name: dashboard\n    rules:\n"
            + expressions.enumerated().map { index, expression in
                "      - record: dashboard:panel_\(index)\n        expr: '\(expression.replacingOccurrences(of: "'", with: "''"))'\n"
            }.joined()
        let file = try temporaryDirectory("grafana") + "/rules.yml"
        try rules.write(toFile: file, atomically: true, encoding: .utf8)
        let promtool = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
            .appendingPathComponent("../../.build-tools/promtool").standardized.path
        let output = try shell("/bin/sh", ["-c", "'\(promtool)' check rules '\(file)' 2>&1; echo \"exit $?\""])
        #expect(output.hasSuffix("exit 0\n"), "\(output)")
    }
}
