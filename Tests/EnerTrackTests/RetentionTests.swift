import EnerTrackCore
import EnerTrackKit
import EnerTrackSQLite
import Foundation
import Testing

/// ENERTRACK_RETENTION and `db prune` on the embedded store: raw readings go, the figures stay.
@Suite("Retention: pruned readings, unchanged reports", .serialized)
struct RetentionTests {
    /// Readings of `nodes` every `step` seconds over the last `days` days up to now, as CSV:
    /// counters and power. The first time (s) and the CSV.
    static func meters(_ nodes: [String], days: Int64, step: Int64) -> (start: Int64, csv: String) {
        let now = Int64(Date().timeIntervalSince1970)
        let start = (now - days * 86_400) / step * step
        var lines = ["time,node,power,energy"]
        for (index, node) in nodes.enumerated() {
            var energy = 100.0 * Double(index + 1)
            for time in stride(from: start, through: now - 60, by: Int(step)) {
                let watts = 300 + Double((time / step) % 12) * 50 * Double(index + 1)
                energy += watts * Double(step) / 3_600_000
                lines.append("\(time),\(node),\(watts),\((energy * 1000).rounded() / 1000)")
            }
        }
        return (start, lines.joined(separator: "\n") + "\n")
    }

    /// Each report's output. The KPIs' mean power is over the last 15 minutes, which move while a
    /// loaded machine runs the test: of them, today's energy and the counter are compared.
    static func figures(_ harness: Harness, _ reports: [[String]]) async -> [String] {
        var out: [String] = []
        for report in reports {
            let text = await harness.run(report).stdout
            guard report[1] == "kpi" else {
                out.append(text)
                continue
            }
            let rows = (try? JSONSerialization.jsonObject(with: Data(text.utf8)) as? [[String: Any]]) ?? []
            out.append(
                rows.map { "\($0["node"] ?? "") \($0["today_kwh"] ?? "") \($0["energy"] ?? "")" }.joined(
                    separator: "\n"))
        }
        return out
    }

    @Test(
        "db prune deletes old readings; consumption, cost, charts and a rebuild give the same figures; the file shrinks"
    )
    func pruneKeepsFigures() async throws {
        // 40 days of two meters every 5 minutes, up to now: counters and power.
        let (start, readings) = Self.meters(["RET_A", "RET_B"], days: 40, step: 300)
        let harness = try await CostTests.prepared(
            .sqlite, tariff: ThreePhaseTests.flat, node: "RET_A", readings: readings)
        #expect(await harness.run(["tariff", "assign", "RET_B", "plano"]).status == 0)
        let from = ISO8601.format(milliseconds: start * 1000 + 86_400_000, timeZone: .gmt).prefix(10)
        let reports: [[String]] = [
            ["report", "consumption", "--by", "day", "--from", String(from), "--json"],
            ["report", "cost", "--by", "day", "--from", String(from), "--format", "csv"],
            ["report", "cost", "--by", "bill", "--from", String(from), "--json"],
            ["report", "kpi", "--json", "--window", "15m"],
        ]
        func figures() async -> [String] { await Self.figures(harness, reports) }
        let series = try SQLiteSeriesStore(path: harness.dataDirectory + "/series.sqlite")
        let oldDay = start * 1000 + 5 * 86_400_000
        func chart() async throws -> HistoryChart {
            try await HistoryChart.compute(
                series: series, node: "RET_A", quantity: .power, from: oldDay, to: oldDay + 86_400_000)
        }
        let before = await figures()
        let chartBefore = try await chart()
        #expect(chartBefore.points.contains { $0.value != nil })
        let countBefore = try await series.readings(node: "RET_A", from: nil, to: nil, limit: nil).count

        func pages() throws -> Int {
            Int(
                try shell("/usr/bin/sqlite3", [harness.dataDirectory + "/series.sqlite", "PRAGMA page_count"])
                    .trimmingCharacters(in: .whitespacesAndNewlines)) ?? 0
        }
        let pagesBefore = try pages()
        let retention = ["ENERTRACK_RETENTION": "10d"]
        let dry = await harness.run(["db", "prune", "--dry-run"], environment: retention)
        #expect(dry.status == 0 && dry.stdout.contains("would delete about"), "\(dry.stdout)\(dry.stderr)")
        let pruned = await harness.run(["db", "prune"], environment: retention)
        #expect(pruned.status == 0 && pruned.stdout.contains("deleted"), "\(pruned.stdout)\(pruned.stderr)")
        let countAfter = try await series.readings(node: "RET_A", from: nil, to: nil, limit: nil).count
        // The file gave the space back (a store made before retention: converted by a VACUUM).
        #expect(try pages() < pagesBefore * 2 / 3, "\(pagesBefore) pages before")
        #expect(countAfter < countBefore / 3, "\(countBefore) → \(countAfter)")
        let after = await figures()
        for (index, report) in reports.enumerated() where after[index] != before[index] {
            Issue.record(
                "\(report.joined(separator: " ")) changed:\n\(before[index].prefix(1500))\n---\n\(after[index].prefix(1500))"
            )
        }
        // The old day's chart comes from the rollups now: points there still.
        let chartAfter = try await chart()
        #expect(chartAfter.source == .rollups && chartAfter.points.contains { $0.value != nil })
        // A rebuild never recomputes buckets whose readings are gone.
        #expect(await harness.run(["db", "rollup", "--rebuild"]).status == 0)
        #expect(await figures() == before, "the same figures after a rebuild")
        let raw = await harness.run([
            "report", "readings", "--node", "RET_A", "--from", String(from), "--to", "2d", "--format", "csv",
        ])
        #expect(raw.stderr.contains("were pruned (ENERTRACK_RETENTION)"), "\(raw.stderr)")
        // Pruning again deletes nothing more (the kept context readings stay).
        let again = await harness.run(["db", "prune"], environment: retention)
        #expect(again.stdout.contains("deleted 0 readings"), "\(again.stdout)")
    }

