import EnerTrackCore
import EnerTrackKit
import EnerTrackRuntime
import EnerTrackTelegram
import Foundation
import HTTPTypes
import Hummingbird
import Logging
import NIOCore

/// The request context: Hummingbird's core plus the peer address (for throttling) and a body
/// limit of 64 KiB (every form and API request is far smaller).
public struct WebContext: RequestContext, RemoteAddressRequestContext {
    public var coreContext: CoreRequestContextStorage
    let channel: any Channel
    /// Who is asking, with their nodes: put here once per request by `ViewerMiddleware`.
    var viewer: Viewer?

    public init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
        channel = source.channel
    }

    public var remoteAddress: SocketAddress? { channel.remoteAddress }
    public var maxUploadSize: Int { 64 * 1024 }
}

/// Settings of `serve`.
public struct WebOptions: Sendable {
    public var secureCookies = true
    public var registrationOpen = false
    /// Peers whose `X-Forwarded-For` is believed (a reverse proxy).
    public var trustedProxies: Set<String> = []
    public var timeZone: TimeZone = .current
    public var defaultLanguage: Language = .es
    public var inactiveAfter: TimeInterval = 300
    public var windowMS: Int64 = 15 * 60_000
    /// Concurrent password checks (scrypt takes ~50 ms of CPU and 32 MiB each).
    public var maxConcurrentPasswordChecks = max(1, ProcessInfo.processInfo.activeProcessorCount)
    /// Raw-reading exports served at once (a day of 10-s readings is ~9,000 objects): the rest
    /// wait their turn, so the pages and the small API calls keep the other cores.
    public var maxConcurrentExports = max(1, ProcessInfo.processInfo.activeProcessorCount / 2)
    /// `TELEGRAM_WEBHOOK_SECRET`: enables `POST /telegram/webhook`.
    public var webhookSecret: String?
    /// `Strict-Transport-Security` on every response.
    public var hsts = false
    /// The site's origin as browsers see it (`ENERTRACK_PUBLIC_URL`); else the request's Host,
    /// with https when cookies are Secure.
    public var publicURL: URL?
    /// Seconds a connection may go without sending a complete request head (from connecting, or
    /// from its previous response), or a part of a request body: then it is closed. Slow clients
    /// cannot hold connections open.
    public var idleTimeout = 10
    /// Connections open at once; past it, new ones wait in the listen backlog.
    public var maxConnections = 2_048
    /// The time (ms) the login throttle reads: tests stop it, so that no delay runs out while a
    /// loaded machine is slow between two attempts.
    public var throttleClock: @Sendable () -> Int64 = { Date().milliseconds }
    /// Who parses uploaded tariff files (`serve` sets a child of its binary).
    public var tariffParser: TariffParser = .inProcess
    /// `serve --metrics-listen`: what requests, logins and failures are counted into.
    public var metrics: WebMetrics?

    public init() {}
}

/// Who is asking: the logged-in user of a session or API token, with the page's language.
struct Viewer: Sendable {
    var user: User
    /// The session's CSRF token; nil for API-token requests (no cookies, nothing to forge).
    var csrf: String?
    var language: Language
    var theme: String
    /// The viewer's nodes (without readings), read with the session in one store read.
    var nodes: [NodeView]?
    var l: Words { Words(language) }
}

/// What every controller shares: settings, who is asking (sessions, tokens, CSRF, throttling),
/// password checks, cookies, responses and the page frame. Controllers get their stores themselves.
public final class Site: Sendable {
    /// Sessions, tokens and throttling live in the directory; nothing else is read through it here.
    let directory: any SessionStore & AssignmentStore & SchemaStore
    public let options: WebOptions
    let hasher: PasswordHasher
    let logger: Logger
    private let passwordChecks: BlockingPool
    /// Raw-reading exports (`maxConcurrentExports` at once).
    let exports: Permits
    /// The static files, whose fingerprinted addresses the pages name.
    let assets: Assets

    public static let sessionCookie = "enertrack_session"
    static let loginCookie = "enertrack_login"

    init(
        directory: any SessionStore & AssignmentStore & SchemaStore, options: WebOptions, hasher: PasswordHasher,
        logger: Logger, assets: Assets
    ) {
        self.directory = directory
        self.assets = assets
        self.options = options
        self.hasher = hasher
        self.logger = logger
        passwordChecks = BlockingPool(threads: options.maxConcurrentPasswordChecks, name: "enertrack.scrypt")
        exports = Permits(options.maxConcurrentExports)
    }

    // MARK: Who is asking

