import Foundation
import Testing

@Suite("Admin commands, in-process")
struct CommandTests {
    @Test("JSON field names are exactly those of the issue, times ISO 8601 with offset")
    func jsonFields() async throws {
        let harness = try Harness()
        #expect(await harness.addUser("ana", admin: true).status == 0)
        #expect(await harness.run(["node", "add", "ESP32_A", "--name", "Cocina"]).status == 0)
        #expect(await harness.run(["assign", "add", "ana", "ESP32_A", "--location", "Planta baja"]).status == 0)

        let users = try await harness.run(["user", "list", "--json"]).objects()
        #expect(Set(users[0].keys) == ["username", "email", "name", "admin", "active", "created_at"])
        #expect(users[0]["admin"] as? Bool == true)
        #expect(users[0]["name"] is NSNull)
        let nodes = try await harness.run(["node", "list", "--json"]).objects()
        #expect(Set(nodes[0].keys) == ["esp_id", "name", "description", "active", "created_at", "last_seen"])
        #expect(nodes[0]["last_seen"] is NSNull)
        let assignments = try await harness.run(["assign", "list", "--json"]).objects()
        #expect(
            Set(assignments[0].keys) == [
                "username", "esp_id", "name", "active", "location", "assigned_at", "last_access",
            ])
        #expect(assignments[0]["name"] as? String == "Cocina")

