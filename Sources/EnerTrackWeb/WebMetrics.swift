import CoreMetrics
import EnerTrackCore
import EnerTrackRuntime
import Foundation
import Hummingbird
import Synchronization

/// What `serve --metrics-listen` exposes, through swift-metrics into the process's Prometheus
/// registry: requests and their latency per route, method and status; logins by outcome and
/// logouts; the sessions open; requests that failed inside, by the store that failed them.
public final class WebMetrics: Sendable {
    public let registry: MetricsRegistry
    private struct Key: Hashable {
        let route: String
        let method: String
        let status: Int
    }
    private let requests = Mutex<[Key: (CoreMetrics.Counter, CoreMetrics.Timer)]>([:])
    private let logins: [String: CoreMetrics.Counter]
    private let logoutCounter: CoreMetrics.Counter
    private let failures: [String: CoreMetrics.Counter]
    private let sessions: CoreMetrics.Meter

    /// Methods named in labels; any other is `other` (a client chooses the method: it must not
    /// choose how many series there are).
    static let methods: Set<String> = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"]

    public init(registry: MetricsRegistry = MetricsRegistry()) {
        self.registry = registry
        logins = registry.counters(
            "enertrack_serve_logins_total", help: "Login attempts by outcome.", label: "result",
            values: ["ok", "refused", "throttled"])
        logoutCounter = registry.counter("enertrack_serve_logouts_total", help: "Sessions ended by logging out.")
        failures = registry.counters(
            "enertrack_serve_failures_total",
            help: "Requests that failed inside (HTTP 500), by the store whose error failed them.", label: "store",
            values: ["directory", "series", "other"])
        sessions = registry.gauge(
            "enertrack_serve_sessions_active", help: "Browser sessions neither idle nor past their lifetime.")
        sessions.set(0)
    }

    func record(route: String, method: String, status: Int, duration: Duration) {
        let key = Key(route: route, method: Self.methods.contains(method) ? method : "other", status: status)
        let (counter, timer) = requests.withLock { known in
            if let metrics = known[key] { return metrics }
            let labels = [("route", key.route), ("method", key.method), ("status", String(key.status))]
            let metrics = (
                registry.counter("enertrack_http_requests_total", help: "HTTP requests answered.", labels: labels),
                registry.timer(
                    "enertrack_http_request_duration_seconds", help: "Time to answer an HTTP request.",
                    labels: labels)
            )
            known[key] = metrics
            return metrics
        }
        counter.increment()
        timer.recordNanoseconds(duration.nanoseconds)
    }

    func login(_ result: String) { logins[result]?.increment() }
    func logout() { logoutCounter.increment() }

    func failed(_ error: any Error) {
        let store =
            switch error {
            case is DirectoryError: "directory"
            case is SeriesError: "series"
            default: "other"
            }
        failures[store]?.increment()
    }

    /// The exposition, with the open sessions counted first.
    public func exposition(sessions store: any SessionStore) async -> [UInt8] {
        if let count = try? await store.activeSessions(now: Date().milliseconds) { sessions.set(Int64(count)) }
        return registry.exposition()
    }
}

/// Times every request and counts it by its route (the pattern, never the path a client sent).
struct RequestMetrics: RouterMiddleware {
    let metrics: WebMetrics

    func handle(_ request: Request, context: WebContext, next: (Request, WebContext) async throws -> Response)
        async throws -> Response
    {
        let started = ContinuousClock.now
        let route = context.endpointPath ?? "unmatched"
        do {
            let response = try await next(request, context)
            metrics.record(
                route: route, method: request.method.rawValue, status: response.status.code,
                duration: ContinuousClock.now - started)
            return response
        } catch {
            let status = (error as? any HTTPResponseError)?.status.code ?? 500
            metrics.record(
                route: route, method: request.method.rawValue, status: status, duration: ContinuousClock.now - started)
            throw error
        }
    }
}
