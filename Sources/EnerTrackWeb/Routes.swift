import EnerTrackCore
import EnerTrackKit
import EnerTrackRuntime
import EnerTrackTelegram
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdCore
import Logging
import NIOCore
import ServiceLifecycle
import Synchronization

enum SecurityHeaderFields {
    static let csp =
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; font-src 'self'; "
        + "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"

    static let fields: [HTTPField] = [
        HTTPField(name: HTTPField.Name("Content-Security-Policy")!, value: csp),
        HTTPField(name: HTTPField.Name("X-Content-Type-Options")!, value: "nosniff"),
        HTTPField(name: HTTPField.Name("X-Frame-Options")!, value: "DENY"),
        HTTPField(name: HTTPField.Name("Referrer-Policy")!, value: "same-origin"),
        HTTPField(name: HTTPField.Name("Permissions-Policy")!, value: "camera=(), microphone=(), geolocation=()"),
        HTTPField(name: HTTPField.Name("Cross-Origin-Opener-Policy")!, value: "same-origin"),
    ]
}

/// Security headers on every response: a CSP without inline scripts or styles, no framing,
/// no sniffing, no referrer to other sites.
struct SecurityHeaders<Context: RequestContext>: RouterMiddleware {
    /// `Strict-Transport-Security` for a site served only over HTTPS (`--hsts`).
    var hsts = false

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws
        -> Response
    {
        var response: Response
        do {
            response = try await next(request, context)
        } catch let error as HTTPResponseError {
            response = try error.response(from: request, context: context)
        }
        for field in SecurityHeaderFields.fields { response.headers.append(field) }
        if hsts {
            response.headers.append(
                HTTPField(name: HTTPField.Name("Strict-Transport-Security")!, value: "max-age=31536000"))
        }
        return response
    }
}

/// ETag/304 for pages and JSON: an answer that carries an ETag (`Site.respond`) and matches the
/// request's `If-None-Match` goes back as 304 without its body.
struct ConditionalGet<Context: RequestContext>: RouterMiddleware {
    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws
        -> Response
    {
        let response = try await next(request, context)
        guard request.method == .get, response.status == .ok, response.headers[.setCookie] == nil,
            EntityTag.matches(request.headers[.ifNoneMatch], response.headers[.eTag])
        else { return response }
        var headers = HTTPFields()
        for name in [HTTPField.Name.eTag, .cacheControl, .vary] {
            if let value = response.headers[name] { headers[name] = value }
        }
        return Response(status: .notModified, headers: headers)
    }
}

enum EntityTag {
    /// Whether `If-None-Match` names the tag (`*`, a list, weak or strong).
    static func matches(_ ifNoneMatch: String?, _ tag: String?) -> Bool {
        guard let ifNoneMatch, let tag else { return false }
        let bare = tag.hasPrefix("W/") ? String(tag.dropFirst(2)) : tag
        return ifNoneMatch.split(separator: ",").contains { candidate in
            let one = candidate.trimmingCharacters(in: .whitespaces)
            return one == "*" || one == bare || one == "W/" + bare
        }
    }
}

/// A flash message is shown once: a page rendered while the request carried one (an HTML answer
/// that is not a redirect and sets no flash of its own) ends the cookie, so the next page does
/// not show the message again.
struct FlashOnce: RouterMiddleware {
    let site: Site

    func handle(_ request: Request, context: WebContext, next: (Request, WebContext) async throws -> Response)
        async throws -> Response
    {
        var response = try await next(request, context)
        guard site.cookie(request, "flash")?.isEmpty == false,
            response.headers[.contentType]?.hasPrefix("text/html") == true,
            !(300..<400).contains(response.status.code),
            !response.headers[values: .setCookie].contains(where: { $0.hasPrefix("flash=") })
        else { return response }
        response.setCookie(site.expiredCookie("flash"))
        return response
    }
}

/// Pages for what no route answers: an unknown address gets the site's 404 page (with the
/// navigation of whoever is signed in), an error no handler expected its 500 page (`Site.failed`);
/// the API gets the same as JSON (`{"error": …}`).
struct ErrorPages: RouterMiddleware {
    let site: Site

    func handle(_ request: Request, context: WebContext, next: (Request, WebContext) async throws -> Response)
        async throws -> Response
    {
        do {
            return try await next(request, context)
        } catch let error as HTTPError where error.status == .notFound && error.body == nil {
            guard !request.uri.path.hasPrefix("/api/") else { return site.jsonError(.notFound, "not found") }
            return site.notFound(request, context.viewer)
        } catch let error as HTTPResponseError {
            throw error
        } catch is CancellationError {
            throw CancellationError()
        } catch {
            return site.failed(request, error, viewer: context.viewer)
        }
    }
}

/// Puts who is asking in the request context, with their nodes, from one store read (a
/// session and its nodes together; an API token and its nodes in two): every handler after it
/// reads `context.viewer` and the viewer's `nodes` instead of asking the store again. Requests
/// without credentials, static files and `/healthz` read nothing.
struct ViewerMiddleware: RouterMiddleware {
    let site: Site

