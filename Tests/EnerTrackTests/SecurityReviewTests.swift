import EnerTrackCore
import EnerTrackIngest
import EnerTrackKit
import EnerTrackMariaDB
import EnerTrackRuntime
import EnerTrackSQL
import EnerTrackSQLite
import EnerTrackWeb
import Foundation
import HTTPTypes
import Hummingbird
import Logging
import NIOCore
import Testing

/// The attacks of the December security review, each reproduced as it was found (on loopback,
/// against the real binary or the real stores): each of these failed before its fix.
@Suite("Security review: root through links, slow clients, one request's memory, access that should end")
struct SecurityReviewTests {
    // MARK: 1. Root through a symlink race

    /// `nobody` swaps links to a root-owned file in for the store's -wal and -shm as fast as it
    /// can while root runs commands on nobody's data directory: the file keeps its owner.
    @Test(
        "root's commands on the service user's data directory never give a linked file away",
        .enabled(if: getuid() == 0, "the attack is a user racing root: run the suite as root (CI does)"))
    func symlinkRace() async throws {
        let harness = try Harness()
        #expect(await harness.run(["node", "add", "ESP_RACE"]).status == 0)
        let data = harness.dataDirectory
        _ = try shell("/bin/chown", ["-R", "65534:65534", data])
        let outside = try temporaryDirectory("enertrack-target")
        defer { try? FileManager.default.removeItem(atPath: outside) }
        let target = outside + "/root-owned"
        try "root's own\n".write(toFile: target, atomically: true, encoding: .utf8)
        chmod(outside, 0o755)
        chmod(target, 0o644)
        let racer = outside + "/racer.py"
        try Self.racer.write(toFile: racer, atomically: true, encoding: .utf8)
        chmod(racer, 0o644)
        let process = Subprocess()
        // Debian's python3: the unprivileged user cannot reach a pyenv under /root.
        ChildProcess.prepare(
            process, executable: "/usr/bin/setpriv",
            arguments: ["--reuid=65534", "--regid=65534", "--clear-groups", "/usr/bin/python3", racer, data, target])
        try process.run()
        defer { ChildProcess.stop(process, grace: 1) }
        usleep(300_000)
        let environment = harness.environment.merging(["PATH": "/usr/bin:/bin"]) { $1 }
        let binary = EndToEndTests()
        var succeeded = 0
        for round in 0..<60 {
            let run = try binary.run(
                round % 2 == 0 ? ["node", "list"] : ["report", "status"], environment: environment)
            if run.status == 0 { succeeded += 1 }
        }
        ChildProcess.stop(process, grace: 1)
        var info = stat()
        #expect(stat(target, &info) == 0)
        #expect(info.st_uid == 0, "root's chown followed a link: the target now belongs to uid \(info.st_uid)")
        print(
            "symlink race: the target's owner is uid \(info.st_uid); \(succeeded) of 60 commands ran while links were swapped in"
        )
    }

