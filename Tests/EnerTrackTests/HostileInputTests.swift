import EnerTrackCore
import EnerTrackIngest
import EnerTrackKit
import EnerTrackSQL
import EnerTrackSQLite
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Testing

@testable import EnerTrackTelegram
@testable import EnerTrackWeb

/// Each finding of the hostile-input review, as a test that failed (most by trapping) before it
/// was fixed. Inputs the fuzzers found become cases here too.
@Suite("Hostile input: parsers and conversions")
struct HostileParserTests {
    let decoder = PayloadDecoder(prefix: "enertrack", tasmota: true)
    let now: Int64 = 1_795_773_600_000

    func reason(_ topic: String, _ payload: String, decoder: PayloadDecoder? = nil) -> RejectReason? {
        let bytes = Array(payload.utf8)
        let decoder = decoder ?? self.decoder
        return bytes.withUnsafeBytes { buffer -> RejectReason? in
            do throws(Rejection) {
                _ = try decoder.decode(topic: topic, payload: buffer, receivedAt: now)
                return nil
            } catch {
                return error.reason
            }
        }
    }

    @Test("a time no Int64 holds is a rejected timestamp, never a trap (the message that stopped ingest)")
    func hugeTimestamps() {
        #expect(reason("enertrack/ESP1/x", #"{"ts":1e300,"power":1}"#) == .badTimestamp)
        #expect(reason("enertrack/ESP1/x", #"{"ts":"99999999999999999999","power":1}"#) == .badTimestamp)
        #expect(reason("enertrack/ESP1/x", #"{"ts":-1e300,"power":1}"#) == .badTimestamp)
        #expect(reason("enertrack/ESP1/x", #"{"ts":"1e300","power":1}"#) == .badTimestamp)
        #expect(reason("enertrack/ESP1/x", #"{"ts":"9999-12-31T23:59:59Z","power":1}"#) == .future)
        #expect(ReadingRules.time(fromNumber: 1e300) == nil)
        #expect(ReadingRules.time(fromNumber: .infinity) == nil)
    }

