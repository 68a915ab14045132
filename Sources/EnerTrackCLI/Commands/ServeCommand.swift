import ArgumentParser
import EnerTrackCore
import EnerTrackKit
import EnerTrackRuntime
import EnerTrackTelegram
import EnerTrackWeb
import Foundation
import Logging

struct ServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Run the web dashboard and JSON API (default port 8006; long-running, systemd).",
        discussion: """
            Pages: /login, / (dashboard), /nodes/<ESPID>, /consumption, /alerts, /telegram, \
            /profile, and /admin/users, /admin/nodes, /admin/assignments for administrators. JSON \
            under /api/v1 (a session, or 'Authorization: Bearer <token>' from 'enertrack user \
            token'); GET /healthz answers 200 when both stores answer, 503 otherwise.

            Session cookies are Secure: serve behind HTTPS (a reverse proxy such as nginx, with \
            --trusted-proxy ADDR so that its X-Forwarded-For, X-Forwarded-Proto and \
            X-Forwarded-Host, or Forwarded, are believed), or set ENERTRACK_INSECURE_COOKIES=1 for plain \
            HTTP on a trusted network. Bootstrap and Chart.js come from Debian's libjs-bootstrap5 \
            and libjs-chart.js (ENERTRACK_ASSETS_DIR, default /usr/share/javascript); nothing \
            from a CDN. ENERTRACK_REGISTRATION=open lets visitors create accounts.

            Form posts must come from this site: the browser's Origin (scheme, host and port) must \
            be ENERTRACK_PUBLIC_URL when set; else, from a trusted proxy, the scheme and host it \
            forwards; else the Host the request names, over http or (cookies Secure) https. \
            --hsts (or ENERTRACK_HSTS=1) adds Strict-Transport-Security for a site only ever \
            served over HTTPS.

            --metrics-listen serves Prometheus metrics on a listener of its own: requests and \
            their latency per route, method and status (enertrack_http_*), logins by outcome, \
            logouts, open sessions and requests failed by a store (enertrack_serve_*).

            Examples:
              enertrack serve
              enertrack serve --listen 0.0.0.0 --port 8080 --trusted-proxy 127.0.0.1
              ENERTRACK_PUBLIC_URL=https://energia.example.org enertrack serve --hsts
              enertrack serve --metrics-listen 127.0.0.1:9107
            """)

    @OptionGroup var global: GlobalOptions
    @Option(help: ArgumentHelp("Address to listen on (0.0.0.0 for every interface).", valueName: "ADDR")) var listen =
        "127.0.0.1"
    @Option(help: "TCP port.") var port = 8006
    @Option(
        help: ArgumentHelp(
            "A reverse proxy whose X-Forwarded-For/-Proto/-Host (or Forwarded) are believed (repeatable).",
            valueName: "ADDR"))
    var trustedProxy: [String] = []
    @Flag(help: "Send Strict-Transport-Security (max-age one year): only for a site served over HTTPS alone.")
    var hsts = false
    @Option(
        help: ArgumentHelp(
            "Close a connection that sends no complete request head (or no part of a body) for this long: slow clients cannot hold connections.",
            valueName: "SECONDS"))
    var idleTimeout = 10
    @Option(
        help: ArgumentHelp(
            "Connections open at once; more wait to be accepted (bounded by the descriptor limit).", valueName: "N"))
    var maxConnections = 2_048
    @OptionGroup var metrics: MetricsOptions

    func validate() throws {
        guard (1...65_535).contains(port) else { throw ValidationError("--port must be 1 to 65535") }
        guard (1...3_600).contains(idleTimeout) else {
            throw ValidationError("--idle-timeout must be 1 to 3600 seconds")
        }
        guard (16...1_000_000).contains(maxConnections) else {
            throw ValidationError("--max-connections must be 16 to 1000000")
        }
    }

    func run() async throws {
        let services = try global.services()
        let logger = StderrLogHandler.logger(label: "serve", level: .info, configured: services.settings.logLevel)
        let webMetrics = metrics.metricsListen == nil ? nil : WebMetrics()
        let app = try services.buildApplication(
            trustedProxies: trustedProxy, hsts: hsts, idleTimeout: idleTimeout, maxConnections: maxConnections,
            metrics: webMetrics, logger: logger)
        try await app.ping()
        if app.options.secureCookies, !["127.0.0.1", "::1", "localhost"].contains(listen), trustedProxy.isEmpty {
            logger.warning(
                "session cookies are Secure: browsers send them only over HTTPS; put serve behind a TLS proxy or set ENERTRACK_INSECURE_COOKIES=1"
            )
        }
        logger.notice("serving on http://\(listen.contains(":") ? "[\(listen)]" : listen):\(port)")
        var running = [WebServer.service(app: app, host: listen, port: port, logger: logger)]
        if let webMetrics {
            let sessions = try services.directory()
            if let server = try metrics.server(
                logger: logger, exposition: { await webMetrics.exposition(sessions: sessions) })
            {
                running.append(server)
            }
        }
        try await ServiceRunner.run(running, logger: logger)
    }
}
