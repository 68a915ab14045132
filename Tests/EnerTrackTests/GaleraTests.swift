import EnerTrackCore
import EnerTrackMariaDB
import EnerTrackSQL
import Foundation
import Testing

/// A three-node MariaDB Galera cluster on loopback (`scripts/services/galera`): `db migrate` run
/// on two nodes at once, admin commands and `alerts run` on all three at once, and a node killed
/// in the middle that rejoins. (The directory contract runs against node 1 as `StoreFactory.galera`.)
@Suite("Galera: a three-node cluster", .serialized)
struct GaleraTests {
    @Test("db migrate on two nodes at once: both exit 0, every migration applied once, no raw server error")
    func concurrentMigrate() async throws {
        let database = TestServers.freshDatabaseName()
        let harness = try Harness()
        let (one, two) = (
            try GaleraCluster.environment(node: 1, database: database),
            try GaleraCluster.environment(node: 2, database: database)
        )
        async let first = harness.run(["db", "migrate"], environment: one)
        async let second = harness.run(["db", "migrate"], environment: two)
        let results = await [first, second]
        for result in results {
            #expect(result.status == 0, "\(result.stdout)\(result.stderr)")
            for raw in ["1050", "1213", "1062", "wsrep", "Deadlock", "already exists"] {
                #expect(!result.stderr.contains(raw) && !result.stdout.contains(raw), "\(result.stderr)")
            }
        }
        // One of them applied everything (eight migrations); the other found nothing pending.
        #expect(results.contains { $0.stdout.contains("applied: 0001_directory") }, "\(results.map(\.stdout))")
        let recorded = try GaleraCluster.query(
            node: 3, database: database, "SELECT COUNT(*) AS n FROM `\(database)`.enertrack_schema_migrations")
        #expect(recorded.first?.int("n") == 8)
        let status = await harness.run(
            ["db", "status", "--json"], environment: try GaleraCluster.environment(node: 3, database: database))
        #expect((try status.objects().first?["current"] as? Bool) == true, "\(status.stdout)")
    }

    /// A worker: a shell loop of enertrack commands against one node; each failure is a line
    /// `failed: …` in its log, and the exit status counts them.
    static func worker(
        node: Int, database: String, dataDirectory: String, logPath: String, commands: [[String]],
        extra: [String: String]
    ) throws -> LiveProcess {
        var environment = try GaleraCluster.environment(node: node, database: database).merging(extra) { $1 }
        environment["ENERTRACK_DATA_DIR"] = dataDirectory
        environment["TZ"] = "Europe/Madrid"
        environment["PATH"] = "/usr/bin:/bin"
        environment["HOME"] = dataDirectory
        if let run = TestServers.environment["ENERTRACK_TEST_RUN"] { environment["ENERTRACK_TEST_RUN"] = run }
        let binary = EndToEndTests.binary
        let lines = commands.map { command in
            let quoted = command.map { "'\($0)'" }.joined(separator: " ")
            return
                "'\(binary)' \(quoted) >/dev/null 2>>\"$0.err\" || { echo \"failed: \(command.joined(separator: " ")) ($?)\"; fails=$((fails+1)); }"
        }
        let script = "fails=0\n" + lines.joined(separator: "\n") + "\nexit $fails\n"
        return try LiveProcess(
            ["-c", script, logPath], environment: environment, logPath: logPath, executable: "/bin/bash")
    }

