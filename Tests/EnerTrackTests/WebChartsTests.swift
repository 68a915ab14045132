import EnerTrackCore
import EnerTrackSQL
import EnerTrackSQLite
import Foundation
import Testing

@testable import EnerTrackKit

/// The household's pages: the energy home page (periods, stepping, live figures) and the meter
/// charts' points on a real time axis (gaps, kWh per interval, a zoomed range).
@Suite("web: the home page and the charts")
struct WebChartsTests {
    @Test("chart points: a silent meter leaves a gap, long series are sliced, energy is kWh per interval")
    func points() {
        // A reading a minute for 20 minutes, 30 minutes of silence, 10 more minutes.
        let start: Int64 = 1_800_000_000_000
        var readings: [Reading] = []
        for minute in Array(0..<20) + Array(50..<60) {
            readings.append(
                Reading(node: "N", time: start + Int64(minute) * 60_000, power: 1000, energy: Double(minute) / 60))
        }
        let power = HistoryChart.fromReadings(
            readings, node: "N", quantity: .power, from: start, to: start + 3_600_000)
        #expect(power.points.count == 31 && power.points.filter { $0.value == nil }.count == 1, "\(power.points)")
        #expect(power.points[20].value == nil && power.points[20].time > start + 19 * 60_000)
        // Energy from raw readings (a store without rollups): the counter's rises per slice, not the counter.
        let energy = HistoryChart.fromReadings(
            readings, node: "N", quantity: .energy, from: start, to: start + 3_600_000)
        let total = energy.points.compactMap(\.value).reduce(0, +)
        #expect(abs(total - 59.0 / 60) < 1e-9, "the counter's 59 minutes, the silence's rise with it: \(total)")
        #expect(energy.points.contains { $0.value == nil }, "the silence shows")
        // More readings than slices: means of equal slices, the same mean.
        let dense = (0..<5_000).map { Reading(node: "N", time: start + Int64($0) * 5_000, power: 200) }
        let sliced = HistoryChart.fromReadings(
            dense, node: "N", quantity: .power, from: start, to: start + 86_400_000)
        #expect(sliced.points.count <= HistoryChart.slices + 1 && sliced.points.allSatisfy { $0.value == 200 })
        // Rollups: kWh of 15-minute buckets summed into wider slices over a long range.
        var rows: [RollupRow] = []
        for bucket in 0..<(4 * 24 * 30) {
            var row = RollupRow(bucket: start + Int64(bucket) * 900_000)
            row.kwh = 0.25
            row.samples = 1
            rows.append(row)
        }
        let month = HistoryChart.fromRollups(
            rows, node: "N", quantity: .energy, from: start, to: start + 30 * 86_400_000)
        #expect(month.step == 3_600_000 && month.points.count == 720, "\(month.step) \(month.points.count)")
        #expect(month.points.allSatisfy { $0.value == 1 }, "four buckets of 0.25 kWh an hour")
    }

    @Test("a chart's range: presets, from/to for a zoom, and clear refusals")
    func ranges() {
        let zone = TimeZone(identifier: "Europe/Madrid")!
        let now = Date(timeIntervalSince1970: 1_800_000_000)
        func range(_ from: String?, _ to: String?, _ preset: String?) -> Result<
            (from: Int64, to: Int64), HistoryChart.RangeProblem
        > {
            HistoryChart.range(from: from, to: to, preset: preset, timeZone: zone, now: now)
        }
        #expect((try? range(nil, nil, nil).get())?.from == now.milliseconds - 86_400_000)
        #expect((try? range(nil, nil, "7d").get())?.from == now.milliseconds - 7 * 86_400_000)
        let zoomed = try? range("1799990000000", "1799995000000", "7d").get()
        #expect(zoomed?.from == 1_799_990_000_000 && zoomed?.to == 1_799_995_000_000, "from/to win over the preset")
        #expect(throws: HistoryChart.RangeProblem.unknownPreset("2y")) { try range(nil, nil, "2y").get() }
        #expect(throws: HistoryChart.RangeProblem.tooLong) { try range("2020-01-01", "2026-01-01", nil).get() }
        #expect(throws: HistoryChart.RangeProblem.tooShort) { try range("1799990000000", "1799990001000", nil).get() }
        let spanish = HistoryChart.RangeProblem.tooLong.message(Words(.es))
        #expect(spanish == "un gráfico abarca como mucho 400 días", "\(spanish)")
    }

