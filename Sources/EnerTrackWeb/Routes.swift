import EnerTrackCore
import EnerTrackKit
import EnerTrackRuntime
import EnerTrackTelegram
import Foundation
import HTTPTypes
import Hummingbird
import Logging
import ServiceLifecycle

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

extension WebApp {
    /// Every page and API route.
    public func router() -> Router<WebContext> {
        let router = Router(context: WebContext.self)
        router.add(middleware: SecurityHeaders(hsts: options.hsts))
        let app = self

        for (path, file) in assets.files {
            router.get(RouterPath("static/" + path)) { _, _ -> Response in
                var headers = HTTPFields()
                headers[.contentType] = file.contentType
                headers[.cacheControl] = "public, max-age=3600"
                return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: file.body)))
            }
        }
        router.get("favicon.ico") { _, _ in app.redirect("/static/favicon.svg") }
        router.get("healthz") { _, _ in await app.healthz() }

        router.get("login") { request, _ in app.loginPage(request) }
        router.post("login") { request, context in try await app.login(request, context) }
        router.post("logout") { request, context in try await app.logout(request, context) }
        router.get("register") { request, _ -> Response in
            guard app.options.registrationOpen else { return app.notFound(request, nil) }
            return app.registerPage(request)
        }
        router.post("register") { request, context -> Response in
            guard app.options.registrationOpen else { return app.notFound(request, nil) }
            return try await app.register(request, context)
        }

        // Pages for logged-in users.
        router.get("/") { request, _ in try await app.signedIn(request) { try await app.dashboard(request, $0) } }
        router.get("nodes/:esp") { request, context in
            let espID = context.parameters.get("esp") ?? ""
            return try await app.signedIn(request) { try await app.nodePage(request, $0, espID: espID) }
        }
        router.get("consumption") { request, _ in
            try await app.signedIn(request) { try await app.consumptionPage(request, $0, csv: false) }
        }
        router.get("consumption.csv") { request, _ in
            try await app.signedIn(request) { try await app.consumptionPage(request, $0, csv: true) }
        }
        router.get("alerts") { request, _ in try await app.signedIn(request) { try await app.alertsPage(request, $0) } }
        router.post("alerts") { request, context in
            try await app.posted(request, context) { try await app.changeAlert(request, $0, $1) }
        }
        router.get("telegram") { request, _ in
            try await app.signedIn(request) { try await app.telegramPage(request, $0) }
        }
        router.post("telegram/link") { request, context in
            try await app.posted(request, context) { viewer, _ in try await app.telegramLink(request, viewer) }
        }
        router.post("telegram/unlink") { request, context in
            try await app.posted(request, context) { viewer, _ in try await app.telegramUnlink(request, viewer) }
        }
        router.get("profile") { request, _ in try await app.signedIn(request) { app.profilePage(request, $0) } }
        router.post("profile") { request, context in
            try await app.posted(request, context) { try await app.saveProfile(request, $0, $1) }
        }
        router.post("profile/password") { request, context in
            try await app.posted(request, context) {
                try await app.changePassword(request, $0, $1, address: app.clientAddress(request, context))
            }
        }

        // Administration.
        router.get("admin/users") { request, _ in
            try await app.signedIn(request, admin: true) { try await app.adminUsers(request, $0) }
        }
        router.post("admin/users") { request, context in
            try await app.posted(request, context, admin: true) { try await app.changeUsers(request, $0, $1) }
        }
        router.get("admin/nodes") { request, _ in
            try await app.signedIn(request, admin: true) { try await app.adminNodes(request, $0) }
        }
        router.post("admin/nodes") { request, context in
            try await app.posted(request, context, admin: true) { try await app.changeNodes(request, $0, $1) }
        }
        router.get("admin/assignments") { request, _ in
            try await app.signedIn(request, admin: true) { try await app.adminAssignments(request, $0) }
        }
        router.post("admin/assignments") { request, context in
            try await app.posted(request, context, admin: true) { try await app.changeAssignments(request, $0, $1) }
        }

        // Telegram's webhook: only with the secret Telegram was given (constant-time check).
        router.post("telegram/webhook") { request, context -> Response in
            guard let secret = app.options.webhookSecret, let telegram = app.telegram else {
                return app.jsonError(.notFound, "no webhook here")
            }
            let sent = request.headers[HTTPField.Name("X-Telegram-Bot-Api-Secret-Token")!] ?? ""
            guard RandomToken.constantTimeEqual(sent, secret) else {
                return app.jsonError(.forbidden, "wrong secret token")
            }
            let body = try await request.body.collect(upTo: context.maxUploadSize)
            guard let update = TelegramUpdate.decode(Data(buffer: body)) else {
                return app.jsonError(.badRequest, "not a Telegram update")
            }
            try await telegram.handleWebhook(update)
            return app.json(.object([:]))
        }

        // JSON API: a session cookie or `Authorization: Bearer <token>`.
        router.get("api/v1/nodes") { request, _ in try await app.api(request) { try await app.apiNodes($0) } }
        router.get("api/v1/nodes/:esp") { request, context in
            let espID = context.parameters.get("esp") ?? ""
            return try await app.api(request) { try await app.apiNode($0, espID: espID) }
        }
        router.get("api/v1/nodes/:esp/readings") { request, context in
            let espID = context.parameters.get("esp") ?? ""
            return try await app.api(request) { try await app.apiReadings(request, $0, espID: espID) }
        }
        router.get("api/v1/nodes/:esp/history") { request, context in
            let espID = context.parameters.get("esp") ?? ""
            return try await app.api(request) { try await app.apiHistory(request, $0, espID: espID) }
        }
        router.get("api/v1/nodes/:esp/consumption") { request, context in
            let espID = context.parameters.get("esp") ?? ""
            return try await app.api(request) { try await app.apiConsumption(request, $0, espID: espID) }
        }
        router.get("api/v1/kpi") { request, _ in try await app.api(request) { try await app.apiKPI($0) } }
        router.get("api/v1/alerts") { request, _ in try await app.api(request) { try await app.apiAlerts($0) } }
        return router
    }

    /// A page for a logged-in user (admins only with `admin`); others go to the login page.
    func signedIn(_ request: Request, admin: Bool = false, _ body: (Viewer) async throws -> Response) async throws
        -> Response
    {
        guard let viewer = try await viewer(request) else {
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
        guard let viewer = try await viewer(request) else { return redirect("/login") }
        guard checkCSRF(form, viewer: viewer, request: request) else { return csrfRejected(request, viewer) }
        if admin, !viewer.user.isAdmin { return forbidden(request, viewer) }
        return try await body(viewer, form)
    }

    func api(_ request: Request, _ body: (Viewer) async throws -> Response) async throws -> Response {
        guard let viewer = try await viewer(request) else {
            var response = jsonError(
                .unauthorized, "log in, or send Authorization: Bearer <token> (enertrack user token USERNAME)")
            response.headers[.wwwAuthenticate] = "Bearer realm=\"enertrack\""
            return response
        }
        return try await body(viewer)
    }
}

/// The HTTP servers, as services for `ServiceRunner` (the command line runs them).
public enum WebServer {
    /// `enertrack serve`: the dashboard, the API and the webhook.
    public static func service(app: WebApp, host: String, port: Int, logger: Logger) -> any Service {
        Application(
            router: app.router(), configuration: .init(address: .hostname(host, port: port), serverName: "enertrack"),
            logger: StderrLogHandler.quiet(logger))
    }

    /// `GET /metrics` and nothing else: `ingest --metrics-listen`'s Prometheus text.
    public static func metrics(
        host: String, port: Int, logger: Logger, text: @escaping @Sendable () -> String
    ) -> any Service {
        let router = Router()
        router.get("metrics") { _, _ in text() }
        return Application(
            router: router, configuration: .init(address: .hostname(host, port: port), serverName: "enertrack-ingest"),
            logger: StderrLogHandler.quiet(logger))
    }
}