    @Test("readings dated over the tolerance (5 minutes by default) ahead of arrival are rejected")
    func future() {
        let ahead = { (seconds: Int64) in #"{"power":1,"ts":\#((now + seconds * 1000) / 1000)}"# }
        #expect(reason("enertrack/ESP1/x", ahead(240)) == nil)
        #expect(reason("enertrack/ESP1/x", ahead(400)) == .future)
        #expect(reason("enertrack/ESP1/x", ahead(3600)) == .future, "a day was the old tolerance")
        let lenient = PayloadDecoder(prefix: "enertrack", maxAhead: 3_600_000)
        #expect(reason("enertrack/ESP1/x", ahead(3000), decoder: lenient) == nil)
        var parser = ImportParser(format: .csv, now: Date(milliseconds: now))
        _ = try? parser.parse("time,node,power")
        #expect(throws: Rejection.self) { try parser.parse("\(now / 1000 + 3600),ESP1,5") }
    }

    @Test("import: a CSV time of 1e300 and line protocol at Int64.min are rejected lines, not traps")
    func importTraps() throws {
        var csv = ImportParser(format: .csv, now: Date(milliseconds: now))
        _ = try csv.parse("time,node,power")
        for time in ["1e300", "99999999999999999999", "-1e300", "nan", "inf"] {
            #expect(throws: Rejection.self, "\(time)") { try csv.parse("\(time),ESP1,5") }
        }
        var lines = ImportParser(format: .lineProtocol, now: Date(milliseconds: now))
        for stamp in [Int64.min, Int64.max, -1] {
            #expect(throws: Rejection.self, "\(stamp)") { try lines.parse("energy,node=ESP1 power=1 \(stamp)"[...]) }
        }
        #expect(LineProtocol.milliseconds(Int64.min) == Int64.min / 1_000_000)
    }

    @Test("time arguments: out of range and unreadable are told apart; durations are bounded")
    func timeArguments() {
        let zone = TimeZone(identifier: "Europe/Madrid")!
        let now = Date(milliseconds: now)
        #expect(TimeArgument.read("99999999999999999999", timeZone: zone, now: now) == .failure(.outOfRange))
        #expect(TimeArgument.read("1e300d", timeZone: zone, now: now) == .failure(.unreadable))
        #expect(TimeArgument.read("40000d", timeZone: zone, now: now) == .failure(.outOfRange))
        #expect(TimeArgument.read("0", timeZone: zone, now: now) == .failure(.outOfRange))
        #expect(
            TimeArgument.read(String(repeating: "9", count: 400), timeZone: zone, now: now) == .failure(.unreadable))
        #expect(TimeArgument.read("7d", timeZone: zone, now: now) == .success(now.addingTimeInterval(-7 * 86_400)))
        #expect(
            TimeArgument.duration("1e300s") == nil && TimeArgument.duration("nan") == nil
                && TimeArgument.duration("0x10m") == nil)
        #expect(abs((TimeArgument.duration("36500d") ?? 0) - 3_153_600_000) < 1)
        #expect(throws: Failure.self) { try TimeArgument.durationMS("1e300d", flag: "--window") }
        var message = ""
        do { _ = try TimeArgument.option("99999999999999999999", flag: "from", fallback: now, timeZone: zone) } catch {
            message = error.description
        }
        #expect(message.contains("from") && message.contains("1970-01-01 to 9999-12-31"), "\(message)")
        #expect(Date.distantFuture.milliseconds > 0 && Date(timeIntervalSince1970: 1e300).milliseconds == .max)
        #expect(Int64(saturating: .nan) == 0 && Int64(saturating: -1e300) == .min)
        #expect(
            ISO8601.format(milliseconds: .min, timeZone: .gmt) == "0001-01-01T00:00:00Z",
            "a stored time out of range formats clamped")
        #expect(ISO8601.format(milliseconds: .max, timeZone: .gmt) == "9999-12-31T23:59:59.999Z")
    }

    @Test("values read back from a database are converted without traps")
    func rowIntegers() {
        let row = SQLResultRow(["big": "1e300", "nan": "nan", "ok": "42", "real": "42.0"])
        #expect(row.int("big") == nil && row.int("nan") == nil)
        #expect(row.int("ok") == 42 && row.int("real") == 42)
    }

    @Test("a stored hash asking for absurd scrypt or pbkdf2 costs is refused at once")
    func hashParameters() {
        let hasher = PasswordHasher.standard
        let started = Date()
        #expect(!hasher.verify("x", against: "scrypt:32768:100000:1$salt$" + String(repeating: "0", count: 128)))
        #expect(!hasher.verify("x", against: "scrypt:32768:8:100000$salt$" + String(repeating: "0", count: 128)))
        #expect(!hasher.verify("x", against: "pbkdf2:sha256:2000000000$salt$" + String(repeating: "0", count: 64)))
        #expect(Date().timeIntervalSince(started) < 5)
    }

    @Test("user-supplied text in log lines is quoted: a newline cannot forge a line")
    func logQuoting() {
        #expect(LogText.quoted("ana\n2026-11-27 INFO login: root") == #"'ana\n2026-11-27 INFO login: root'"#)
        #expect(LogText.quoted("a\u{00AD}b\u{2060}'") == #"'a\u{ad}b\u{2060}\''"#)
        #expect(LogText.quoted(String(repeating: "x", count: 500)).count == 80 + 3)
        #expect(!LogText.quoted("x\r\u{2028}y").contains("\r"))
    }

    @Test("credentials in INFLUX_URL are masked in messages")
    func redaction() {
        #expect(Redact.url("https://admin:s3cret@influx.example:8086/") == "https://***@influx.example:8086/")
        #expect(
            Redact.url("http://influx:8086/query?db=x&u=admin&p=s3cret") == "http://influx:8086/query?db=x&u=***&p=***")
        #expect(Redact.url("http://influx:8086") == "http://influx:8086")
        #expect(Redact.secrets(["s3cret", nil, "ab"], in: "auth s3cret failed ab") == "auth *** failed ab")
    }

    @Test("login names with control, format or ignorable characters, or too long, are refused before any lookup")
    func loginNames() {
        #expect(DirectoryRules.isLoginName("ana") && DirectoryRules.isLoginName("josé.pérez@example.org"))
        for bad in [
            "ana" + String(repeating: "\u{00AD}", count: 300), "ana\u{2060}", "\u{FEFF}ana", "ana\u{0001}", "ana\nroot",
            "a b",
            String(repeating: "a", count: 255), "",
        ] {
            #expect(!DirectoryRules.isLoginName(bad), "\(bad.debugDescription)")
        }
        #expect(
            LoginThrottle.accountKey("ana" + String(repeating: "x", count: 1000)).count
                == LoginThrottle.accountKey("ana").count)
    }

    @Test("the HTML and Telegram escapers work on bytes: a combining mark after a special character changes nothing")
    func combiningCharacters() {
        // Compared as bytes: String's == and contains work on grapheme clusters, the very trap.
        for (special, entity) in [("\"", "&quot;"), ("<", "&lt;"), (">", "&gt;"), ("&", "&amp;"), ("'", "&#39;")] {
            #expect(Array(HTML.escape(special + "\u{0301}x").utf8) == Array((entity + "\u{0301}x").utf8), "\(special)")
            let page: HTML = "<input value=\"\(special + "\u{0301}")\">"
            #expect(Array(page.text.utf8) == Array(("<input value=\"" + entity + "\u{0301}\">").utf8))
        }
        #expect(
            Array(HTML.escape("\"\u{0301} onfocus=alert(1) x=\"").utf8)
                == Array("&quot;\u{0301} onfocus=alert(1) x=&quot;".utf8))
        #expect(Array(TelegramText.escape("<\u{0301}b>&\u{0301}").utf8) == Array("&lt;\u{0301}b&gt;&amp;\u{0301}".utf8))
    }

    @Test("after login only a path of this site: no //, backslash, control character or space")
    func loginRedirects() {
        #expect(WebApp.safeNext("/nodes/ESP1?range=7d") == "/nodes/ESP1?range=7d")
        for next in [
            "/\t/evil.example", "/\n/evil.example", "//evil.example", "/\\evil.example", "https://evil.example",
            "/ /evil",
            "/\u{0000}/evil", "/\u{2028}/evil", "evil", "", "/" + String(repeating: "a", count: 3000),
        ] {
            #expect(WebApp.safeNext(next) == "/", "\(next.debugDescription)")
        }
        #expect(WebApp.safeNext(nil) == "/")
    }

    @Test("consumption ranges: one rule with a cap in periods for the CLI, the page and the API")
    func consumptionRange() throws {
        let zone = TimeZone(identifier: "Europe/Madrid")!
        let now = Date(milliseconds: now)
        #expect(throws: RangeError.tooManyPeriods(.day, max: 5000)) {
            try ConsumptionReport.range(.day, from: "1990-01-01", to: "2990-01-01", now: now, timeZone: zone)
        }
        #expect(throws: RangeError.tooManyPeriods(.hour, max: 5000)) {
            try ConsumptionReport.range(.hour, from: "2026-01-01", to: "2026-12-01", now: now, timeZone: zone)
        }
        #expect(throws: RangeError.endBeforeStart) {
            try ConsumptionReport.range(.day, from: "2026-02-01", to: "2026-01-01", now: now, timeZone: zone)
        }
        #expect(throws: RangeError.self) {
            try ConsumptionReport.range(.day, from: "99999999999999999999", to: nil, now: now, timeZone: zone)
        }
        let year = try ConsumptionReport.range(.day, from: "2025-01-01", to: "2026-01-01", now: now, timeZone: zone)
        #expect(year.duration == 365 * 86_400)
        #expect(
            try ConsumptionReport.range(.month, from: "1990-01-01", to: "2290-01-01", now: now, timeZone: zone).duration
                > 0)
    }

    @Test("power limits: parsed per node, with a reason for a bad pair")
    func powerLimits() throws {
        #expect(try PowerLimits.parseNodes("taller=250, casa=15").get() == ["taller": 250, "casa": 15])
        for bad in ["taller", "taller=", "taller=-1", "taller=1e300", "bad id=5", "x=nan"] {
            #expect(throws: Failure.self, "\(bad)") { try PowerLimits.parseNodes(bad).get() }
        }
        #expect(PowerLimits(siteKW: 100, nodeKW: ["taller": 250]).kw(for: "taller") == 250)
    }
}