    @Test("home periods: a day by hours, a Monday-to-Sunday week, a month, a year; previous and next")
    func periods() {
        let zone = TimeZone(identifier: "Europe/Madrid")!
        let now = Date(timeIntervalSince1970: 1_796_400_000)  // 2026-12-04 (a Friday)
        let week = HomePeriod(kind: .week, date: "2026-12-02", now: now, timeZone: zone)
        #expect(week.start.description == "2026-11-30" && week.kind.unit == .day)
        #expect(week.shifted(-1).start.description == "2026-11-23" && week.shifted(1).start.description == "2026-12-07")
        #expect(week.label(Words(.es)) == "semana del 30 de noviembre de 2026", "\(week.label(Words(.es)))")
        let day = HomePeriod(kind: .day, date: nil, now: now, timeZone: zone)
        #expect(day.start.description == "2026-12-04" && day.kind.unit == .hour && day.contains(now))
        #expect(day.range(now: now).end == now, "today up to now")
        // The DST day has 23 hours.
        let spring = HomePeriod(kind: .day, date: "2026-03-29", now: now, timeZone: zone)
        #expect(spring.interval.duration == 23 * 3600)
        let month = HomePeriod(kind: .month, date: "2026-02-10", now: now, timeZone: zone)
        #expect(month.start.description == "2026-02-01" && month.shifted(1).start.description == "2026-03-01")
        #expect(HomePeriod(kind: .year, date: "2025-07-01", now: now, timeZone: zone).label(Words(.en)) == "2025")
        // A date that is not one: today.
        #expect(HomePeriod(kind: .day, date: "2026-02-30", now: now, timeZone: zone).start == day.start)
        #expect(HomePeriod(kind: .day, date: "<script>", now: now, timeZone: zone).start == day.start)
    }

    @Test("home page: today's bars by meter, period links, live figures with only the meters that changed")
    func homePage() async throws {
        let site = try await WebSite()
        try await site.test { client in
            let ana = Browser(client)
            _ = try await ana.login("ana")
            let page = String(buffer: try await ana.get("/").body)
            #expect(page.contains("id=\"home-chart\"") && page.contains("data-stacked"), "today's chart")
            #expect(page.contains("Cocina") && page.contains("data-live="), "bars by meter; live figures")
            #expect(page.contains("?period=week&amp;date=") && page.contains("?period=year&amp;date="))
            #expect(page.contains("aria-disabled=\"true\""), "no next day after today")
            let week = try await ana.get("/?period=week&date=2026-12-02")
            #expect(week.status == .ok && String(buffer: week.body).contains("date=2026-11-23"), "the previous week")
            // Nonsense in the query is today, not an error.
            #expect(try await ana.get("/?period=fortnight&date=yesterday").status == .ok)
            func live(_ since: Int64) async throws -> [String: Any] {
                let response = try await ana.get("/api/v1/live?since=\(since)")
                #expect(response.status == .ok)
                return try #require(
                    try JSONSerialization.jsonObject(with: Data(buffer: response.body)) as? [String: Any])
            }
            let all = try await live(0)
            let nodes = (all["nodes"] as? [[String: Any]])?.compactMap { $0["esp_id"] as? String }.sorted()
            #expect(nodes == [WebSite.anaOnly, WebSite.shared].sorted(), "\(all)")
            #expect(all["power_kw"] is String && all["energy_today_kwh"] is String, "figures as the page writes them")
            let none = try await live(Date().milliseconds + 1)
            #expect((none["nodes"] as? [Any])?.isEmpty == true, "nothing changed since: \(none)")
            // An expired or missing session: 401, which the page turns into its notice.
            #expect(try await Browser(client).get("/api/v1/live?since=0").status == .unauthorized)
        }
    }

    @Test("history API: from/to for a zoom, energy as kWh per interval, refusals with reasons")
    func historyAPI() async throws {
        let site = try await WebSite()
        try await site.test { client in
            let ana = Browser(client)
            _ = try await ana.login("ana")
            func json(_ uri: String) async throws -> (Int, [String: Any]) {
                let response = try await ana.get(uri)
                let body = try JSONSerialization.jsonObject(with: Data(buffer: response.body)) as? [String: Any]
                return (Int(response.status.code), body ?? [:])
            }
            let base = "/api/v1/nodes/\(WebSite.anaOnly)/history"
            let (status, energy) = try await json(base + "?range=1h&quantity=energy")
            #expect(status == 200 && energy["unit"] as? String == "kWh" && energy["source"] as? String == "rollups")
            let values = (energy["points"] as? [[String: Any]] ?? []).compactMap { ($0["v"] as? NSNumber)?.doubleValue }
            #expect(abs(values.reduce(0, +) - 29.0 / 40) < 0.002, "the kWh of 29 one-minute steps: \(values)")
            let from = site.now - 10 * 60_000
            let (_, zoomed) = try await json(base + "?from=\(from)&to=\(site.now + 1)&quantity=power")
            let times = (zoomed["points"] as? [[String: Any]] ?? []).compactMap { ($0["t"] as? NSNumber)?.int64Value }
            #expect(times.count == 11 && times.allSatisfy { $0 >= from }, "\(times)")
            let (tooLong, refusal) = try await json(base + "?from=2000-01-01&to=2026-01-01")
            #expect(tooLong == 400 && (refusal["error"] as? String ?? "").contains("400 days"), "\(refusal)")
            let (unknown, _) = try await json(base + "?quantity=voltios")
            #expect(unknown == 400)
        }
    }
}

