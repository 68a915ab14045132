import EnerTrackCore
import EnerTrackSQLite
import Foundation
import Testing

@testable import EnerTrackInflux

/// Which series store a contract test runs against: embedded SQLite, or the test InfluxDB.
enum SeriesFactory: String, CaseIterable, CustomTestStringConvertible, Sendable {
    case sqlite
    case influx

    var testDescription: String { rawValue }

    func make(compression: InfluxSettings.Compression = .auto) throws -> any SeriesStore {
        switch self {
        case .sqlite:
            return try SQLiteSeriesStore(path: try temporaryDirectory("enertrack-series") + "/series.sqlite")
        case .influx:
            let url = try #require(URL(string: try TestServers.influxURL()))
            return InfluxSeriesStore(
                settings: InfluxSettings(
                    url: url, database: TestServers.freshInfluxDatabase(), compression: compression))
        }
    }
}

/// One contract, every implementation: what `ingest`, reports and alerts rely on.
@Suite("Series store contract")
struct SeriesStoreContractTests {
    let t0: Int64 = 1_795_773_600_000

    @Test(
        "a batch is stored and read back per node, oldest first, in a half-open range",
        arguments: SeriesFactory.allCases)
    func writeAndRead(_ factory: SeriesFactory) async throws {
        let store = try factory.make()
        try await store.check()
        let batch = (0..<50).map { (index: Int) -> Reading in
            let value = Double(index)
            let node = index % 2 == 0 ? "EVEN" : "ODD"
            return Reading(
                node: node, time: t0 + Int64(index) * 1000, voltage: 230 + value / 10, current: 1.25, power: value * 10,
                energy: 100 + value / 1000, pf: 0.95, frequency: 50.01)
        }
        try await store.write(batch.shuffled())
        let even = try await store.readings(node: "EVEN", from: nil, to: nil, limit: nil)
        #expect(even.count == 25)
        #expect(even == batch.filter { $0.node == "EVEN" }, "every quantity comes back exactly")
        let window = try await store.readings(node: "ODD", from: t0 + 11_000, to: t0 + 21_000, limit: nil)
        #expect(window.map(\.time) == [11, 13, 15, 17, 19].map { t0 + Int64($0) * 1000 })
        let limited = try await store.readings(node: "ODD", from: t0, to: nil, limit: 3)
        #expect(limited.map(\.time) == [1, 3, 5].map { t0 + Int64($0) * 1000 })
        #expect(try await store.readings(node: "NONE", from: nil, to: nil, limit: nil).isEmpty)
    }

    @Test(
        "same node and time overwrites field by field; a replayed batch changes nothing",
        arguments: SeriesFactory.allCases)
    func idempotent(_ factory: SeriesFactory) async throws {
        let store = try factory.make()
        try await store.write([Reading(node: "A", time: t0, voltage: 230)])
        try await store.write([Reading(node: "A", time: t0, current: 2)])
        try await store.write([Reading(node: "A", time: t0, voltage: 231, power: 460)])
        let batch = [Reading(node: "A", time: t0 + 1000, power: 1), Reading(node: "A", time: t0 + 2000, power: 2)]
        try await store.write(batch)
        try await store.write(batch)
        let rows = try await store.readings(node: "A", from: nil, to: nil, limit: nil)
        #expect(rows == [Reading(node: "A", time: t0, voltage: 231, current: 2, power: 460)] + batch)
    }

    @Test("latest reading per node and mean power over a window", arguments: SeriesFactory.allCases)
    func latestAndMean(_ factory: SeriesFactory) async throws {
        let store = try factory.make()
        try await store.write([
            Reading(node: "A", time: t0, power: 100), Reading(node: "A", time: t0 + 60_000, power: 300, energy: 5),
            Reading(node: "B", time: t0 + 30_000, voltage: 229), Reading(node: "C", time: t0, power: 50),
        ])
        let latest = try await store.latest(nodes: ["A", "B", "NONE"])
        #expect(latest.count == 2)
        #expect(latest["A"] == Reading(node: "A", time: t0 + 60_000, power: 300, energy: 5))
        #expect(latest["B"]?.time == t0 + 30_000)
        let means = try await store.meanPower(nodes: ["A", "B", "C"], from: t0, to: t0 + 60_001)
        #expect(means["A"] == 200)
        #expect(means["B"] == nil, "no power readings → absent, not zero")
        #expect(means["C"] == 50)
        #expect(try await store.meanPower(nodes: ["A"], from: t0 + 1, to: t0 + 60_000).isEmpty)
        #expect(try await store.latest(nodes: []).isEmpty)
    }

