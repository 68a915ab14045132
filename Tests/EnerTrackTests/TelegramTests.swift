import EnerTrackCore
import EnerTrackMariaDB
import EnerTrackSQL
import EnerTrackSQLite
import EnerTrackTelegram
import EnerTrackWeb
import Foundation
import HTTPTypes
import Hummingbird
import Logging
import Testing

enum DirectoryKind: String, CaseIterable, CustomTestStringConvertible, Sendable {
    case sqlite, mariadb
    var testDescription: String { rawValue }
}

/// A site for alert and Telegram tests: a data directory, a directory store of the given kind, the
/// embedded series store, and a Bot API stand-in.
struct AlertSite {
    let harness: Harness
    let standIn: TelegramStandIn
    let directory: any DirectoryStore
    let series: SQLiteSeriesStore

    init(_ kind: DirectoryKind, extra: [String: String] = [:]) async throws {
        standIn = try TelegramStandIn()
        var environment = standIn.environment.merging(extra) { _, new in new }
        var settings: MariaDBSettings?
        if kind == .mariadb {
            let database = TestServers.freshDatabaseName()
            environment.merge(try TestServers.mariaDBEnvironment(database: database)) { _, new in new }
            settings = try TestServers.mariaDB(database: database)
        }
        harness = try Harness(environment: environment)
        #expect(await harness.run(["db", "migrate"]).status == 0)
        directory =
            if let settings { MariaDBDirectoryStore(settings: settings) } else {
                try SQLiteDirectoryStore(path: harness.dataDirectory + "/directory.sqlite")
            }
        series = try SQLiteSeriesStore(path: harness.dataDirectory + "/series.sqlite")
    }

