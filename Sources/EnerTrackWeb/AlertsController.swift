import EnerTrackCore
import EnerTrackKit
import Foundation
import HTTPTypes
import Hummingbird

/// A user's alert thresholds.
struct AlertsController: Sendable {
    let site: Site
    let nodes: ViewerNodes
    let directory: any AlertRuleStore & TelegramLinkStore

    var routes: RouteCollection<WebContext> {
        let routes = RouteCollection(context: WebContext.self)
        routes.get("alerts") { request, context in
            try await self.site.signedIn(request, context) { try await self.alertsPage(request, $0) }
        }
        routes.post("alerts") { request, context in
            try await self.site.posted(request, context) { try await self.changeAlert(request, $0, $1) }
        }
        return routes
    }
}

extension AlertsController {
    func alertsPage(_ request: Request, _ viewer: Viewer) async throws -> Response {
        let l = viewer.l
        let views = try await nodes.nodeViews(viewer)
        let rules = try await directory.alertRules(userID: viewer.user.id)
        let linked = try await directory.telegramLink(userID: viewer.user.id) != nil
        let rows: [HTML] = views.map { view in
            let rule = rules.first { $0.nodeID == view.node.id }
            let state: HTML =
                switch rule?.state {
                case .firing?: "<span class=\"badge text-bg-danger\">\(l("exceeded"))</span>"
                case .ok?: "<span class=\"badge text-bg-success\">ok</span>"
                case nil: "<span class=\"text-body-secondary\">–</span>"
                }
            return """
                <tr><td>\(view.label)<div class="esp text-body-secondary">\(view.node.espID)</div></td>
                <td><div class="d-flex flex-wrap gap-2"><form method="post" action="/alerts" class="d-flex flex-wrap gap-2">\(site.csrfField(viewer))
                  <input type="hidden" name="node" value="\(view.node.espID)"><input type="hidden" name="action" value="set">
                  <input class="form-control form-control-sm threshold" name="kw" type="number" min="0.01" max="\(Int(AlertRules.maxThresholdKW))" step="0.01" required value="\(rule.flatMap { $0.thresholdKW > 0 ? String($0.thresholdKW) : nil } ?? "")" aria-label="\(l("Threshold of {0} in kW", view.label))">
                  <button class="btn btn-sm btn-primary" type="submit">\(l("Save"))</button></form>
                \(HTML.when(rule?.phaseKW != nil, "<span class=\"small text-body-secondary align-self-center\">\(l("and {0} kW on any phase", l.number(rule?.phaseKW ?? 0)))</span>"))
                \(rule == nil ? "" as HTML : """
                <form method="post" action="/alerts">\(site.csrfField(viewer))<input type="hidden" name="node" value="\(view.node.espID)"><input type="hidden" name="action" value="clear">
                <button class="btn btn-sm btn-outline-danger" type="submit" aria-label="\(l("Delete the alert on {0}", view.label))">\(l("Delete"))</button></form>
                """ as HTML)</div></td>
                <td>\(state)\(HTML.when(rule?.state == .firing, " <small>\(l.time(rule?.since.map(Date.init(milliseconds:)), site.options.timeZone))</small>"))</td></tr>
                """
        }
        let body: HTML = """
            <h1 class="h3 mb-3">\(l("Alerts"))</h1>
            <p>\(l("You get a Telegram message when the mean power over the last 15 minutes exceeds the threshold (in kW), another if it stays above an hour later, and one when it is back to normal."))</p>
            \(HTML.when(!linked, "<div class=\"alert alert-warning\" id=\"telegram-unlinked\">\(l("Your account is not linked to Telegram yet, so alerts are recorded here but no message reaches you.")) <a class=\"alert-link\" href=\"/telegram\">\(l("Link Telegram"))</a></div>"))
            <div class="table-responsive"><table class="table">
            <thead><tr><th>\(l("Meter"))</th><th>\(l("Threshold (kW)"))</th><th>\(l("State"))</th></tr></thead>
            <tbody>\(rows)</tbody></table></div>
            """
        return site.page(request, viewer, title: l("Alerts"), active: "alerts", body: body)
    }

    func changeAlert(_ request: Request, _ viewer: Viewer, _ form: Form) async throws -> Response {
        let l = viewer.l
        guard let espID = form["node"], let view = try await nodes.nodeView(viewer, espID: espID) else {
            return site.notFound(request, viewer)
        }
        if form["action"] == "clear" {
            try await directory.clearThreshold(userID: viewer.user.id, nodeID: view.node.id)
            return site.redirect(
                "/alerts", flash: l("Alert on {0} removed.", view.label))
        }
        guard let kw = (form["kw"] ?? "").replacingOccurrences(of: ",", with: ".").nonEmpty.flatMap(Double.init),
            AlertRules.isThreshold(kw)
        else {
            return site.redirect(
                "/alerts",
                flash: l("The threshold must be a number of kW above 0."),
                kind: "danger")
        }
        let now = Date().milliseconds
        // The form sets the total's threshold; a per-phase one (set with `alerts set --phase-kw`) stays.
        let phaseKW = try await directory.alertRules(userID: viewer.user.id).first { $0.nodeID == view.node.id }?
            .phaseKW
        try await directory.setThreshold(
            userID: viewer.user.id, nodeID: view.node.id, kw: kw, phaseKW: phaseKW, now: now)
        return site.redirect(
            "/alerts",
            flash: l("Threshold of {0}: {1} kW.", view.label, l.number(kw)))
    }
}
