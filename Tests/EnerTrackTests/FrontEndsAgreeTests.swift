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
        // Both front ends decode into the one type that names the keys.
        let rows = try JSONDecoder().decode([KPIs.Row].self, from: Data(cli.stdout.utf8))
        let all = try #require(rows.last)
        #expect(all.node == "ALL" && all.power == 500)
        try await site.test { client async throws in
            let ana = Browser(client)
            #expect(try await ana.login("ana").status == .seeOther)
            let response = try await ana.get("/api/v1/kpi")
            let body = Data(String(buffer: response.body).utf8)
            let web = try JSONDecoder().decode(KPIs.Row.self, from: body)
            // `mean_power` is the CLI's alone (its --window); `today_kwh` is read a moment apart.
            func same(_ web: KPIs.Row, _ cli: KPIs.Row) -> Bool {
                web.node == cli.node && web.power == cli.power && web.voltage == cli.voltage
                    && web.frequency == cli.frequency && web.energy == cli.energy
                    && abs((web.todayKWh ?? -1) - (cli.todayKWh ?? -2)) < 0.001
            }
            #expect(same(web, all), "web \(web) cli \(all)")
            // The meters under `nodes`, with the same keys and figures as the CLI's rows.
            struct Nodes: Decodable { var nodes: [KPIs.Row] }
            let meters = try JSONDecoder().decode(Nodes.self, from: body).nodes
            #expect(meters.count == rows.count - 1 && zip(meters, rows).allSatisfy(same), "web \(meters) cli \(rows)")
        }
    }
}

extension FrontEndsAgreeTests {
    @Test("consumption rows: report consumption --user --pivot equals the consumption page's CSV, row for row")
    func consumptionRows() async throws {
        let site = try await WebSite()
        try await site.importAnaReadings(days: 3, every: 600)
        let cli = await site.harness.run(["report", "consumption", "--user", "ana", "--by", "day", "--pivot"])
        #expect(cli.status == 0, "\(cli.stderr)")
        try await site.test { client async throws in
            let ana = Browser(client)
            #expect(try await ana.login("ana").status == .seeOther)
            let web = String(buffer: try await ana.get("/consumption.csv?by=day").body)
            func rows(_ text: String) -> [String] {
                text.split(separator: "\n").map(String.init).filter { $0.first?.isNumber == true }
            }
            #expect(rows(web).count >= 3 && rows(web) == rows(cli.stdout), "web:\n\(web)\ncli:\n\(cli.stdout)")
        }
    }

    @Test("sessions after a password change: the web and user passwd end every other session and every token")
    func passwordChange() async throws {
        let site = try await WebSite()
        try await site.test { client async throws in
            let changer = Browser(client)
            let other = Browser(client)
            #expect(try await changer.login("ana").status == .seeOther)
            #expect(try await other.login("ana").status == .seeOther)
            let token = await site.harness.run(["user", "token", "ana"]).stdout.trimmingCharacters(
                in: .whitespacesAndNewlines)
            let changed = try await changer.submit(
                from: "/profile", to: "/profile/password",
                ["current": WebSite.password, "password": "web-changed-password", "repeat": "web-changed-password"])
            #expect(changed.status == .seeOther)
            #expect(try await other.get("/").status == .seeOther, "the other browser's session ended")
            #expect(
                try await other.get("/api/v1/nodes", headers: [.authorization: "Bearer " + token]).status
                    == .unauthorized, "the token ended")
            #expect(try await changer.get("/").status == .ok, "the browser that changed it got a new session")
            // The CLI's change ends the same set (and the changer's too: the CLI has no session).
            #expect(
                await site.harness.run(["user", "passwd", "ana", "--password-stdin"], stdin: ["cli-changed-password"])
                    .status == 0)
            #expect(try await changer.get("/").status == .seeOther)
        }
    }
}

extension FrontEndsAgreeTests {
    static func decoder() -> JSONDecoder {
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .custom { decoder in
            let text = try decoder.singleValueContainer().decode(String.self)
            guard let date = ISO8601.parse(text) else {
                throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription: text))
            }
            return date
        }
        return decoder
    }

    @Test("alerts list --json and /api/v1/alerts decode into one AlertRuleView; the nodes API into NodeSummary")
    func viewModels() async throws {
        let site = try await WebSite()
        #expect(await site.harness.run(["alerts", "set", "ana", WebSite.anaOnly, "--kw", "2.5"]).status == 0)
        let cli = await site.harness.run(["alerts", "list", "--user", "ana", "--json"])
        #expect(cli.status == 0, "\(cli.stderr)")
        let fromCLI = try Self.decoder().decode([AlertRuleView].self, from: Data(cli.stdout.utf8))
        #expect(fromCLI.count == 1 && fromCLI.first?.thresholdKW == 2.5 && fromCLI.first?.since != nil)
        try await site.test { client async throws in
            let ana = Browser(client)
            #expect(try await ana.login("ana").status == .seeOther)
            let alerts = try await ana.get("/api/v1/alerts")
            let fromAPI = try Self.decoder().decode([AlertRuleView].self, from: Data(buffer: alerts.body))
            #expect(fromAPI == fromCLI, "api: \(String(buffer: alerts.body))\ncli: \(cli.stdout)")
            let nodes = try await ana.get("/api/v1/nodes")
            let summaries = try Self.decoder().decode([NodeSummary].self, from: Data(buffer: nodes.body))
            #expect(summaries.map(\.espID) == [WebSite.anaOnly, WebSite.shared], "\(summaries.map(\.espID))")
            // Every key present, null where there is nothing (the shared meter was never seen).
            let raw = try #require(try JSONSerialization.jsonObject(with: Data(buffer: nodes.body)) as? [[String: Any]])
            #expect(raw.allSatisfy { Set($0.keys) == ["esp_id", "name", "location", "status", "last_seen"] })
            // One meter in full: the same keys, and its newest reading as the readings API's last row.
            let one = try await ana.get("/api/v1/nodes/\(WebSite.anaOnly)")
            let detail = try Self.decoder().decode(NodeDetail.self, from: Data(buffer: one.body))
            #expect(detail.summary == summaries.first)
            let readings = try await ana.get("/api/v1/nodes/\(WebSite.anaOnly)/readings?from=2h")
            struct Rows: Decodable { var readings: [ReadingJSON] }
            let rows = try JSONDecoder().decode(Rows.self, from: Data(buffer: readings.body)).readings
            #expect(
                detail.latest == rows.last && rows.last != nil,
                "\(String(describing: detail.latest)) \(String(describing: rows.last))")
        }
    }
}

