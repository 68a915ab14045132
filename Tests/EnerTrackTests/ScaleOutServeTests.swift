import EnerTrackCore
import EnerTrackRuntime
import Foundation
import Testing

/// Two `serve` instances on the same stores (a MariaDB directory, the embedded series store)
/// behind one nginx that sends requests to them in turn.
@Suite("Scale-out: two serve behind nginx", .serialized)
struct ScaleOutServeTests {
    struct Pair {
        let harness: Harness
        let directory: String
        let tlsPort: Int
        let servePorts: [Int]
        let serves: [LiveProcess]
        let proxy: LiveProcess
        let standIn: TelegramStandIn
        var origin: String { "https://localhost:\(tlsPort)" }

        func request(_ path: String, _ extra: [String] = [], base: String? = nil) throws -> ReverseProxyTests.Answer {
            try makeProxied().request(path, extra, base: base)
        }

        func stop() async {
            for serve in serves { await serve.expectCleanStop("serve") }
            proxy.signal(SIGQUIT)
            _ = await proxy.waitForExit(timeout: 10)
        }
    }

    static func start() async throws -> Pair {
        let standIn = try TelegramStandIn()
        let database = TestServers.freshDatabaseName()
        var environment = try TestServers.mariaDBEnvironment(database: database).merging(standIn.environment) { $1 }
        environment["TELEGRAM_WEBHOOK_SECRET"] = "a-webhook-secret-of-enough-length"
        let harness = try Harness(environment: environment)
        #expect(await harness.run(["db", "migrate"]).status == 0)
        #expect(await harness.addUser("ana").status == 0)
        #expect(await harness.addUser("bob").status == 0)
        #expect(await harness.run(["node", "add", "ESP_PAIR"]).status == 0)
        #expect(await harness.run(["assign", "add", "ana", "ESP_PAIR"]).status == 0)
        let directory = try ReverseProxyTests.certificate(harness.dataDirectory + "/nginx")
        let servePorts = [freePort(), freePort()]
        let tlsPort = freePort()
        try ReverseProxyTests.configuration(directory: directory, tlsPort: tlsPort, servePorts: servePorts).write(
            toFile: directory + "/nginx.conf", atomically: true, encoding: .utf8)
        let processEnvironment = ProcessInfo.processInfo.environment.merging(harness.environment) { $1 }
        let serves = try servePorts.enumerated().map { index, port in
            try LiveProcess(
                ["serve", "--port", String(port), "--trusted-proxy", "127.0.0.1"], environment: processEnvironment,
                logPath: harness.dataDirectory + "/serve\(index + 1).log")
        }
        let proxy = try LiveProcess(
            ["-p", directory, "-c", directory + "/nginx.conf"], environment: processEnvironment,
            logPath: directory + "/stdout.log", executable: "/usr/sbin/nginx")
        let pair = Pair(
            harness: harness, directory: directory, tlsPort: tlsPort, servePorts: servePorts, serves: serves,
            proxy: proxy, standIn: standIn)
        for port in servePorts {
            #expect(
                await eventually(timeout: 20) {
                    (try? pair.request("/healthz", base: "http://127.0.0.1:\(port)").status) == 200
                }, "\(serves.map(\.log))")
        }
        return pair
    }

    @Test(
        "a login on one is valid on the other, CSRF tokens cross, throttling counts across, logout ends both, a webhook update is answered once"
    )
    func pair() async throws {
        let pair = try await Self.start()
        let session = try ReverseProxyTests.login(pair.makeProxied())
        // Requests alternate between the two; the session holds on both.
        var servedBy: Set<String> = []
        for _ in 0..<4 {
            let page = try pair.request("/alerts", ["-H", "Cookie: \(session)"])
            #expect(page.status == 200 && page.body.contains("ESP_PAIR"), "\(page.status)")
            servedBy.insert(page.header("X-Served-By") ?? "")
        }
        #expect(servedBy.count == 2, "\(servedBy)")
        // A form from one instance, posted to the other.
        let form = try pair.request("/alerts", ["-H", "Cookie: \(session)"])
        let token = try #require(Browser.csrf(form.body))
        let posted = try pair.request(
            "/alerts",
            [
                "-H", "Cookie: \(session)", "-H", "Origin: \(pair.origin)", "--data-urlencode", "csrf=\(token)",
                "--data-urlencode", "node=ESP_PAIR", "--data-urlencode", "kw=2.5",
            ])
        #expect(posted.status == 303, "\(posted.status) \(posted.body.prefix(200))")
        #expect(posted.header("X-Served-By") != form.header("X-Served-By"), "the post went to the other instance")
        // Failed logins for bob on both instances count together: the sixth is throttled.
        var statuses: [Int] = []
        for _ in 0..<7 {
            let page = try pair.request("/login")
            let csrf = try #require(Browser.csrf(page.body))
            let attempt = try pair.request(
                "/login",
                [
                    "-H", "Cookie: \(page.cookies)", "-H", "Origin: \(pair.origin)", "--data-urlencode", "csrf=\(csrf)",
                    "--data-urlencode", "username=bob", "--data-urlencode", "password=wrong-password-\(statuses.count)",
                ])
            statuses.append(attempt.status)
        }
        #expect(statuses.prefix(5).allSatisfy { $0 == 401 } && statuses.dropFirst(5).contains(429), "\(statuses)")
        // Logging out through one ends the session on both.
        let home = try pair.request("/alerts", ["-H", "Cookie: \(session)"])
        let logoutToken = try #require(Browser.csrf(home.body))
        let logout = try pair.request(
            "/logout",
            ["-H", "Cookie: \(session)", "-H", "Origin: \(pair.origin)", "--data-urlencode", "csrf=\(logoutToken)"])
        #expect(logout.status == 303)
        for port in pair.servePorts {
            let after = try pair.request("/alerts", ["-H", "Cookie: \(session)"], base: "http://127.0.0.1:\(port)")
            #expect(
                after.status == 303 && (after.header("Location") ?? "").contains("/login"), "\(port): \(after.status)")
        }
        // Telegram retries an update while the first instance still works on it (its reply is
        // slow to go out): the second instance gets the same update meanwhile.
        try pair.standIn.slow("sendMessage", seconds: 1.5, times: 2)
        let update =
            #"{"update_id": 4242, "message": {"message_id": 1, "chat": {"id": 77, "type": "private"}, "from": {"id": 77, "is_bot": false, "first_name": "A", "language_code": "en"}, "date": 1795000000, "text": "/help"}}"#
        // One shell posts it to the first instance, and half a second later to the second.
        let file = pair.directory + "/update.json"
        try update.write(toFile: file, atomically: true, encoding: .utf8)
        let post = { (port: Int) in
            "curl -s -o /dev/null -w '%{http_code}\\n' -H 'X-Telegram-Bot-Api-Secret-Token: a-webhook-secret-of-enough-length' -H 'Content-Type: application/json' --data-binary @\(file) http://127.0.0.1:\(port)/telegram/webhook"
        }
        let both = "\(post(pair.servePorts[0])) & sleep 0.5; \(post(pair.servePorts[1])); wait"
        let output = try await BlockingPool.shared.run { try shell("/bin/sh", ["-c", both]) }
        let answers = output.split(separator: "\n").compactMap { Int($0) }
        #expect(answers == [200, 200], "\(answers)")
        try await Task.sleep(for: .seconds(2))
        let replies = try pair.standIn.sent()[77] ?? []
        #expect(replies.count == 1, "\(replies)")
        await pair.stop()
    }
}