    /// The attacker: the moment SQLite has made a -wal or -shm file, a link to the target takes
    /// its name; a few ms later the link goes again, so the next command's SQLite can open.
    static let racer = #"""
        import os, stat, sys, time
        directory, target = sys.argv[1], sys.argv[2]
        names = ("directory.sqlite-wal", "directory.sqlite-shm", "series.sqlite-wal", "series.sqlite-shm")
        paths = [os.path.join(directory, name) for name in names]
        swap = os.path.join(directory, ".swap")
        swapped = {}
        while True:
            for path in paths:
                try:
                    info = os.lstat(path)
                except FileNotFoundError:
                    continue
                if stat.S_ISREG(info.st_mode):
                    try:
                        os.symlink(target, swap)
                    except FileExistsError:
                        pass
                    try:
                        os.rename(swap, path)
                        swapped[path] = time.monotonic()
                    except OSError:
                        pass
                elif stat.S_ISLNK(info.st_mode) and time.monotonic() - swapped.get(path, 0) > 0.005:
                    try:
                        os.unlink(path)
                    except OSError:
                        pass
        """#

    /// A spool segment's name swapped for a link (root running `ingest` on the service user's
    /// spool): the file it points at is neither truncated nor written.
    @Test("a spool segment that is a link is refused; the file it points at is untouched")
    func spoolLinks() throws {
        let directory = try temporaryDirectory("enertrack-spool")
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let target = directory + "/../" + URL(fileURLWithPath: directory).lastPathComponent + "-target"
        defer { try? FileManager.default.removeItem(atPath: target) }
        let original = Data(repeating: 0x41, count: 4096)
        try original.write(to: URL(fileURLWithPath: target))
        #expect(symlink(target, directory + "/00000000000000000007.spare") == 0)
        #expect(symlink(target, directory + "/00000000000000000003.spool") == 0)
        let spool = try ReadingSpool(directory: directory, capacity: 1_000, segmentBytes: 4096)
        _ = try? spool.append(Reading(node: "ESP_A", time: 1_700_000_000_000, power: 1))
        #expect(try Data(contentsOf: URL(fileURLWithPath: target)) == original)
    }

    /// The spool directory itself swapped for another user's link (root running ingest).
    @Test(
        "a spool directory that is another user's link is refused",
        .enabled(if: getuid() == 0, "the link must belong to another user: run the suite as root (CI does)"))
    func spoolDirectoryLink() throws {
        let directory = try temporaryDirectory("enertrack-spool-link")
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let elsewhere = directory + "/elsewhere"
        try FileManager.default.createDirectory(atPath: elsewhere, withIntermediateDirectories: true)
        #expect(symlink(elsewhere, directory + "/spool") == 0)
        #expect(lchown(directory + "/spool", 65534, 65534) == 0)
        #expect(throws: Failure.self) { try ReadingSpool(directory: directory + "/spool", capacity: 10) }
        #expect(try FileManager.default.contentsOfDirectory(atPath: elsewhere).isEmpty)
    }

    // MARK: 2. Slow clients

    /// 1,100 connections that each send half a request head, against a serve that may hold 600:
    /// it keeps answering, never holds more than its bound, and closes every one of them.
    @Test("1,100 clients sending half a request head: serve answers, stays bounded and closes them")
    func slowClients() async throws {
        Descriptors.raiseLimit()
        let harness = try Harness()
        #expect(await harness.run(["db", "migrate"]).status == 0)
        let port = freePort()
        let environment = ProcessInfo.processInfo.environment.merging(harness.environment) { $1 }
        let serve = try LiveProcess(
            ["serve", "--port", String(port), "--idle-timeout", "3", "--max-connections", "600"],
            environment: environment, logPath: harness.dataDirectory + "/serve.log")
        #expect(await eventually(timeout: 30) { Self.healthz(port: port).status == 200 }, "\(serve.log)")

        var sockets: [Int32] = []
        defer { for socket in sockets { close(socket) } }
        let half = Array("GET /healthz HTTP/1.1\r\nHost: localhost\r\nX-Slow: ".utf8)
        for _ in 0..<1_100 {
            let fd = Self.connect(port: port)
            guard fd >= 0 else { break }
            _ = half.withUnsafeBytes { send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            sockets.append(fd)
        }
        #expect(sockets.count == 1_100, "could open only \(sockets.count) connections")
        let pid = serve.process.processIdentifier
        let during = Self.openDescriptors(pid)
        let answer = Self.healthz(port: port, maxTime: 30)
        print("slow clients: /healthz answered \(answer.status) in \(answer.seconds) s with 1,100 half heads open")
        #expect(answer.status == 200, "serve stopped answering under a slow-client flood: \(serve.log)")
        #expect(during <= 600 + 64, "serve held \(during) descriptors with --max-connections 600")
        let flood = sockets
        let closed = await eventually(timeout: 30) { flood.allSatisfy(Self.isClosedByPeer) }
        let open = flood.filter { !Self.isClosedByPeer($0) }.count
        #expect(closed, "\(open) of 1,100 slow connections still open")
        print(
            "slow clients: \(open) of 1,100 half-head connections still open; serve holds \(Self.openDescriptors(pid)) descriptors"
        )
        await serve.expectCleanStop("serve")
    }

    static func connect(port: Int) -> Int32 {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { return -1 }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let status = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                Glibc.connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        guard status == 0 else {
            close(fd)
            return -1
        }
        return fd
    }

    /// True once the server has closed its end (EOF or a reset); false while it keeps it open.
    static func isClosedByPeer(_ fd: Int32) -> Bool {
        var byte: UInt8 = 0
        let count = recv(fd, &byte, 1, Int32(MSG_DONTWAIT))
        if count == 0 { return true }
        return count < 0 && errno != EAGAIN && errno != EWOULDBLOCK
    }

    static func openDescriptors(_ pid: Int32) -> Int {
        (try? FileManager.default.contentsOfDirectory(atPath: "/proc/\(pid)/fd").count) ?? 0
    }

    static func healthz(port: Int, maxTime: Int = 5) -> (status: Int, seconds: String) {
        let answer =
            (try? shell(
                "/usr/bin/curl",
                [
                    "-s", "-o", "/dev/null", "-w", "%{http_code} %{time_total}", "--max-time", String(maxTime),
                    "http://127.0.0.1:\(port)/healthz",
                ])) ?? "0 -"
        let parts = answer.split(separator: " ")
        return (Int(parts.first ?? "") ?? 0, parts.count > 1 ? String(parts[1]) : "-")
    }

    // MARK: 3. One request's memory

    /// The review's request: hourly cost over months for a user with 20 meters. Refused with a
    /// 400 naming the limit; the largest allowed request answers, and serve's peak RSS stays
    /// under 150 MB.
    @Test("hourly cost over months for 20 meters: a 400 naming the limit, and serve's peak RSS under 150 MB")
    func requestMemory() async throws {
        let harness = try Harness()
        #expect(await harness.addUser("ana").status == 0)
        let meters = (1...20).map { String(format: "ESP_M%02d", $0) }
        let now = Date().milliseconds
        var csv = "time,node,power,energy\n"
        for (index, meter) in meters.enumerated() {
            #expect(await harness.run(["node", "add", meter]).status == 0)
            #expect(await harness.run(["assign", "add", "ana", meter]).status == 0)
            // A reading every 15 minutes for the last 21 days.
            for step in stride(from: 21 * 96, through: 0, by: -1) {
                let kwh = Double(21 * 96 - step) * 0.05 * Double(index + 1) / 10
                csv += "\(now - Int64(step) * 900_000),\(meter),\(200 * (index + 1)),\(kwh)\n"
            }
        }
        let file = harness.dataDirectory + "/readings.csv"
        try csv.write(toFile: file, atomically: true, encoding: .utf8)
        let imported = await harness.run(["import", file])
        #expect(imported.status == 0, "\(imported.stderr)")
        let tariff = packageRoot.appendingPathComponent("examples/tariff-2.0TD.toml").path
        #expect(await harness.run(["tariff", "import", tariff]).status == 0)
        let assigned = await harness.run(["tariff", "assign", "--user", "ana", "hogar", "--from", "2025-01-01"])
        #expect(assigned.status == 0, "\(assigned.stderr)")
        let token = await harness.run(["user", "token", "ana"]).stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(token.hasPrefix("et_"))

        let port = freePort()
        let environment = ProcessInfo.processInfo.environment.merging(harness.environment) { $1 }
        let serve = try LiveProcess(
            ["serve", "--port", String(port)], environment: environment,
            logPath: harness.dataDirectory + "/serve.log")
        #expect(await eventually(timeout: 30) { Self.healthz(port: port).status == 200 }, "\(serve.log)")
        func get(_ path: String) throws -> (status: Int, body: String, seconds: String) {
            let body = harness.dataDirectory + "/answer"
            let answer = try shell(
                "/usr/bin/curl",
                [
                    "-s", "-o", body, "-w", "%{http_code} %{time_total}", "--max-time", "120", "-H",
                    "Authorization: Bearer \(token)", "http://127.0.0.1:\(port)\(path)",
                ]
            ).split(separator: " ")
            return (
                Int(answer.first ?? "") ?? 0, (try? String(contentsOfFile: body, encoding: .utf8)) ?? "",
                answer.count > 1 ? String(answer[1]) : "-"
            )
        }
        let refused = try get("/api/v1/cost?by=hour&from=120d")
        #expect(refused.status == 400, "\(refused.body.prefix(300))")
        #expect(refused.body.contains("at most 500 periods") && refused.body.contains("20 meters"), "\(refused.body)")
        let consumption = try get("/consumption.csv?by=hour&from=120d")
        #expect(
            consumption.status == 400 && consumption.body.contains("500"),
            "the page's CSV: \(consumption.body.prefix(300))")
        // The largest request the rule allows: 480 hours × 20 meters = 9,600 rows.
        let allowed = try get("/api/v1/cost?by=hour&from=20d")
        #expect(allowed.status == 200, "\(allowed.body.prefix(300))")
        let rows = (try? JSONSerialization.jsonObject(with: Data(allowed.body.utf8)) as? [String: Any])?["rows"]
        #expect(((rows as? [Any])?.count ?? 0) > 9_000)
        let peak = Self.status(serve.process.processIdentifier, "VmHWM")
        print(
            "request memory: 9,600-row hourly cost in \(allowed.seconds) s, \(allowed.body.utf8.count / 1024) KiB; serve's peak RSS \(peak / 1024) MiB"
        )
        #expect(peak > 0 && peak < 150 * 1024, "serve's peak RSS \(peak / 1024) MiB (bound 150 MiB)")
        await serve.expectCleanStop("serve")
    }

    /// A `/proc/PID/status` field in kB.
    static func status(_ pid: Int32, _ field: String) -> Int {
        let text = (try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8)) ?? ""
        guard let line = text.split(separator: "\n").first(where: { $0.hasPrefix(field + ":") }) else { return 0 }
        return Int(line.split(separator: " ").dropFirst().first ?? "") ?? 0
    }

    // MARK: 4. Access that should have ended

    @Test(
        "a password change, disabling or removing a user ends the Telegram link and pending codes too",
        arguments: DirectoryKind.allCases)
    func telegramAccessEnds(kind: DirectoryKind) async throws {
        let site = try await AlertSite(kind)
        let (harness, store) = (site.harness, site.directory)
        for name in ["ana", "bob", "eva"] { #expect(await harness.addUser(name).status == 0) }
        let now = Date().milliseconds
        let changes: [(String, [String])] = [
            ("ana", ["user", "passwd", "ana", "--password-stdin"]), ("bob", ["user", "disable", "bob"]),
            ("eva", ["user", "remove", "eva"]),
        ]
        for (index, (name, command)) in changes.enumerated() {
            let user = try #require(try await store.user(named: name))
            let chat = Int64(1_000 + index)
            try await store.storeLinkCode(userID: user.id, hash: "linked-\(name)", expiresAt: now + 900_000)
            #expect(
                try await store.redeemLinkCode(hash: "linked-\(name)", chatID: chat, now: now)
                    == .linked(userID: user.id, username: name))
            try await store.storeLinkCode(userID: user.id, hash: "pending-\(name)", expiresAt: now + 900_000)
            let changed = await harness.run(command, stdin: ["another-long-password"])
            #expect(changed.status == 0, "\(command): \(changed.stderr)")
            #expect(try await store.telegramLink(chatID: chat) == nil, "\(command) left the chat linked")
            #expect(try await store.telegramLink(userID: user.id) == nil, "\(command) left the link")
            #expect(
                try await store.redeemLinkCode(hash: "pending-\(name)", chatID: chat + 100, now: now) == .invalid,
                "\(command) left a pending link code usable")
        }
        #expect(await harness.run(["user", "enable", "bob"]).status == 0)
        let bob = try #require(try await store.user(named: "bob"))
        #expect(try await store.telegramLink(userID: bob.id) == nil, "enabling bob brought his link back")
    }

    /// Five wrong guesses typed as the username, then one typed as the e-mail, each from another
    /// address (through a trusted proxy): the account is throttled whichever name is typed.
    @Test("the login throttle counts an account once, whether its username or its e-mail is typed")
    func oneAccountOneKey() async throws {
        var options = WebOptions()
        options.trustedProxies = ["127.0.0.1"]
        let site = try await WebSite(options: options)
        try await RouterClient.with(
            site.app.router(), remoteAddress: try SocketAddress(ipAddress: "127.0.0.1", port: 40_000)
        ) { client in
            var statuses: [Int] = []
            // Five wrong guesses as the username, then up to five as the e-mail: under one key the
            // e-mail's first guess waits (or, on a loaded machine past the 2 s delay, a later one);
            // under two keys all five are free.
            for attempt in 1...10 {
                let browser = Browser(client)
                let page = try await browser.get("/login")
                var headers: HTTPFields = [
                    .contentType: "application/x-www-form-urlencoded", .origin: Browser.origin,
                    .cookie: browser.cookieHeader,
                ]
                headers[HTTPField.Name("X-Forwarded-For")!] = "198.51.100.\(attempt)"
                let name = attempt <= 5 ? "ana" : "ana%40example.org"
                let body = "csrf=\(Browser.csrf(page) ?? "")&username=\(name)&password=wrong-password-\(attempt)"
                let response = try await client.execute(
                    uri: "/login", method: .post, headers: headers, body: ByteBuffer(string: body))
                statuses.append(response.status.code)
                if response.status == .tooManyRequests { break }
            }
            #expect(statuses.prefix(5).allSatisfy { $0 == 401 }, "\(statuses)")
            #expect(statuses.last == 429, "the e-mail got fresh guesses at ana's account: \(statuses)")
        }
    }

    /// Open registration: one address creates five accounts, then has to wait.
    @Test("open registration is throttled per address")
    func registrationThrottle() async throws {
        var options = WebOptions()
        options.registrationOpen = true
        let site = try await WebSite(options: options)
        try await site.test { client in
            var statuses: [Int] = []
            for index in 1...10 {
                let browser = Browser(client)
                let page = try await browser.get("/register")
                let response = try await browser.post(
                    "/register",
                    [
                        "csrf": Browser.csrf(page) ?? "", "username": "new\(index)", "email": "new\(index)@example.org",
                        "password": WebSite.password, "repeat": WebSite.password,
                    ])
                statuses.append(response.status.code)
            }
            // Five free, then 2, 4, 8 … s apart (the site's throttle clock stands still).
            #expect(statuses.prefix(5).allSatisfy { $0 == 303 }, "\(statuses)")
            #expect(statuses.dropFirst(5).allSatisfy { $0 == 429 }, "one address made accounts: \(statuses)")
        }
        let users = try await site.harness.run(["user", "list", "--json"]).objects()
        #expect(users.count == 3 + 5)
    }

    // MARK: 5. Identifiers in migration SQL

    /// A user with CREATE rights names a table so that its name ends the backticks early:
    /// `db migrate --to-original-ddl` refuses it, naming it, before changing anything.
    @Test("a table named to inject SQL: db migrate --to-original-ddl refuses it and changes nothing")
    func identifierInjection() async throws {
        let (database, connection) = try DropInTests.load("schema-0.1")
        try connection.execute(
            "INSERT INTO Usuarios (nombreUsuario, password_hash, email) VALUES ('ana', 'scrypt:1:1:1$x$y', 'ana@example.org')"
        )
        let harness = try Harness(environment: TestServers.mariaDBEnvironment(database: database))
        #expect(await harness.run(["db", "migrate"]).status == 0)
        try connection.execute(
            "CREATE TABLE `Usuarios`` DROP COLUMN ``email``#` (u INT, FOREIGN KEY (u) REFERENCES Usuarios(usuario_id)) ENGINE=InnoDB"
        )
        let before = try DropInTests.columns(connection)
        let converted = await harness.run(["db", "migrate", "--to-original-ddl"])
        #expect(converted.status != 0)
        #expect(converted.stderr.contains("not a plain name"), "\(converted.stderr)")
        #expect(try DropInTests.columns(connection) == before, "the conversion changed the schema before refusing")
        #expect(try DropInTests.columns(connection).contains { $0.hasPrefix("Usuarios.email ") })
        let dryRun = await harness.run(["db", "migrate", "--to-original-ddl", "--dry-run"])
        #expect(dryRun.status != 0 && !dryRun.stdout.contains("DROP COLUMN"), "\(dryRun.stdout)")
    }

    @Test("every identifier is quoted through one function: an embedded backtick is doubled")
    func quoting() {
        #expect(SQLName.quote("Usuarios` DROP COLUMN `email`#") == "`Usuarios`` DROP COLUMN ``email``#`")
        #expect(SQLName.isPlain("UsuariosNodos_ibfk_1") && SQLName.isPlain("contraseña"))
        #expect(!SQLName.isPlain("a`b") && !SQLName.isPlain("") && !SQLName.isPlain("a b"))
        #expect(!SQLName.isPlain(String(repeating: "x", count: 65)))
    }

    // MARK: 6. The rest

    /// An InfluxDB that answers every query with times and counts no store can hold: reports
    /// say what is wrong or show nothing; nothing traps.
    @Test("a hostile InfluxDB answer (time 9223372036854775000) never traps a command")
    func hostileInfluxAnswer() throws {
        let directory = try temporaryDirectory("enertrack-influx-hostile")
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let port = freePort()
        let server = directory + "/hostile.py"
        try Self.hostileInflux.write(toFile: server, atomically: true, encoding: .utf8)
        let influx = try LiveProcess(
            [server, String(port)], environment: ProcessInfo.processInfo.environment,
            logPath: directory + "/influx.log", executable: ChildProcess.python)
        defer { ChildProcess.stop(influx.process) }
        let environment = [
            "ENERTRACK_DATA_DIR": directory, "TZ": "Europe/Madrid", "PATH": "/usr/bin:/bin",
            "INFLUX_URL": "http://127.0.0.1:\(port)", "INFLUX_DB": "energy", "HOME": directory,
        ]
        let binary = EndToEndTests()
        #expect(try binary.run(["node", "add", "ESP_H"], environment: environment).status == 0)
        var ready = false
        for _ in 0..<100 where !ready {
            ready = (try? shell("/usr/bin/curl", ["-s", "http://127.0.0.1:\(port)/ping"])) != nil
            if !ready { usleep(50_000) }
        }
        for command in [
            ["report", "consumption", "--node", "ESP_H", "--by", "day"],
            ["report", "consumption", "--node", "ESP_H", "--by", "hour"],
            ["report", "kpi", "--node", "ESP_H"], ["report", "readings", "ESP_H"], ["report", "status"],
            ["db", "rollup", "--rebuild"],
        ] {
            let run = try binary.run(command, environment: environment)
            // A trap is a signal: 128 + 4/5 (SIGILL/SIGTRAP) from a shell, or the raw signal here.
            #expect(run.status < 128 && ![4, 5, 6, 11].contains(run.status), "\(command) died: \(run.stderr)")
        }
    }

    /// The embedded series store's file changed behind EnerTrack's back: a reading, a dirty span
    /// and a rollup bucket at times no store may hold. Reports and a rebuild skip them.
    @Test("times no store may hold in the embedded series file never trap a command")
    func hostileSeriesFile() async throws {
        let harness = try Harness()
        #expect(await harness.run(["node", "add", "ESP_H"]).status == 0)
        let now = Date().milliseconds
        let file = harness.dataDirectory + "/readings.csv"
        try "time,node,power,energy\n\(now - 3_600_000),ESP_H,100,1\n\(now),ESP_H,100,1.1\n".write(
            toFile: file, atomically: true, encoding: .utf8)
        #expect(await harness.run(["import", file]).status == 0)
        let hostile = "9223372036854775000"
        _ = try shell(
            "/usr/bin/sqlite3",
            [
                harness.dataDirectory + "/series.sqlite",
                "INSERT INTO readings (node, time, power, energy) VALUES ('ESP_H', \(hostile), 1, 2); INSERT INTO readings (node, time, power, energy) VALUES ('ESP_H', -\(hostile), 1, 0.5); INSERT INTO rollup_dirty (node, start, finish) VALUES ('ESP_H', -\(hostile), \(hostile));",
            ])
        let environment = harness.environment.merging(["PATH": "/usr/bin:/bin"]) { $1 }
        let binary = EndToEndTests()
        for command in [
            ["report", "consumption", "--node", "ESP_H", "--by", "hour"], ["report", "kpi", "--node", "ESP_H"],
            ["report", "readings", "ESP_H"], ["report", "status"], ["db", "rollup", "--rebuild"],
            ["report", "consumption", "--node", "ESP_H", "--by", "day"],
        ] {
            let run = try binary.run(command, environment: environment)
            #expect(run.status < 128 && ![4, 5, 6, 11].contains(run.status), "\(command) died: \(run.stderr)")
        }
    }

    /// Answers every InfluxQL query with one series whose every value is the hostile number.
    static let hostileInflux = #"""
        import http.server, json, sys
        HOSTILE = 9223372036854775000
        class Handler(http.server.BaseHTTPRequestHandler):
            def log_message(self, *args): pass
            def answer(self):
                if self.path.startswith("/ping"):
                    self.send_response(204); self.end_headers(); return
                length = int(self.headers.get("Content-Length") or 0)
                if length: self.rfile.read(length)
                if self.path.startswith("/write"):
                    self.send_response(204); self.end_headers(); return
                columns = ["time", "node", "power", "energy", "samples", "covered", "kwh", "first_time", "last_time", "start", "finish"]
                row = [HOSTILE, "ESP_H"] + [HOSTILE] * (len(columns) - 2)
                series = [{"name": "energy", "tags": {"node": "ESP_H"}, "columns": columns, "values": [row, [-HOSTILE, "ESP_H"] + [-HOSTILE] * (len(columns) - 2)]}]
                body = json.dumps({"results": [{"statement_id": 0, "series": series}]}).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)
            do_GET = answer
            do_POST = answer
        http.server.ThreadingHTTPServer(("127.0.0.1", int(sys.argv[1])), Handler).serve_forever()
        """#

    /// A tariff file whose name starts with `-` is a file, not an option of the parser child,
    /// and a file that makes the parser take hundreds of MB ends the child, never the parent.
    @Test("the tariff parser child: a name starting with '-', and a file that wants too much memory")
    func tariffParserChild() throws {
        let directory = try temporaryDirectory("enertrack-tariff-child")
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let environment = ["ENERTRACK_DATA_DIR": directory, "TZ": "Europe/Madrid", "PATH": "/usr/bin:/bin"]
        let example = try String(
            contentsOf: packageRoot.appendingPathComponent("examples/tariff-2.0TD.toml"), encoding: .utf8)
        try example.write(toFile: directory + "/-hogar.toml", atomically: true, encoding: .utf8)
        let binary = EndToEndTests()
        let dashed = try binary.run(["tariff", "import", "--", directory + "/-hogar.toml"], environment: environment)
        // Run from the directory so the name itself starts with '-'.
        let process = Subprocess()
        ChildProcess.prepare(
            process, executable: EndToEndTests.binary, arguments: ["tariff", "import", "--", "-hogar.toml"],
            environment: environment)
        process.currentDirectoryURL = URL(fileURLWithPath: directory)
        let errors = Pipe()
        process.standardError = errors
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        let said = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        #expect(dashed.status == 0, "\(dashed.stderr)")
        #expect(
            process.terminationReason == .exit && process.terminationStatus == 0,
            "importing -hogar.toml: \(process.terminationReason == .uncaughtSignal ? "signal" : "exit") \(process.terminationStatus): \(said)"
        )

        // Just under 1 MiB of one array: toml++ took 535 MB for it.
        var big = "name = \"grande\"\ncurrency = \"EUR\"\nx = ["
        big += String(repeating: "{},", count: (TariffFile.maxBytes - 100) / 3)
        big += "]\n"
        try big.write(toFile: directory + "/big.toml", atomically: true, encoding: .utf8)
        let refused = try binary.run(["tariff", "import", directory + "/big.toml"], environment: environment)
        #expect(refused.status > 0 && refused.status < 128, "\(refused.status): \(refused.stderr)")
        #expect(refused.stderr.contains("MiB"), "the child was not bounded: \(refused.stderr.prefix(400))")
    }
}