    @Test(
        "admin commands and alerts run on three nodes at once: conflicts retried, no lost assignment, no duplicate alert; a killed node rejoins"
    )
    func concurrentNodes() async throws {
        let database = TestServers.freshDatabaseName()
        let site = try await AlertSite(.sqlite)
        let shared = site.harness.dataDirectory
        func on(_ node: Int) throws -> [String: String] {
            try GaleraCluster.environment(node: node, database: database)
        }
        #expect(await site.harness.run(["db", "migrate"], environment: try on(1)).status == 0)
        try await Self.prepare(site, database: database)

        // Nodes 1 and 2 run their worker to the end, alerts included; node 3's worker (admin
        // commands only: a run killed mid-way keeps its lease until it expires) is cut short by a crash.
        func commands(_ node: Int) -> [[String]] {
            (2...10).flatMap { meter in
                [
                    ["assign", "add", "u\(node)", "GM_\(node)_\(meter)"],
                    ["node", "edit", "GM_SHARED", "--name", "renamed by node \(node), \(meter)"],
                ] + (node == 3 ? [] : [["alerts", "run", "--window", "30s"]])
            }
        }
        let workers = try (1...3).map { node in
            try Self.worker(
                node: node, database: database, dataDirectory: shared, logPath: shared + "/worker\(node).log",
                commands: commands(node), extra: site.standIn.environment)
        }
        try await Task.sleep(for: .seconds(2))
        try await GaleraCluster.service("kill", node: 3)
        let statuses = [await workers[0].waitForExit(timeout: 180), await workers[1].waitForExit(timeout: 180)]
        for (index, status) in statuses.enumerated() {
            let errors = (try? String(contentsOfFile: workers[index].logPath + ".err", encoding: .utf8)) ?? ""
            #expect(status == 0, "worker \(index + 1): \(workers[index].log)\n\(errors)")
            for raw in ["1213", "1205", "wsrep", "Deadlock"] { #expect(!errors.contains(raw), "\(errors)") }
        }
        _ = await workers[2].waitForExit(timeout: 60)
        // Node 3 comes back and catches up.
        try await GaleraCluster.service("rejoin", node: 3)
        #expect(try await GaleraCluster.service("size", node: 3).trimmingCharacters(in: .whitespacesAndNewlines) == "3")
        // Every assignment of the two whole workers, read on the node that was down.
        let assignments = await site.harness.run(["assign", "list", "--json"], environment: try on(3))
        let pairs = Set(
            try assignments.objects().compactMap { row -> String? in
                guard let user = row["username"] as? String, let meter = row["esp_id"] as? String else { return nil }
                return "\(user) \(meter)"
            })
        for node in 1...2 {
            for meter in 1...10 {
                #expect(pairs.contains("u\(node) GM_\(node)_\(meter)"), "u\(node) GM_\(node)_\(meter) lost")
            }
        }
        // A run on the node that was down sends nothing again.
        let again = await site.harness.run(["alerts", "run", "--window", "30s"], environment: try on(3))
        #expect(again.status == 0, "\(again.stderr)")
        // Each firing rule was announced once, whatever the number of concurrent runs.
        let sent = try site.standIn.sent()
        for user in 1...3 {
            let chat = Int64(700 + user)
            let firing = (sent[chat] ?? []).filter { $0.contains("GM_\(user)_1") }
            #expect(firing.count == 1, "chat \(chat) got \(firing)")
        }
    }

    /// Three users, each with ten meters to be assigned by the worker of one node, and one
    /// meter every worker renames over and over (the same row from three nodes: conflicts);
    /// a firing alert rule per user on their first meter (2 kW over 0.5 kW), chats linked.
    static func prepare(_ site: AlertSite, database: String) async throws {
        func on(_ node: Int) throws -> [String: String] {
            try GaleraCluster.environment(node: node, database: database)
        }
        for user in 1...3 {
            #expect(
                await site.harness.run(
                    ["user", "add", "u\(user)", "--email", "u\(user)@example.org", "--password-stdin"],
                    stdin: ["a-long-enough-password"], environment: try on(1)
                ).status == 0)
            for meter in 1...10 {
                #expect(
                    await site.harness.run(["node", "add", "GM_\(user)_\(meter)"], environment: try on(1)).status == 0)
            }
        }
        #expect(await site.harness.run(["node", "add", "GM_SHARED"], environment: try on(1)).status == 0)
        // Alert rules that fire: u1..u3 on their first meter, 2 kW over a 0.5 kW threshold.
        for user in 1...3 {
            #expect(
                await site.harness.run(["assign", "add", "u\(user)", "GM_\(user)_1"], environment: try on(2)).status
                    == 0)
            #expect(
                await site.harness.run(
                    ["alerts", "set", "u\(user)", "GM_\(user)_1", "--kw", "0.5"], environment: try on(3)
                ).status == 0)
            try await site.power("GM_\(user)_1", watts: 2000)
        }
        try await Self.link(database: database, users: ["u1", "u2", "u3"])
    }

    /// Links each user's Telegram chat (700 + n) directly in the cluster.
    static func link(database: String, users: [String]) async throws {
        let store = MariaDBDirectoryStore(settings: try GaleraCluster.settings(node: 1, database: database))
        for (index, name) in users.enumerated() {
            let user = try #require(try await store.user(named: name))
            try await store.sqlTransaction { sql in
                try sql.run(
                    "INSERT INTO telegram_links (usuario_id, chat_id, linked_at) VALUES (?, ?, ?)", .int(user.id),
                    .int(Int64(701 + index)), .int(0))
            }
        }
    }
}