    /// A user with one assigned node (created when new).
    func user(_ name: String, node: String, nodeName: String? = nil) async throws {
        if try await directory.user(named: name) == nil { #expect(await harness.addUser(name).status == 0) }
        if try await directory.node(espID: node) == nil {
            var arguments = ["node", "add", node]
            if let nodeName { arguments += ["--name", nodeName] }
            let added = await harness.run(arguments)
            #expect(added.status == 0, "\(added.stderr)")
        }
        let assigned = await harness.run(["assign", "add", name, node])
        #expect(assigned.status == 0, "\(assigned.stderr)")
    }

    /// Links a chat without the bot (the link flow has its own test).
    func link(_ name: String, chat: Int64) async throws {
        let user = try #require(try await directory.user(named: name))
        try await (directory as! any SQLTransactionRunner).sqlTransaction { sql in
            try sql.run(
                "INSERT INTO telegram_links (usuario_id, chat_id, linked_at) VALUES (?, ?, ?)", .int(user.id),
                .int(chat), .int(0))
        }
    }

    /// Links a chat the way a user does: the deep link's code sent to the bot from that chat.
    func linkThroughBot(_ name: String, chat: Int64) async throws {
        let linked = await harness.run(["telegram", "link", name, "--json"])
        let url = try #require((try linked.json() as? [String: Any])?["url"] as? String, "\(linked.stderr)")
        let code = String(try #require(url.split(separator: "=").last))
        var environment = harness.environment
        environment["ENERTRACK_DATA_DIR"] = harness.dataDirectory
        let bot = try LiveProcess(
            ["telegram", "bot", "--poll-timeout", "1"], environment: environment,
            logPath: harness.dataDirectory + "/link-bot.log")
        try standIn.push(chat: chat, "/start \(code)")
        #expect(
            await eventually(timeout: 15) {
                (try standIn.sent()[chat] ?? []).contains { $0.contains("<b>\(name)</b>") }
            }, "\(bot.log)")
        await bot.expectCleanStop()
    }

    /// Readings of `watts` every second over the last `seconds` seconds.
    func power(_ node: String, watts: Double, seconds: Int = 20) async throws {
        let now = Date().milliseconds
        try await series.write((1...seconds).map { Reading(node: node, time: now - Int64($0) * 1000, power: watts) })
    }

    /// `alerts run --json` with a 30 s window.
    func run(_ extra: [String] = [], environment: [String: String] = [:]) async throws -> [String: Any] {
        let result = await harness.run(
            ["alerts", "run", "--json", "--window", "30s"] + extra, environment: environment)
        #expect(result.status == 0, "\(result.stderr)")
        return try #require(try result.json() as? [String: Any], "\(result.stdout)\(result.stderr)")
    }

    func actions(_ report: [String: Any]) -> [String: String] {
        var actions: [String: String] = [:]
        for rule in report["rules"] as? [[String: Any]] ?? [] {
            actions["\(rule["username"] ?? "")/\(rule["esp_id"] ?? "")"] =
                "\(rule["action"] ?? "")/\(rule["delivery"] ?? "")"
        }
        return actions
    }
}

@Suite("Alerts and Telegram", .serialized)
struct TelegramTests {
    @Test(
        "the link flow: deep link, /start, a reused code, expiry, unlinked chats see no data, restarts handle nothing twice",
        arguments: DirectoryKind.allCases)
    func linkFlow(_ kind: DirectoryKind) async throws {
        let site = try await AlertSite(kind)
        try await site.user("ana", node: "ESP_LINK1")
        let linked = await site.harness.run(["telegram", "link", "ana", "--json"])
        #expect(linked.status == 0, "\(linked.stderr)")
        let url = try #require((try linked.json() as? [String: Any])?["url"] as? String)
        #expect(url.hasPrefix("https://t.me/enertrack_test_bot?start="))
        let code = String(try #require(url.split(separator: "=").last))
        #expect(code.count >= 22 && code.count <= 64 && !linked.stdout.contains(TelegramStandIn.token))

        var environment = site.harness.environment
        environment["ENERTRACK_DATA_DIR"] = site.harness.dataDirectory
        let bot = try LiveProcess(
            ["telegram", "bot", "--poll-timeout", "1"], environment: environment,
            logPath: site.harness.dataDirectory + "/bot.log")
        #expect(await bot.waitForLog("polling"), "\(bot.log)")

        // Updates of unexpected shapes are skipped (the bot reads them through Codable types).
        try site.standIn.pushRaw(["message": ["chat": ["id": "200"], "text": 5]])
        try site.standIn.pushRaw(["message": "not an object"])
        try site.standIn.pushRaw(["edited_message": ["chat": ["id": 200], "text": "/status"]])
        // Strangers first: no data, just how to link.
        try site.standIn.push(chat: 200, "/status")
        try site.standIn.push(chat: 200, "hello")
        try site.standIn.push(chat: 100, "/start \(code)")
        #expect(await eventually(timeout: 10) { (try site.standIn.sent()[100]?.count ?? 0) >= 1 })
        let sent = try site.standIn.sent()
        #expect(
            sent[200]?.count == 2
                && sent[200]!.allSatisfy { $0.contains("To link this chat") && !$0.contains("ESP_LINK1") }, "\(sent)")
        #expect(sent[100]?.first?.contains("<b>ana</b>") == true, "\(sent)")

        // The same code from another chat: refused, nothing linked.
        try site.standIn.push(chat: 300, "/start \(code)")
        #expect(await eventually(timeout: 10) { (try site.standIn.sent()[300]?.count ?? 0) >= 1 })
        #expect(try site.standIn.sent()[300]?.first?.contains("not valid") == true)

        // An expired code.
        let second = await site.harness.run(["telegram", "link", "ana", "--json"])
        let expiredCode = String(
            try #require(((try second.json() as? [String: Any])?["url"] as? String)?.split(separator: "=").last))
        try await (site.directory as! any SQLTransactionRunner).sqlTransaction { sql in
            try sql.run("UPDATE telegram_codes SET expires_at = 1")
        }
        try site.standIn.push(chat: 400, "/start \(expiredCode)")
        #expect(await eventually(timeout: 10) { (try site.standIn.sent()[400]?.count ?? 0) >= 1 })
        #expect(try site.standIn.sent()[400]?.first?.contains("expired") == true)

        // The linked chat sees its node.
        try site.standIn.push(chat: 100, "/status")
        #expect(await eventually(timeout: 10) { (try site.standIn.sent()[100]?.count ?? 0) >= 2 })
        #expect(try site.standIn.sent()[100]?[1].contains("ESP_LINK1") == true)
        let status = await site.harness.run(["telegram", "status", "ana", "--json"])
        #expect((try status.objects().first?["linked"] as? Bool) == true, "\(status.stdout)")

        // A restart handles no update twice.
        await bot.expectCleanStop()
        let before = try site.standIn.sendMessageTimes().count
        let again = try LiveProcess(
            ["telegram", "bot", "--poll-timeout", "1"], environment: environment,
            logPath: site.harness.dataDirectory + "/bot2.log")
        #expect(await again.waitForLog("polling"))
        try await Task.sleep(for: .seconds(2))
        #expect(try site.standIn.sendMessageTimes().count == before, "no update answered twice")
        try site.standIn.push(chat: 100, "/unlink")
        #expect(await eventually(timeout: 10) { (try site.standIn.sent()[100]?.count ?? 0) >= 3 })
        await again.expectCleanStop()
        let unlinked = await site.harness.run(["telegram", "status", "ana", "--json"])
        #expect((try unlinked.objects().first?["linked"] as? Bool) == false)
        #expect(!bot.log.contains(TelegramStandIn.token) && !again.log.contains(TelegramStandIn.token))
    }

    @Test(
        "enter, no repeat before the cooldown, repeat after it, resolve; unlinked users get nothing",
        arguments: DirectoryKind.allCases)
    func lifecycle(_ kind: DirectoryKind) async throws {
        let site = try await AlertSite(kind)
        try await site.user("ana", node: "ESP_A1")
        try await site.user("bob", node: "ESP_B1")
        try await site.linkThroughBot("ana", chat: 100)
        #expect(await site.harness.run(["alerts", "set", "ana", "ESP_A1", "--kw", "1"]).status == 0)
        #expect(await site.harness.run(["alerts", "set", "bob", "ESP_B1", "--kw", "1"]).status == 0)
        try await site.power("ESP_A1", watts: 2000)
        try await site.power("ESP_B1", watts: 2000)

        let first = try await site.run()
        #expect(site.actions(first) == ["ana/ESP_A1": "entered/sent", "bob/ESP_B1": "entered/not_linked"], "\(first)")
        let second = try await site.run()
        #expect(site.actions(second) == ["ana/ESP_A1": "none/none", "bob/ESP_B1": "none/none"], "\(second)")
        try await Task.sleep(for: .milliseconds(1100))
        let third = try await site.run(["--cooldown", "1s"])
        #expect(site.actions(third)["ana/ESP_A1"] == "repeated/sent", "\(third)")

        try await Task.sleep(for: .seconds(3))
        try await site.power("ESP_A1", watts: 500, seconds: 2)
        try await site.power("ESP_B1", watts: 500, seconds: 2)
        let fourth = try await site.run(["--window", "3s"])
        #expect(
            site.actions(fourth) == ["ana/ESP_A1": "resolved/sent", "bob/ESP_B1": "resolved/not_linked"], "\(fourth)")
        let fifth = try await site.run(["--window", "3s"])
        #expect(site.actions(fifth)["ana/ESP_A1"] == "none/none")

        let sent = try site.standIn.sent()
        #expect(sent.keys.sorted() == [100], "only ana's chat: \(sent)")
        #expect(sent[100]?.count == 4, "the link confirmation, then entered, repeated, resolved: \(sent)")
        #expect(
            sent[100]?[3].contains("back to normal") == false && sent[100]?[3].contains("normalidad") == true,
            "Spanish by default")
        let list = await site.harness.run(["alerts", "list", "--json"])
        #expect(try list.objects().map { $0["state"] as? String } == ["ok", "ok"], "\(list.stdout)")
    }

