import EnerTrackCore
import EnerTrackKit
import Foundation
import HTTPTypes
import Hummingbird

/// Logging in and out, and open registration.
struct AuthController: Sendable {
    let site: Site
    let directory: any AdminDirectory & SessionStore

    var routes: RouteCollection<WebContext> {
        let routes = RouteCollection(context: WebContext.self)
        routes.get("login") { request, _ in self.loginPage(request) }
        routes.post("login") { request, context in try await self.login(request, context) }
        routes.post("logout") { request, context in try await self.logout(request, context) }
        routes.get("register") { request, _ -> Response in
            guard self.site.options.registrationOpen else { return self.site.notFound(request, nil) }
            return self.registerPage(request)
        }
        routes.post("register") { request, context -> Response in
            guard self.site.options.registrationOpen else { return self.site.notFound(request, nil) }
            return try await self.register(request, context)
        }
        return routes
    }
}

extension AuthController {
    func loginPage(_ request: Request, error: String? = nil, username: String = "", status: HTTPResponse.Status = .ok)
        -> Response
    {
        site.loginPage(request, error: error, username: username, status: status)
    }

    func login(_ request: Request, _ context: WebContext) async throws -> Response {
        let form = try await Form.read(request, context)
        let l = Words(site.anonymousLanguage(request))
        guard site.checkLoginCSRF(form, request: request, context: context) else {
            return site.csrfRejected(request, nil)
        }
        let username = form["username"] ?? ""
        let password = form.values["password"] ?? ""
        guard !username.isEmpty, !password.isEmpty else {
            return loginPage(
                request, error: l("Enter your username and password."),
                username: username, status: .badRequest)
        }
        // Names no account can have are refused before any lookup or throttle key is made of them.
        guard DirectoryRules.isLoginName(username) else {
            site.logger.notice(
                "refused login name \(LogText.quoted(username)) from \(site.clientAddress(request, context))")
            return loginPage(
                request, error: l("Wrong username or password."),
                status: .unauthorized)
        }
        // Throttling per account (whichever of its names was typed) and per address; the same
        // answer whether the account exists or not.
        let address = LoginThrottle.addressKey(site.clientAddress(request, context))
        let account: String
        let user: User?
        switch try await site.reserveLoginAttempt(name: username, others: [address]) {
        case .reserved(let reserved): (account, user) = reserved
        case .throttled(let wait):
            site.options.metrics?.login("throttled")
            return site.throttled(
                loginPage(
                    request,
                    error: l("Too many failed attempts. Wait {0} s.", String(wait)),
                    username: username, status: .tooManyRequests), seconds: wait)
        }
        let valid = await site.verify(password, against: user.map(\.passwordHash).flatMap(\.nonEmpty) ?? Site.decoyHash)
        guard let user, valid, user.isActive, user.removedAt == nil else {
            site.logger.notice(
                "failed login for \(LogText.quoted(username)) from \(site.clientAddress(request, context))")
            site.options.metrics?.login("refused")
            return loginPage(
                request, error: l("Wrong username or password."),
                username: username, status: .unauthorized)
        }
        // A new session id at every login (any session the browser had is ended).
        let old = site.cookie(request, Site.sessionCookie)
        try await directory.attemptSucceeded(account: account, others: [address])
        let session = try await directory.createSession(userID: user.id, replacing: old, now: Date().milliseconds)
        site.logger.info("login: \(user.username) from \(site.clientAddress(request, context))")
        site.options.metrics?.login("ok")
        // A form posted after the session expired comes back, filled in, to send again.
        if let resumed = Site.Resumed(form) {
            return site.resumePage(
                request, resumed, csrf: session.csrf, language: site.anonymousLanguage(request),
                cookies: [site.sessionCookie(session.id), site.expiredCookie(Site.loginCookie)])
        }
        return site.redirect(
            Site.safeNext(form["next"]),
            cookies: [site.sessionCookie(session.id), site.expiredCookie(Site.loginCookie)])
    }

