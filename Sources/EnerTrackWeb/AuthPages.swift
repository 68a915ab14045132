import EnerTrackCore
import EnerTrackKit
import Foundation
import HTTPTypes
import Hummingbird

extension WebApp {
    /// A hash to check against when the user does not exist, so timing does not tell.
    static let decoyHash = "scrypt:32768:8:1$decoydecoydecoyd$" + String(repeating: "0", count: 128)

    /// Before a session exists, the CSRF token is a random cookie echoed in the form (double submit).
    func loginToken(_ request: Request) -> String {
        cookie(request, Self.loginCookie).flatMap { $0.count >= 32 ? $0 : nil } ?? RandomToken.make()
    }

    func loginCookie(_ token: String) -> String { setCookie(Self.loginCookie, token, maxAge: 3600) }

    func checkLoginCSRF(_ form: Form, request: Request) -> Bool {
        guard let expected = cookie(request, Self.loginCookie), let sent = form["csrf"] else { return false }
        return RandomToken.constantTimeEqual(expected, sent) && checkSameOrigin(request)
    }

    func loginPage(_ request: Request, error: String? = nil, username: String = "", status: HTTPResponse.Status = .ok)
        -> Response
    {
        let language = anonymousLanguage(request)
        let l = Words(language)
        let token = loginToken(request)
        let next = request.uri.queryParameters["next"].map(String.init) ?? ""
        let body: HTML = """
            <div class="row justify-content-center"><div class="col-12 col-sm-10 col-md-6 col-lg-4">
            <h1 class="h3 mb-3">\(l("Log in"))</h1>
            \(HTML.when(error != nil, "<div class=\"alert alert-danger\" role=\"alert\">\(error ?? "")</div>"))
            <form method="post" action="/login" novalidate>
              <input type="hidden" name="csrf" value="\(token)">
              <input type="hidden" name="next" value="\(next)">
              <div class="mb-3"><label class="form-label" for="username">\(l("Username or email"))</label>
                <input class="form-control" id="username" name="username" autocomplete="username" required autofocus value="\(username)"></div>
              <div class="mb-3"><label class="form-label" for="password">\(l("Password"))</label>
                <input class="form-control" id="password" name="password" type="password" autocomplete="current-password" required></div>
              <button class="btn btn-primary w-100" type="submit">\(l("Log in"))</button>
            </form>
            \(HTML.when(options.registrationOpen, "<p class=\"mt-3\"><a href=\"/register\">\(l("Create an account"))</a></p>"))
            </div></div>
            """
        return html(
            layout(request, viewer: nil, language: language, title: l("Log in"), body: body),
            status: status, cookies: [loginCookie(token)])
    }

    /// Only paths of this site: never `//host`, a URL, a backslash, or a control character or
    /// space (browsers drop tabs and newlines from a `Location`, so `/\t/evil.example` would
    /// become `//evil.example`).
    static func safeNext(_ next: String?) -> String {
        guard let next, next.utf8.count <= 2_000, next.hasPrefix("/"), !next.hasPrefix("//"),
            next.unicodeScalars.allSatisfy({
                $0.value > 0x20 && $0.value != 0x7F && $0 != "\\" && !$0.properties.isWhitespace
                    && $0.properties.generalCategory != .control && $0.properties.generalCategory != .format
            })
        else { return "/" }
        return next
    }

    /// Reserves a password attempt for each key (see `SessionStore.reserveAttempt`); the seconds to
    /// wait when one of them is throttled, nil when the attempt may go ahead.
    func reserveAttempt(keys: [String]) async throws -> Int64? {
        let now = Date().milliseconds
        for attempt in 1...2 {
            do {
                try await directory.reserveAttempt(keys: keys, now: now)
                return nil
            } catch let throttled as LoginThrottle.Throttled {
                return (throttled.wait + 999) / 1000
            } catch  where attempt == 1 {
                continue  // two first attempts of one key raced to insert its row: the second one now updates it
            }
        }
        return nil
    }

    func throttled(_ response: Response, seconds: Int64) -> Response {
        var response = response
        response.headers[.retryAfter] = String(seconds)
        return response
    }