/// Light pages: static files fingerprinted and cached for a year, compressed as the browser
/// accepts; pages and JSON with an ETag and a 304 when nothing changed.
@Suite("web: light pages")
struct WebLightTests {
    @Test("static files: fingerprinted addresses, immutable, brotli or gzip as accepted, 304 on a match")
    func staticFiles() async throws {
        let site = try await WebSite()
        try await site.test { client in
            let login = String(buffer: try await client.execute(uri: "/login").body)
            let address = try #require(
                login.firstMatch(of: /src="(\/static\/app\.[0-9a-f]{12}\.js)"/).map { String($0.output.1) }, "\(login)")
            #expect(!login.contains("chart.min."), "no chart library on the login page")
            let plain = try await client.execute(uri: address)
            #expect(plain.status == .ok && plain.headers[.cacheControl] == "public, max-age=31536000, immutable")
            #expect(plain.headers[.contentEncoding] == nil && String(buffer: plain.body).contains("use strict"))
            let brotli = try await client.execute(uri: address, headers: [.acceptEncoding: "gzip, deflate, br"])
            #expect(brotli.headers[.contentEncoding] == "br" && brotli.body.readableBytes < plain.body.readableBytes)
            #expect(brotli.headers[.vary] == "Accept-Encoding")
            let gzip = try await client.execute(uri: address, headers: [.acceptEncoding: "gzip"])
            #expect(gzip.headers[.contentEncoding] == "gzip" && gzip.body.readableBytes < plain.body.readableBytes)
            #expect(Array(buffer: gzip.body).prefix(2) == [0x1f, 0x8b], "a gzip member")
            let tag = try #require(brotli.headers[.eTag])
            let again = try await client.execute(
                uri: address, headers: [.acceptEncoding: "gzip, deflate, br", .ifNoneMatch: tag])
            #expect(again.status == .notModified && again.body.readableBytes == 0)
            // The same file at its plain address, cached for an hour; an unknown fingerprint is 404.
            #expect(try await client.execute(uri: "/static/app.js").headers[.cacheControl] == "public, max-age=3600")
            #expect(try await client.execute(uri: "/static/app.000000000000.js").status == .notFound)
            // Chart.js (Debian's) goes out compressed to about a third.
            let chart = try await client.execute(uri: "/static/vendor/chart.min.js", headers: [.acceptEncoding: "br"])
            #expect(
                chart.headers[.contentEncoding] == "br" && chart.body.readableBytes < 80_000,
                "\(chart.body.readableBytes)")
        }
    }

    @Test("pages and JSON: an ETag, private and revalidated; 304 when unchanged; none where a cookie is set")
    func pages() async throws {
        let site = try await WebSite()
        try await site.test { client in
            let ana = Browser(client)
            _ = try await ana.login("ana")
            let page = try await ana.get("/consumption")
            let tag = try #require(page.headers[.eTag])
            #expect(page.headers[.cacheControl] == "private, no-cache")
            let unchanged = try await ana.get("/consumption", headers: [.ifNoneMatch: tag])
            #expect(unchanged.status == .notModified && unchanged.body.readableBytes == 0)
            #expect(try await ana.get("/consumption", headers: [.ifNoneMatch: "\"other\""]).status == .ok)
            let api = try await ana.get("/api/v1/nodes")
            let apiTag = try #require(api.headers[.eTag])
            #expect(try await ana.get("/api/v1/nodes", headers: [.ifNoneMatch: apiTag]).status == .notModified)
            // Answers that set a cookie (the login page's) and errors are not stored.
            let login = try await Browser(client).get("/login")
            #expect(login.headers[.eTag] == nil && login.headers[.cacheControl] == "no-store")
            #expect(try await ana.get("/api/v1/nodes/NOPE").headers[.cacheControl] == "no-store")
        }
    }
}

