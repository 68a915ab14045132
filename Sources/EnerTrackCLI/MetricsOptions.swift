import ArgumentParser
import EnerTrackCore
import EnerTrackRuntime
import EnerTrackWeb
import Logging
import ServiceLifecycle

/// `--metrics-listen HOST:PORT` of the long-running services (ingest, serve, the bot): their
/// Prometheus metrics at http://HOST:PORT/metrics, on a listener of its own.
struct MetricsOptions: ParsableArguments {
    @Option(
        help: ArgumentHelp(
            "Serve Prometheus metrics at http://HOST:PORT/metrics (e.g. 127.0.0.1:9106).", valueName: "HOST:PORT"))
    var metricsListen: String?

    func validate() throws {
        if let metricsListen {
            do { _ = try Self.parse(metricsListen) } catch { throw ValidationError("\(error)") }
        }
    }

    /// The listener, when asked for.
    func server(logger: Logger, exposition: @escaping @Sendable () async -> [UInt8]) throws -> (any Service)? {
        guard let metricsListen else { return nil }
        let (host, port) = try Self.parse(metricsListen)
        logger.notice("metrics on http://\(host.contains(":") ? "[\(host)]" : host):\(port)/metrics")
        return WebServer.metrics(host: host, port: port, logger: logger, exposition: exposition)
    }

    /// `HOST:PORT` (`127.0.0.1:9106`, `[::1]:9106`).
    static func parse(_ text: String) throws -> (host: String, port: Int) {
        guard let colon = text.lastIndex(of: ":"), let port = Int(text[text.index(after: colon)...]),
            (1...65535).contains(port)
        else { throw Failure(.usage, "--metrics-listen '\(text)' is not HOST:PORT (for example 127.0.0.1:9106)") }
        var host = String(text[..<colon])
        if host.hasPrefix("["), host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        return (host.isEmpty ? "127.0.0.1" : host, port)
    }
}