    /// A cookie's value as the browser sent it (as Hummingbird's `request.cookies` reads it, without
    /// building the whole list on every request: pages ask for two or three).
    func cookie(_ request: Request, _ name: String) -> String? {
        for header in request.headers[values: .cookie] {
            for part in header.split(separator: ";") {
                let pair = part.drop { $0.isWhitespace }
                guard let equals = pair.firstIndex(of: "="), pair[..<equals] == name else { continue }
                return String(pair[pair.index(after: equals)...])
            }
        }
        return nil
    }

    /// The session's (or API token's) viewer, or nil: one read on the hot path; a write only
    /// when the session's last-seen time is over a minute old, or it expired.
    func viewer(_ request: Request) async throws -> Viewer? {
        let theme = theme(request)
        if let authorization = request.headers[.authorization], authorization.hasPrefix("Bearer ") {
            let token = String(authorization.dropFirst(7)).trimmingCharacters(in: .whitespaces)
            guard let found = try await directory.tokenUser(token: token),
                found.user.isActive, found.user.removedAt == nil
            else { return nil }
            return Viewer(
                user: found.user, csrf: nil, language: found.language ?? options.defaultLanguage, theme: theme)
        }
        guard let id = cookie(request, Self.sessionCookie), !id.isEmpty else { return nil }
        let now = Date().milliseconds
        guard let found = try await directory.sessionUser(id: id, now: now) else { return nil }
        return try await viewer(found, id: id, theme: theme, now: now)
    }

    /// Whether the request carries a session cookie or an API token (`ViewerMiddleware`). The raw
    /// header is searched, not parsed: `viewerNodes` parses the cookies after, once.
    func hasCredentials(_ request: Request) -> Bool {
        if request.headers[.authorization]?.hasPrefix("Bearer ") == true { return true }
        return request.headers[values: .cookie].contains { $0.contains(Self.sessionCookie + "=") }
    }

    /// The viewer and their nodes (`NodeViews`, without readings): a browser session and its
    /// nodes in one store read; an API token in two.
    func viewerNodes(_ request: Request) async throws -> (viewer: Viewer, views: [NodeView])? {
        let id = cookie(request, Self.sessionCookie) ?? ""
        guard request.headers[.authorization]?.hasPrefix("Bearer ") != true, !id.isEmpty else {
            guard let viewer = try await viewer(request) else { return nil }
            let rows = try await directory.userNodes(userID: viewer.user.id, username: viewer.user.username)
            return (viewer, NodeViews.of(rows: rows, inactiveAfter: options.inactiveAfter))
        }
        let now = Date().milliseconds
        guard let (found, rows) = try await directory.sessionUserNodes(id: id, now: now),
            let viewer = try await viewer(found, id: id, theme: theme(request), now: now)
        else { return nil }
        return (viewer, NodeViews.of(rows: rows, inactiveAfter: options.inactiveAfter))
    }

    /// The page theme the browser chose (`theme` cookie): dark or light.
    func theme(_ request: Request) -> String { cookie(request, "theme") == "dark" ? "dark" : "light" }

    /// A session's viewer: nil for an expired session or a disabled or removed user (the session
    /// ends here, never refreshed); a stale one is touched.
    private func viewer(_ found: SessionUser, id: String, theme: String, now: Int64) async throws -> Viewer? {
        if found.expired {
            try await directory.endSession(id: id)
            return nil
        }
        // A disabled or removed user's session ends here: it is never refreshed.
        guard found.user.isActive, found.user.removedAt == nil else {
            try await directory.endSession(id: id)
            return nil
        }
        if found.stale { try await directory.touchSession(id: id, now: now) }
        return Viewer(
            user: found.user, csrf: found.session.csrfToken, language: found.language ?? options.defaultLanguage,
            theme: theme)
    }

    /// The language for someone not logged in: the browser's, else the site's.
    func anonymousLanguage(_ request: Request) -> Language {
        let accept = (request.headers[.acceptLanguage] ?? "").lowercased()
        let es = accept.range(of: "es")
        let en = accept.range(of: "en")
        switch (es, en) {
        case (let es?, let en?): return es.lowerBound < en.lowerBound ? .es : .en
        case (_?, nil): return .es
        case (nil, _?): return .en
        default: return options.defaultLanguage
        }
    }

