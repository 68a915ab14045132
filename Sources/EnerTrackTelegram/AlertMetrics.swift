import CoreMetrics
import EnerTrackCore
import EnerTrackRuntime
import Foundation

/// What `alerts run` leaves for the node exporter's textfile collector
/// (`ENERTRACK_METRICS_TEXTFILE`): the figures of its last run, as gauges (a timer's run is a
/// new process each time, so a counter could not grow).
public enum AlertMetrics {
    /// The exposition of one run's report.
    public static func registry(_ report: AlertRunner.Report, finished: Date, took: Duration) -> MetricsRegistry {
        let registry = MetricsRegistry()
        func gauge(_ name: String, _ help: String, _ value: Double) {
            registry.gauge(name, help: help).set(value)
        }
        gauge("enertrack_alerts_rules", "Alert rules the last run evaluated.", Double(report.evaluations.count))
        gauge(
            "enertrack_alerts_firing", "Alert rules firing after the last run.",
            Double(report.evaluations.count { $0.state == .firing }))
        gauge("enertrack_alerts_budgets", "Budget rules the last run checked.", Double(report.budgets.count))
        gauge("enertrack_alerts_sent", "Messages the last run delivered to Telegram.", Double(report.sent))
        gauge("enertrack_alerts_pending", "Messages waiting for delivery after the last run.", Double(report.pending))
        let oldest = report.oldestPendingAt.map { max(0, Double(finished.milliseconds - $0) / 1000) } ?? 0
        gauge(
            "enertrack_alerts_oldest_pending_age_seconds", "Age of the oldest message waiting (0 when none waits).",
            oldest)
        gauge(
            "enertrack_alerts_delivery_failed", "1 when the last run could not reach Telegram for some message.",
            report.deliveryError == nil ? 0 : 1)
        gauge(
            "enertrack_alerts_last_run_timestamp_seconds", "When the last run finished (Unix time).",
            finished.timeIntervalSince1970)
        gauge(
            "enertrack_alerts_last_run_duration_seconds", "How long the last run took.",
            Double(took.components.seconds) + Double(took.components.attoseconds) / 1e18)
        return registry
    }
}

/// What `telegram bot --metrics-listen` exposes: updates handled, replies by outcome, failed
/// polls, and whether the Bot API answers.
public final class BotMetrics: Sendable {
    public let registry: MetricsRegistry
    private let updates: CoreMetrics.Counter
    private let replies: [String: CoreMetrics.Counter]
    private let pollErrors: CoreMetrics.Counter
    private let reachable: CoreMetrics.Meter

    public init(registry: MetricsRegistry = MetricsRegistry()) {
        self.registry = registry
        updates = registry.counter("enertrack_bot_updates_total", help: "Telegram updates handled.")
        replies = registry.counters(
            "enertrack_bot_replies_total", help: "Replies to chats by outcome.", label: "result",
            values: ["sent", "blocked", "failed"])
        pollErrors = registry.counter(
            "enertrack_bot_poll_errors_total", help: "getUpdates calls that failed (retried with backoff).")
        reachable = registry.gauge("enertrack_bot_api_up", help: "1 while the Bot API answers getUpdates.")
        reachable.set(0)
    }

    func update() { updates.increment() }
    func reply(_ result: String) { replies[result]?.increment() }
    func polled(ok: Bool) {
        if !ok { pollErrors.increment() }
        reachable.set(ok ? 1 : 0)
    }
}