    func logout(_ request: Request, _ context: WebContext) async throws -> Response {
        let form = try await Form.read(request, context)
        guard let viewer = try await site.viewer(request) else {
            return site.redirect("/login", cookies: [site.expiredCookie(Site.sessionCookie)])
        }
        guard site.checkCSRF(form, viewer: viewer, request: request, context: context) else {
            return site.csrfRejected(request, viewer)
        }
        if let id = site.cookie(request, Site.sessionCookie) {
            try await directory.endSession(id: id)
            site.options.metrics?.logout()
        }
        return site.redirect(
            "/login", flash: viewer.l("You are logged out."),
            cookies: [site.expiredCookie(Site.sessionCookie)])
    }

    func registerPage(
        _ request: Request, error: String? = nil, values: Form = Form(""), status: HTTPResponse.Status = .ok
    ) -> Response {
        let language = site.anonymousLanguage(request)
        let l = Words(language)
        let token = site.loginToken(request)
        let body: HTML = """
            <div class="row justify-content-center"><div class="col-12 col-sm-10 col-md-6 col-lg-5">
            <h1 class="h3 mb-3">\(l("Create an account"))</h1>
            \(HTML.when(error != nil, "<div class=\"alert alert-danger\" role=\"alert\">\(error ?? "")</div>"))
            <form method="post" action="/register">
              <input type="hidden" name="csrf" value="\(token)">
              <div class="mb-3"><label class="form-label" for="username">\(l("Username"))</label>
                <input class="form-control" id="username" name="username" required maxlength="64" value="\(values["username"])"></div>
              <div class="mb-3"><label class="form-label" for="email">\(l("Email"))</label>
                <input class="form-control" id="email" name="email" type="email" required value="\(values["email"])"></div>
              <div class="mb-3"><label class="form-label" for="name">\(l("Name"))</label>
                <input class="form-control" id="name" name="name" maxlength="100" value="\(values["name"])"></div>
              \(Component.newPassword(
                label: l("Password ({0} characters or more)", String(DirectoryRules.minPasswordLength)),
                repeatLabel: l("Repeat the password")))
              <button class="btn btn-primary w-100" type="submit">\(l("Create account"))</button>
            </form></div></div>
            """
        return site.html(
            site.layout(
                request, viewer: nil, language: language, title: l("Create an account"),
                body: body), status: status, cookies: [site.loginCookie(token)])
    }

    func register(_ request: Request, _ context: WebContext) async throws -> Response {
        let form = try await Form.read(request, context)
        let l = Words(site.anonymousLanguage(request))
        guard site.checkLoginCSRF(form, request: request, context: context) else {
            return site.csrfRejected(request, nil)
        }
        guard form.values["password"] == form.values["repeat"] else {
            return registerPage(
                request, error: l("The passwords do not match."), values: form,
                status: .badRequest)
        }
        // Each account costs a scrypt hash and a row: one address gets five, then waits that grow.
        if let wait = try await site.reserveAttempt(
            keys: [LoginThrottle.registrationKey(site.clientAddress(request, context))])
        {
            return site.throttled(
                registerPage(
                    request, error: l("Too many accounts from this address. Wait {0} s.", String(wait)), values: form,
                    status: .tooManyRequests), seconds: wait)
        }
        let admin = DirectoryAdmin(store: directory, hasher: site.hasher)
        let user: User
        do {
            user = try await admin.addUser(
                username: form["username"] ?? "", email: form["email"] ?? "",
                name: (form["name"] ?? "").isEmpty ? nil : form["name"],
                isAdmin: false, password: form.values["password"] ?? "", hash: { try await self.site.hash($0) })
        } catch let error as DirectoryError {
            return registerPage(request, error: error.message(l), values: form, status: .badRequest)
        }
        let session = try await directory.createSession(userID: user.id, replacing: nil, now: Date().milliseconds)
        return site.redirect(
            "/", flash: l("Account created. Welcome!"),
            cookies: [site.sessionCookie(session.id)])
    }
}