@Suite("Hostile input: the spool on disk")
struct HostileSpoolTests {
    /// A segment's header says how many bytes of it are committed; those bytes are on disk.
    @Test("a corrupt segment (header length, record bytes) opens, keeps the good records and never traps")
    func corruptSegment() throws {
        let directory = try temporaryDirectory("enertrack-spool")
        do {
            let spool = try ReadingSpool(directory: directory, capacity: 1000)
            for index in 0..<4 {
                try spool.append(Reading(node: "A", time: 1_795_773_600_000 + Int64(index), power: 1))
            }
        }
        let name = try #require(
            try FileManager.default.contentsOfDirectory(atPath: directory).first { $0.hasSuffix(".spool") })
        let path = directory + "/" + name
        var bytes = try [UInt8](Data(contentsOf: URL(fileURLWithPath: path)))
        // The committed length: all ones (once an Int(UInt64) trap at start).
        for index in 8..<16 { bytes[index] = 0xFF }
        // The third record's node: a byte no ESP id holds.
        let recordSize = 1 + 8 + 1 + 1 + 8
        bytes[16 + 2 * recordSize + 10] = 0x0A
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        let reopened = try ReadingSpool(directory: directory, capacity: 1000)
        #expect(reopened.depth == 2, "the records before the damage")
        let segment = try #require(reopened.nextSegment())
        #expect(try reopened.read(segment).map(\.time) == [1_795_773_600_000, 1_795_773_600_001])
    }
}