    /// The client's address: the peer, or behind a trusted proxy the last untrusted
    /// `X-Forwarded-For` hop.
    func clientAddress(_ request: Request, _ context: WebContext) -> String {
        let peer = context.remoteAddress?.ipAddress ?? "unknown"
        guard options.trustedProxies.contains(peer) else { return peer }
        // Every X-Forwarded-For line, in order: the client may send one of its own before the proxy's.
        let hops = request.headers[values: HTTPField.Name("X-Forwarded-For")!].flatMap { $0.split(separator: ",") }
            .map { String($0).trimmingCharacters(in: CharacterSet.whitespaces) }
        return hops.last { !options.trustedProxies.contains($0) } ?? peer
    }

    // MARK: State-changing requests

    /// A POST is accepted only with the right CSRF token and, when the browser says where it
    /// comes from (Origin, else Referer), from this site: the same scheme, host and port.
    func checkSameOrigin(_ request: Request, _ context: WebContext) -> Bool {
        let source = request.headers[.origin] ?? request.headers[.referer]
        guard let source, source != "null" else { return request.headers[.origin] == nil }
        guard let sent = URL(string: source).flatMap(Origin.init) else { return false }
        return expectedOrigins(request, context).contains(sent)
    }

    /// This site's origins for `request`: `ENERTRACK_PUBLIC_URL`; else, from a trusted proxy,
    /// the scheme and host it says the browser used (`X-Forwarded-Proto`/`X-Forwarded-Host`, or
    /// `Forwarded: proto=…;host=…`); else the Host the request names, over http (serve itself
    /// speaks plain HTTP; not with `--hsts`) or, when cookies are Secure, https (a TLS proxy
    /// that keeps Host).
    func expectedOrigins(_ request: Request, _ context: WebContext) -> [Origin] {
        if let publicURL = options.publicURL { return Origin(publicURL).map { [$0] } ?? [] }
        let peer = context.remoteAddress?.ipAddress ?? ""
        if options.trustedProxies.contains(peer), let forwarded = Self.forwarded(request) {
            let authority = forwarded.host ?? request.head.authority ?? ""
            let scheme = forwarded.proto ?? (options.secureCookies ? "https" : "http")
            return URL(string: "\(scheme)://\(authority)").flatMap(Origin.init).map { [$0] } ?? []
        }
        guard let authority = request.head.authority else { return [] }
        // With --hsts the site says it is HTTPS only: a plain-HTTP origin is then refused.
        let schemes = options.hsts ? ["https"] : options.secureCookies ? ["http", "https"] : ["http"]
        return schemes.compactMap { URL(string: "\($0)://\(authority)").flatMap(Origin.init) }
    }

    /// What the trusted proxy says of the browser's request: `X-Forwarded-Proto` and
    /// `X-Forwarded-Host`, else `Forwarded` (RFC 7239); nil when it says nothing. Only the last
    /// value of each counts, the one the proxy itself set or appended: anything before it came
    /// from the client, which can send these headers too. A proxy that only appends to
    /// `Forwarded` still cannot be fooled, since `X-Forwarded-*` win when present.
    static func forwarded(_ request: Request) -> (proto: String?, host: String?)? {
        func last(_ name: String) -> String? {
            let values = request.headers[values: HTTPField.Name(name)!].flatMap { $0.split(separator: ",") }
            return values.last.map { $0.trimmingCharacters(in: .whitespaces) }.flatMap { $0.isEmpty ? nil : $0 }
        }
        var proto = last("X-Forwarded-Proto")?.lowercased()
        var host = last("X-Forwarded-Host")
        if proto == nil, host == nil, let element = last("Forwarded") {
            for pair in element.split(separator: ";") {
                let parts = pair.split(separator: "=", maxSplits: 1).map {
                    $0.trimmingCharacters(in: .whitespaces).trimmingCharacters(in: CharacterSet(charactersIn: "\""))
                }
                guard parts.count == 2 else { continue }
                switch parts[0].lowercased() {
                case "proto": proto = parts[1].lowercased()
                case "host": host = parts[1]
                default: break
                }
            }
        }
        if let scheme = proto, scheme != "http", scheme != "https" { proto = nil }
        if let name = host, name.contains(where: { $0 == "/" || $0 == "@" || $0 == "\\" || $0.isWhitespace }) {
            host = nil
        }
        return proto == nil && host == nil ? nil : (proto, host)
    }

    func checkCSRF(_ form: Form, viewer: Viewer, request: Request, context: WebContext) -> Bool {
        guard let expected = viewer.csrf, let sent = form["csrf"] else { return false }
        return RandomToken.constantTimeEqual(expected, sent) && checkSameOrigin(request, context)
    }

    // MARK: Passwords

