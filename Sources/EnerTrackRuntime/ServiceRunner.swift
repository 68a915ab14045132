import Logging
import ServiceLifecycle

/// Runs long-lived services (`ingest`, `serve`, `telegram bot`) until SIGTERM or SIGINT: one
/// group, shut down gracefully as a whole when a signal arrives or any service ends, with or
/// without an error (a web server without its MQTT consumer is a half-running unit that
/// systemd should restart, not keep).
public enum ServiceRunner {
    public static func run(_ services: [any Service], logger: Logger) async throws {
        let group = ServiceGroup(
            configuration: .init(
                services: services.map {
                    .init(
                        service: $0, successTerminationBehavior: .gracefullyShutdownGroup,
                        failureTerminationBehavior: .gracefullyShutdownGroup)
                },
                gracefulShutdownSignals: [.sigterm, .sigint], logger: StderrLogHandler.quiet(logger)))
        try await group.run()
    }
}

extension WatchdogService: Service {
    public func run() async throws {
        // Cancelled at shutdown: that is the normal end, not an error of the group.
        await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                if await healthy() { notifier.notify("WATCHDOG=1") }
                do { try await Task.sleep(for: interval) } catch { return }
            }
        }
    }
}