@Suite("Hostile input: unknown ids are bounded")
struct UnknownNodeCapTests {
    @Test("at most N unknown ids are registered per hour; the rest are counted and dropped; maps stay bounded")
    func cap() async throws {
        let directoryPath = try temporaryDirectory("enertrack-cap")
        let directory = try SQLiteDirectoryStore(path: directoryPath + "/directory.sqlite")
        let series = try SQLiteSeriesStore(path: directoryPath + "/series.sqlite")
        let sink = ReadingSink(series: series, directory: directory, knownOnly: false, maxNewNodesPerHour: 3)
        let now = Date()
        let readings = (0..<10).map { Reading(node: "FLOOD\($0)", time: now.milliseconds, power: 1) }
        let first = try await sink.store(readings, now: now)
        #expect(first.registered.count == 3 && first.stored == 3 && first.overCap == 7, "\(first)")
        let again = try await sink.store(readings, now: now.addingTimeInterval(120))
        #expect(again.registered.isEmpty && again.stored == 3 && again.overCap == 7, "known ones keep being stored")
        let later = try await sink.store(readings, now: now.addingTimeInterval(3700))
        #expect(later.registered.count == 3 && later.stored == 6, "a new hour, new room")
        #expect(try await directory.nodes(includeInactive: true).count == 6)
    }
}

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
                ("\(base)/consumption?by=day&from=1990-01-01&to=2990-01-01", "at most 5000"),
                ("\(base)/consumption?by=hour&from=2020-01-01", "at most 5000"),
                ("\(base)/consumption?by=year&from=0001-01-01", "from"),
            ] {
                let response = try await ana.get(uri)
                let text = String(buffer: response.body)
                #expect(response.status == .badRequest && text.contains(names), "\(uri): \(response.status) \(text)")
            }
            let page = try await ana.get("/consumption?by=day&from=1990-01-01&to=2990-01-01")
            // The page words the rule's facts itself: in the reader's language, naming its own fields.
            let text = String(buffer: page.body)
            #expect(page.status == .ok && text.contains("como mucho 5000 periodos de un día"), "\(text.prefix(3000))")
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
}

/// One rule, every front end: the same scenario through the CLI and the web gives the same figures.
@Suite("Front ends agree")
struct FrontEndsAgreeTests {
    @Test("KPI totals: report kpi's ALL row equals /api/v1/kpi (power of active meters only)")
    func kpis() async throws {
        let site = try await WebSite()
        // ESP_ANA reports now (import moves its last-seen: active); the shared meter only has old
        // readings written straight to the store (never seen: not active).
        let now = Int64(Date().timeIntervalSince1970)
        let csv =
            "time,node,voltage,power,frequency\n"
            + (1...3).map { "\(now + Int64($0)),\(WebSite.anaOnly),232,500,50.1" }.joined(separator: "\n") + "\n"
        try csv.write(toFile: site.harness.dataDirectory + "/now.csv", atomically: true, encoding: .utf8)
        #expect(await site.harness.run(["import", site.harness.dataDirectory + "/now.csv"]).status == 0)
        let cli = await site.harness.run(["report", "kpi", "--user", "ana", "--json"])
        #expect(cli.status == 0, "\(cli.stderr)")
        let row = try #require(try cli.objects().last)
        func value(_ key: String) -> Double? { (row[key] as? NSNumber)?.doubleValue }
        let all = [
            "power": value("power"), "voltage": value("voltage"), "frequency": value("frequency"),
            "today_kwh": value("today_kwh"),
        ]
        try await site.test { client async throws in
            let ana = Browser(client)
            #expect(try await ana.login("ana").status == .seeOther)
            let response = try await ana.get("/api/v1/kpi")
            let web = try #require(
                try JSONSerialization.jsonObject(with: Data(String(buffer: response.body).utf8)) as? [String: Any])
            func number(_ value: Any?) -> Double? { (value as? NSNumber)?.doubleValue }
            #expect(number(web["power_w"]) == 500 && all["power"] == 500, "web \(web) cli \(all)")
            #expect(
                number(web["voltage"]) == all["voltage"] && number(web["frequency"]) == all["frequency"],
                "web \(web) cli \(all)")
            #expect(
                abs((number(web["energy_today_kwh"]) ?? -1) - ((all["today_kwh"] ?? nil) ?? -2)) < 0.001,
                "web \(web) cli \(all)")
        }
    }
}
