import EnerTrackCore
import Foundation
import Synchronization

/// Counters of one `ingest` process: the minute's stats line and the Prometheus endpoint read them.
public final class IngestMetrics: Sendable {
    public let received = Atomic<Int>(0)
    public let stored = Atomic<Int>(0)
    public let storeErrors = Atomic<Int>(0)
    private let rejected = Mutex<[RejectReason: Int]>([:])
    /// Sum and count of store write latencies, in microseconds.
    private let latencySum = Atomic<Int>(0)
    private let latencyCount = Atomic<Int>(0)
    public let spoolDepth = Atomic<Int>(0)
    public let spoolFull = Atomic<Bool>(false)
    public let connected = Atomic<Bool>(false)

    public init() {}

    public func reject(_ reason: RejectReason, count: Int = 1) {
        rejected.withLock { $0[reason, default: 0] += count }
    }

    /// Every reason, zero included, so the metric has all its series from the start.
    public func rejectedCounts() -> [RejectReason: Int] {
        let counts = rejected.withLock { $0 }
        return Dictionary(uniqueKeysWithValues: RejectReason.allCases.map { ($0, counts[$0] ?? 0) })
    }

    public func recordWrite(seconds: Double) {
        latencySum.add(Int(seconds * 1_000_000), ordering: .relaxed)
        latencyCount.add(1, ordering: .relaxed)
    }

    /// Mean write latency in ms since the last call (for the minute's stats line).
    public func takeMeanLatency() -> Double? {
        let sum = latencySum.exchange(0, ordering: .relaxed)
        let count = latencyCount.exchange(0, ordering: .relaxed)
        return count == 0 ? nil : Double(sum) / Double(count) / 1000
    }

    /// Prometheus text exposition format 0.0.4.
    public func prometheusText() -> String {
        var out = ""
        func metric(_ name: String, _ type: String, _ help: String, _ samples: [(String, Int)]) {
            out += "# HELP \(name) \(help)\n# TYPE \(name) \(type)\n"
            for (labels, value) in samples { out += "\(name)\(labels) \(value)\n" }
        }
        metric(
            "enertrack_ingest_messages_received_total", "counter", "MQTT messages received.",
            [("", received.load(ordering: .relaxed))])
        metric(
            "enertrack_ingest_readings_stored_total", "counter", "Readings the series store confirmed.",
            [("", stored.load(ordering: .relaxed))])
        metric(
            "enertrack_ingest_readings_rejected_total", "counter", "Messages or readings dropped, by reason.",
            rejectedCounts().sorted { $0.key.rawValue < $1.key.rawValue }.map {
                ("{reason=\"\($0.key.rawValue)\"}", $0.value)
            })
        metric(
            "enertrack_ingest_store_errors_total", "counter", "Failed series store writes (retried).",
            [("", storeErrors.load(ordering: .relaxed))])
        metric(
            "enertrack_ingest_spool_depth", "gauge", "Readings in the spool waiting for the series store.",
            [("", spoolDepth.load(ordering: .relaxed))])
        metric(
            "enertrack_ingest_spool_full", "gauge", "1 while the spool is full and consumption is paused.",
            [("", spoolFull.load(ordering: .relaxed) ? 1 : 0)])
        metric(
            "enertrack_ingest_mqtt_connected", "gauge", "1 while connected to the broker.",
            [("", connected.load(ordering: .relaxed) ? 1 : 0)])
        return out
    }
}
