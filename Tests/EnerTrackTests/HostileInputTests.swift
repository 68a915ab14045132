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
        // MariaDB gives text, SQLite typed values.
        let row = SQLResultRow(
            names: ["big", "nan", "ok", "real", "bigreal", "nanreal", "inf"],
            values: [
                .text("1e300"), .text("nan"), .text("42"), .text("42.0"), .double(1e300), .double(.nan),
                .double(.infinity),
            ])
        #expect(row.int("big") == nil && row.int("nan") == nil)
        #expect(row.int("ok") == 42 && row.int("real") == 42)
        #expect(row.int("bigreal") == nil && row.int("nanreal") == nil && row.int("inf") == nil)
        #expect(row.double("ok") == 42 && row.string("bigreal") == "1e+300" && row.string("missing") == nil)
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
        #expect(throws: RangeError.tooManyPeriods(.day, max: 10_000, meters: 1)) {
            try ConsumptionReport.range(.day, from: "1990-01-01", to: "2990-01-01", now: now, timeZone: zone, meters: 1)
        }
        #expect(throws: RangeError.tooManyPeriods(.hour, max: 500, meters: 20)) {
            try ConsumptionReport.range(
                .hour, from: "2026-01-01", to: "2026-02-01", now: now, timeZone: zone, meters: 20)
        }
        #expect(throws: RangeError.endBeforeStart) {
            try ConsumptionReport.range(.day, from: "2026-02-01", to: "2026-01-01", now: now, timeZone: zone, meters: 1)
        }
        #expect(throws: RangeError.self) {
            try ConsumptionReport.range(
                .day, from: "99999999999999999999", to: nil, now: now, timeZone: zone, meters: 1)
        }
        let year = try ConsumptionReport.range(
            .day, from: "2025-01-01", to: "2026-01-01", now: now, timeZone: zone, meters: 1)
        #expect(year.duration == 365 * 86_400)
        #expect(
            try ConsumptionReport.range(
                .month, from: "1990-01-01", to: "2290-01-01", now: now, timeZone: zone, meters: 1
            ).duration
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
