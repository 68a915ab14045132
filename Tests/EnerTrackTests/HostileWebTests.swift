import EnerTrackCore
import EnerTrackIngest
import EnerTrackKit
import EnerTrackSQL
import EnerTrackSQLite
import Foundation
import HTTPTypes
import Hummingbird
import Testing

@testable import EnerTrackTelegram
@testable import EnerTrackWeb

@Suite("Hostile input: serve")
struct HostileWebTests {
    /// 40 wrong guesses at once: each reserves its attempt before scrypt runs, so only the five
    /// free attempts are ever checked (before: all 40 were verified before the first 429).
    @Test("concurrent wrong guesses cannot outrun the throttle", arguments: DirectoryKind.allCases)
    func concurrentGuesses(_ kind: DirectoryKind) async throws {
        let site = try await WebSite(kind)
        try await site.test { client async throws in
            let browser = Browser(client)
            let page = try await browser.get("/login")
            let csrf = try #require(Browser.csrf(page))
            let cookie = browser.cookieHeader
            let statuses = try await withThrowingTaskGroup(of: HTTPResponse.Status.self) { group in
                for attempt in 0..<40 {
                    group.addTask {
                        let body = "csrf=\(csrf)&username=ana&password=wrong-\(attempt)"
                        let headers: HTTPFields = [
                            .contentType: "application/x-www-form-urlencoded", .origin: Browser.origin, .cookie: cookie,
                        ]
                        return try await client.execute(
                            uri: "/login", method: .post, headers: headers, body: ByteBuffer(string: body)
                        ).status
                    }
                }
                return try await group.reduce(into: []) { $0.append($1) }
            }
            #expect(statuses.filter { $0 == .unauthorized }.count == 5, "\(statuses.map(\.code))")
            #expect(statuses.filter { $0 == .tooManyRequests }.count == 35, "\(statuses.map(\.code))")
        }
    }