    @Test("concurrent and repeated runs send one message; --dry-run sends and changes nothing")
    func noDuplicates() async throws {
        let site = try await AlertSite(.sqlite)
        try await site.user("ana", node: "ESP_C1")
        try await site.link("ana", chat: 100)
        #expect(await site.harness.run(["alerts", "set", "ana", "ESP_C1", "--kw", "0.5"]).status == 0)
        try await site.power("ESP_C1", watts: 900)

        let dry = await site.harness.run(["alerts", "run", "--dry-run", "--json", "--window", "30s"])
        #expect(dry.status == 0 && dry.stdout.contains("\"dry_run\""), "\(dry.stderr)")
        #expect(try site.standIn.calls().isEmpty, "a dry run calls nothing")
        #expect(try await site.harness.run(["alerts", "list", "--json"]).objects().first?["state"] as? String == "ok")

        var environment = site.harness.environment
        environment["ENERTRACK_DATA_DIR"] = site.harness.dataDirectory
        let processes = try (0..<4).map { index in
            try LiveProcess(
                ["alerts", "run", "--window", "30s"], environment: environment,
                logPath: site.harness.dataDirectory + "/run\(index).log")
        }
        for process in processes { #expect(await process.waitForExit(timeout: 30) == 0, "\(process.log)") }
        for _ in 0..<3 { _ = try await site.run() }
        let sent = try site.standIn.sent()
        #expect(sent[100]?.count == 1, "\(sent)")
    }

    @Test("429 waits retry_after; 403 unlinks; a Bot API that is down leaves the message queued, exit 0")
    func deliveryFailures() async throws {
        let site = try await AlertSite(.sqlite)
        try await site.user("ana", node: "ESP_D1")
        try await site.user("bob", node: "ESP_D2")
        try await site.link("ana", chat: 100)
        try await site.link("bob", chat: 200)
        for (user, node) in [("ana", "ESP_D1"), ("bob", "ESP_D2")] {
            #expect(await site.harness.run(["alerts", "set", user, node, "--kw", "1"]).status == 0)
            try await site.power(node, watts: 3000)
        }
        // Down: nothing listens on the port.
        let down = try await site.run([], environment: ["TELEGRAM_API_URL": "http://127.0.0.1:\(freePort())"])
        #expect(down["pending"] as? Int == 2 && down["sent"] as? Int == 0, "\(down)")
        #expect(site.actions(down)["ana/ESP_D1"] == "entered/pending")

        try site.standIn.fail("sendMessage", status: 429, retryAfter: 1, chat: 100)
        try site.standIn.fail("sendMessage", status: 403, chat: 200)
        let retried = try await site.run()
        #expect(retried["sent"] as? Int == 1 && retried["pending"] as? Int == 0, "\(retried)")
        let times = try site.standIn.sendMessageTimes(chat: 100)
        #expect(times.count == 2 && times[1] - times[0] >= 0.95, "429 honoured: \(times)")
        #expect(try site.standIn.sent()[100]?.count == 2, "one refused, then delivered")
        let bob = await site.harness.run(["telegram", "status", "bob", "--json"])
        #expect((try bob.objects().first?["linked"] as? Bool) == false, "403 unlinks")
        #expect(try await site.run()["sent"] as? Int == 0)
    }

    /// Forty meters crossing their limits in one run are one message to their user; a chat whose
    /// text Telegram refuses gets its alerts one by one; other chats are not held up.
    @Test("a chat's alerts of one run go as one message; refused together, sent one by one")
    func onePerChat() async throws {
        let site = try await AlertSite(.sqlite)
        for index in 1...3 {
            try await site.user("ana", node: "ESP_G\(index)")
            #expect(await site.harness.run(["alerts", "set", "ana", "ESP_G\(index)", "--kw", "1"]).status == 0)
            try await site.power("ESP_G\(index)", watts: 2000)
        }
        for (user, meters) in [("bob", 2), ("eva", 1)] {
            for index in 1...meters {
                try await site.user(user, node: "ESP_G_\(user)\(index)")
                #expect(
                    await site.harness.run(["alerts", "set", user, "ESP_G_\(user)\(index)", "--kw", "1"]).status == 0)
                try await site.power("ESP_G_\(user)\(index)", watts: 2000)
            }
        }
        try await site.link("ana", chat: 100)
        try await site.link("bob", chat: 200)
        try await site.link("eva", chat: 300)
        try site.standIn.fail("sendMessage", status: 400, chat: 200)
        let report = try await site.run()
        #expect(report["sent"] as? Int == 6 && report["pending"] as? Int == 0, "\(report)")
        let sent = try site.standIn.sent()
        #expect(sent[100]?.count == 1, "\(sent)")
        #expect((1...3).allSatisfy { sent[100]?.first?.contains("ESP_G\($0)") == true }, "\(sent)")
        #expect(sent[300]?.count == 1 && sent[300]?.first?.contains("ESP_G_eva1") == true, "\(sent)")
        // bob's two together were refused (400): then each on its own, both accepted.
        let bob = sent[200] ?? []
        #expect(bob.count == 3, "\(sent)")
        #expect(bob.count == 3 && bob[1].contains("ESP_G_bob1") != bob[2].contains("ESP_G_bob1"), "\(bob)")
        #expect(site.actions(report)["ana/ESP_G2"] == "entered/sent")
        #expect(site.actions(report)["bob/ESP_G_bob2"] == "entered/sent")
        #expect(try await site.run()["sent"] as? Int == 0)
    }

