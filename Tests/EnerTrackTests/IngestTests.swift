import EnerTrackCore
import EnerTrackInflux
import EnerTrackSQLite
import Foundation
import Synchronization
import Testing

/// `ingest` as systemd runs it: the built binary against the real test broker over TLS.
@Suite("ingest against a real broker", .serialized)
struct IngestTests {
    let t0: Int64 = 1_795_773_600_000

    /// JSON lines of `count` readings of `node`, one second apart from `t0`, each with its own ts.
    func jsonLines(node: String, count: Int, from start: Int64) -> [String] {
        (0..<count).map {
            #"{"power": \#(100 + $0 % 50), "energy": \#(Double($0) / 1000), "ts": \#(start + Int64($0) * 1000)}"#
        }
    }

    @Test("every payload form is stored once, every rejection counted; unknown ids registered; SIGTERM exits 0 fast")
    func payloadForms() async throws {
        let site = try IngestSite()
        let metricsPort = freePort()
        let ingest = try await site.startedIngest([
            "--tasmota", "--metrics-listen", "127.0.0.1:\(metricsPort)", "--stats-interval", "1",
        ])
        let p = site.prefix
        // Per-quantity messages of one burst form one row, whatever second boundary they straddle.
        try await site.publishFast([
            ("\(p)/ESP_A/voltage", "230.5"), ("\(p)/ESP_A/corriente", "1.5"), ("\(p)/ESP_A/potencia", "345.7"),
            ("\(p)/ESP_A/energia", "12.5"), ("\(p)/ESP_A/fp", "0.98"), ("\(p)/ESP_A/frecuencia", "49.98"),
            ("\(p)/ESP_B/data", #"{"voltage": 231, "power": 10, "ts": \#(t0 / 1000)}"#),
            ("\(p)/ESP_B/data", #"{"current": 0.5, "ts": "2026-11-27T10:00:00Z"}"#),
            (
                "tele/\(p)-plug/SENSOR",
                #"{"ENERGY":{"Total":3.5,"Power":20,"Voltage":229,"Current":0.1,"Factor":0.9,"Frequency":50}}"#
            ),
            ("\(p)/ESP_C/power", "abc"), ("\(p)/ESP_C/power", "NaN"), ("\(p)/ESP_C/energy", "-5"),
            ("\(p)/ESP_C/data", "{broken"), ("\(p)/ESP_C", "1"), ("\(p)/ESP_C/voltage", "99999"),
            ("\(p)/ESP_C/data", "{" + String(repeating: " ", count: 65_600) + "}"),
        ])
        let series = try site.series()
        #expect(
            await eventually(timeout: 15) {
                try await series.readings(node: "ESP_B", from: nil, to: nil, limit: nil).count == 1
            })
        #expect(
            await eventually(timeout: 5) {
                try await series.readings(node: "ESP_A", from: nil, to: nil, limit: nil).count == 1
            })

        let a = try await series.readings(node: "ESP_A", from: nil, to: nil, limit: nil)
        #expect(
            a.first.map { [$0.voltage, $0.current, $0.power, $0.energy, $0.pf, $0.frequency] } == [
                230.5, 1.5, 345.7, 12.5, 0.98, 49.98,
            ])
        let b = try await series.readings(node: "ESP_B", from: nil, to: nil, limit: nil)
        #expect(
            b == [Reading(node: "ESP_B", time: t0, voltage: 231, current: 0.5, power: 10)],
            "two JSON messages, same ts → one row")
        #expect(
            await eventually(timeout: 5) {
                try await series.readings(node: "\(p)-plug", from: nil, to: nil, limit: nil).first?.energy == 3.5
            })
        #expect(try await series.readings(node: "ESP_C", from: nil, to: nil, limit: nil).isEmpty)

        let metrics = try await IngestSite.metrics(port: metricsPort)
        #expect(metrics["enertrack_ingest_messages_received_total"] == 16)
        #expect(metrics["enertrack_ingest_readings_rejected_total{reason=\"not_a_number\"}"] == 1)
        #expect(metrics["enertrack_ingest_readings_rejected_total{reason=\"not_finite\"}"] == 1)
        #expect(metrics["enertrack_ingest_readings_rejected_total{reason=\"negative_energy\"}"] == 1)
        #expect(metrics["enertrack_ingest_readings_rejected_total{reason=\"bad_json\"}"] == 1)
        #expect(metrics["enertrack_ingest_readings_rejected_total{reason=\"bad_topic\"}"] == 1)
        #expect(metrics["enertrack_ingest_readings_rejected_total{reason=\"out_of_range\"}"] == 1)
        #expect(metrics["enertrack_ingest_readings_rejected_total{reason=\"too_large\"}"] == 1)
        #expect(metrics["enertrack_ingest_spool_depth"] == 0)
        // The stats line (every minute in production; every second here).
        #expect(await ingest.waitForLog("stats: received", timeout: 5), "\(ingest.log)")
        #expect(ingest.log.contains("not_a_number=1") && ingest.log.contains("spool depth 0"), "\(ingest.log)")
        // One log line per node per minute, however many rejections.
        #expect(ingest.log.components(separatedBy: "rejected message").count - 1 == 2, "\(ingest.log)")

        ingest.signal(SIGTERM)
        let started = Date()
        #expect(await ingest.waitForExit(timeout: 10) == 0, "\(ingest.log)")
        #expect(Date().timeIntervalSince(started) < 10)

        // Unknown ids were registered inactive, with their last-seen time.
        let harness = try Harness(environment: ["ENERTRACK_DATA_DIR": site.directory])
        let nodes = try await harness.run(["node", "list", "--all", "--json"]).objects()
        let espA = nodes.first { $0["esp_id"] as? String == "ESP_A" }
        #expect(espA?["active"] as? Bool == false)
        #expect(espA?["last_seen"] as? String != nil)
        #expect(
            nodes.contains { $0["esp_id"] as? String == "ESP_C" } == false,
            "nothing valid from ESP_C, nothing registered")
    }

    @Test("per-quantity, JSON and Tasmota messages reach InfluxDB as one row each")
    func influxForms() async throws {
        let database = TestServers.freshInfluxDatabase()
        let site = try IngestSite(extra: ["INFLUX_URL": try TestServers.influxURL(), "INFLUX_DB": database])
        let ingest = try await site.startedIngest(["--tasmota"])
        let p = site.prefix
        try await site.publishFast([
            ("\(p)/IFX_A/tension", "229.5"), ("\(p)/IFX_A/potencia", "100.25"), ("\(p)/IFX_A/energia", "3.5"),
            ("\(p)/IFX_B/data", #"{"voltage": 231, "power": 10, "ts": "2026-11-27T10:00:00Z"}"#),
            ("tele/\(p)-ifx/SENSOR", #"{"ENERGY":{"Total":1.25,"Power":20,"Voltage":230}}"#),
        ])
        let store = InfluxSeriesStore(
            settings: InfluxSettings(url: try #require(URL(string: try TestServers.influxURL())), database: database))
        #expect(
            await eventually(timeout: 15) {
                try await store.readings(node: "\(p)-ifx", from: nil, to: nil, limit: nil).count == 1
            })
        let a = try await store.readings(node: "IFX_A", from: nil, to: nil, limit: nil)
        #expect(a.count == 1 && a.first?.voltage == 229.5 && a.first?.power == 100.25 && a.first?.energy == 3.5, "\(a)")
        #expect(
            try await store.readings(node: "IFX_B", from: nil, to: nil, limit: nil) == [
                Reading(node: "IFX_B", time: t0, voltage: 231, power: 10)
            ])
        #expect(try await store.readings(node: "\(p)-ifx", from: nil, to: nil, limit: nil).first?.energy == 1.25)
        await ingest.expectCleanStop()
    }

    @Test("readings go to InfluxDB exactly once; a replayed batch adds nothing; --known-only drops strangers")
    func influx() async throws {
        let database = TestServers.freshInfluxDatabase()
        let site = try IngestSite(extra: ["INFLUX_URL": try TestServers.influxURL(), "INFLUX_DB": database])
        let harness = try Harness(environment: ["ENERTRACK_DATA_DIR": site.directory])
        #expect(await harness.run(["node", "add", "KNOWN"]).status == 0)
        let ingest = try await site.startedIngest(["--known-only"])
        let lines = jsonLines(node: "KNOWN", count: 300, from: t0)
        try site.publishLines("\(site.prefix)/KNOWN/data", lines)
        try site.publishLines("\(site.prefix)/KNOWN/data", Array(lines[100..<200]))  // a replay
        try site.publish("\(site.prefix)/STRANGER/power", "5")
        let store = InfluxSeriesStore(
            settings: InfluxSettings(url: try #require(URL(string: try TestServers.influxURL())), database: database))
        #expect(
            await eventually(timeout: 20) {
                try await store.readings(node: "KNOWN", from: nil, to: nil, limit: nil).count == 300
            })
        await ingest.expectCleanStop()
        #expect(!ingest.log.contains("stay in the spool"), "\(ingest.log)")
        let rows = try await store.readings(node: "KNOWN", from: nil, to: nil, limit: nil)
        #expect(rows.count == 300 && Set(rows.map(\.time)).count == 300)
        #expect(rows.first == Reading(node: "KNOWN", time: t0, power: 100, energy: 0))
        #expect(try await store.readings(node: "STRANGER", from: nil, to: nil, limit: nil).isEmpty)
        let nodes = try await harness.run(["node", "list", "--all", "--json"]).objects()
        #expect(nodes.map { $0["esp_id"] as? String } == ["KNOWN"], "--known-only registers nobody")
        #expect(nodes.first?["last_seen"] as? String != nil)
    }

    @Test("a broker certificate that does not verify exits 69; a refused login exits 77")
    func brokerRefusals() async throws {
        let site = try IngestSite(extra: ["MQTT_CAFILE": try TestServers.broker().otherCAFile])
        let wrongCA = try site.ingest()
        #expect(await wrongCA.waitForExit(timeout: 15) == 69, "\(wrongCA.log)")
        #expect(wrongCA.log.contains("certificate"), "\(wrongCA.log)")

        let badLogin = try IngestSite(extra: ["MQTT_PASS": "not-the-password"]).ingest()
        #expect(await badLogin.waitForExit(timeout: 15) == 77, "\(badLogin.log)")
        #expect(badLogin.log.contains("refused the login"), "\(badLogin.log)")
        #expect(!badLogin.log.contains("not-the-password"), "the password is never logged")

        let noBroker = try IngestSite(extra: ["DOMINIO": ""]).ingest()
        #expect(await noBroker.waitForExit(timeout: 10) == 78, "\(noBroker.log)")
    }

    /// Readings of the crash test: enough that publishing outlasts the first thousand stored (a
    /// fast run stored all of 20,000 before the kill).
    static let crashBurst = 60_000

    @Test("kill -9 while publishing, then a restart: every reading stored exactly once")
    func crashRecovery() async throws {
        let site = try IngestSite()
        var ingest = try await site.startedIngest()
        let lines = jsonLines(node: "CRASH", count: Self.crashBurst, from: t0)
        // Published in six chunks by a thread of its own, which kills ingest itself once the
        // first chunk is out: the crash always falls while the meters are still publishing,
        // however loaded the machine (a kill decided by the test's task waited for a thread of
        // the cooperative pool that other tests' blocking calls held).
        let storedAtCrash = Mutex(-1)
        let database = site.directory + "/series.sqlite"
        let killer = ingest
        let published: Void = try await withCheckedThrowingContinuation { continuation in
            Thread.detachNewThread {
                do {
                    for start in stride(from: 0, to: lines.count, by: 10_000) {
                        try site.publishLines(
                            "\(site.prefix)/CRASH/data", Array(lines[start..<min(start + 10_000, lines.count)]))
                        if start == 0 {
                            killer.signal(SIGKILL)
                            let count = try? shell("/usr/bin/sqlite3", [database, "SELECT count(*) FROM readings"])
                            storedAtCrash.withLock {
                                $0 = Int(count?.trimmingCharacters(in: .whitespacesAndNewlines) ?? "") ?? 0
                            }
                        }
                    }
                    continuation.resume()
                } catch {
                    continuation.resume(throwing: error)
                }
            }
        }
        _ = published  // the rest waits in the broker's persistent session
        #expect(
            storedAtCrash.withLock { $0 } < Self.crashBurst, "the crash happened while meters were still publishing")
        #expect(await ingest.waitForExit(timeout: 5) != nil)
        let series = try site.series()
        ingest = try await site.startedIngest(log: "ingest-2.log")
        #expect(
            await eventually(timeout: 60) {
                try await series.readings(node: "CRASH", from: nil, to: nil, limit: nil).count == Self.crashBurst
            })
        await ingest.expectCleanStop()
        let rows = try await series.readings(node: "CRASH", from: nil, to: nil, limit: nil)
        #expect(rows.count == Self.crashBurst && Set(rows.map(\.time)).count == Self.crashBurst)
    }

    @Test("InfluxDB down while meters publish: the spool holds everything and drains when it is back")
    func storeOutage() async throws {
        let influxDirectory = try temporaryDirectory("enertrack-influx")
        let exports = try shell(packageRoot.path + "/scripts/services/influxdb", ["start", influxDirectory])
        defer { _ = try? shell(packageRoot.path + "/scripts/services/influxdb", ["stop", influxDirectory]) }
        let url = try #require(
            exports.split(separator: " ").first { $0.hasPrefix("ENERTRACK_TEST_INFLUX_URL=") }?.split(separator: "=")
                .last)
        let site = try IngestSite(extra: ["INFLUX_URL": String(url), "INFLUX_DB": "outage"])
        let ingest = try await site.startedIngest()
        let store = InfluxSeriesStore(
            settings: InfluxSettings(url: try #require(URL(string: String(url))), database: "outage"))
        try site.publishLines("\(site.prefix)/OUT/data", jsonLines(node: "OUT", count: 500, from: t0))
        #expect(
            await eventually(timeout: 15) {
                try await store.readings(node: "OUT", from: nil, to: nil, limit: nil).count == 500
            })

        _ = try shell(packageRoot.path + "/scripts/services/influxdb", ["stop", influxDirectory])
        try site.publishLines("\(site.prefix)/OUT/data", jsonLines(node: "OUT", count: 1500, from: t0 + 500_000))
        #expect(await ingest.waitForLog("cannot store readings", timeout: 15), "\(ingest.log)")
        _ = try shell(packageRoot.path + "/scripts/services/influxdb", ["restart", influxDirectory])
        #expect(
            await eventually(timeout: 30) {
                try await store.readings(node: "OUT", from: nil, to: nil, limit: nil).count == 2000
            })
        #expect(await ingest.waitForLog("series store is back", timeout: 5))
        await ingest.expectCleanStop()
    }

    @Test("the broker restarts: ingest reconnects with backoff, resumes its session, stores everything")
    func brokerRestart() async throws {
        let brokerDirectory = try temporaryDirectory("enertrack-mosquitto")
        let script = packageRoot.path + "/scripts/services/mosquitto"
        let exports = try shell(script, ["start", brokerDirectory])
        defer { _ = try? shell(script, ["stop", brokerDirectory]) }
        func exported(_ name: String) throws -> String {
            try #require(
                exports.split(separator: " ").first { $0.hasPrefix(name + "=") }.map {
                    String($0.dropFirst(name.count + 1))
                })
        }
        let port = try exported("ENERTRACK_TEST_MQTT_PORT").trimmingCharacters(in: .whitespacesAndNewlines)
        var site = try IngestSite()
        site.extra = ["PUERTO_MQTTS": port, "MQTT_CAFILE": try exported("ENERTRACK_TEST_MQTT_CA")]
        let ingest = try await site.startedIngest()
        try site.publishLines("\(site.prefix)/RESTART/data", jsonLines(node: "RESTART", count: 200, from: t0))
        let series = try site.series()
        #expect(
            await eventually(timeout: 15) {
                try await series.readings(node: "RESTART", from: nil, to: nil, limit: nil).count == 200
            })

        _ = try shell(script, ["restart", brokerDirectory])
        #expect(await ingest.waitForLog("broker unreachable", timeout: 15), "\(ingest.log)")
        #expect(
            await eventually(timeout: 30) { ingest.log.components(separatedBy: "subscribed to").count == 3 },
            "\(ingest.log)")
        try site.publishLines("\(site.prefix)/RESTART/data", jsonLines(node: "RESTART", count: 200, from: t0 + 200_000))
        #expect(
            await eventually(timeout: 15) {
                try await series.readings(node: "RESTART", from: nil, to: nil, limit: nil).count == 400
            })
        #expect(
            ingest.log.components(separatedBy: "broker unreachable").count - 1 <= 2,
            "each state change is logged once: \(ingest.log)")
        await ingest.expectCleanStop()
    }

    @Test("two workers with --share split one stream; every reading stored once")
    func sharedSubscription() async throws {
        let site = try IngestSite()
        let ports = (freePort(), freePort())
        let one = try await site.startedIngest(
            ["--share", "g", "--metrics-listen", "127.0.0.1:\(ports.0)"], clientID: "w1", log: "w1.log")
        let two = try await site.startedIngest(
            ["--share", "g", "--metrics-listen", "127.0.0.1:\(ports.1)"], clientID: "w2", log: "w2.log")
        try site.publishLines("\(site.prefix)/SHARED/data", jsonLines(node: "SHARED", count: 2000, from: t0))
        let series = try site.series()
        #expect(
            await eventually(timeout: 20) {
                try await series.readings(node: "SHARED", from: nil, to: nil, limit: nil).count == 2000
            })
        let first = try await IngestSite.metrics(port: ports.0)["enertrack_ingest_messages_received_total"] ?? 0
        let second = try await IngestSite.metrics(port: ports.1)["enertrack_ingest_messages_received_total"] ?? 0
        #expect(first + second == 2000, "each message went to one worker only")
        #expect(first > 0 && second > 0, "both workers took a share: \(first) / \(second)")
        await one.expectCleanStop("worker 1")
        await two.expectCleanStop("worker 2")
        #expect(try await series.readings(node: "SHARED", from: nil, to: nil, limit: nil).count == 2000)
    }

    @Test("simulate publishes meters that ingest stores")
    func simulate() async throws {
        let site = try IngestSite()
        let ingest = try await site.startedIngest()
        let simulate = try LiveProcess(
            ["simulate", "--nodes", "3", "--rate", "30", "--duration", "1", "--node-prefix", "SIMT"],
            environment: site.environment, logPath: site.directory + "/simulate.log")
        #expect(await simulate.waitForExit(timeout: 20) == 0, "\(simulate.log)")
        #expect(simulate.log.contains("published 30 readings"), "\(simulate.log)")
        let series = try site.series()
        #expect(
            await eventually(timeout: 10) {
                var total = 0
                for node in ["SIMT-001", "SIMT-002", "SIMT-003"] {
                    total += try await series.readings(node: node, from: nil, to: nil, limit: nil).count
                }
                return total == 30
            })
        let reading = try await series.readings(node: "SIMT-001", from: nil, to: nil, limit: 1).first
        #expect(
            reading.map {
                (220...240).contains($0.voltage ?? 0) && ($0.power ?? 0) > 0
                    && (49.5...50.5).contains($0.frequency ?? 0)
            } == true)
        // A house with solar panels: five meters a tick; the grid meter carries both counters.
        let house = try LiveProcess(
            ["simulate", "--household", "--rate", "25", "--duration", "1", "--node-prefix", "CASA"],
            environment: site.environment, logPath: site.directory + "/house.log")
        #expect(await house.waitForExit(timeout: 20) == 0, "\(house.log)")
        let meters = ["CASA-COCINA", "CASA-CLIMA", "CASA-RESTO", "CASA-SOLAR", "CASA-RED"]
        #expect(
            await eventually(timeout: 10) {
                var counts: [Int] = []
                for node in meters {
                    counts.append(try await series.readings(node: node, from: nil, to: nil, limit: nil).count)
                }
                return Set(counts).count == 1 && counts[0] == 5
            })
        let grid = try await series.readings(node: "CASA-RED", from: nil, to: nil, limit: 1).first
        #expect(grid?.energy != nil && grid?.energyExport != nil && grid?.power != nil, "\(String(describing: grid))")
        await ingest.expectCleanStop()
    }
}