    /// On MariaDB `ana` + U+00AD… matched `ana` (the collation ignores them) under another
    /// throttle key that overflowed its column: every guess a 500, nothing counted.
    @Test("padded usernames are refused before any lookup, and cannot log in", arguments: DirectoryKind.allCases)
    func paddedNames(_ kind: DirectoryKind) async throws {
        let site = try await WebSite(kind)
        try await site.test { client async throws in
            let browser = Browser(client)
            for padding in ["\u{00AD}", "\u{2060}", "\u{FEFF}", "\u{0001}"] {
                let name = "ana" + String(repeating: padding, count: 300)
                let response = try await browser.login(name, WebSite.password)
                #expect(
                    response.status == .unauthorized,
                    "\(kind) \(padding.unicodeScalars.first!.value): \(response.status)")
                #expect(browser.cookies[WebApp.sessionCookie] == nil)
            }
            for attempt in 1...5 { #expect(try await browser.login("ana", "wrong-\(attempt)").status == .unauthorized) }
            #expect(
                try await browser.login("ana", WebSite.password).status == .tooManyRequests,
                "the real account's counter counted")
        }
    }

    @Test("the current password on /profile is throttled like a login")
    func profilePassword() async throws {
        let site = try await WebSite()
        try await site.test { client async throws in
            let ana = Browser(client)
            #expect(try await ana.login("ana").status == .seeOther)
            for attempt in 1...5 {
                let wrong = try await ana.submit(
                    from: "/profile", to: "/profile/password",
                    [
                        "current": "wrong-\(attempt)", "password": "another-long-password",
                        "repeat": "another-long-password",
                    ])
                #expect(wrong.status == .seeOther && wrong.headers[.retryAfter] == nil)
            }
            // The delay grows with each failure (2, 4, 8 … s): on a loaded machine a guess may come
            // after a delay ran out, so keep guessing until one is refused.
            var refused = false
            for attempt in 6...10 where !refused {
                let wrong = try await ana.submit(
                    from: "/profile", to: "/profile/password",
                    [
                        "current": "wrong-\(attempt)", "password": "another-long-password",
                        "repeat": "another-long-password",
                    ])
                refused = wrong.headers[.retryAfter] != nil
            }
            #expect(refused, "no guess at the current password was refused within ten")
            // The right current password now waits too: the guess is not even checked.
            let blocked = try await ana.submit(
                from: "/profile", to: "/profile/password",
                ["current": WebSite.password, "password": "another-long-password", "repeat": "another-long-password"])
            #expect(Int(blocked.headers[.retryAfter] ?? "") ?? 0 >= 1, "\(blocked.headers)")
            #expect(
                try await Browser(client).login("ana", "another-long-password").status != .seeOther,
                "the password did not change")
        }
    }

    @Test("form bodies Hummingbird's decoder cannot read are empty forms: refused, never a 500")
    func oddFormBodies() async throws {
        let site = try await WebSite()
        try await site.test { client async throws in
            let ana = Browser(client)
            #expect(try await ana.login("ana").status == .seeOther)
            let token = try #require(Browser.csrf(try await ana.get("/alerts")))
            let bodies = [
                "csrf=\(token)&csrf=\(token)&node=\(WebSite.anaOnly)&kw=3", "csrf=\(token)&node%zz=1&kw=%",
                "csrf[a]=\(token)&node[]=x&kw=3", "csrf=\(token)&" + String(repeating: "&", count: 5000), "=&==&&=",
            ]
            for body in bodies {
                let response = try await client.execute(
                    uri: "/alerts", method: .post,
                    headers: [.contentType: "application/x-www-form-urlencoded", .cookie: ana.cookieHeader],
                    body: ByteBuffer(string: body))
                #expect(response.status.code < 500, "\(body.prefix(80)): \(response.status)")
            }
            // A well-formed form still works after all that.
            let fields = ["csrf": token, "node": WebSite.anaOnly, "kw": "3"]
            #expect(try await ana.post("/alerts", fields).status == .seeOther)
        }
    }

    @Test("form posts need this site's scheme, host and port; --hsts adds Strict-Transport-Security")
    func originAndHSTS() async throws {
        var options = WebOptions()
        options.hsts = true
        let site = try await WebSite(options: options)
        try await site.test { client async throws in
            let ana = Browser(client)
            #expect(try await ana.login("ana").status == .seeOther)
            let page = try await ana.get("/alerts")
            #expect(page.headers[HTTPField.Name("Strict-Transport-Security")!] == "max-age=31536000")
            let token = try #require(Browser.csrf(page))
            let fields = ["csrf": token, "node": WebSite.anaOnly, "kw": "3"]
            for origin in ["http://localhost", "https://localhost:8443", "https://localhost.evil.example"] {
                #expect(try await ana.post("/alerts", fields, origin: origin).status == .forbidden, "\(origin)")
            }
            #expect(try await ana.post("/alerts", fields, origin: "https://LOCALHOST:443").status == .seeOther)
        }
        let plain = try await WebSite()
        try await plain.test { client async throws in
            #expect(
                try await Browser(client).get("/login").headers[HTTPField.Name("Strict-Transport-Security")!] == nil)
        }
    }

    @Test("every time and range parameter is bounded: a 400 naming it, never a trap or a huge answer")
    func boundedParameters() async throws {
        let site = try await WebSite()
        try await site.test { client async throws in
            let ana = Browser(client)
            #expect(try await ana.login("ana").status == .seeOther)
            let base = "/api/v1/nodes/\(WebSite.anaOnly)"
            for (uri, names) in [
                ("\(base)/readings?from=99999999999999999999", "from"), ("\(base)/readings?from=1e300d", "from"),
                ("\(base)/readings?to=-1e300", "to"), ("\(base)/consumption?from=99999999999999999999", "from"),
                ("\(base)/consumption?by=day&from=1990-01-01&to=2990-01-01", "at most 10000"),
                ("\(base)/consumption?by=hour&from=2020-01-01", "at most 10000"),
                ("\(base)/consumption?by=year&from=0001-01-01", "from"),
                // Decoded into one struct: a repeated or badly encoded parameter is refused, not guessed.
                ("\(base)/readings?from=1h&from=2h", "repeated"), ("\(base)/readings?from=%ZZ", "repeated"),
            ] {
                let response = try await ana.get(uri)
                let text = String(buffer: response.body)
                #expect(response.status == .badRequest && text.contains(names), "\(uri): \(response.status) \(text)")
            }
            // A time's `+` offset typed by hand is the offset, not a space.
            let offset = try await ana.get("\(base)/readings?from=2026-01-01T00:00+01:00&to=2026-01-02T00:00%2B01:00")
            #expect(offset.status == .ok, "\(String(buffer: offset.body))")
            let page = try await ana.get("/consumption?by=day&from=1990-01-01&to=2990-01-01")
            // The page words the rule's facts itself: in the reader's language, naming its own fields.
            let text = String(buffer: page.body)
            #expect(page.status == .ok && text.contains("como mucho 5000 periodos por día"), "\(text.prefix(3000))")
            #expect(!text.contains("at most") && !text.contains("--from"))
            #expect(page.body.readableBytes < 200_000)
        }
    }

    @Test("one rule for ending access: user passwd, disable and remove end sessions and tokens from the CLI too")
    func endingAccess() async throws {
        let site = try await WebSite()
        try await site.test { client async throws in
            let ana = Browser(client)
            #expect(try await ana.login("ana").status == .seeOther)
            let token = await site.harness.run(["user", "token", "ana"]).stdout.trimmingCharacters(
                in: .whitespacesAndNewlines)
            let bearer: HTTPFields = [.authorization: "Bearer " + token]
            #expect(try await ana.get("/api/v1/nodes", headers: bearer).status == .ok)
            #expect(
                await site.harness.run(["user", "passwd", "ana", "--password-stdin"], stdin: ["a-brand-new-password"])
                    .status == 0)
            #expect(
                try await ana.get("/").status == .seeOther, "the session ended with the password change made by the CLI"
            )
            #expect(
                try await ana.get("/api/v1/nodes", headers: [.authorization: "Bearer " + token]).status
                    == .unauthorized, "the token too")

            let bob = Browser(client)
            #expect(try await bob.login("bob").status == .seeOther)
            #expect(await site.harness.run(["user", "disable", "bob"]).status == 0)
            #expect(await site.harness.run(["user", "enable", "bob"]).status == 0)
            #expect(try await bob.get("/").status == .seeOther, "enabling a user does not revive an old session")
            #expect(try await bob.login("bob").status == .seeOther)
            #expect(await site.harness.run(["user", "remove", "bob"]).status == 0)
            #expect(try await bob.get("/").status == .seeOther)
        }
    }
}