    func handle(_ request: Request, context: WebContext, next: (Request, WebContext) async throws -> Response)
        async throws -> Response
    {
        let path = request.uri.path
        guard !path.hasPrefix("/static/"), path != "/healthz", site.hasCredentials(request) else {
            return try await next(request, context)
        }
        var context = context
        do {
            if let (viewer, views) = try await site.viewerNodes(request) {
                context.viewer = viewer
                context.viewer?.nodes = views
            }
        } catch let error where !(error is HTTPResponseError || error is CancellationError) {
            return site.failed(request, error, viewer: nil)  // a directory that is down, say
        }
        return try await next(request, context)
    }
}

/// The web server: the site's shared parts and one controller per area, assembled into one
/// router (like Hummingbird's `buildApplication`/`buildRouter`; tests run the router without a socket).
public final class WebApp: Sendable {
    let site: Site
    let assets: Assets
    /// One route collection per area, made when the router is.
    let controllers: @Sendable () -> [RouteCollection<WebContext>]

    public static let sessionCookie = Site.sessionCookie

    public init(
        directory: any DirectoryStore, series: any SeriesStore, options: WebOptions, hasher: PasswordHasher,
        bot: BotAPI?,
        assetsDirectory: String, logger: Logger
    ) {
        let assets = Assets(directory: assetsDirectory)
        self.assets = assets
        let site = Site(directory: directory, options: options, hasher: hasher, logger: logger, assets: assets)
        self.site = site
        for path in assets.missing {
            logger.warning("cannot read \(path): install libjs-bootstrap5 and libjs-chart.js (pages work, unstyled)")
        }
        var botOptions = TelegramBotService.Options()
        botOptions.windowMS = options.windowMS
        botOptions.inactiveAfter = options.inactiveAfter
        botOptions.defaultLanguage = options.defaultLanguage
        botOptions.timeZone = options.timeZone
        let telegram = bot.map {
            TelegramBotService(directory: directory, series: series, bot: $0, options: botOptions, logger: logger)
        }
        let nodes = ViewerNodes(directory: directory, series: series, options: options)
        controllers = {
            [
                AuthController(site: site, directory: directory).routes,
                PagesController(site: site, nodes: nodes, directory: directory).routes,
                ConsumptionController(site: site, nodes: nodes, series: series, directory: directory).routes,
                AlertsController(site: site, nodes: nodes, directory: directory).routes,
                TelegramController(site: site, directory: directory, bot: bot, telegram: telegram).routes,
                ProfileController(site: site, directory: directory).routes,
                AdminController(site: site, directory: directory).routes,
                SitesAdminController(site: site, directory: directory).routes,
                TariffsController(site: site, directory: directory).routes,
                TariffTermsController(site: site, nodes: nodes, directory: directory).routes,
                APIController(site: site, nodes: nodes, directory: directory, series: series).routes,
                SitesController(site: site, nodes: nodes, directory: directory, series: series).routes,
            ]
        }
    }

    public var options: WebOptions { site.options }

    /// Whether the directory answers (`serve` checks before it listens).
    public func ping() async throws { try await site.directory.ping() }

    /// Only paths of this site (`next=` after login).
    static func safeNext(_ next: String?) -> String { Site.safeNext(next) }

    public func router() -> Router<WebContext> {
        let router = Router(context: WebContext.self)
        if let metrics = site.options.metrics { router.add(middleware: RequestMetrics(metrics: metrics)) }
        router.add(middleware: SecurityHeaders(hsts: site.options.hsts))
        router.add(middleware: ConditionalGet())
        router.add(middleware: ViewerMiddleware(site: site))
        router.add(middleware: ErrorPages(site: site))
        router.add(middleware: FlashOnce(site: site))
        // Each file at its fingerprinted address, cached for a year, and at its plain one for an
        // hour; compressed as the browser accepts (brotli, gzip); an ETag for a 304.
        let assets = self.assets
        for (path, file) in assets.files {
            for (address, cache) in [
                (String(assets.url(path).dropFirst()), "public, max-age=31536000, immutable"),
                ("static/" + path, "public, max-age=3600"),
            ] {
                router.get(RouterPath(address)) { request, _ -> Response in
                    let (body, encoding) = assets.representation(
                        file, acceptEncoding: request.headers[.acceptEncoding])
                    var headers = HTTPFields()
                    headers[.contentType] = file.contentType
                    headers[.cacheControl] = cache
                    headers[.vary] = "Accept-Encoding"
                    headers[.eTag] = "\"\(file.tag)\(encoding.map { "-" + $0 } ?? "")\""
                    if let encoding { headers[.contentEncoding] = encoding }
                    if EntityTag.matches(request.headers[.ifNoneMatch], headers[.eTag]) {
                        return Response(status: .notModified, headers: headers)
                    }
                    return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: body)))
                }
            }
        }
        let site = self.site
        router.get("favicon.ico") { _, _ in site.redirect("/static/favicon.svg") }
        for routes in controllers() { router.addRoutes(routes) }
        return router
    }
}