/// systemd's side of `Type=notify`: a datagram socket that collects what a service sends.
final class NotifySocket {
    let path: String
    private let descriptor: Int32
    private(set) var messages: [String] = []

    init() throws {
        path = try temporaryDirectory("enertrack-notify") + "/notify.sock"
        descriptor = socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue), 0)
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        withUnsafeMutableBytes(of: &address.sun_path) { $0.copyBytes(from: Array(path.utf8)) }
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(descriptor, $0, socklen_t(MemoryLayout<sockaddr_un>.size))
            }
        }
        guard bound == 0 else { throw HarnessError("cannot bind \(path)") }
        var timeout = timeval(tv_sec: 0, tv_usec: 100_000)
        setsockopt(descriptor, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
    }

    deinit { close(descriptor) }

    /// What a unit with `WatchdogSec=` gives its service (a short watchdog, for the test).
    var environment: [String: String] { ["NOTIFY_SOCKET": path, "WATCHDOG_USEC": "400000"] }

    /// Collects messages until one contains `until`; false after `seconds`.
    func receive(until: String, seconds: Double) -> Bool {
        let deadline = Date().addingTimeInterval(seconds)
        var buffer = [UInt8](repeating: 0, count: 512)
        while Date() < deadline {
            let count = recv(descriptor, &buffer, buffer.count, 0)
            if count > 0 { messages.append(String(decoding: buffer[0..<count], as: UTF8.self)) }
            if messages.contains(where: { $0.contains(until) }) { return true }
        }
        return false
    }
}

