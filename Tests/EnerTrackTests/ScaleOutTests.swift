import EnerTrackCore
import EnerTrackInflux
import Foundation
import Synchronization
import Testing

/// Past one process: three `ingest` workers on one shared subscription with one killed in the
/// middle of a burst, on both series stores.
@Suite("Scale-out: several ingest workers", .serialized)
struct ScaleOutIngestTests {
    static let burst = 30_000

    @Test(
        "three workers on $share, one killed with SIGKILL mid-burst and restarted: every reading stored once",
        arguments: SeriesFactory.allCases)
    func workersKilled(_ factory: SeriesFactory) async throws {
        var extra: [String: String] = [:]
        if factory == .influx {
            extra["INFLUX_URL"] = try TestServers.influxURL()
            extra["INFLUX_DB"] = TestServers.freshInfluxDatabase()
        }
        let site = try IngestSite(extra: extra)
        let ports = [freePort(), freePort(), freePort()]
        var workers = try await (1...3).asyncMap { index in
            try await site.startedIngest(
                ["--share", "fleet", "--metrics-listen", "127.0.0.1:\(ports[index - 1])"], clientID: "w\(index)",
                log: "w\(index).log")
        }
        let start: Int64 = 1_795_000_000
        let lines = (0..<Self.burst).map { index in
            #"{"power": \#(100 + index % 50), "energy": \#(Double(index) / 1000), "ts": \#(start + Int64(index))}"#
        }
        // Six chunks from a thread of its own, which kills worker 2 once the first is out.
        let victim = workers[1]
        let _: Void = try await withCheckedThrowingContinuation { continuation in
            Thread.detachNewThread {
                do {
                    for chunk in stride(from: 0, to: lines.count, by: 5_000) {
                        try site.publishLines(
                            "\(site.prefix)/FLEET/data", Array(lines[chunk..<min(chunk + 5_000, lines.count)]))
                        if chunk == 0 { victim.signal(SIGKILL) }
                    }
                    continuation.resume()
                } catch {
                    continuation.resume(throwing: error)
                }
            }
        }
        #expect(await victim.waitForExit(timeout: 5) != nil)
        // Its persistent session kept what the broker had queued for it; its spool, what it took.
        workers[1] = try await site.startedIngest(
            ["--share", "fleet", "--metrics-listen", "127.0.0.1:\(ports[1])"], clientID: "w2", log: "w2-again.log")
        let series: any SeriesStore =
            factory == .influx
            ? InfluxSeriesStore(
                settings: InfluxSettings(
                    url: try #require(URL(string: extra["INFLUX_URL"] ?? "")), database: extra["INFLUX_DB"] ?? ""))
            : try site.series()
        #expect(
            await eventually(timeout: 120) {
                try await series.readings(node: "FLEET", from: nil, to: nil, limit: nil).count == Self.burst
            }, "\(workers.map(\.log).joined(separator: "\n---\n").suffix(3000))")
        // The two that were never killed each took a share of the stream.
        for index in [0, 2] {
            let received = try await IngestSite.metrics(port: ports[index])["enertrack_ingest_messages_received_total"]
            #expect((received ?? 0) > 0, "worker \(index + 1) received \(received ?? 0)")
        }
        for worker in workers { await worker.expectCleanStop() }
        let rows = try await series.readings(node: "FLEET", from: nil, to: nil, limit: nil)
        #expect(rows.count == Self.burst && Set(rows.map(\.time)).count == Self.burst)
    }
}

extension Sequence {
    func asyncMap<T>(_ transform: (Element) async throws -> T) async rethrows -> [T] {
        var values: [T] = []
        for element in self { values.append(try await transform(element)) }
        return values
    }
}