extension FrontEndsAgreeTests {
    /// The keys a view model writes: a minimal value decoded, then encoded as the front ends do.
    static func keys<T: Codable>(_ type: T.Type, _ minimal: String) throws -> [String] {
        let value = try decoder().decode(T.self, from: Data(minimal.utf8))
        guard case .object(let fields) = try JSONValue(encoding: value) else { return [] }
        return fields.keys.sorted()
    }

    @Test("the README's key table is the view models' CodingKeys")
    func readmeKeyTable() throws {
        let readme = try String(
            contentsOf: packageRoot.appendingPathComponent("README.md"), encoding: .utf8)
        var table: [String: [String]] = [:]
        for line in readme.split(separator: "\n") where line.hasPrefix("| ") {
            let cells = line.split(separator: "|").map { $0.trimmingCharacters(in: .whitespaces) }
            guard cells.count == 3, cells[1].hasPrefix("`") else { continue }
            table[cells[1].trimmingCharacters(in: ["`"])] = cells[2].split(separator: ",").map {
                $0.trimmingCharacters(in: .whitespaces).trimmingCharacters(in: ["`"])
            }
        }
        let reading = #"{"node":"N","time":"2026-01-01T00:00:00Z"}"#
        let summary = #"{"esp_id":"N","status":"active"}"#
        #expect(table["KPIs.Row"] == (try Self.keys(KPIs.Row.self, #"{"node":"ALL"}"#)))
        #expect(
            table["AlertRuleView"]
                == (try Self.keys(
                    AlertRuleView.self, #"{"username":"a","esp_id":"N","threshold_kw":1,"state":"ok","telegram":false}"#
                )))
        #expect(table["NodeSummary"] == (try Self.keys(NodeSummary.self, summary)))
        #expect(table["NodeDetail"] == (try Self.keys(NodeDetail.self, summary)))
        #expect(table["ReadingJSON"] == (try Self.keys(ReadingJSON.self, reading)))
        let times = #""start":"a","end":"b","kwh":1,"complete":true"#
        #expect(
            table["ConsumptionJSON"]
                == (try Self.keys(
                    ConsumptionJSON.self, #"{"by":"day","tz":"UTC","unit":"kWh","total_kwh":0,"rows":[]}"#)))
        #expect(table["ConsumptionJSON.Row"] == (try Self.keys(ConsumptionJSON.Row.self, #"{"node":"N",\#(times)}"#)))
        let figures =
            #"{"period":"p","start":"a","end":"b","import_kwh":0,"export_kwh":0,"production_kwh":0,"consumption_kwh":0,"self_consumption_kwh":0,"untracked_kwh":0,"circuits":{},"complete":true}"#
        #expect(table["SiteFlowsJSON.Figures"] == (try Self.keys(SiteFlowsJSON.Figures.self, figures)))
        #expect(
            table["SiteFlowsJSON"]
                == (try Self.keys(
                    SiteFlowsJSON.self,
                    #"{"site":"s","name":"n","tz":"UTC","by":"day","from":"a","to":"b","meters":[],"rows":[],"total":\#(figures)}"#
                )))
        let cost = #""currency":"EUR","by":"day","from":"a","to":"b","total":0"#
        #expect(table["CostJSON"] == (try Self.keys(CostJSON.self, #"{\#(cost),"rows":[]}"#)))
        #expect(
            table["CostJSON.Row"]
                == (try Self.keys(
                    CostJSON.Row.self,
                    #"{"node":"N","period":"p",\#(times),"energy":0,"power":0,"fixed":0,"taxes":{},"total":0,"bands":{}}"#
                )))
        #expect(
            table["BillJSON"]
                == (try Self.keys(
                    BillJSON.self, #"{"currency":"EUR","from":"a","to":"b","kwh":0,"lines":[],"total":0}"#)))
        #expect(
            table["BillJSON.Line"]
                == (try Self.keys(
                    BillJSON.Line.self, #"{"label":"l","quantity":1,"unit":"kWh","price":1,"amount":1,"part":"energy"}"#
                )))
    }
}
