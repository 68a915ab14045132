import EnerTrackCore
import Foundation
import Testing

/// Budget alerts (`alerts budget`, evaluated by `alerts run`) and the bot's /cost.
@Suite("budget alerts and /cost", .serialized)
struct BudgetTests {
    static let tariff = """
        name = "cara"
        currency = "EUR"

        [[version]]
        from = 2000-01-01
        periods = "flat"
        energy = { flat = 1.50 }
        fixed_per_day = 0.10
        """

    /// ana with a meter that used 1 kWh in the last hour, on a tariff, her chat linked.
    static func site(_ kind: DirectoryKind, language: String? = nil) async throws -> AlertSite {
        let site = try await AlertSite(kind)
        try await site.user("ana", node: "ESP_B1", nodeName: "Horno")
        try await site.link("ana", chat: 100)
        if let language {
            #expect(await site.harness.run(["user", "edit", "ana", "--lang", language]).status == 0)
        }
        let file = site.harness.dataDirectory + "/cara.toml"
        try tariff.write(toFile: file, atomically: true, encoding: .utf8)
        #expect(await site.harness.run(["tariff", "import", file]).status == 0)
        #expect(await site.harness.run(["tariff", "assign", "--user", "ana", "cara"]).status == 0)
        let now = Date().milliseconds
        try await site.series.write(
            (0...60).map { minute in
                Reading(
                    node: "ESP_B1", time: now - Int64(60 - minute) * 60_000, power: 1000,
                    energy: 50 + Double(minute) / 60)
            })
        return site
    }

    static func outlook(_ site: AlertSite) async throws -> (soFar: Double, projected: Double) {
        let shown = await site.harness.run(["alerts", "budget", "ana", "--json"])
        #expect(shown.status == 0, "\(shown.stderr)")
        let rule = try #require(try shown.objects().first, "\(shown.stdout)")
        return (try #require(rule["so_far"] as? Double), try #require(rule["projected"] as? Double))
    }

    @Test(
        "crossing the projected budget sends one message a month per rule, never twice",
        arguments: DirectoryKind.allCases)
    func budgetOnce(_ kind: DirectoryKind) async throws {
        let site = try await Self.site(kind)
        #expect(await site.harness.run(["alerts", "budget", "ana", "--monthly", "100000"]).status == 0)
        let (soFar, projected) = try await Self.outlook(site)
        #expect(
            soFar >= 1.5 && projected >= soFar,
            "1 kWh at 1.50 plus the day's fixed charge so far: \(soFar), \(projected)")
        // Far above the projection: nothing.
        var report = try await site.run()
        #expect((report["budgets"] as? [[String: Any]])?.first?["action"] as? String == "none", "\(report)")
        #expect(try site.standIn.sent()[100] == nil)
        // Just below it: one message, this run and no other.
        let budget = String(format: "%.2f", max(projected - 0.5, 0.01))
        #expect(await site.harness.run(["alerts", "budget", "ana", "--monthly", budget]).status == 0)
        let dry = try await site.run(["--dry-run"])
        #expect((dry["budgets"] as? [[String: Any]])?.first?["delivery"] as? String == "dry_run")
        #expect(try site.standIn.sent()[100] == nil, "a dry run sends nothing")
        report = try await site.run()
        let evaluation = try #require((report["budgets"] as? [[String: Any]])?.first)
        #expect(
            evaluation["action"] as? String == "exceeded" && evaluation["delivery"] as? String == "sent", "\(report)")
        var environment = site.harness.environment
        environment["ENERTRACK_DATA_DIR"] = site.harness.dataDirectory
        let processes = try (0..<3).map { index in
            try LiveProcess(
                ["alerts", "run", "--window", "30s"], environment: environment,
                logPath: site.harness.dataDirectory + "/budget\(index).log")
        }
        for process in processes { #expect(await process.waitForExit(timeout: 30) == 0, "\(process.log)") }
        _ = try await site.run()
        let sent = try site.standIn.sent()[100] ?? []
        #expect(sent.count == 1, "\(sent)")
        #expect(
            sent.first?.contains("coste previsto") == true && sent.first?.contains("€") == true,
            "Spanish by default: \(sent)")
        // A meter's own budget is a second rule, notified once too; clearing removes it.
        #expect(await site.harness.run(["alerts", "budget", "ana", "ESP_B1", "--monthly", budget]).status == 0)
        _ = try await site.run()
        _ = try await site.run()
        let after = try site.standIn.sent()[100] ?? []
        #expect(after.count == 2 && after[1].contains("<b>ESP_B1</b>"), "\(after)")
        let cleared = await site.harness.run(["alerts", "budget", "ana", "ESP_B1", "--clear"])
        #expect(cleared.status == 0 && cleared.stderr.contains("removed"))
        let shown = await site.harness.run(["alerts", "budget", "ana", "--json"])
        #expect(try shown.objects().count == 1)
    }

    @Test("budget rejections: bad amounts, unknown users, meters not assigned")
    func rejections() async throws {
        let site = try await Self.site(.sqlite)
        for amount in ["0", "-5", "abc", "1e400", "2000000"] {
            #expect(await site.harness.run(["alerts", "budget", "ana", "--monthly", amount]).status == 64, "\(amount)")
        }
        #expect(await site.harness.run(["alerts", "budget", "nobody", "--monthly", "10"]).status == 67)
        #expect(await site.harness.run(["node", "add", "ESP_OTHER"]).status == 0)
        #expect(await site.harness.run(["alerts", "budget", "ana", "ESP_OTHER", "--monthly", "10"]).status != 0)
        #expect(await site.harness.run(["alerts", "budget", "ana", "--monthly", "10", "--clear"]).status == 64)
    }

    @Test("the bot's /cost answers this month so far and projected, in the user's language")
    func botCost() async throws {
        let site = try await Self.site(.sqlite, language: "es")
        var environment = site.harness.environment
        environment["ENERTRACK_DATA_DIR"] = site.harness.dataDirectory
        let bot = try LiveProcess(
            ["telegram", "bot", "--poll-timeout", "1"], environment: environment,
            logPath: site.harness.dataDirectory + "/bot.log")
        #expect(await bot.waitForLog("polling"), "\(bot.log)")
        try site.standIn.push(chat: 100, "/cost")
        #expect(await eventually(timeout: 15) { (try site.standIn.sent()[100]?.count ?? 0) >= 1 }, "\(bot.log)")
        let answer = try site.standIn.sent()[100]?.first ?? ""
        #expect(
            answer.contains("en lo que va de mes") && answer.contains("previstos") && answer.contains("€"), "\(answer)")
        await bot.expectCleanStop()
    }
}