extension Site {
    /// A page for a logged-in user (admins only with `admin`); others go to the login page.
    func signedIn(
        _ request: Request, _ context: WebContext, admin: Bool = false, _ body: (Viewer) async throws -> Response
    ) async throws -> Response {
        guard let viewer = context.viewer else {
            let next =
                request.uri.path == "/"
                ? ""
                : "?next="
                    + (request.uri.path.addingPercentEncoding(
                        withAllowedCharacters: .alphanumerics.union(["/", "-", "_", "."])) ?? "")
            return redirect("/login" + next)
        }
        if admin, !viewer.user.isAdmin { return forbidden(request, viewer) }
        return try await body(viewer)
    }

    /// A form post: logged in, right CSRF token, same origin.
    func posted(
        _ request: Request, _ context: WebContext, admin: Bool = false, _ body: (Viewer, Form) async throws -> Response
    ) async throws -> Response {
        let form = try await Form.read(request, context)
        guard let viewer = context.viewer else {
            // The session expired while the form was open: log in, and the form comes back.
            return loginPage(
                request, status: .unauthorized, resumed: Resumed(path: request.uri.path, form: form))
        }
        guard checkCSRF(form, viewer: viewer, request: request, context: context) else {
            return csrfRejected(request, viewer)
        }
        if admin, !viewer.user.isAdmin { return forbidden(request, viewer) }
        return try await body(viewer, form)
    }

    func api(_ context: WebContext, _ body: (Viewer) async throws -> Response) async throws -> Response {
        guard let viewer = context.viewer else { return apiUnauthorized() }
        return try await body(viewer)
    }

    /// `api` for a request about the viewer's nodes: the session and the nodes in one store read.
    func api(_ context: WebContext, nodes body: (Viewer, [NodeView]) async throws -> Response) async throws
        -> Response
    {
        guard let viewer = context.viewer, let views = viewer.nodes else { return apiUnauthorized() }
        return try await body(viewer, views)
    }

    private func apiUnauthorized() -> Response {
        var response = jsonError(
            .unauthorized, "log in, or send Authorization: Bearer <token> (enertrack user token USERNAME)")
        response.headers[.wwwAuthenticate] = "Bearer realm=\"enertrack\""
        return response
    }
}

/// The HTTP servers, as services for `ServiceRunner` (the command line runs them).
public enum WebServer {
    /// `enertrack serve`: the dashboard, the API and the webhook.
    /// The dashboard's HTTP server. Under systemd (`Type=notify`) it says READY=1 once the port is
    /// bound, and WATCHDOG=1 while its event loop still runs work given to it.
    public static func service(
        app: WebApp, host: String, port: Int, logger: Logger, notifier: SystemdNotifier = SystemdNotifier()
    ) -> any Service {
        let loop = Mutex<(any EventLoop)?>(nil)
        var services: [any Service] = []
        if let interval = notifier.watchdogInterval {
            services.append(
                WatchdogService(interval: interval, notifier: notifier) {
                    guard let eventLoop = loop.withLock({ $0 }) else { return false }
                    return (try? await eventLoop.submit {}.get()) != nil
                })
        }
        // A client that connects and then dribbles (or sends nothing) is closed after idleTimeout;
        // at most maxConnections are open at once, well under the descriptors the process has.
        Descriptors.raiseLimit()
        return Application(
            router: app.router(),
            server: .http1(configuration: .init(idleTimeout: .seconds(Int64(app.options.idleTimeout)))),
            configuration: .init(
                address: .hostname(host, port: port), serverName: "enertrack", backlog: 1_024,
                availableConnectionsDelegate: MaximumAvailableConnections(
                    max(16, min(app.options.maxConnections, Descriptors.limit() - 64)), logger: logger)),
            services: services,
            onServerRunning: { channel in
                loop.withLock { $0 = channel.eventLoop }
                notifier.notify("READY=1\nSTATUS=serving")
            },
            logger: StderrLogHandler.quiet(logger))
    }

    /// `GET /metrics` and nothing else (`--metrics-listen` of ingest, serve and the bot): the
    /// Prometheus text exposition of the process's registry.
    public static func metrics(
        host: String, port: Int, logger: Logger, exposition: @escaping @Sendable () async -> [UInt8]
    ) -> any Service {
        let router = Router()
        router.get("metrics") { _, _ -> Response in
            var headers = HTTPFields()
            headers[.contentType] = "text/plain; version=0.0.4; charset=utf-8"
            headers[.cacheControl] = "no-store"
            return Response(
                status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: await exposition())))
        }
        return Application(
            router: router, server: .http1(configuration: .init(idleTimeout: .seconds(10))),
            configuration: .init(
                address: .hostname(host, port: port), serverName: "enertrack-metrics",
                availableConnectionsDelegate: MaximumAvailableConnections(64, logger: logger)),
            logger: StderrLogHandler.quiet(logger))
    }
}