    func login(_ request: Request, _ context: WebContext) async throws -> Response {
        let form = try await Form.read(request, context)
        let l = Words(anonymousLanguage(request))
        guard checkLoginCSRF(form, request: request) else { return csrfRejected(request, nil) }
        let username = form["username"] ?? ""
        let password = form.values["password"] ?? ""
        guard !username.isEmpty, !password.isEmpty else {
            return loginPage(
                request, error: l("Enter your username and password."),
                username: username, status: .badRequest)
        }
        // Names no account can have are refused before any lookup or throttle key is made of them.
        guard DirectoryRules.isLoginName(username) else {
            logger.notice("refused login name \(LogText.quoted(username)) from \(clientAddress(request, context))")
            return loginPage(
                request, error: l("Wrong username or password."),
                status: .unauthorized)
        }
        // Throttling per account and per address; the same answer whether the account exists or not.
        let account = LoginThrottle.accountKey(username)
        let address = LoginThrottle.addressKey(clientAddress(request, context))
        if let wait = try await reserveAttempt(keys: [account, address]) {
            return throttled(
                loginPage(
                    request,
                    error: l("Too many failed attempts. Wait {0} s.", String(wait)),
                    username: username, status: .tooManyRequests), seconds: wait)
        }
        let user = try await directory.user(named: username)
        let valid = await verify(password, against: user.map(\.passwordHash).flatMap(\.nonEmpty) ?? Self.decoyHash)
        guard let user, valid, user.isActive, user.removedAt == nil else {
            logger.notice("failed login for \(LogText.quoted(username)) from \(clientAddress(request, context))")
            return loginPage(
                request, error: l("Wrong username or password."),
                username: username, status: .unauthorized)
        }
        // A new session id at every login (any session the browser had is ended).
        let old = cookie(request, Self.sessionCookie)
        try await directory.attemptSucceeded(account: account, others: [address])
        let session = try await directory.createSession(userID: user.id, replacing: old, now: Date().milliseconds)
        logger.info("login: \(user.username) from \(clientAddress(request, context))")
        return redirect(
            Self.safeNext(form["next"]), cookies: [sessionCookie(session.id), expiredCookie(Self.loginCookie)])
    }

    func logout(_ request: Request, _ context: WebContext) async throws -> Response {
        let form = try await Form.read(request, context)
        guard let viewer = try await viewer(request) else {
            return redirect("/login", cookies: [expiredCookie(Self.sessionCookie)])
        }
        guard checkCSRF(form, viewer: viewer, request: request) else { return csrfRejected(request, viewer) }
        if let id = cookie(request, Self.sessionCookie) {
            try await directory.endSession(id: id)
        }
        return redirect(
            "/login", flash: viewer.l("You are logged out."),
            cookies: [expiredCookie(Self.sessionCookie)])
    }

    func registerPage(
        _ request: Request, error: String? = nil, values: Form = Form(""), status: HTTPResponse.Status = .ok
    ) -> Response {
        let language = anonymousLanguage(request)
        let l = Words(language)
        let token = loginToken(request)
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
              <div class="mb-3"><label class="form-label" for="password">\(l("Password ({0} characters or more)", String(DirectoryRules.minPasswordLength)))</label>
                <input class="form-control" id="password" name="password" type="password" autocomplete="new-password" required minlength="\(DirectoryRules.minPasswordLength)"></div>
              <div class="mb-3"><label class="form-label" for="repeat">\(l("Repeat the password"))</label>
                <input class="form-control" id="repeat" name="repeat" type="password" autocomplete="new-password" required></div>
              <button class="btn btn-primary w-100" type="submit">\(l("Create account"))</button>
            </form></div></div>
            """
        return html(
            layout(
                request, viewer: nil, language: language, title: l("Create an account"),
                body: body), status: status, cookies: [loginCookie(token)])
    }

    func register(_ request: Request, _ context: WebContext) async throws -> Response {
        let form = try await Form.read(request, context)
        let l = Words(anonymousLanguage(request))
        guard checkLoginCSRF(form, request: request) else { return csrfRejected(request, nil) }
        guard form.values["password"] == form.values["repeat"] else {
            return registerPage(
                request, error: l("The passwords do not match."), values: form,
                status: .badRequest)
        }
        let admin = DirectoryAdmin(store: directory, hasher: hasher)
        let user: User
        do {
            user = try await admin.addUser(
                username: form["username"] ?? "", email: form["email"] ?? "",
                name: (form["name"] ?? "").isEmpty ? nil : form["name"],
                isAdmin: false, password: form.values["password"] ?? "", hash: { try await self.hash($0) })
        } catch let error as DirectoryError {
            return registerPage(request, error: error.message(l), values: form, status: .badRequest)
        }
        let session = try await directory.createSession(userID: user.id, replacing: nil, now: Date().milliseconds)
        return redirect(
            "/", flash: l("Account created. Welcome!"),
            cookies: [sessionCookie(session.id)])
    }
}
