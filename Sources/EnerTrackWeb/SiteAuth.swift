import EnerTrackCore
import EnerTrackKit
import Foundation
import HTTPTypes
import Hummingbird

extension Site {
    /// A hash to check against when the user does not exist, so timing does not tell.
    static let decoyHash = "scrypt:32768:8:1$decoydecoydecoyd$" + String(repeating: "0", count: 128)

    /// Before a session exists, the CSRF token is a random cookie echoed in the form (double submit).
    func loginToken(_ request: Request) -> String {
        cookie(request, Self.loginCookie).flatMap { $0.count >= 32 ? $0 : nil } ?? RandomToken.make()
    }

    func loginCookie(_ token: String) -> Cookie { setCookie(Self.loginCookie, token, maxAge: 3600) }

    func checkLoginCSRF(_ form: Form, request: Request, context: WebContext) -> Bool {
        guard let expected = cookie(request, Self.loginCookie), let sent = form["csrf"] else { return false }
        return RandomToken.constantTimeEqual(expected, sent) && checkSameOrigin(request, context)
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
        switch try await reserving({ now in try await self.directory.reserveAttempt(keys: keys, now: now) }) {
        case .reserved: nil
        case .throttled(let wait): wait
        }
    }

    /// A login attempt typed as `name` (see `SessionStore.reserveLoginAttempt`): the account key
    /// and user, or the seconds to wait.
    func reserveLoginAttempt(name: String, others: [String]) async throws -> Reservation<
        (
            account: String, user: User?
        )
    > {
        try await reserving { now in try await self.directory.reserveLoginAttempt(name: name, others: others, now: now)
        }
    }

    enum Reservation<Value> {
        case reserved(Value)
        case throttled(seconds: Int64)
    }

    private func reserving<Value>(_ reserve: (Int64) async throws -> Value) async throws -> Reservation<Value> {
        let now = options.throttleClock()
        do {
            return .reserved(try await reserve(now))
        } catch let throttled as LoginThrottle.Throttled {
            return .throttled(seconds: (throttled.wait + 999) / 1000)
        } catch {
            // Two first attempts of one key raced to insert its row: the second one now updates it.
            do {
                return .reserved(try await reserve(now))
            } catch let throttled as LoginThrottle.Throttled {
                return .throttled(seconds: (throttled.wait + 999) / 1000)
            }
        }
    }

    func throttled(_ response: Response, seconds: Int64) -> Response {
        var response = response
        response.headers[.retryAfter] = String(seconds)
        return response
    }

    /// The login page; with `resumed`, a form the expired session could not take rides along in
    /// hidden fields, and comes back after the login to be sent again.
    func loginPage(
        _ request: Request, error: String? = nil, username: String = "", status: HTTPResponse.Status = .ok,
        resumed: Resumed? = nil
    ) -> Response {
        let language = anonymousLanguage(request)
        let l = Words(language)
        let token = loginToken(request)
        let next = (try? Query(request))?.next ?? ""
        let carried: HTML =
            resumed.map {
                "<input type=\"hidden\" name=\"resume_path\" value=\"\($0.path)\"><input type=\"hidden\" name=\"resume\" value=\"\($0.encoded)\">"
            } ?? ""
        let body: HTML = """
            <div class="row justify-content-center"><div class="col-12 col-sm-10 col-md-6 col-lg-4">
            <h1 class="h3 mb-3">\(l("Log in"))</h1>
            \(HTML.when(resumed != nil, "<div class=\"alert alert-warning\" role=\"status\">\(l("Your session expired before the form was sent. Log in and it comes back, filled in, to send again."))</div>"))
            \(HTML.when(error != nil, "<div class=\"alert alert-danger\" role=\"alert\">\(error ?? "")</div>"))
            <form method="post" action="/login" novalidate>
              <input type="hidden" name="csrf" value="\(token)">
              <input type="hidden" name="next" value="\(next)">\(carried)
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

    /// A form posted without a live session: where it went and its fields (never its CSRF token
    /// or a password), carried through the login.
    struct Resumed {
        static let secret: Set<String> = ["csrf", "password", "current", "repeat", "resume", "resume_path"]
        var path: String
        var fields: [(name: String, value: String)]

        init(path: String, form: Form) {
            self.path = path
            fields = form.values.filter { !Self.secret.contains($0.key) }.sorted { $0.key < $1.key }
                .map { ($0.key, $0.value) }
        }

        /// From the login form's hidden fields; nil when there is none or its path is not this site's.
        init?(_ login: Form) {
            guard let path = login["resume_path"], Site.safeNext(path) == path, path != "/",
                let encoded = login.values["resume"]
            else { return nil }
            self.init(path: path, form: Form(encoded))
        }

        /// The fields as a query string (what `Form` reads back).
        var encoded: String {
            var allowed = CharacterSet.alphanumerics
            allowed.insert(charactersIn: "-._~")
            return fields.map {
                ($0.name.addingPercentEncoding(withAllowedCharacters: allowed) ?? "") + "="
                    + ($0.value.addingPercentEncoding(withAllowedCharacters: allowed) ?? "")
            }.joined(separator: "&")
        }
    }

    /// After a login: the form that was lost, filled in, with the new session's token.
    func resumePage(_ request: Request, _ resumed: Resumed, csrf: String, language: Language, cookies: [Cookie])
        -> Response
    {
        let l = Words(language)
        let hidden: [HTML] = resumed.fields.map {
            "<input type=\"hidden\" name=\"\($0.name)\" value=\"\($0.value)\">"
        }
        let shown: [HTML] = resumed.fields.filter { $0.name != "action" }.map {
            "<li><span class=\"text-body-secondary\">\($0.name):</span> \($0.value)</li>"
        }
        let body: HTML = """
            <h1 class="h3 mb-3">\(l("Send the form again"))</h1>
            <p>\(l("You are logged in again. This is what the form held when the session expired; nothing has been saved yet."))</p>
            <ul class="small">\(shown)</ul>
            <form method="post" action="\(resumed.path)"><input type="hidden" name="csrf" value="\(csrf)">\(hidden)
              <button class="btn btn-primary" type="submit">\(l("Send again"))</button>
              <a class="btn btn-outline-secondary" href="\(resumed.path)">\(l("Discard"))</a></form>
            """
        return html(
            layout(request, viewer: nil, language: language, title: l("Send the form again"), body: body),
            cookies: cookies)
    }
}
