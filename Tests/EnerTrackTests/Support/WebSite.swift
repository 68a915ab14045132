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

/// A site for web tests: ana and bob share a node named like an attack, each has a private
/// node, root is an admin without nodes.
struct WebSite {
    let harness: Harness
    let app: WebApp
    let series: any SeriesStore
    let directory: any DirectoryStore
    /// When the readings end (ms); they span the 30 minutes before it.
    let now: Int64
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
        self.directory = directory
        let series = try SQLiteSeriesStore(path: harness.dataDirectory + "/series.sqlite")
        self.series = series
        let now = Date().milliseconds
        self.now = now
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
        // The throttle's clock stands still: a delay never runs out between two attempts, however
        // slow a loaded machine is (no test waits one out).
        let frozen = now
        options.throttleClock = { frozen }
        options.tariffParser = .testBinary
        app = WebApp(
            directory: directory, series: series, options: options, hasher: harness.hasher, bot: nil,
            assetsDirectory: "/usr/share/javascript", logger: Logger(label: "test"))
    }

    /// How many local days (Europe/Madrid) the readings touch: two when a run starts within half
    /// an hour after midnight there.
    var readingDays: Int {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "Europe/Madrid")!
        let first = Date(timeIntervalSince1970: Double(now - 29 * 60_000) / 1000)
        return calendar.isDate(first, inSameDayAs: Date(timeIntervalSince1970: Double(now) / 1000)) ? 1 : 2
    }

    /// Imports `days` days of ana's meter up to now, a reading every `step` seconds, 1 kWh an hour.
    func importAnaReadings(days: Int, every step: Int64) async throws {
        let now = Int64(Date().timeIntervalSince1970)
        let start = now - Int64(days) * 86_400
        let lines = stride(from: start, to: now, by: Int(step)).map { time in
            "\(time),\(Self.anaOnly),230,1000,\(Double(time - start) / 3600)"
        }
        let csv = "time,node,voltage,power,energy\n" + lines.joined(separator: "\n") + "\n"
        try csv.write(toFile: harness.dataDirectory + "/days.csv", atomically: true, encoding: .utf8)
        #expect(await harness.run(["import", harness.dataDirectory + "/days.csv"]).status == 0)
    }

    func test(_ body: (RouterClient) async throws -> Void) async throws {
        try await RouterClient.with(app.router(), body)
    }
}

/// A browser: keeps cookies, sends forms with the page's CSRF token and this site's Origin.
final class Browser: @unchecked Sendable {
    let client: RouterClient
    var cookies: [String: String] = [:]
    /// The site's origin as a browser holding its (Secure) cookies sees it.
    static let origin = "https://localhost"
    let origin: String

    init(_ client: RouterClient, origin: String = Browser.origin) {
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
            let pair = field.value.split(separator: ";")[0].split(
                separator: "=", maxSplits: 1, omittingEmptySubsequences: false
            ).map(String.init)
            guard pair.count == 2 else { continue }
            if pair[1].isEmpty || field.value.contains("Max-Age=0") {
                cookies[pair[0]] = nil
            } else {
                cookies[pair[0]] = pair[1]
            }
        }
    }

    /// The CSRF token in the last page's forms.
    static func csrf(_ response: TestResponse) -> String? { csrf(String(buffer: response.body)) }

    /// The CSRF token in a page's forms.
    static func csrf(_ text: String) -> String? {
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