@Suite("services under systemd's notify protocol", .serialized)
struct SystemdNotifyTests {
    @Test("ingest: READY=1 after the subscription, WATCHDOG=1 while running, STOPPING=1 at SIGTERM")
    func notify() async throws {
        let socket = try NotifySocket()
        let site = try IngestSite(extra: socket.environment)
        let ingest = try site.ingest()
        #expect(socket.receive(until: "READY=1", seconds: 15), "\(socket.messages) \(ingest.log)")
        #expect(ingest.log.contains("subscribed to"), "READY comes after the subscription is acknowledged")
        #expect(socket.receive(until: "WATCHDOG=1", seconds: 3), "\(socket.messages)")
        ingest.signal(SIGTERM)
        #expect(socket.receive(until: "STOPPING=1", seconds: 10), "\(socket.messages)")
        #expect(await ingest.waitForExit(timeout: 10) == 0)
    }

    @Test("serve: READY=1 once the port answers, WATCHDOG=1 while the event loop runs, a clean stop")
    func serve() async throws {
        let socket = try NotifySocket()
        let harness = try Harness()
        let port = freePort()
        let serve = try LiveProcess(
            ["serve", "--port", String(port)],
            environment: ProcessInfo.processInfo.environment.merging(harness.environment) { $1 }.merging(
                socket.environment
            ) { $1 }, logPath: harness.dataDirectory + "/serve.log")
        #expect(socket.receive(until: "READY=1", seconds: 20), "\(socket.messages) \(serve.log)")
        let health = try shell(
            "/usr/bin/curl", ["-s", "-o", "/dev/null", "-w", "%{http_code}", "http://127.0.0.1:\(port)/healthz"])
        #expect(health == "200", "READY=1 means the port answers")
        #expect(socket.receive(until: "WATCHDOG=1", seconds: 3), "\(socket.messages)")
        await serve.expectCleanStop("serve")
    }
}
