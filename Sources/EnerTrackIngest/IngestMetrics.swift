import CoreMetrics
import EnerTrackCore
import EnerTrackRuntime
import Foundation
import Synchronization

/// The metrics of one `ingest` process, through swift-metrics into its Prometheus registry
/// (`--metrics-listen`); the minute's stats line reads the atomics beside them.
public final class IngestMetrics: Sendable {
    public let registry: MetricsRegistry
    public let received = Atomic<Int>(0)
    public let stored = Atomic<Int>(0)
    private let rejected = Mutex<[RejectReason: Int]>([:])
    /// Sum and count of store write latencies since the stats line last asked, in microseconds.
    private let latencySum = Atomic<Int>(0)
    private let latencyCount = Atomic<Int>(0)
    public let spoolFull = Atomic<Bool>(false)

    private let receivedCounter: CoreMetrics.Counter
    private let storedCounter: CoreMetrics.Counter
    private let rejectedCounters: [RejectReason: CoreMetrics.Counter]
    private let storeErrors: CoreMetrics.Counter
    private let writeSeconds: CoreMetrics.Timer
    private let delaySeconds: CoreMetrics.Timer
    private let spoolDepthGauge: CoreMetrics.Meter
    private let spoolFullGauge: CoreMetrics.Meter
    private let connectedGauge: CoreMetrics.Meter

    public init(registry: MetricsRegistry = MetricsRegistry()) {
        self.registry = registry
        receivedCounter = registry.counter("enertrack_ingest_messages_received_total", help: "MQTT messages received.")
        storedCounter = registry.counter(
            "enertrack_ingest_readings_stored_total", help: "Readings the series store confirmed.")
        // Every reason from the start, zero included, so the metric has all its series.
        let byReason = registry.counters(
            "enertrack_ingest_readings_rejected_total", help: "Messages or readings dropped, by reason.",
            label: "reason", values: RejectReason.allCases.map(\.rawValue))
        rejectedCounters = Dictionary(
            uniqueKeysWithValues: RejectReason.allCases.compactMap { reason in
                byReason[reason.rawValue].map { (reason, $0) }
            })
        storeErrors = registry.counter(
            "enertrack_ingest_store_errors_total", help: "Failed series store writes (retried).")
        writeSeconds = registry.timer(
            "enertrack_ingest_store_write_seconds", help: "Time the series store took to confirm a batch.")
        delaySeconds = registry.timer(
            "enertrack_ingest_reading_delay_seconds",
            help: "From a reading's own time to the series store confirming it (meter clock skew included).",
            buckets: [
                .milliseconds(50), .milliseconds(100), .milliseconds(250), .milliseconds(500), .seconds(1), .seconds(2),
                .seconds(5), .seconds(10), .seconds(30), .seconds(60), .seconds(300), .seconds(3600),
            ])
        spoolDepthGauge = registry.gauge(
            "enertrack_ingest_spool_depth", help: "Readings in the spool waiting for the series store.")
        spoolFullGauge = registry.gauge(
            "enertrack_ingest_spool_full", help: "1 while the spool is full and consumption is paused.")
        connectedGauge = registry.gauge("enertrack_ingest_mqtt_connected", help: "1 while connected to the broker.")
        spoolDepthGauge.set(0)
        spoolFullGauge.set(0)
        connectedGauge.set(0)
    }

    public func receive() {
        received.add(1, ordering: .relaxed)
        receivedCounter.increment()
    }

    public func store(_ count: Int) {
        stored.add(count, ordering: .relaxed)
        storedCounter.increment(by: Int64(count))
    }

    public func storeFailed() { storeErrors.increment() }

    public func reject(_ reason: RejectReason, count: Int = 1) {
        rejected.withLock { $0[reason, default: 0] += count }
        rejectedCounters[reason]?.increment(by: Int64(max(count, 0)))
    }

    public func setConnected(_ connected: Bool) { connectedGauge.set(connected ? 1 : 0) }

    public func setSpoolDepth(_ depth: Int) { spoolDepthGauge.set(Int64(depth)) }

    /// Whether the spool is full; true when that changed.
    public func setSpoolFull(_ full: Bool) -> Bool {
        guard spoolFull.exchange(full, ordering: .relaxed) != full else { return false }
        spoolFullGauge.set(full ? 1 : 0)
        return true
    }

    /// Every reason, zero included.
    public func rejectedCounts() -> [RejectReason: Int] {
        let counts = rejected.withLock { $0 }
        return Dictionary(uniqueKeysWithValues: RejectReason.allCases.map { ($0, counts[$0] ?? 0) })
    }

    /// Each stored reading's delay: `now` (ms) less its time; readings from the future count as 0.
    public func recordDelays(_ readings: [Reading], now: Int64) {
        for reading in readings {
            delaySeconds.recordNanoseconds(
                max(0, now - reading.time).multipliedReportingOverflow(by: 1_000_000).partialValue)
        }
    }

    public func recordWrite(_ duration: Duration) {
        writeSeconds.recordNanoseconds(duration.nanoseconds)
        latencySum.add(Int(duration.nanoseconds / 1000), ordering: .relaxed)
        latencyCount.add(1, ordering: .relaxed)
    }

    /// Mean write latency in ms since the last call (for the minute's stats line).
    public func takeMeanLatency() -> Double? {
        let sum = latencySum.exchange(0, ordering: .relaxed)
        let count = latencyCount.exchange(0, ordering: .relaxed)
        return count == 0 ? nil : Double(sum) / Double(count) / 1000
    }
}