    @Test("a node named <b>&amp; is escaped; the user's language is used")
    func escaping() async throws {
        let site = try await AlertSite(.sqlite)
        try await site.user("ana", node: "ESP_E1", nodeName: "<b>&amp;")
        try await site.link("ana", chat: 100)
        #expect(await site.harness.run(["user", "edit", "ana", "--lang", "en"]).status == 0)
        #expect(await site.harness.run(["alerts", "set", "ana", "ESP_E1", "--kw", "1"]).status == 0)
        try await site.power("ESP_E1", watts: 5000)
        _ = try await site.run()
        let text = try #require(try site.standIn.sent()[100]?.first)
        #expect(
            text.contains("&lt;b&gt;&amp;amp; (ESP_E1)") && !text.contains("<b>&amp;") && text.contains("mean power"),
            "\(text)")
        #expect(
            try site.standIn.calls().first { $0["method"] as? String == "sendMessage" }.flatMap {
                ($0["params"] as? [String: Any])?["parse_mode"] as? String
            } == "HTML")
    }

    @Test("rules need an active assignment; bad thresholds are usage errors; telegram test")
    func rejections() async throws {
        let site = try await AlertSite(.sqlite)
        try await site.user("ana", node: "ESP_F1")
        #expect(await site.harness.addUser("bob").status == 0)
        #expect(await site.harness.run(["alerts", "set", "bob", "ESP_F1", "--kw", "1"]).status == 67)
        #expect(await site.harness.run(["alerts", "set", "nobody", "ESP_F1", "--kw", "1"]).status == 67)
        #expect(await site.harness.run(["alerts", "set", "ana", "ESP_F1", "--kw", "-2"]).status == 64)
        #expect(await site.harness.run(["alerts", "run", "--window", "soon"]).status == 64)
        #expect(await site.harness.run(["user", "edit", "ana", "--lang", "fr"]).status == 64)
        #expect(await site.harness.run(["telegram", "test", "ana"]).status == 65, "not linked")
        try await site.link("ana", chat: 100)
        let test = await site.harness.run(["telegram", "test", "ana"])
        #expect(test.status == 0, "\(test.stderr)")
        #expect(try site.standIn.sent()[100]?.count == 1)
        #expect(
            await site.harness.run(["telegram", "link", "ana"], environment: ["enertrackBotToken": ""]).status == 78,
            "no token, no cache")
        #expect(await site.harness.run(["telegram", "link", "ana"]).status == 0)
        let cached = await site.harness.run(
            ["telegram", "link", "ana"], environment: ["TELEGRAM_API_URL": "http://127.0.0.1:\(freePort())"])
        #expect(
            cached.status == 0 && cached.stdout.hasPrefix("https://t.me/enertrack_test_bot?start="),
            "the cached bot username: \(cached.stderr)")
    }

    @Test("texts: escaping, and splitting at 4096 without cutting a tag")
    func texts() {
        #expect(TelegramText.escape("<b>&amp;</b>") == "&lt;b&gt;&amp;amp;&lt;/b&gt;")
        let line = "<b>" + String(repeating: "x", count: 50) + "</b>"
        let long = Array(repeating: line, count: 200).joined(separator: "\n")
        let parts = TelegramText.split(long)
        #expect(parts.count > 1 && parts.allSatisfy { $0.utf16.count <= 4096 })
        #expect(
            parts.allSatisfy { $0.components(separatedBy: "<b>").count == $0.components(separatedBy: "</b>").count })
        #expect(parts.joined(separator: "\n") == long)
        let huge = "<b>" + String(repeating: "a&amp;", count: 2000) + "</b>"
        let cut = TelegramText.split(huge)
        #expect(cut.allSatisfy { $0.utf16.count <= 4096 && !$0.contains("<b>") && !$0.hasSuffix("&am") })
    }
}

