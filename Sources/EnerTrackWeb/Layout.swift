import EnerTrackCore
import Foundation
import Hummingbird

extension WebApp {
    /// The frame of every page: navigation, theme toggle, flash message, and the body.
    func layout(
        _ request: Request, viewer: Viewer?, language: Language, title: String, active: String = "", body: HTML
    ) -> HTML {
        let l = L10n(language)
        let theme = viewer?.theme ?? (cookie(request, "theme") == "dark" ? "dark" : "light")
        var nav: HTML = ""
        if let viewer {
            var links: [(String, String, String)] = [
                ("/", "dashboard", l.t("Panel", "Dashboard")),
                ("/consumption", "consumption", l.t("Consumo", "Consumption")),
                ("/alerts", "alerts", l.t("Alertas", "Alerts")), ("/telegram", "telegram", "Telegram"),
                ("/profile", "profile", l.t("Perfil", "Profile")),
            ]
            if viewer.user.isAdmin {
                links += [
                    ("/admin/users", "users", l.t("Usuarios", "Users")),
                    ("/admin/nodes", "nodes", l.t("Medidores", "Meters")),
                    ("/admin/assignments", "assignments", l.t("Asignaciones", "Assignments")),
                ]
            }
            let items = links.map { href, key, label -> HTML in
                "<li class=\"nav-item\"><a class=\"nav-link\(key == active ? " active" : "")\" href=\"\(href)\"\(HTML.when(key == active, " aria-current=\"page\""))>\(label)</a></li>"
            }
            nav = """
                <button class="navbar-toggler" type="button" data-bs-toggle="collapse" data-bs-target="#nav" aria-controls="nav" aria-expanded="false" aria-label="\(l.t("Menú", "Menu"))"><span class="navbar-toggler-icon"></span></button>
                <div class="collapse navbar-collapse" id="nav">
                  <ul class="navbar-nav me-auto">\(items)</ul>
                  <form method="post" action="/logout" class="d-flex"><input type="hidden" name="csrf" value="\(viewer.csrf ?? "")">
                    <span class="navbar-text me-2 small">\(viewer.user.username)</span>
                    <button class="btn btn-outline-light btn-sm" type="submit">\(l.t("Salir", "Log out"))</button></form>
                </div>
                """
        }
        var flashHTML: HTML = ""
        if let flash = flash(request) {
            flashHTML =
                "<div class=\"alert alert-\(flash.kind) alert-dismissible fade show\" role=\"alert\">\(flash.text)<button type=\"button\" class=\"btn-close\" data-bs-dismiss=\"alert\" aria-label=\"\(l.t("Cerrar", "Close"))\"></button></div>"
        }
        return """
            <!doctype html>
            <html lang="\(language.rawValue)" data-bs-theme="\(theme)">
            <head>
            <meta charset="utf-8">
            <meta name="viewport" content="width=device-width, initial-scale=1">
            <title>\(title) · EnerTrack</title>
            <link rel="icon" href="/static/favicon.svg" type="image/svg+xml">
            <link rel="stylesheet" href="/static/vendor/bootstrap.min.css">
            <link rel="stylesheet" href="/static/app.css">
            </head>
            <body>
            <nav class="navbar navbar-expand-lg navbar-dark bg-primary mb-4">
              <div class="container-fluid">
                <a class="navbar-brand" href="/">⚡ EnerTrack</a>
                <button id="theme-toggle" class="btn btn-sm btn-outline-light ms-auto me-2 order-lg-last" type="button" title="\(l.t("Tema claro u oscuro", "Light or dark theme"))" aria-label="\(l.t("Tema claro u oscuro", "Light or dark theme"))">◐</button>
                \(nav)
              </div>
            </nav>
            <main class="container">
            \(flashHTML)
            \(body)
            </main>
            <script src="/static/vendor/bootstrap.bundle.min.js"></script>
            <script src="/static/vendor/chart.min.js"></script>
            <script src="/static/app.js"></script>
            </body>
            </html>
            """
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
        let language = viewer?.language ?? anonymousLanguage(request)
        let l = L10n(language)
        let body: HTML =
            "<h1 class=\"h3\">\(l.t("No encontrado", "Not found"))</h1><p>\(l.t("Esa página no existe.", "That page does not exist."))</p><a href=\"/\">\(l.t("Volver al panel", "Back to the dashboard"))</a>"
        return html(
            layout(request, viewer: viewer, language: language, title: l.t("No encontrado", "Not found"), body: body),
            status: .notFound)
    }

    func forbidden(_ request: Request, _ viewer: Viewer) -> Response {
        let l = viewer.l
        let body: HTML =
            "<h1 class=\"h3\">\(l.t("Sin permiso", "Forbidden"))</h1><p>\(l.t("Esta página es solo para administradores.", "This page is for administrators only."))</p>"
        return page(request, viewer, title: l.t("Sin permiso", "Forbidden"), active: "", body: body, status: .forbidden)
    }

    func csrfRejected(_ request: Request, _ viewer: Viewer?) -> Response {
        let l = L10n(viewer?.language ?? anonymousLanguage(request))
        let body: HTML =
            "<h1 class=\"h3\">\(l.t("Petición rechazada", "Request refused"))</h1><p>\(l.t("El formulario caducó o no venía de esta página. Vuelve atrás, recarga e inténtalo de nuevo.", "The form expired or did not come from this site. Go back, reload and try again."))</p>"
        return html(
            layout(
                request, viewer: viewer, language: l.language, title: l.t("Petición rechazada", "Request refused"),
                body: body), status: .forbidden)
    }

    func csrfField(_ viewer: Viewer) -> HTML { "<input type=\"hidden\" name=\"csrf\" value=\"\(viewer.csrf ?? "")\">" }

    func badge(_ status: NodeStatus, _ l: L10n) -> HTML {
        let color =
            switch status {
            case .active: "success"
            case .inactive: "warning"
            case .noData: "secondary"
            case .removed: "dark"
            }
        return "<span class=\"badge text-bg-\(color)\">\(l.status(status))</span>"
    }
}