    /// InfluxDB asks in groups of 200 meters (an OR of 10,000 tags took 19 s): 450 meters are
    /// three groups, and every meter is answered once, whichever group it fell in.
    @Test("latest, first and mean over more meters than one query asks for", arguments: SeriesFactory.allCases)
    func manyMeters(_ factory: SeriesFactory) async throws {
        let store = try factory.make()
        let nodes = (0..<450).map { String(format: "M%03d", $0) }
        try await store.write(
            nodes.enumerated().flatMap { index, node in
                [
                    Reading(node: node, time: t0, power: Double(index)),
                    Reading(node: node, time: t0 + 10_000, power: Double(index) + 2, energy: 1),
                ]
            })
        let asked = nodes + ["NONE", "it's \"odd\""]
        let latest = try await store.latest(nodes: asked)
        #expect(latest.count == 450)
        #expect(latest["M449"] == Reading(node: "M449", time: t0 + 10_000, power: 451, energy: 1))
        let first = try await store.firstReadings(nodes: asked)
        #expect(first.count == 450 && Set(first.values) == [t0])
        let means = try await store.meanPower(nodes: asked, from: t0, to: t0 + 10_001)
        #expect(means.count == 450)
        #expect(nodes.enumerated().allSatisfy { index, node in means[node] == Double(index) + 1 })
    }

    /// A live meter's batches in one bucket ride on one dirty mark (a mark per batch was a mark
    /// per reading at ten thousand meters); a refresh in another process keeps marks younger
    /// than three minutes, so a reading written after it read, riding on such a mark, still
    /// counts at the next refresh.
    /// (An hour's hold here, so a loaded machine's slow writes stay inside the reuse window.)
    @Test("InfluxDB: one dirty mark per meter and bucket a minute; a refresh keeps young marks")
    func influxMarks() async throws {
        var settings = try #require(try SeriesFactory.influx.make() as? InfluxSeriesStore).settings
        settings.markHold = 3_600_000
        let ingest = InfluxSeriesStore(settings: settings)
        let serve = InfluxSeriesStore(settings: settings)
        let now = Date().milliseconds
        let bucket = EnergyBuckets.floor(now) - EnergyBuckets.bucket
        func marks() async throws -> Int {
            let answer = try await ingest.series("SELECT count(start) FROM \"energy_dirty\" WHERE node = 'L'")
            return answer.first?.values.first.flatMap { $0.count > 1 ? $0[1].double : nil }.map { Int($0) } ?? 0
        }
        func kwh() async throws -> Double {
            let period = bucket..<bucket + EnergyBuckets.bucket
            return try #require(try await serve.energy(node: "L", periods: [period], timeZone: .gmt)?.first).kwh
        }
        for index in 0..<30 {
            try await ingest.write([
                Reading(node: "L", time: bucket + Int64(index) * 10_000, power: 600, energy: 100 + Double(index) / 100)
            ])
        }
        #expect(try await marks() == 1, "thirty batches in one bucket, one mark")
        #expect(abs(try await kwh() - 0.29) < 1e-9)
        // The next reading rides on the mark the refresh above handled; it is counted.
        try await ingest.write([Reading(node: "L", time: bucket + 300_000, power: 600, energy: 100.3)])
        #expect(try await marks() == 1)
        #expect(abs(try await kwh() - 0.3) < 1e-9, "a write riding on a handled mark is not lost")
        // Another bucket, another mark; a mark older than the hold goes at the next refresh.
        try await ingest.write([Reading(node: "L", time: bucket + 900_000, power: 600, energy: 100.6)])
        let old = "energy_dirty,node=L,writer=gone start=\(bucket)i,finish=\(bucket)i \(now - 7_200_000)\n"
        _ = try await ingest.send(ingest.writeRequest(body: Array(old.utf8)))
        #expect(try await marks() == 3)
        try await serve.refreshRollups()
        #expect(try await marks() == 2, "the old mark deleted, the young ones kept")
    }