    /// scrypt off the request's executor, at most a few at a time (a pool of its own, so a burst
    /// of logins cannot hold up the store's work).
    func verify(_ password: String, against hash: String) async -> Bool {
        let hasher = self.hasher
        // A request that went away while waiting for a thread: no check, no login.
        return (try? await passwordChecks.run { hasher.verify(password, against: hash) }) ?? false
    }

    func hash(_ password: String) async throws -> String {
        let hasher = self.hasher
        return try await passwordChecks.run { try hasher.hash(password) }
    }

    // MARK: Cookies

    /// A cookie of this site (Hummingbird's `Cookie`): HttpOnly, SameSite=Lax, path /, Secure
    /// unless insecure cookies were asked for.
    func setCookie(_ name: String, _ value: String, maxAge: Int64) -> Cookie {
        Cookie(
            name: name, value: value, maxAge: Int(maxAge), path: "/", secure: options.secureCookies, httpOnly: true,
            sameSite: .lax)
    }

    func sessionCookie(_ id: String) -> Cookie {
        setCookie(Self.sessionCookie, id, maxAge: SessionRules.absoluteTimeout / 1000)
    }

    func expiredCookie(_ name: String) -> Cookie { setCookie(name, "", maxAge: 0) }

    func flashCookie(_ text: String, kind: String) -> Cookie {
        let value = RandomToken.base64url(Data("\(kind)|\(text)".utf8))
        return setCookie("flash", value, maxAge: 60)
    }

    func flash(_ request: Request) -> (kind: String, text: String)? {
        guard var value = cookie(request, "flash"), !value.isEmpty else { return nil }
        value = value.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        while value.count % 4 != 0 { value += "=" }
        guard let data = Data(base64Encoded: value), let text = String(data: data, encoding: .utf8),
            let bar = text.firstIndex(of: "|")
        else { return nil }
        let kind = String(text[..<bar])
        return (
            ["success", "danger", "warning", "info"].contains(kind) ? kind : "info",
            String(text[text.index(after: bar)...])
        )
    }
}

/// Scheme, host and port, as browsers compare origins (default ports filled in).
struct Origin: Equatable {
    var scheme: String
    var host: String
    var port: Int

    init?(_ url: URL) {
        guard let scheme = url.scheme?.lowercased(), ["http", "https"].contains(scheme),
            let host = url.host?.lowercased(), !host.isEmpty
        else { return nil }
        self.scheme = scheme
        self.host = host
        port = url.port ?? (scheme == "https" ? 443 : 80)
    }
}

/// A decoded `application/x-www-form-urlencoded` body, through Hummingbird's
/// `URLEncodedFormDecoder`. A body it cannot read (a repeated field, broken percent-encoding)
/// is an empty form: every check that needs a field then refuses it.
struct Form: Sendable {
    var values: [String: String] = [:]

    init(_ text: String) {
        values = (try? URLEncodedFormDecoder().decode([String: String].self, from: text)) ?? [:]
    }

    subscript(_ key: String) -> String? {
        values[key].map { $0.trimmingCharacters(in: .whitespacesAndNewlines) }
    }

    /// The tariffs page takes a month of quarter-hour prices (about 100 KB encoded); other forms
    /// are small.
    static let largeForms: Set<String> = ["/admin/tariffs"]

    static func read(_ request: Request, _ context: WebContext) async throws -> Form {
        let limit = largeForms.contains(request.uri.path) ? 2 << 20 : context.maxUploadSize
        let buffer = try await request.body.collect(upTo: limit)
        return Form(String(buffer: buffer))
    }
}

/// The query string of a page or an API call, decoded by Hummingbird's `URLEncodedFormDecoder`
/// into one struct: each parameter text, which Kit's range rules (`ConsumptionReport.range`,
/// `ReadingsRange`, …) then check and word. A query it cannot read (a repeated parameter, broken
/// percent-encoding) is a 400 naming why, never a guess at which value was meant.
struct Query: Decodable, Sendable {
    var by: String?
    var from: String?
    var to: String?
    var node: String?
    var range: String?
    var quantity: String?
    var next: String?
    var period: String?
    var date: String?
    var since: String?

    init(_ request: Request) throws {
        do {
            // A `+` is itself (a time's offset, `from=2026-12-04T10:00+01:00`), as typed by hand:
            // none of these values holds a space a form would have sent as `+`.
            let query = (request.uri.query ?? "").replacingOccurrences(of: "+", with: "%2B")
            self = try URLEncodedFormDecoder().decode(Query.self, from: query)
        } catch {
            throw HTTPError(
                .badRequest, message: "the query string cannot be read: a parameter is repeated or badly encoded")
        }
    }
}
