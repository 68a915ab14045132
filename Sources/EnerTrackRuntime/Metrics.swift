import CoreMetrics
import Foundation
import Prometheus

/// One process's metrics: swift-metrics' types (`Counter`, `Meter`, `Timer`) over a
/// swift-prometheus registry, each family with its HELP text. `/metrics` (ingest, serve, the bot)
/// and the node exporter's textfile collector (`alerts run`) print the registry.
///
/// Each process has its own registry, handed to what records into it (no global
/// `MetricsSystem.bootstrap`): a test runs many services in one process.
public final class MetricsRegistry: Sendable {
    public let prometheus = PrometheusCollectorRegistry()
    private let factory: PrometheusMetricsFactory

    /// Seconds: 1 ms to 10 s, for request and store latencies.
    public static let latencyBuckets: [Duration] = [
        .milliseconds(1), .milliseconds(2), .milliseconds(5), .milliseconds(10), .milliseconds(25), .milliseconds(50),
        .milliseconds(100), .milliseconds(250), .milliseconds(500), .seconds(1), .seconds(2.5), .seconds(5),
        .seconds(10),
    ]

    public init() {
        factory = PrometheusMetricsFactory(registry: prometheus)
    }

    /// A counter (`name` ends in `_total`). Every series of one name must carry the same label
    /// names, and one name one help text.
    public func counter(_ name: String, help: String, labels: [(String, String)] = []) -> CoreMetrics.Counter {
        let handler = prometheus.makeCounter(descriptor: Self.descriptor(name, help), labels: labels)
        return CoreMetrics.Counter(label: name, dimensions: labels, handler: handler, factory: factory)
    }

    /// One counter per value of a label, every one from the start (zero included), so the
    /// family has all its series before anything is counted.
    public func counters(_ name: String, help: String, label: String, values: [String]) -> [String: CoreMetrics.Counter]
    {
        Dictionary(
            values.map { value in (value, counter(name, help: help, labels: [(label, value)])) },
            uniquingKeysWith: { first, _ in first })
    }

    /// A gauge: a value that goes up and down.
    public func gauge(_ name: String, help: String, labels: [(String, String)] = []) -> CoreMetrics.Meter {
        let handler = prometheus.makeGauge(descriptor: Self.descriptor(name, help), labels: labels)
        return CoreMetrics.Meter(label: name, dimensions: labels, handler: handler, factory: factory)
    }

    /// A histogram of durations in seconds (`name` ends in `_seconds`).
    public func timer(
        _ name: String, help: String, labels: [(String, String)] = [], buckets: [Duration] = latencyBuckets
    ) -> CoreMetrics.Timer {
        let handler = prometheus.makeDurationHistogram(
            descriptor: Self.descriptor(name, help), labels: labels, buckets: buckets)
        return CoreMetrics.Timer(label: name, dimensions: labels, handler: handler, factory: factory)
    }

    static func descriptor(_ name: String, _ help: String) -> MetricNameDescriptor {
        MetricNameDescriptor(metricName: name, unitName: "", helpText: help)
    }

    /// The Prometheus text exposition (format 0.0.4).
    public func exposition() -> [UInt8] { prometheus.emitToBuffer() }

    /// Writes the exposition for the node exporter's textfile collector: to a temporary file in
    /// the same directory, then renamed, so the collector never reads half a file.
    public func writeTextfile(_ path: String) throws {
        do {
            try Data(exposition()).write(to: URL(fileURLWithPath: path), options: .atomic)
        } catch {
            throw MetricsFileError(path: path, reason: (error as NSError).localizedDescription)
        }
    }
}

/// The textfile could not be written.
public struct MetricsFileError: Error, CustomStringConvertible {
    public let path: String
    public let reason: String

    public var description: String { "cannot write metrics to \(path): \(reason)" }
}

extension Duration {
    /// Whole nanoseconds (saturating).
    public var nanoseconds: Int64 {
        let (seconds, attoseconds) = components
        let (product, overflow) = seconds.multipliedReportingOverflow(by: 1_000_000_000)
        return overflow ? .max : product.addingReportingOverflow(attoseconds / 1_000_000_000).partialValue
    }
}