/// Sessions that run out while a page is open, and alerts that cannot reach anyone.
@Suite("web: expired sessions and unlinked alerts")
struct WebSessionTests {
    @Test("a form posted after the session expired comes back after the login, filled in, without secrets")
    func resumedForm() async throws {
        let site = try await WebSite()
        let store = try SQLiteDirectoryStore(path: site.harness.dataDirectory + "/directory.sqlite")
        try await site.test { client in
            let ana = Browser(client)
            _ = try await ana.login("ana")
            let alerts = String(buffer: try await ana.get("/alerts").body)
            #expect(alerts.contains("id=\"telegram-unlinked\""), "alerts say Telegram is not linked")
            #expect(alerts.contains("id=\"live-notice\""), "a polling page's notice is ready")
            let csrf = alerts.firstMatch(of: /name="csrf" value="([^"]+)"/).map { String($0.output.1) } ?? ""
            // The session runs out while the alerts page is open.
            let idle = Date().milliseconds - SessionRules.idleTimeout - 1_000
            try await store.sqlTransaction { sql in try sql.run("UPDATE web_sessions SET last_seen = ?", .int(idle)) }
            let posted = try await ana.post(
                "/alerts", ["csrf": csrf, "node": WebSite.anaOnly, "action": "set", "kw": "3.5"])
            let login = String(buffer: posted.body)
            #expect(posted.status == .unauthorized && login.contains("name=\"resume_path\" value=\"/alerts\""))
            #expect(login.contains("kw=3.5") && !login.contains(csrf), "the input rides along; the old token does not")
            // Log in from that page: the form comes back with a new token, and sending it saves.
            let token = login.firstMatch(of: /name="csrf" value="([^"]+)"/).map { String($0.output.1) } ?? ""
            let resume = login.firstMatch(of: /name="resume" value="([^"]*)"/).map { String($0.output.1) } ?? ""
            let back = try await ana.post(
                "/login",
                [
                    "csrf": token, "username": "ana", "password": WebSite.password, "resume_path": "/alerts",
                    "resume": resume.replacingOccurrences(of: "&amp;", with: "&"),
                ])
            let again = String(buffer: back.body)
            #expect(back.status == .ok && again.contains("action=\"/alerts\"") && again.contains("value=\"3.5\""))
            let fresh = again.firstMatch(of: /name="csrf" value="([^"]+)"/).map { String($0.output.1) } ?? ""
            #expect(!fresh.isEmpty && fresh != csrf)
            let sent = try await ana.post(
                "/alerts", ["csrf": fresh, "node": WebSite.anaOnly, "action": "set", "kw": "3.5"])
            #expect(sent.status == .seeOther)
            #expect(String(buffer: try await ana.get("/alerts").body).contains("value=\"3.5\""))
            // A resume path that is not this site's is ignored: the login goes to the home page.
            let other = Browser(client)
            let page = String(buffer: try await other.get("/login").body)
            let otherToken = page.firstMatch(of: /name="csrf" value="([^"]+)"/).map { String($0.output.1) } ?? ""
            let elsewhere = try await other.post(
                "/login",
                [
                    "csrf": otherToken, "username": "bob", "password": WebSite.password,
                    "resume_path": "//evil.example",
                    "resume": "a=b",
                ])
            #expect(elsewhere.status == .seeOther)
        }
    }
}
