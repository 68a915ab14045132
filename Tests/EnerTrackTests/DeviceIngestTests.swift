import EnerTrackCore
import EnerTrackInflux
import EnerTrackIngest
import Foundation
import Synchronization
import Testing

/// The device fixtures through a live `ingest` on the TLS test broker, configured with
/// `enertrack source add`, into each series store.
@Suite("Devices through a live ingest", .serialized)
struct DeviceIngestTests {
    @Test("every fixture's readings stored as stated by hand", arguments: ["sqlite", "influx"])
    func fixtures(store: String) async throws {
        let database = TestServers.freshInfluxDatabase()
        let site = try IngestSite(
            extra: store == "influx" ? ["INFLUX_URL": try TestServers.influxURL(), "INFLUX_DB": database] : [:])
        let p = site.prefix
        let harness = try Harness(environment: site.environment)
        // Each test's topics under its own prefix, so parallel tests never see them.
        await DeviceFixtures.addSources(harness, prefix: p, esphome: "\(p)/c3-debug/#", discovery: "\(p)/homeassistant")
        let ingest = try await site.startedIngest()
        #expect(ingest.log.contains("s2 (shelly-gen2)"), "\(ingest.log)")
        let now = Int64(Date().timeIntervalSince1970)
        var messages: [(topic: String, payload: String)] = []
        for (file, _) in DeviceFixtures.all {
            for message in try DeviceFixtures.messages(file, ts: now - 1) {
                messages.append(
                    (
                        "\(p)/\(message.topic)",
                        message.payload.replacingOccurrences(of: "\"c3-debug/", with: "\"\(p)/c3-debug/")
                    ))
            }
        }
        // The Pro 3EM's status and its NotifyStatus are two instants of one meter: one at a time.
        let notify = messages.filter { $0.topic.hasSuffix("/events/rpc") }
        try await site.publishFast(messages.filter { !$0.topic.hasSuffix("/events/rpc") })

        let series: any SeriesStore =
            store == "influx"
            ? InfluxSeriesStore(
                settings: InfluxSettings(
                    url: try #require(URL(string: try TestServers.influxURL())), database: database))
            : try site.series()
        let expected = DeviceFixtures.all.filter { $0.file != "shelly-pro3em-notify" }.reduce(
            into: DeviceFixtures.Expected()
        ) { all, fixture in all.merge(fixture.expected) { $1 } }
        let problems = Mutex<[String]>([])
        let stored = await eventually(timeout: 20) {
            var byNode: [String: Reading] = [:]
            for node in expected.keys {
                let readings = try await series.readings(node: node, from: nil, to: nil, limit: nil)
                byNode.merge(DeviceFixtures.merged(readings)) { $1 }
            }
            let found = DeviceFixtures.differences(byNode, expected)
            problems.withLock { $0 = found }
            return found.isEmpty
        }
        #expect(stored, "\(problems.withLock { $0 })")

        try await site.publishFast(notify)
        let node = "shellypro3em-c8f09e8a1b2c"
        let stamped = await eventually(timeout: 20) {
            try await series.readings(node: node, from: (now - 1) * 1000, to: (now - 1) * 1000 + 1, limit: nil)
                .first?.power == 3007.343
        }
        #expect(stamped, "NotifyStatus stored at its own ts")
        let metrics = ingest.log
        await ingest.expectCleanStop()
        #expect(!metrics.contains("rejected message"), "\(metrics)")
    }

    @Test("source add checks what it is given; list and remove; a running ingest follows a change on SIGHUP")
    func sourcesCommand() async throws {
        let site = try IngestSite()
        let harness = try Harness(environment: site.environment)
        let bad: [([String], Int32, String)] = [
            (["x y", "--filter", "a/#", "--decoder", "tasmota"], 64, "source name"),
            (["x", "--filter", "a/#/b", "--decoder", "tasmota"], 64, "'#' must be a whole last level"),
            (["x", "--filter", "a/#", "--decoder", "zigbee"], 64, "zigbee"),
            (["x", "--filter", "a/#", "--decoder", "tasmota", "--map", "a=voltage"], 64, "for esphome sources"),
            (["x", "--filter", "a/#", "--decoder", "esphome", "--map", "a=volts"], 64, "unknown quantity"),
            (["x", "--filter", "a/#", "--decoder", "esphome", "--map", "a=energy:J"], 64, "not measured in 'J'"),
        ]
        for (arguments, status, message) in bad {
            let result = await harness.run(["source", "add"] + arguments)
            #expect(result.status == status && result.stderr.contains(message), "\(arguments): \(result.stderr)")
        }
        #expect(await harness.run(["source", "list"]).stdout.contains("no sources"))
        let ingest = try await site.startedIngest()
        #expect(ingest.log.contains("\(site.prefix)/#"))
        let p = site.prefix
        #expect(
            await harness.run(["source", "add", "tas", "--filter", "\(p)/tele/+/SENSOR", "--decoder", "tasmota"]).status
                == 0)
        #expect(await harness.run(["source", "add", "tas", "--filter", "x/#", "--decoder", "tasmota"]).status == 65)
        let listed = await harness.run(["source", "list", "--json"])
        #expect(listed.stdout.contains(#""decoder" : "tasmota""#), "\(listed.stdout)")
        ingest.signal(SIGHUP)
        #expect(await ingest.waitForLog("sources: tas (tasmota)"), "\(ingest.log)")
        try site.publish("\(p)/tele/plug-1/SENSOR", #"{"ENERGY":{"Total":1.5,"Power":[10,20,30]}}"#)
        let series = try site.series()
        #expect(await eventually(timeout: 15) { try await series.latest(nodes: ["plug-1"])["plug-1"]?.power == 60 })
        #expect(await harness.run(["source", "remove", "tas"]).status == 0)
        #expect(await harness.run(["source", "remove", "tas"]).status == 67)
        await ingest.expectCleanStop()
    }
}

@Suite("simulate in the devices' own shapes", .serialized)
struct SimulateDevicesTests {
    @Test(
        "simulate --format F: a live ingest with the source it names stores three-phase readings",
        arguments: DeviceFormat.allCases.map(\.rawValue))
    func simulate(_ format: String) async throws {
        let site = try IngestSite()
        let p = site.prefix
        let harness = try Harness(environment: site.environment)
        let filter = "\(p)/\(try #require(DeviceFormat(rawValue: format)).filter)"
        var source = ["source", "add", "sim", "--filter", filter, "--decoder", format]
        if format == "esphome" { source += ["--discovery-prefix", "\(p)/homeassistant"] }
        #expect(await harness.run(source).status == 0)
        let ingest = try await site.startedIngest()
        let nodes = "\(p.prefix(6))-SIM"
        let simulate = try LiveProcess(
            [
                "simulate", "--nodes", "2", "--rate", "10", "--duration", "2", "--format", format, "--topic-root", p,
                "--node-prefix", nodes,
            ],
            environment: site.environment, logPath: site.directory + "/simulate.log")
        #expect(await simulate.waitForExit(timeout: 30) == 0, "\(simulate.log)")
        #expect(simulate.log.contains("source add \(format) --filter '\(filter)'"), "\(simulate.log)")
        let id = format == "shelly-gen1" ? "shellyem3-\(nodes)-001" : "\(nodes)-001"
        let series = try site.series()
        let stored = await eventually(timeout: 20) {
            let readings = try await series.readings(node: id, from: nil, to: nil, limit: nil)
            // Three phases with the 55/30/15 % split, and the totals EnerTrack derives or the device sent.
            return readings.contains { reading in
                guard let l1 = reading[.powerL1], let l3 = reading[.powerL3], let power = reading.power else {
                    return false
                }
                return l1 > l3 && abs(power - (l1 + (reading[.powerL2] ?? 0) + l3)) < 0.2
            }
        }
        #expect(stored, "\(ingest.log)")
        #expect(!ingest.log.contains("rejected message"), "\(ingest.log)")
        await ingest.expectCleanStop()
    }
}