@Suite("Telegram webhook in serve")
struct TelegramWebhookTests {
    @Test(
        "webhook set registers the secret; POST /telegram/webhook needs it, links with a code, handles each update once"
    )
    func webhook() async throws {
        let site = try await AlertSite(.sqlite, extra: ["TELEGRAM_WEBHOOK_SECRET": "webhook-secret-1"])
        try await site.user("ana", node: "ESP_W1")
        let set = await site.harness.run(["telegram", "webhook", "set", "https://energia.example.org/telegram/webhook"])
        #expect(set.status == 0, "\(set.stderr)")
        let registered =
            try site.standIn.calls().first { $0["method"] as? String == "setWebhook" }?["params"] as? [String: Any]
        #expect(registered?["secret_token"] as? String == "webhook-secret-1")
        let link = await site.harness.run(["telegram", "link", "ana", "--json"])
        let code = String(
            try #require(((try link.json() as? [String: Any])?["url"] as? String)?.split(separator: "=").last))

        var options = WebOptions()
        options.webhookSecret = "webhook-secret-1"
        let bot = BotAPI(token: TelegramStandIn.token, baseURL: try #require(URL(string: site.standIn.url)))
        let app = WebApp(
            directory: site.directory, series: site.series, options: options, hasher: site.harness.hasher, bot: bot,
            assetsDirectory: "/usr/share/javascript", logger: Logger(label: "test"))
        try await RouterClient.with(app.router()) { (client: RouterClient) async throws in
            func post(_ update: [String: Any], secret: String?) async throws -> TestResponse {
                var headers: HTTPFields = [.contentType: "application/json"]
                if let secret { headers[HTTPField.Name("X-Telegram-Bot-Api-Secret-Token")!] = secret }
                let body = try JSONSerialization.data(withJSONObject: update)
                return try await client.execute(
                    uri: "/telegram/webhook", method: .post, headers: headers, body: ByteBuffer(bytes: body))
            }
            let start: [String: Any] = [
                "update_id": 500,
                "message": ["chat": ["id": 700], "text": "/start \(code)", "from": ["language_code": "en"]],
            ]
            #expect(try await post(start, secret: nil).status == .forbidden)
            #expect(try await post(start, secret: "guess").status == .forbidden)
            #expect(try await post(start, secret: "webhook-secret-1").status == .ok)
            #expect(try await post(start, secret: "webhook-secret-1").status == .ok, "a retried update")
            #expect(try await post(["update_id": "501"], secret: "webhook-secret-1").status == .badRequest)
            let odd: [String: Any] = ["update_id": 501, "message": ["chat": "none"]]
            #expect(
                try await post(odd, secret: "webhook-secret-1").status == .ok, "a message of another shape: ignored")
        }
        let sent = try site.standIn.sent()
        #expect(
            sent[700]?.count == 1 && sent[700]?.first?.contains("<b>ana</b>") == true,
            "linked once, answered once: \(sent)")
        #expect(await site.harness.run(["telegram", "webhook", "delete"]).status == 0)
    }
}
