import EnerTrackCore
import EnerTrackKit
import Foundation
import Hummingbird

extension Site {
    /// The frame of every page: navigation, theme toggle, flash message, and the body. Chart.js
    /// (~200 KB) is sent only with a page that draws a chart.
    func layout(
        _ request: Request, viewer: Viewer?, language: Language, title: String, active: String = "", body: HTML
    ) -> HTML {
        let l = Words(language)
        let theme = viewer?.theme ?? self.theme(request)
        // No choice made here yet: the system's preference decides (`/static/theme.js`, before the page draws).
        let chosen = ["dark", "light"].contains(cookie(request, "theme"))
        let charts = body.text.contains("<canvas")
        var nav: HTML = ""
        if let viewer {
            var links: [(String, String, String)] = [
                ("/", "dashboard", l("Dashboard")),
                ("/consumption", "consumption", l("Consumption")),
                ("/tariff", "tariff", l("Tariff")),
                ("/alerts", "alerts", l("Alerts")), ("/telegram", "telegram", "Telegram"),
                ("/profile", "profile", l("Profile")),
            ]
            if viewer.user.isAdmin {
                links += [
                    ("/admin/users", "users", l("Users")),
                    ("/admin/nodes", "nodes", l("Meters")),
                    ("/admin/assignments", "assignments", l("Assignments")),
                    ("/admin/sites", "sites", l("Sites")),
                    ("/admin/tariffs", "tariffs", l("Tariffs")),
                ]
            }
            let items = links.map { href, key, label -> HTML in
                "<li class=\"nav-item\"><a class=\"nav-link\(key == active ? " active" : "")\" href=\"\(href)\"\(HTML.when(key == active, " aria-current=\"page\""))>\(label)</a></li>"
            }
            nav = """
                <button class="navbar-toggler" type="button" data-bs-toggle="collapse" data-bs-target="#nav" aria-controls="nav" aria-expanded="false" aria-label="\(l("Menu"))"><span class="navbar-toggler-icon"></span></button>
                <div class="collapse navbar-collapse" id="nav">
                  <ul class="navbar-nav me-auto">\(items)</ul>
                  <form method="post" action="/logout" class="d-flex"><input type="hidden" name="csrf" value="\(viewer.csrf ?? "")">
                    <span class="navbar-text me-2 small">\(viewer.user.username)</span>
                    <button class="btn btn-outline-light btn-sm" type="submit">\(l("Log out"))</button></form>
                </div>
                """
        }
        var flashHTML: HTML = ""
        if let flash = flash(request) {
            flashHTML =
                "<div class=\"alert alert-\(flash.kind) alert-dismissible fade show\" role=\"alert\">\(flash.text)<button type=\"button\" class=\"btn-close\" data-bs-dismiss=\"alert\" aria-label=\"\(l("Close"))\"></button></div>"
        }
        return """
            <!doctype html>
            <html lang="\(language.rawValue)" data-bs-theme="\(theme)" data-tz="\(options.timeZone.identifier)"\(HTML.when(!chosen, " data-theme-auto"))>
            <head>
            <meta charset="utf-8">
            <meta name="viewport" content="width=device-width, initial-scale=1">
            <title>\(title) · EnerTrack</title>
            <link rel="icon" href="\(assets.url("favicon.svg"))" type="image/svg+xml">
            <link rel="stylesheet" href="\(assets.url("vendor/bootstrap.min.css"))">
            <link rel="stylesheet" href="\(assets.url("app.css"))">
            \(HTML.when(!chosen, "<script src=\"\(assets.url("theme.js"))\"></script>"))
            </head>
            <body>
            <a class="visually-hidden-focusable skip-link" href="#main">\(l("Skip to the content"))</a>
            <nav class="navbar navbar-expand-lg navbar-dark bg-primary mb-4">
              <div class="container-fluid">
                <a class="navbar-brand" href="/">⚡ EnerTrack</a>
                <button id="theme-toggle" class="btn btn-sm btn-outline-light ms-auto ms-lg-0 me-2 me-lg-3" type="button" title="\(l("Light or dark theme"))" aria-label="\(l("Dark theme"))" aria-pressed="\(theme == "dark" ? "true" : "false")">◐</button>
                \(nav)
              </div>
            </nav>
            <main class="container" id="main" tabindex="-1">
            \(HTML.when(viewer != nil, "<div id=\"live-notice\" class=\"alert alert-warning\" role=\"status\" hidden data-expired=\"\(l("Your session has expired: the figures no longer update."))\" data-unreachable=\"\(l("The server cannot be reached: the figures may be out of date. Last try:"))\" data-login=\"\(l("Log in again"))\"></div>"))
            \(flashHTML)
            \(body)
            </main>
            <script src="\(assets.url("vendor/bootstrap.bundle.min.js"))"></script>
            \(HTML.when(charts, "\(chartWords(l))<script src=\"\(assets.url("vendor/chart.min.js"))\"></script><script src=\"\(assets.url("charts.js"))\"></script>"))
            <script src="\(assets.url("app.js"))"></script>
            </body>
            </html>
            """
    }

    /// The words a chart's script shows (its tooltips, axis titles and table), in the page's language.
    func chartWords(_ l: Words) -> HTML {
        let words = [
            ("Total", l("Total")), ("Consumption", l("Consumption")), ("Period", l("Period")), ("Time", l("Time")),
            ("points", l("points")),
            ("readings", l("readings")),
            ("15-minute means", l("15-minute means")), ("kWh per interval", l("kWh per interval")),
            ("power", l("Power")), ("voltage", l("Voltage")), ("current", l("Current")), ("energy", l("Energy")),
            ("pf", l("Power factor")), ("frequency", l("Frequency")),
        ]
        var writer = JSONWriter(capacity: 512)
        writer.raw("{")
        for (index, pair) in words.enumerated() {
            if index > 0 { writer.raw(",") }
            writer.string(pair.0)
            writer.raw(":")
            writer.string(pair.1)
        }
        writer.raw("}")
        return "<div id=\"chart-words\" hidden data-words=\"\(writer.text)\"></div>"
    }

    func page(
        _ request: Request, _ viewer: Viewer, title: String, active: String, body: HTML,
        status: HTTPResponse.Status = .ok
    ) -> Response {
        html(
            layout(request, viewer: viewer, language: viewer.language, title: title, active: active, body: body),
            status: status)
    }

    func notFound(_ request: Request, _ viewer: Viewer?) -> Response {
        errorPage(request, viewer, status: .notFound) { l in (l("Not found"), l("That page does not exist.")) }
    }

    /// An error no handler expected: logged with its path; the site's 500 page, or JSON for the API.
    func failed(_ request: Request, _ error: any Error, viewer: Viewer?) -> Response {
        logger.error("\(request.method) \(request.uri.path) failed: \(error)")
        options.metrics?.failed(error)
        guard !request.uri.path.hasPrefix("/api/") else { return jsonError(.internalServerError, "internal error") }
        return errorPage(request, viewer, status: .internalServerError) { l in
            (
                l("Something went wrong"),
                l(
                    "The server could not answer this request. Try again in a moment; if it keeps happening, tell the administrator."
                )
            )
        }
    }

    /// A page that says what went wrong, in the frame, with a way on.
    private func errorPage(
        _ request: Request, _ viewer: Viewer?, status: HTTPResponse.Status, _ words: (Words) -> (String, String)
    ) -> Response {
        let language = viewer?.language ?? anonymousLanguage(request)
        let l = Words(language)
        let (title, text) = words(l)
        let body: HTML =
            "<h1 class=\"h3\">\(title)</h1><p>\(text)</p><a href=\"/\">\(l("Back to the dashboard"))</a>"
        return html(layout(request, viewer: viewer, language: language, title: title, body: body), status: status)
    }

    func forbidden(_ request: Request, _ viewer: Viewer) -> Response {
        let l = viewer.l
        let body: HTML =
            "<h1 class=\"h3\">\(l("Forbidden"))</h1><p>\(l("This page is for administrators only."))</p>"
        return page(request, viewer, title: l("Forbidden"), active: "", body: body, status: .forbidden)
    }

    func csrfRejected(_ request: Request, _ viewer: Viewer?) -> Response {
        let l = Words(viewer?.language ?? anonymousLanguage(request))
        let body: HTML =
            "<h1 class=\"h3\">\(l("Request refused"))</h1><p>\(l("The form expired or did not come from this site. Go back, reload and try again."))</p>"
        return html(
            layout(
                request, viewer: viewer, language: l.language, title: l("Request refused"),
                body: body), status: .forbidden)
    }

    func csrfField(_ viewer: Viewer) -> HTML { "<input type=\"hidden\" name=\"csrf\" value=\"\(viewer.csrf ?? "")\">" }

    func badge(_ status: NodeStatus, _ l: Words) -> HTML {
        let color =
            switch status {
            case .active: "success"
            case .inactive: "warning"
            case .noData: "secondary"
            case .removed: "dark"
            }
        return "<span class=\"badge text-bg-\(color)\" data-field=\"status\">\(l.status(status))</span>"
    }
}