@Suite("Hostile input: secrets")
struct SecretTests {
    @Test("userinfo in INFLUX_URL never shows: not in config show, not in an error message")
    func influxCredentials() async throws {
        let harness = try Harness(environment: ["INFLUX_URL": "http://admin:s3cret-pass@127.0.0.1:\(freePort())/"])
        let shown = await harness.run(["config", "show", "--json"])
        #expect(
            shown.status == 0 && !shown.stdout.contains("s3cret-pass") && shown.stdout.contains("***@127.0.0.1"),
            "\(shown.stdout)")
        let failed = await harness.run(["report", "readings", "--node", "ESP1"])
        #expect(failed.status != 0)
        #expect(!failed.stderr.contains("s3cret-pass") && !failed.stdout.contains("s3cret-pass"), "\(failed.stderr)")
        let bad = await (try Harness(environment: ["INFLUX_URL": "ftp://admin:s3cret-pass@host/"])).run([
            "config", "show",
        ])
        #expect(bad.status == 78 && !bad.stderr.contains("s3cret-pass"), "\(bad.stderr)")
    }
}

/// The poison messages: what stopped ingest for good (a trap, redelivered from the persistent
/// session or kept retained by the broker, so every restart died again), and what else a
/// hostile or faulty publisher sends. The seeds of the payload fuzzer come along (Tasmota ones
/// under this test's own prefix: their decoder is fuzzed and unit-tested, and `tele/` topics
/// are shared by every test on the broker).
@Suite("Hostile input: poison messages against a real broker", .serialized)
struct PoisonMessageTests {
    static func corpus(prefix p: String) throws -> [(topic: String, payload: [UInt8])] {
        let deep = 20_000
        var messages: [(String, [UInt8])] = [
            ("\(p)/ESP1/x", Array(#"{"ts":1e300,"power":1}"#.utf8)),
            ("\(p)/ESP1/x", Array(#"{"ts":"99999999999999999999","power":1}"#.utf8)),
            ("\(p)/ESP1/x", Array(#"{"ts":-9223372036854775808,"power":1}"#.utf8)),
            ("\(p)/ESP1/x", Array(#"{"ts":"9999-12-31T23:59:59Z","power":1}"#.utf8)),
            ("\(p)/ESP1/x", Array(#"{"power":1e308,"energy":-0.0,"voltage":"1e400"}"#.utf8)),
            (
                "\(p)/ESP1/x",
                Array(
                    ("{\"power\":1,\"a\":" + String(repeating: "[", count: deep) + String(repeating: "]", count: deep)
                        + "}").utf8)
            ),
            ("\(p)/ESP1/x", [0x7B, 0x22, 0xFF, 0xFE, 0x22, 0x3A, 0x31, 0x7D]),
            ("\(p)/ESP1/power", [0x31, 0x00, 0x32]),
            ("\(p)/ESP1/power", Array(String(repeating: "9", count: 60_000).utf8)),
            ("\(p)/ESP1\u{00AD}/power", Array("1".utf8)),
            ("\(p)/\(String(repeating: "N", count: 300))/power", Array("1".utf8)),
            // The broker refuses control characters in topics; U+2028 (a line break to some log readers) passes.
            ("\(p)/ESP1\u{2028}forged log line/power", Array("1".utf8)),
            ("\(p)/ESP1/x", Array(#"{"ENERGY":{"Total":1e300,"Power":"x"}}"#.utf8)),
            ("\(p)/ESP1/x", Array(#"{"ENERGY":[1,2,3]}"#.utf8)),
        ]
        let seeds = packageRoot.appendingPathComponent("Fuzz/corpus/payload").path
        for name in try FileManager.default.contentsOfDirectory(atPath: seeds).sorted() {
            let bytes = try [UInt8](Data(contentsOf: URL(fileURLWithPath: seeds + "/" + name)))
            guard let split = bytes.firstIndex(of: 0) else { continue }
            // Only topics under this test's prefix: `tele/+/SENSOR` is shared by every test's broker
            // subscription, and a retained message there would reach other tests' ingest.
            let topic = String(decoding: bytes[..<split], as: UTF8.self)
            let ours = topic.hasPrefix("enertrack/") ? p + topic.dropFirst("enertrack".count) : "\(p)/ESP1/x"
            messages.append((ours, Array(bytes[(split + 1)...])))
        }
        return messages
    }

    @Test(
        "a corpus of hostile payloads, live and retained, then a good reading: stored, and ingest never died, across a restart too"
    )
    func poison() async throws {
        let site = try IngestSite()
        let p = site.prefix
        let corpus = try Self.corpus(prefix: p)
        // Retained before ingest starts: the broker hands them to every new subscription.
        for (index, message) in corpus.enumerated() {
            try site.publish(
                message.topic.replacingOccurrences(of: "/x", with: "/retained\(index)"), bytes: message.payload,
                retain: true)
        }
        let ingest = try await site.startedIngest()
        for message in corpus { try site.publish(message.topic, bytes: message.payload) }
        try site.publish("\(p)/ESP_GOOD/data", #"{"power": 42, "energy": 7.5}"#)
        let series = try site.series()
        #expect(
            await eventually(timeout: 20) {
                try await series.readings(node: "ESP_GOOD", from: nil, to: nil, limit: nil).count == 1
            }, "\(ingest.log)")
        #expect(ingest.process.isRunning, "ingest died: \(ingest.log)")
        #expect(!ingest.log.contains("\u{2028}forged log line"), "a topic's line separator stays quoted in the log")
        let stored = try await series.readings(node: "ESP1", from: nil, to: nil, limit: nil)
        #expect(stored.allSatisfy { $0.time < Date().milliseconds + 300_000 }, "nothing from the future: \(stored)")
        await ingest.expectCleanStop("first run")

        // Restarted with the poison still retained (and queued in its session): it goes on.
        let again = try await site.startedIngest()
        try site.publish("\(p)/ESP_GOOD/data", #"{"power": 43, "ts": \#(Date().milliseconds / 1000 + 1)}"#)
        #expect(
            await eventually(timeout: 20) {
                try await series.readings(node: "ESP_GOOD", from: nil, to: nil, limit: nil).count == 2
            }, "\(again.log)")
        #expect(again.process.isRunning, "ingest died after the restart: \(again.log)")
        await again.expectCleanStop("second run")
        // The retained messages stay on this run's throwaway broker, under this test's own prefix.
    }

    @Test("device sources: every decoder's hostile messages, live and retained, leave ingest running and storing")
    func devices() async throws {
        let site = try IngestSite()
        let p = site.prefix
        let harness = try Harness(environment: site.environment)
        await DeviceFixtures.addSources(harness, prefix: p, esphome: "\(p)/+/sensor/+/state", discovery: "\(p)/ha")
        let deep = String(repeating: "[", count: 20_000) + String(repeating: "]", count: 20_000)
        var corpus: [(String, [UInt8])] = [
            ("\(p)/x/status/em:0", Array(#"{"a_voltage":1e999,"total_act_power":"NaN"}"#.utf8)),
            ("\(p)/x/status/emdata:0", Array(#"{"total_act":-1}"#.utf8)),
            ("\(p)/x/status/em:0", Array("{\"a\":\(deep)}".utf8)),
            ("\(p)/x/events/rpc", Array(#"{"method":"NotifyStatus","params":{"ts":"soon","em:0":[]}}"#.utf8)),
            ("\(p)/x/events/rpc", Array(#"{"method":"NotifyStatus","params":{"ts":1e300}}"#.utf8)),
            ("\(p)/shellies/shellyem3-1/emeter/2/total", Array("1e400".utf8)),
            ("\(p)/shellies/shellyem3-1/emeter/99/power", Array("1".utf8)),
            (
                "\(p)/ha/sensor/n/o/config",
                Array(#"{"dev_cla":"energy","unit_of_meas":"J","stat_t":"x/sensor/o/state"}"#.utf8)
            ),
            ("\(p)/ha/sensor/n/o/config", [0xFF, 0x00, 0x7B]),
            ("\(p)/n/sensor/o/state", Array(String(repeating: "9", count: 70_000).utf8)),
            ("\(p)/tele/t/SENSOR", Array(#"{"ENERGY":{"Power":[1,2,3,4,5],"Total":[-1]}}"#.utf8)),
            ("\(p)/tele/t/SENSOR", Array(#"{"ENERGY":{"Voltage":[1e308,1e308,1e308]}}"#.utf8)),
        ]
        let seeds = packageRoot.appendingPathComponent("Fuzz/corpus/devices").path
        for name in try FileManager.default.contentsOfDirectory(atPath: seeds).sorted() {
            let bytes = try [UInt8](Data(contentsOf: URL(fileURLWithPath: seeds + "/" + name)))
            guard let split = bytes.firstIndex(of: 0) else { continue }
            corpus.append(("\(p)/" + String(decoding: bytes[..<split], as: UTF8.self), Array(bytes[(split + 1)...])))
        }
        for (index, message) in corpus.prefix(12).enumerated() {
            try site.publish(
                message.0.replacingOccurrences(of: "/x/", with: "/r\(index)/"), bytes: message.1, retain: true)
        }
        let ingest = try await site.startedIngest()
        for message in corpus { try site.publish(message.0, bytes: message.1) }
        try site.publish("\(p)/tele/GOOD-3PH/SENSOR", #"{"ENERGY":{"Total":2.5,"Power":[100,200,300]}}"#)
        let series = try site.series()
        #expect(
            await eventually(timeout: 20) {
                try await series.latest(nodes: ["GOOD-3PH"])["GOOD-3PH"]?.power == 600
            }, "\(ingest.log)")
        #expect(ingest.process.isRunning, "ingest died: \(ingest.log)")
        await ingest.expectCleanStop()
    }
}