extension ScaleOutServeTests.Pair {
    /// The pair as the single-proxy helpers take it (login through the proxy).
    func makeProxied() -> ReverseProxyTests.Proxied {
        ReverseProxyTests.Proxied(
            harness: harness, directory: directory, servePort: servePorts[0], tlsPort: tlsPort, serve: serves[0],
            proxy: proxy)
    }
}

/// Processes that open a new data directory at the same moment (serve and ingest started
/// together, two serve behind a proxy).
@Suite("Scale-out: a new data directory opened by several processes at once")
struct ConcurrentOpenTests {
    @Test("eight processes open new embedded stores at once, five times: every one exits 0")
    func concurrentOpen() async throws {
        for round in 1...5 {
            let directory = try temporaryDirectory("enertrack-open-\(round)")
            let binary = EndToEndTests.binary
            let script =
                (1...8).map { _ in
                    "ENERTRACK_DATA_DIR='\(directory)' '\(binary)' report readings --node RACE --from 1h >/dev/null 2>>'\(directory)/err' & "
                }.joined() + "fails=0; for job in $(jobs -p); do wait $job || fails=$((fails+1)); done; echo $fails"
            let fails = try await BlockingPool.shared.run { try shell("/bin/bash", ["-c", script]) }
                .trimmingCharacters(in: .whitespacesAndNewlines)
            let errors = (try? String(contentsOfFile: directory + "/err", encoding: .utf8)) ?? ""
            #expect(fails == "0" && errors.isEmpty, "round \(round): \(fails) failed: \(errors)")
            try? FileManager.default.removeItem(atPath: directory)
        }
    }
}