        let created = try #require(users[0]["created_at"] as? String)
        // Europe/Madrid is +01:00 or +02:00: an offset, not Z.
        #expect(
            created.range(of: #"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+0[12]:00$"#, options: .regularExpression) != nil,
            "\(created)")
    }

    @Test(
        "JSON output has sorted keys", arguments: [["user", "list", "--json"], ["node", "show", "ESP32_A", "--json"]])
    func sortedKeys(_ command: [String]) async throws {
        let harness = try Harness()
        await harness.addUser("ana")
        _ = await harness.run(["node", "add", "ESP32_A"])
        let text = await harness.run(command).stdout
        let keys = text.split(separator: "\n").compactMap { line -> String? in
            guard let range = line.range(of: #"^\s+"([a-z_]+)""#, options: .regularExpression) else { return nil }
            return line[range].trimmingCharacters(in: .whitespaces).trimmingCharacters(
                in: CharacterSet(charactersIn: "\""))
        }
        #expect(!keys.isEmpty)
        #expect(keys == keys.sorted())
    }

    @Test("tables are aligned with headers")
    func table() async throws {
        let harness = try Harness()
        _ = await harness.run(["node", "add", "ESP32_A", "--name", "Cocina"])
        _ = await harness.run(["node", "add", "B", "--name", "Salón grande"])
        let lines = await harness.run(["node", "list"]).stdout.split(separator: "\n")
        #expect(lines.count == 3)
        #expect(lines[0].hasPrefix("ESP_ID   NAME"))
        let column = lines[0].range(of: "NAME")!.lowerBound.utf16Offset(in: lines[0])
        #expect(lines[1].dropFirst(column).hasPrefix("Salón grande"))
        #expect(lines[2].dropFirst(column).hasPrefix("Cocina"))
        #expect(await harness.run(["user", "list"]).stdout == "no users\n")
    }

    /// (arguments, expected status, expected fragment of the one-line message)
    static let rejections: [([String], Int32, String)] = [
        (["user", "add", "ana", "--email", "ana2@example.org", "--password-stdin"], 65, "user 'ana' already exists"),
        (["user", "add", "ANA", "--email", "x@example.org", "--password-stdin"], 65, "user 'ANA' already exists"),
        (
            ["user", "add", "eva", "--email", "ANA@example.org", "--password-stdin"], 65,
            "email 'ANA@example.org' already exists"
        ),
        (["user", "add", "eva", "--email", "not-an-email", "--password-stdin"], 65, "invalid email"),
        (["user", "add", "eva", "--email", "eva@example", "--password-stdin"], 65, "invalid email"),
        (["user", "add", "eva smith", "--email", "eva@example.org", "--password-stdin"], 65, "invalid username"),
        (
            ["user", "add", "", "--email", "eva@example.org", "--password-stdin"], 65,
            "invalid username: must not be empty"
        ),
        (
            ["user", "add", String(repeating: "u", count: 65), "--email", "eva@example.org", "--password-stdin"], 65,
            "longer than 64"
        ),
        (
            ["user", "add", "eva", "--email", "eva@example.org", "--name", "", "--password-stdin"], 65,
            "invalid name: must not be empty"
        ),
        (
            [
                "user", "add", "eva", "--email", "eva@example.org", "--name", String(repeating: "n", count: 101),
                "--password-stdin",
            ], 65, "invalid name: longer than 100"
        ),
        (["node", "add", "ESP 32"], 65, "invalid ESP id"),
        (["node", "add", "ESP32/A"], 65, "invalid ESP id"),
        (["node", "add", "NODO_Ñ"], 65, "invalid ESP id"),
        (["node", "add", String(repeating: "E", count: 65)], 65, "invalid ESP id"),
        (["node", "add", "ESP32_A"], 65, "node 'ESP32_A' already exists"),
        (["node", "add", "esp32_a"], 65, "node 'ESP32_A' already exists"),
        (["node", "add", "ESP32_B", "--description", String(repeating: "d", count: 256)], 65, "invalid description"),
        (["node", "edit", "ESP32_A", "--name", ""], 65, "invalid name: must not be empty"),
        (["assign", "add", "ana", "ESP32_A"], 65, "assignment 'ana → ESP32_A' already exists"),
        (["assign", "add", "ana", "ESP32_A", "--location", ""], 65, "invalid location"),
        (["user", "show", "nobody"], 67, "unknown user 'nobody'"),
        (["user", "passwd", "nobody", "--password-stdin"], 67, "unknown user 'nobody'"),
        (["user", "disable", "nobody"], 67, "unknown user 'nobody'"),
        (["user", "remove", "nobody"], 67, "unknown user 'nobody'"),
        (["node", "show", "NOPE"], 67, "unknown node 'NOPE'"),
        (["node", "edit", "NOPE", "--name", "x"], 67, "unknown node 'NOPE'"),
        (["node", "remove", "NOPE"], 67, "unknown node 'NOPE'"),
        (["assign", "add", "nobody", "ESP32_A"], 67, "unknown user 'nobody'"),
        (["assign", "add", "ana", "NOPE"], 67, "unknown node 'NOPE'"),
        (["assign", "remove", "ana", "ESP32_B0"], 67, "unknown node"),
        (["assign", "list", "--user", "nobody"], 67, "unknown user 'nobody'"),
        (["user", "add", "eva", "--email", "eva@example.org", "--password", "x"], 64, "Unknown option '--password'"),
        (["user", "frobnicate"], 64, "Unexpected argument 'frobnicate'"),
        (["node", "edit", "ESP32_A"], 64, "nothing to change"),
        (["assign", "set", "ana", "ESP32_A"], 64, "Missing expected argument '--location"),
        (["ingest"], 78, "DOMINIO is not set"),
        (["ingest", "--spool-max", "5"], 64, "--spool-max must be at least 1000"),
        (["ingest", "--share", "a/b"], 64, "--share GROUP"),
        (["ingest", "--metrics-listen", "nowhere"], 64, "is not HOST:PORT"),
        (["simulate", "--nodes", "0"], 64, "--nodes must be 1 to 100000"),
        (["simulate"], 78, "DOMINIO is not set"),
        (["import", "--format", "xml", "f"], 64, "--format"),
        (["report", "readings", "--node", "X", "--json", "--format", "csv"], 64, "give --json or --format csv"),
        (
            ["report", "readings", "--node", "X", "--from", "2026-02-01", "--to", "2026-01-01"], 64,
            "--to must be after --from"
        ),
        (["report", "consumption", "--json", "--format", "table"], 64, "give --json or --format table"),
        (["serve", "--port", "0"], 64, "--port must be 1 to 65535"),
        (["alerts", "set", "ana", "ESP32_NONE", "--kw", "2"], 67, "unknown node 'ESP32_NONE'"),
        (["alerts", "set", "ana", "ESP32_A", "--kw", "0"], 64, "--kw must be a number of kW above 0"),
        (["telegram", "bot"], 78, "no Telegram bot token: set enertrackBotToken"),
        (["telegram", "link", "nobody"], 67, "unknown user 'nobody'"),
    ]

    @Test("every status a rejection exits with is listed on that command's man page")
    func manPagesListTheStatuses() throws {
        var missing: [String] = []
        for (arguments, status, _) in Self.rejections {
            let pages = packageRoot.appendingPathComponent("man")
            let two = pages.appendingPathComponent("enertrack-\(arguments.prefix(2).joined(separator: "-")).1")
            let one = pages.appendingPathComponent("enertrack-\(arguments[0]).1")
            let page = FileManager.default.fileExists(atPath: two.path) ? two : one
            let text = try String(contentsOf: page, encoding: .utf8)
            let section = text.components(separatedBy: ".SH EXIT STATUS").last ?? ""
            if !section.contains(".B \(status)\n") { missing.append("\(page.lastPathComponent): \(status)") }
        }
        #expect(
            missing.isEmpty,
            "statuses a command returns but its page does not list:\n\(missing.joined(separator: "\n"))")
    }

    @Test("each rejection exits with its status, says why on stderr, and changes nothing", arguments: rejections)
    func rejection(_ arguments: [String], _ status: Int32, _ message: String) async throws {
        let harness = try Harness()
        await harness.addUser("ana")
        _ = await harness.run(["node", "add", "ESP32_A"])
        _ = await harness.run(["assign", "add", "ana", "ESP32_A"])
        let before = await harness.snapshot()

        let result = await harness.run(arguments, stdin: ["a-long-enough-password"])
        #expect(result.status == status, "\(arguments): \(result.stderr)")
        #expect(result.stderr.contains(message), "\(arguments): \(result.stderr)")
        #expect(result.stdout.isEmpty)
        if status != 64 {
            #expect(result.stderr.hasPrefix("enertrack: ") && result.stderr.filter { $0 == "\n" }.count == 1)
        }
        #expect(await harness.snapshot() == before, "\(arguments) changed stored data")
    }

    @Test("passwords: stdin, terminal prompt twice, minimum length, mismatch, no terminal")
    func passwords() async throws {
        let harness = try Harness()
        let viaStdin = await harness.run(
            ["user", "add", "ana", "--email", "ana@example.org", "--password-stdin"], stdin: ["short"])
        #expect(viaStdin.status == 65 && viaStdin.stderr.contains("at least 10 characters"))
        let empty = await harness.run(["user", "add", "ana", "--email", "ana@example.org", "--password-stdin"])
        #expect(empty.status == 65 && empty.stderr.contains("no password on standard input"))
        let noTTY = await harness.run(["user", "add", "ana", "--email", "ana@example.org"])
        #expect(noTTY.status == 64 && noTTY.stderr.contains("--password-stdin"))
        let mismatch = await harness.run(
            ["user", "add", "ana", "--email", "ana@example.org"], terminal: ["first-password", "other-password"])
        #expect(mismatch.status == 65 && mismatch.stderr.contains("do not match"))
        #expect(await harness.run(["user", "list", "--all", "--json"]).stdout == "[\n\n]\n")

        let prompted = await harness.run(
            ["user", "add", "ana", "--email", "ana@example.org"], terminal: ["first-password", "first-password"])
        #expect(prompted.status == 0, "\(prompted.stderr)")
        let changed = await harness.run(["user", "passwd", "ana", "--password-stdin"], stdin: ["second-password"])
        #expect(changed.status == 0 && changed.stderr == "password of 'ana' changed\n")
        let tooShort = await harness.run(["user", "passwd", "ana", "--password-stdin"], stdin: ["123"])
        #expect(tooShort.status == 65)
    }

    @Test("a duplicate user is refused before the password is asked for")
    func duplicateBeforePrompt() async throws {
        let harness = try Harness()
        await harness.addUser("ana")
        let result = await harness.run(["user", "add", "ana", "--email", "new@example.org"], terminal: [])
        #expect(result.status == 65 && result.stderr.contains("already exists"))
    }

    @Test("user lifecycle: disable, enable, remove (logical), list --all")
    func userLifecycle() async throws {
        let harness = try Harness()
        await harness.addUser("ana")
        _ = await harness.run(["node", "add", "ESP32_A"])
        _ = await harness.run(["assign", "add", "ana", "ESP32_A"])
        let disabled = try await harness.run(["user", "disable", "ana", "--json"]).objects()
        #expect(disabled[0]["active"] as? Bool == false)
        #expect(try await harness.run(["user", "enable", "ana", "--json"]).objects()[0]["active"] as? Bool == true)
        #expect(await harness.run(["user", "remove", "ana"]).status == 0)
        #expect(try await harness.run(["user", "list", "--json"]).objects().isEmpty)
        #expect(try await harness.run(["user", "list", "--all", "--json"]).objects().count == 1)
        let assignments = try await harness.run(["assign", "list", "--all", "--json"]).objects()
        #expect(assignments.count == 1 && assignments[0]["active"] as? Bool == false)
        #expect(try await harness.run(["assign", "list", "--json"]).objects().isEmpty)
    }

    @Test("node lifecycle: edit, remove (logical), list --all, restore")
    func nodeLifecycle() async throws {
        let harness = try Harness()
        _ = await harness.run(["node", "add", "ESP32_A", "--name", "Cocina"])
        let edited = try await harness.run(["node", "edit", "esp32_a", "--description", "PZEM", "--json"]).objects()[0]
        #expect(edited["name"] as? String == "Cocina" && edited["description"] as? String == "PZEM")
        #expect(await harness.run(["node", "remove", "ESP32_A"]).status == 0)
        #expect(try await harness.run(["node", "list", "--json"]).objects().isEmpty)
        let all = try await harness.run(["node", "list", "--all", "--json"]).objects()
        #expect(all.count == 1 && all[0]["active"] as? Bool == false)
        let readd = await harness.run(["node", "add", "ESP32_A"])
        #expect(readd.status == 65 && readd.stderr.contains("node restore ESP32_A"))
        #expect(
            try await harness.run(["node", "restore", "ESP32_A", "--json"]).objects()[0]["active"] as? Bool == true)
    }

    @Test("assignments: add, set location, remove, re-add reactivates, filters")
    func assignmentLifecycle() async throws {
        let harness = try Harness()
        await harness.addUser("ana")
        await harness.addUser("luis")
        _ = await harness.run(["node", "add", "ESP_A"])
        _ = await harness.run(["node", "add", "ESP_B"])
        _ = await harness.run(["assign", "add", "ana", "ESP_A", "--location", "Cocina"])
        _ = await harness.run(["assign", "add", "luis", "ESP_A"])
        _ = await harness.run(["assign", "add", "luis", "ESP_B"])
        #expect(try await harness.run(["assign", "list", "--node", "ESP_A", "--json"]).objects().count == 2)
        #expect(try await harness.run(["assign", "list", "--user", "luis", "--json"]).objects().count == 2)
        let set = try await harness.run(["assign", "set", "ana", "ESP_A", "--location", "Salón", "--json"]).objects()[0]
        #expect(set["location"] as? String == "Salón")
        #expect(await harness.run(["assign", "remove", "ana", "ESP_A"]).status == 0)
        #expect(try await harness.run(["assign", "list", "--user", "ana", "--json"]).objects().isEmpty)
        let again = await harness.run(["assign", "remove", "ana", "ESP_A"])
        #expect(again.status == 67 && again.stderr.contains("is not assigned"))
        let back = try await harness.run(["assign", "add", "ana", "ESP_A", "--json"]).objects()[0]
        #expect(back["active"] as? Bool == true && back["location"] as? String == "Salón")
    }

    @Test("db status and db migrate report the schema; --dry-run changes nothing")
    func database() async throws {
        let harness = try Harness()
        let fresh = try await harness.run(["db", "status", "--json"]).objects()[0]
        #expect(
            fresh["pending"] as? [String] == [
                "0001_directory", "0002_alerts_telegram", "0003_web", "0004_original_keys", "0005_money", "0006_sites",
                "0007_devices", "0008_corrections",
            ]
                && fresh["current"] as? Bool == false)
        let dryRun = await harness.run(["db", "migrate", "--dry-run"])
        #expect(dryRun.status == 0 && dryRun.stdout.contains("would apply: 0001_directory"), "\(dryRun.stdout)")
        #expect(try await harness.run(["db", "status", "--json"]).objects()[0]["current"] as? Bool == false)
        let applied = await harness.run(["db", "migrate"])
        #expect(applied.status == 0 && applied.stdout.contains("applied: 0001_directory"), "\(applied.stdout)")
        let status = try await harness.run(["db", "status", "--json"]).objects()[0]
        #expect(status["store"] as? String == "sqlite")
        #expect(status["current"] as? Bool == true)
        #expect(
            status["applied"] as? [String] == [
                "0001_directory", "0002_alerts_telegram", "0003_web", "0004_original_keys", "0005_money", "0006_sites",
                "0007_devices", "0008_corrections",
            ])
        let migrate = await harness.run(["db", "migrate", "--dry-run"])
        #expect(migrate.status == 0 && migrate.stdout.contains("nothing pending"))
    }

    @Test("store failures map to 73, 74, 77 and 69")
    func storeFailures() async throws {
        let harness = try Harness()
        let notDirectory = await harness.run(
            ["user", "list"], environment: ["ENERTRACK_DATA_DIR": "/etc/hostname/data"])
        #expect(notDirectory.status == 73, "\(notDirectory.stderr)")
        // sysfs refuses mkdir even to root: a real EPERM.
        let denied = await harness.run(["user", "list"], environment: ["ENERTRACK_DATA_DIR": "/sys/enertrack-test"])
        #expect(denied.status == 77, "\(denied.stderr)")
        #expect(denied.stderr.contains("cannot create data directory /sys/enertrack-test"))
        let corrupt = try temporaryDirectory("enertrack-corrupt")
        try "not a database".write(toFile: corrupt + "/directory.sqlite", atomically: true, encoding: .utf8)
        let io = await harness.run(["user", "list"], environment: ["ENERTRACK_DATA_DIR": corrupt])
        #expect(io.status == 74 && io.stderr.contains("not a valid SQLite database"))
        #expect(try String(contentsOfFile: corrupt + "/directory.sqlite", encoding: .utf8) == "not a database")
    }

    @Test("help teaches by example and exits 0")
    func help() async throws {
        let harness = try Harness()
        let help = await harness.run(["user", "add", "--help"])
        #expect(help.status == 0)
        #expect(help.stdout.contains("--password-stdin") && help.stdout.contains("enertrack user add ana --email"))
        let version = await harness.run(["--version"])
        #expect(version.status == 0 && !version.stdout.isEmpty)
    }

    @Test(
        "demo creates an admin with a one-time password, seven meters with history (a house with solar panels), their assignments and an alert"
    )
    func demo() async throws {
        let harness = try Harness()
        let directory = try temporaryDirectory("enertrack-demo") + "/new"
        let result = await harness.run(["demo", "--dir", directory, "--setup-only", "--days", "2"])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.contains("User:           demo") && result.stdout.contains("http://127.0.0.1:8006/"))
        let report = await harness.run([
            "report", "consumption", "--by", "day", "--from", "yesterday", "--format", "json", "--data-dir", directory,
        ])
        #expect(
            ((try report.json() as? [String: Any])?["total_kwh"] as? Double ?? 0) > 1,
            "history was backfilled: \(report.stdout)")
        let alerts = try await harness.run(["alerts", "list", "--json", "--data-dir", directory]).objects()
        #expect(alerts.count == 2)
        let users = try await harness.run(["user", "list", "--json", "--data-dir", directory]).objects()
        #expect(users.count == 1 && users[0]["admin"] as? Bool == true)
        #expect(try await harness.run(["assign", "list", "--json", "--data-dir", directory]).objects().count == 7)
        // The house: grid (with export), inverter and three circuits, whose flows add up.
        let site = await harness.run([
            "report", "site", "casa", "--by", "day", "--from", "3d", "--json", "--data-dir", directory,
        ])
        #expect(site.status == 0, "\(site.stderr)")
        let total = try #require((try site.json() as? [String: Any])?["total"] as? [String: Any])
        let figure = { (key: String) in total[key] as? Double ?? -1 }
        #expect(figure("production_kwh") > 1 && figure("export_kwh") >= 0 && figure("import_kwh") > 1, "\(total)")
        #expect(
            abs(figure("consumption_kwh") - figure("import_kwh") - figure("self_consumption_kwh")) < 0.01
                && figure("untracked_kwh") > 0, "\(total)")
        let twice = await harness.run(["demo", "--dir", directory, "--setup-only"])
        #expect(twice.status == 73 && twice.stderr.contains("give an empty --dir"))
    }
}