    @Test("InfluxDB: db prune deletes old points per meter; consumption, cost and a rebuild give the same figures")
    func pruneInflux() async throws {
        // 20 days of two meters every 10 minutes, up to now: counters and power.
        let (start, readings) = Self.meters(["RIF_A", "RIF_B"], days: 20, step: 600)
        let harness = try await CostTests.prepared(
            .influx, tariff: ThreePhaseTests.flat, node: "RIF_A", readings: readings)
        #expect(await harness.run(["tariff", "assign", "RIF_B", "plano"]).status == 0)
        let from = String(ISO8601.format(milliseconds: start * 1000 + 86_400_000, timeZone: .gmt).prefix(10))
        let reports: [[String]] = [
            ["report", "consumption", "--by", "day", "--from", from, "--json"],
            ["report", "cost", "--by", "day", "--from", from, "--format", "csv"],
            ["report", "cost", "--by", "bill", "--from", from, "--json"],
        ]
        func figures() async -> [String] { await Self.figures(harness, reports) }
        func rawCount() async -> Int {
            let raw = await harness.run([
                "report", "readings", "--node", "RIF_A", "--from", from, "--to", "11d", "--format", "csv",
            ])
            return raw.stdout.split(separator: "\n").count - 1
        }
        let before = await figures()
        let rawBefore = await rawCount()
        #expect(rawBefore > 1000, "\(rawBefore)")
        let retention = ["ENERTRACK_RETENTION": "10d"]
        let dry = await harness.run(["db", "prune", "--dry-run"], environment: retention)
        #expect(dry.status == 0 && dry.stdout.contains("would delete about"), "\(dry.stdout)\(dry.stderr)")
        let pruned = await harness.run(["db", "prune"], environment: retention)
        #expect(
            pruned.status == 0 && pruned.stdout.contains("of 2 meters") && !pruned.stdout.contains("file shrank"),
            "\(pruned.stdout)\(pruned.stderr)")
        let rawAfter = await rawCount()
        #expect(rawAfter <= EnergyBuckets.contextReadings, "\(rawBefore) → \(rawAfter) raw points before the horizon")
        let after = await figures()
        for (index, report) in reports.enumerated() where after[index] != before[index] {
            Issue.record(
                "\(report.joined(separator: " ")) changed:\n\(before[index].prefix(1500))\n---\n\(after[index].prefix(1500))"
            )
        }
        #expect(await harness.run(["db", "rollup", "--rebuild", "--quiet"]).status == 0)
        #expect(await figures() == before, "the same figures after a rebuild")
        let note = await harness.run([
            "report", "readings", "--node", "RIF_A", "--from", from, "--to", "9d", "--format", "csv",
        ])
        #expect(note.stderr.contains("were pruned (ENERTRACK_RETENTION)"), "\(note.stderr)")
    }

    @Test("ENERTRACK_RETENTION below a week is a configuration error; unset, db prune keeps everything")
    func settings() async throws {
        let harness = try Harness()
        let short = await harness.run(["db", "prune"], environment: ["ENERTRACK_RETENTION": "3d"])
        #expect(short.status == 78 && short.stderr.contains("at least 7d"), "\(short.stderr)")
        let unset = await harness.run(["db", "prune"])
        #expect(unset.status == 0 && unset.stdout.contains("not set"), "\(unset.stdout)")
    }

    @Test("ingest prunes once a day while idle, with ENERTRACK_RETENTION")
    func ingestPrunes() async throws {
        let site = try IngestSite(extra: ["ENERTRACK_RETENTION": "7d"])
        let harness = try Harness(environment: site.environment)
        let now = Int64(Date().timeIntervalSince1970)
        let lines = stride(from: now - 20 * 86_400, to: now - 60, by: 600).map { "\($0),OLD_METER,100" }
        let file = site.directory + "/old.csv"
        try (["time,node,power"] + lines).joined(separator: "\n").write(toFile: file, atomically: true, encoding: .utf8)
        #expect(await harness.run(["import", file]).status == 0)
        let ingest = try await site.startedIngest()
        #expect(await ingest.waitForLog("pruned"), "\(ingest.log)")
        await ingest.expectCleanStop()
        let left = try await site.series().readings(
            node: "OLD_METER", from: nil, to: now * 1000 - 8 * 86_400_000, limit: nil)
        #expect(left.count <= EnergyBuckets.contextReadings, "\(left.count) readings older than the retention left")
    }
}