    @Test("InfluxDB: gzip writes, and a down server is 'unavailable' (exit 69; ingest's spool retries)")
    func influxTransport() async throws {
        let gzipped = try SeriesFactory.influx.make(compression: .always)
        let batch = (0..<2000).map { Reading(node: "GZ", time: t0 + Int64($0), power: Double($0)) }
        try await gzipped.write(batch)
        #expect(try await gzipped.readings(node: "GZ", from: nil, to: nil, limit: nil).count == 2000)

        let down = InfluxSeriesStore(
            settings: InfluxSettings(url: try #require(URL(string: "http://127.0.0.1:9")), timeout: 2))
        await #expect {
            try await down.write(batch)
        } throws: { error in
            (error as? SeriesError)?.exitStatus == .unavailable
        }
    }
}

/// The 2.x/3.x API cannot be run here (Debian ships InfluxDB 1.6), so its requests are checked
/// for the shape the InfluxDB documentation gives.
@Suite("InfluxDB request shapes")
struct InfluxRequestTests {
    @Test("2.x/3.x: /api/v2/write with org, bucket, ms precision and a Token header; InfluxQL via the bucket")
    func version2() throws {
        let store = InfluxSeriesStore(
            settings: InfluxSettings(
                url: try #require(URL(string: "https://influx.example.org:8086/")), token: "secret-token",
                organization: "casa",
                bucket: "energia", compression: .auto))
        let write = store.writeRequest([Reading(node: "A", time: 1_795_773_600_000, power: 1)]).0
        #expect(write.method == "POST")
        #expect(
            write.url.absoluteString
                == "https://influx.example.org:8086/api/v2/write?org=casa&bucket=energia&precision=ms")
        #expect(write.headers["Authorization"] == "Token secret-token")
        let body = write.body.map { String(decoding: $0, as: UTF8.self) } ?? ""
        #expect(body.hasPrefix("energy,node=A power=1.0 1795773600000\nenergy_dirty,node=A,writer="), "\(body)")
        #expect(
            body.contains(" start=1795773600000i,finish=1795773600000i "),
            "the rollups' dirty mark rides along: \(body)")
        let query = store.queryRequest("SELECT 1")
        #expect(query.url.absoluteString == "https://influx.example.org:8086/query?db=energia&epoch=ms&q=SELECT%201")
        #expect(query.headers["Authorization"] == "Token secret-token")
        #expect(!store.location.contains("secret-token"))
        // Rollup upkeep deletes through /api/v2/delete (the /query compatibility API takes no DELETE).
        let delete = store.deleteRequest(
            measurement: "energy_dirty", node: "A\"B", from: nil, through: 1_795_773_600_000)
        #expect(delete.url.absoluteString == "https://influx.example.org:8086/api/v2/delete?org=casa&bucket=energia")
        #expect(
            delete.headers["Authorization"] == "Token secret-token"
                && delete.headers["Content-Type"] == "application/json")
        let json = try #require(try JSONSerialization.jsonObject(with: Data(delete.body ?? [])) as? [String: String])
        #expect(json["predicate"] == "_measurement=\"energy_dirty\" AND node=\"A\\\"B\"", "\(json)")
        #expect(json["start"] == "1970-01-01T00:00:00Z" || json["start"] == "1970-01-01T00:00:00+00:00", "\(json)")
        #expect(json["stop"]?.hasPrefix("2026-11-27T10:00:00.001") == true, "\(json)")
    }

    @Test("1.x: /write with db and basic auth; gzip only off loopback, for bodies worth it")
    func version1() throws {
        let remote = InfluxSeriesStore(
            settings: InfluxSettings(
                url: try #require(URL(string: "http://influx.lan:8086")), database: "medidores", user: "ana",
                password: "p+w"))
        let batch = (0..<100).map {
            Reading(node: "N", time: 1_795_773_600_000 + Int64($0), voltage: 230, power: Double($0))
        }
        let write = remote.writeRequest(batch).0
        #expect(write.url.absoluteString == "http://influx.lan:8086/write?db=medidores&precision=ms")
        #expect(write.headers["Authorization"] == "Basic " + Data("ana:p+w".utf8).base64EncodedString())
        #expect(write.headers["Content-Encoding"] == "gzip")
        let local = InfluxSeriesStore(
            settings: InfluxSettings(url: try #require(URL(string: "http://127.0.0.1:8086")), database: "x"))
        #expect(local.writeRequest(batch).0.headers["Content-Encoding"] == nil)
        #expect(local.queryRequest("SELECT a+b").url.absoluteString.contains("q=SELECT%20a%2Bb"))
    }
}
