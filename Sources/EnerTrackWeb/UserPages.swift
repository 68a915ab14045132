import EnerTrackCore
import EnerTrackKit
import EnerTrackTelegram
import Foundation
import HTTPTypes
import Hummingbird

extension WebApp {
    // MARK: Dashboard

    func dashboard(_ request: Request, _ viewer: Viewer) async throws -> Response {
        let l = viewer.l
        let views = try await nodeViews(viewer, latest: true)
        let kpi = try await kpis(views)
        func card(_ label: String, _ value: String, _ unit: String) -> HTML {
            "<div class=\"col-6 col-md-4 col-xl\"><div class=\"card kpi h-100\"><div class=\"card-body\"><div class=\"label\">\(label)</div><div class=\"value\">\(value) <small class=\"fs-6\">\(unit)</small></div></div></div></div>"
        }
        let cards: [HTML] = [
            card(l("Power now"), l.number(kpi.powerW.map { $0 / 1000 }, decimals: 2), "kW"),
            card(l("Energy today"), l.number(kpi.energyTodayKWh, decimals: 2), "kWh"),
            card(l("Mean voltage"), l.number(kpi.voltage, decimals: 1), "V"),
            card(l("Frequency"), l.number(kpi.frequency, decimals: 2), "Hz"),
            card(l("Power factor"), l.number(kpi.pf, decimals: 2), ""),
        ]
        let rows: [HTML] = views.map { view in
            """
            <tr><td><a href="/nodes/\(view.node.espID)">\(view.label)</a><div class="esp text-body-secondary">\(view.node.espID)</div></td>
            <td class="d-none d-md-table-cell">\(view.assignment.location)</td>
            <td>\(badge(view.status, l))</td>
            <td class="text-end">\(l.number(view.latest?.power.map { $0 / 1000 }, decimals: 2))</td>
            <td class="text-end">\(l.number(kpi.meters.first { $0.node.espID == view.node.espID }?.todayKWh, decimals: 2))</td>
            <td class="d-none d-sm-table-cell small">\(l.time(view.node.lastSeen, options.timeZone))</td></tr>
            """
        }
        let body: HTML = """
            <h1 class="h3 mb-3">\(l("Dashboard"))</h1>
            <div class="row g-3 mb-4">\(cards)</div>
            <h2 class="h5">\(l("Meters"))</h2>
            \(views.isEmpty ? "<p class=\"text-body-secondary\">\(l("No meters are assigned to you."))</p>" as HTML : """
            <div class="table-responsive"><table class="table table-hover">
            <thead><tr><th>\(l("Meter"))</th><th class="d-none d-md-table-cell">\(l("Location"))</th><th>\(l("Status"))</th>
            <th class="text-end">kW</th><th class="text-end">\(l("kWh today"))</th><th class="d-none d-sm-table-cell">\(l("Last seen"))</th></tr></thead>
            <tbody>\(rows)</tbody></table></div>
            """ as HTML)
            """
        return page(request, viewer, title: l("Dashboard"), active: "dashboard", body: body)
    }

    // MARK: Node

    func nodePage(_ request: Request, _ viewer: Viewer, espID: String) async throws -> Response {
        guard let view = try await nodeView(viewer, espID: espID, latest: true) else {
            return notFound(request, viewer)
        }
        try await directory.recordAccess(userID: viewer.user.id, nodeID: view.node.id, at: Date())
        let l = viewer.l
        let reading = view.latest
        let values: [(String, String)] = [
            (l("Power"), l.number(reading?.power, decimals: 1) + " W"),
            (l("Voltage"), l.number(reading?.voltage, decimals: 1) + " V"),
            (l("Current"), l.number(reading?.current, decimals: 3) + " A"),
            (l("Energy (counter)"), l.number(reading?.energy, decimals: 3) + " kWh"),
            (l("Power factor"), l.number(reading?.pf, decimals: 2)),
            (l("Frequency"), l.number(reading?.frequency, decimals: 2) + " Hz"),
        ]
        let items: [HTML] = values.map {
            "<div class=\"col-6 col-md-4 col-xl-2\"><div class=\"card kpi\"><div class=\"card-body\"><div class=\"label\">\($0.0)</div><div class=\"value fs-5\">\($0.1)</div></div></div></div>"
        }
        let ranges: [HTML] = ["1h", "24h", "7d", "30d"].map { range in
            "<button type=\"button\" class=\"btn btn-outline-primary btn-sm\(range == "24h" ? " active" : "")\" data-set-range=\"\(range)\">\(range)</button>"
        }
        let quantities: [(String, String)] = [
            ("power", l("Power")), ("voltage", l("Voltage")),
            ("current", l("Current")),
            ("energy", l("Energy")), ("pf", "FP"), ("frequency", l("Frequency")),
        ]
        let quantityButtons: [HTML] = quantities.map { key, label in
            "<button type=\"button\" class=\"btn btn-outline-secondary btn-sm\(key == "power" ? " active" : "")\" data-set-quantity=\"\(key)\">\(label)</button>"
        }
        let body: HTML = """
            <h1 class="h3">\(view.label) \(badge(view.status, l))</h1>
            <p class="text-body-secondary"><span class="esp">\(view.node.espID)</span>\(HTML.when(view.assignment.location != nil, " · \(view.assignment.location ?? "")")) · \(l("last seen")) \(l.time(view.node.lastSeen, options.timeZone))</p>
            <div class="row g-2 mb-3">\(items)</div>
            <div class="d-flex flex-wrap gap-2 mb-2"><div class="btn-group" role="group">\(ranges)</div><div class="btn-group flex-wrap" role="group">\(quantityButtons)</div></div>
            <div class="chart-box"><canvas id="history-chart" data-node="\(view.node.espID)" data-range="24h" data-quantity="power" aria-label="\(l("History"))"></canvas></div>
            <p class="small text-body-secondary mt-2">\(l("Refreshes every 10 s. Source:")) <span id="history-source">–</span></p>
            <p><a href="/consumption?node=\(view.node.espID)">\(l("Consumption of this meter"))</a></p>
            """
        return page(request, viewer, title: view.label, active: "dashboard", body: body)
    }

    // MARK: Consumption

    struct ConsumptionQuery {
        var unit: PeriodUnit
        var range: DateInterval
        var nodes: [String]
        var error: String?
    }

    func consumptionQuery(_ request: Request, _ viewer: Viewer, views: [NodeView]) -> ConsumptionQuery {
        let query = request.uri.queryParameters
        let unit = query["by"].flatMap { PeriodUnit(rawValue: String($0)) } ?? .day
        let now = Date()
        var range = ConsumptionReport.defaultRange(unit, now: now, timeZone: options.timeZone)
        var error: String?
        let from = query["from"].map(String.init).flatMap(\.nonEmpty)
        let to = query["to"].map(String.init).flatMap(\.nonEmpty)
        do {
            range = try ConsumptionReport.range(
                unit, from: from, to: to, now: now, timeZone: options.timeZone)
        } catch let failure {
            // The rule's facts in the page's words (its field names), on the default range.
            let l = viewer.l
            error = l("Invalid range: ") + failure.message(l, from: l("From"), to: l("To"))
        }
        var nodes = views.map(\.node.espID)
        if let node = query["node"].map(String.init), !node.isEmpty {
            nodes = nodes.filter { $0.lowercased() == node.lowercased() }
        }
        return ConsumptionQuery(unit: unit, range: range, nodes: nodes, error: error)
    }

    func consumptionPage(_ request: Request, _ viewer: Viewer, csv: Bool) async throws -> Response {
        let l = viewer.l
        let views = try await nodeViews(viewer)
        let query = consumptionQuery(request, viewer, views: views)
        if let node = request.uri.queryParameters["node"], !node.isEmpty, query.nodes.isEmpty {
            return notFound(request, viewer)
        }
        let report = try await ConsumptionReport.compute(
            series: series, nodes: query.nodes, unit: query.unit, range: query.range, timeZone: options.timeZone)
        if csv {
            return respond(
                report.csv(), type: "text/csv; charset=utf-8",
                headers: [.contentDisposition: "attachment; filename=\"consumption-\(query.unit.rawValue).csv\""])
        }
        let labels = Dictionary(views.map { ($0.node.espID, $0.label) }, uniquingKeysWith: { first, _ in first })
        // Totals per period for the chart.
        var totals: [(label: String, kwh: Double)] = []
        var index: [Date: Int] = [:]
        for row in report.rows {
            if let at = index[row.start] {
                totals[at].kwh += row.kwh
            } else {
                index[row.start] = totals.count
                totals.append((periodLabel(row.start, query.unit), row.kwh))
            }
        }
        let chartData = JSONValue.array(
            totals.map { .object(["label": .string($0.label), "kwh": .number(ConsumptionReport.rounded($0.kwh))]) }
        ).rendered()
        let rows: [HTML] = report.rows.map { row in
            "<tr><td>\(labels[row.node] ?? row.node)</td><td>\(periodLabel(row.start, query.unit))</td><td class=\"text-end\">\(l.number(row.kwh, decimals: 3))</td><td>\(row.complete ? "" : l("incomplete"))</td></tr>"
        }
        let units: [HTML] = PeriodUnit.allCases.map { unit in
            let label =
                switch unit {
                case .hour: l("Hour")
                case .day: l("Day")
                case .month: l("Month")
                case .year: l("Year")
                }
            return "<option value=\"\(unit.rawValue)\"\(HTML.when(unit == query.unit, " selected"))>\(label)</option>"
        }
        let selected = request.uri.queryParameters["node"].map(String.init) ?? ""
        let nodeOptions: [HTML] = views.map {
            "<option value=\"\($0.node.espID)\"\(HTML.when($0.node.espID.lowercased() == selected.lowercased(), " selected"))>\($0.label)</option>"
        }
        let from = String(
            ISO8601.format(milliseconds: query.range.start.milliseconds, timeZone: options.timeZone).prefix(10))
        let to = String(
            ISO8601.format(milliseconds: query.range.end.milliseconds, timeZone: options.timeZone).prefix(10))
        let queryString = request.uri.query.map { "?" + $0 } ?? ""
        let body: HTML = """
            <h1 class="h3 mb-3">\(l("Consumption"))</h1>
            \(HTML.when(query.error != nil, "<div class=\"alert alert-warning\">\(query.error ?? "")</div>"))
            <form class="row g-2 align-items-end mb-3" method="get" action="/consumption">
              <div class="col-6 col-md-2"><label class="form-label" for="by">\(l("By"))</label><select class="form-select" id="by" name="by">\(units)</select></div>
              <div class="col-6 col-md-3"><label class="form-label" for="node">\(l("Meter"))</label><select class="form-select" id="node" name="node"><option value="">\(l("All"))</option>\(nodeOptions)</select></div>
              <div class="col-6 col-md-2"><label class="form-label" for="from">\(l("From"))</label><input class="form-control" type="date" id="from" name="from" value="\(from)"></div>
              <div class="col-6 col-md-2"><label class="form-label" for="to">\(l("To"))</label><input class="form-control" type="date" id="to" name="to" value="\(to)"></div>
              <div class="col-12 col-md-3 d-flex gap-2"><button class="btn btn-primary" type="submit">\(l("Show"))</button>
                <a class="btn btn-outline-secondary" href="/consumption.csv\(queryString)">CSV</a></div>
            </form>
            <p>\(l("Total")): <strong>\(l.number(report.totalKWh, decimals: 3)) kWh</strong></p>
            <div class="chart-box mb-3"><canvas id="consumption-chart" data-rows="\(chartData)"></canvas></div>
            <div class="table-responsive"><table class="table table-sm">
            <thead><tr><th>\(l("Meter"))</th><th>\(l("Period"))</th><th class="text-end">kWh</th><th></th></tr></thead>
            <tbody>\(rows)</tbody></table></div>
            """
        return page(request, viewer, title: l("Consumption"), active: "consumption", body: body)
    }

    func periodLabel(_ date: Date, _ unit: PeriodUnit) -> String {
        let iso = ISO8601.format(milliseconds: date.milliseconds, timeZone: options.timeZone)
        return switch unit {
        case .hour: String(iso.prefix(16)).replacingOccurrences(of: "T", with: " ")
        case .day: String(iso.prefix(10))
        case .month: String(iso.prefix(7))
        case .year: String(iso.prefix(4))
        }
    }

    // MARK: Alerts

    func alertsPage(_ request: Request, _ viewer: Viewer) async throws -> Response {
        let l = viewer.l
        let views = try await nodeViews(viewer)
        let rules = try await directory.alertRules(userID: viewer.user.id)
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
                <td><form method="post" action="/alerts" class="d-flex gap-2">\(csrfField(viewer))
                  <input type="hidden" name="node" value="\(view.node.espID)"><input type="hidden" name="action" value="set">
                  <input class="form-control form-control-sm" name="kw" type="number" min="0.01" max="\(Int(AlertRules.maxThresholdKW))" step="0.01" required value="\(rule.map { String($0.thresholdKW) } ?? "")" aria-label="kW">
                  <button class="btn btn-sm btn-primary" type="submit">\(l("Save"))</button></form></td>
                <td>\(state)\(HTML.when(rule?.state == .firing, " <small>\(l.time(rule?.since.map(Date.init(milliseconds:)), options.timeZone))</small>"))</td>
                <td>\(rule == nil ? "" as HTML : """
                <form method="post" action="/alerts">\(csrfField(viewer))<input type="hidden" name="node" value="\(view.node.espID)"><input type="hidden" name="action" value="clear">
                <button class="btn btn-sm btn-outline-danger" type="submit">\(l("Delete"))</button></form>
                """ as HTML)</td></tr>
                """
        }
        let body: HTML = """
            <h1 class="h3 mb-3">\(l("Alerts"))</h1>
            <p>\(l("You get a Telegram message when the mean power over the last 15 minutes exceeds the threshold (in kW), another if it stays above an hour later, and one when it is back to normal."))</p>
            <div class="table-responsive"><table class="table">
            <thead><tr><th>\(l("Meter"))</th><th>\(l("Threshold (kW)"))</th><th>\(l("State"))</th><th></th></tr></thead>
            <tbody>\(rows)</tbody></table></div>
            """
        return page(request, viewer, title: l("Alerts"), active: "alerts", body: body)
    }

    func changeAlert(_ request: Request, _ viewer: Viewer, _ form: Form) async throws -> Response {
        let l = viewer.l
        guard let espID = form["node"], let view = try await nodeView(viewer, espID: espID) else {
            return notFound(request, viewer)
        }
        if form["action"] == "clear" {
            try await directory.clearThreshold(userID: viewer.user.id, nodeID: view.node.id)
            return redirect(
                "/alerts", flash: l("Alert on {0} removed.", view.label))
        }
        guard let kw = (form["kw"] ?? "").replacingOccurrences(of: ",", with: ".").nonEmpty.flatMap(Double.init),
            AlertRules.isThreshold(kw)
        else {
            return redirect(
                "/alerts",
                flash: l("The threshold must be a number of kW above 0."),
                kind: "danger")
        }
        let now = Date().milliseconds
        try await directory.setThreshold(userID: viewer.user.id, nodeID: view.node.id, kw: kw, now: now)
        return redirect(
            "/alerts",
            flash: l("Threshold of {0}: {1} kW.", view.label, l.number(kw)))
    }

    // MARK: Telegram

    func telegramPage(_ request: Request, _ viewer: Viewer, link: TelegramLinker.Link? = nil, error: String? = nil)
        async throws -> Response
    {
        let l = viewer.l
        let linked = try await directory.telegramLink(userID: viewer.user.id)
        var body: HTML = "<h1 class=\"h3 mb-3\">Telegram</h1>"
        if let error { body = "\(body)<div class=\"alert alert-warning\">\(error)</div>" }
        if let linked {
            body = """
                \(body)<p>\(l("Your account is linked to a Telegram chat since")) \(l.time(Date(milliseconds: linked.linkedAt), options.timeZone)).</p>
                <form method="post" action="/telegram/unlink" data-confirm="\(l("Unlink Telegram?"))">\(csrfField(viewer))
                <button class="btn btn-outline-danger" type="submit">\(l("Unlink"))</button></form>
                """
        } else if let link {
            body = """
                \(body)<p>\(l("Open this link on the device where you use Telegram and press Start. It works once, until")) \(l.time(link.expiresAt, options.timeZone)).</p>
                <p><a class="btn btn-primary" href="\(link.url)" rel="noopener">\(l("Open Telegram"))</a></p>
                <p class="deep-link small text-body-secondary">\(link.url)</p>
                <p><a href="/telegram">\(l("Done"))</a></p>
                """
        } else {
            body = """
                \(body)<p>\(l("Link your account to get alerts on Telegram."))</p>
                <form method="post" action="/telegram/link">\(csrfField(viewer))<button class="btn btn-primary" type="submit">\(l("Link Telegram"))</button></form>
                """
        }
        return page(request, viewer, title: "Telegram", active: "telegram", body: body)
    }

    func telegramLink(_ request: Request, _ viewer: Viewer) async throws -> Response {
        do {
            let link = try await TelegramLinker(directory: directory, bot: bot).link(userID: viewer.user.id)
            return try await telegramPage(request, viewer, link: link)
        } catch let error as BotAPIError {
            logger.warning("cannot make a Telegram link: \(error.description)")
            return try await telegramPage(
                request, viewer,
                error: viewer.l("Cannot make a link now: the Telegram bot is not configured or does not answer."))
        }
    }

    func telegramUnlink(_ request: Request, _ viewer: Viewer) async throws -> Response {
        try await directory.unlinkTelegram(userID: viewer.user.id)
        return redirect("/telegram", flash: viewer.l("Telegram unlinked."))
    }

    // MARK: Profile

    func profilePage(_ request: Request, _ viewer: Viewer) -> Response {
        let l = viewer.l
        let languages: [HTML] = [("es", "Español"), ("en", "English")].map { code, label in
            "<option value=\"\(code)\"\(HTML.when(code == viewer.language.rawValue, " selected"))>\(label)</option>"
        }
        let body: HTML = """
            <h1 class="h3 mb-3">\(l("Profile"))</h1>
            <div class="row g-4"><div class="col-12 col-lg-6">
            <form method="post" action="/profile" class="card card-body">\(csrfField(viewer))
              <p class="mb-2">\(l("Username")): <strong>\(viewer.user.username)</strong> · \(viewer.user.email)</p>
              <div class="mb-3"><label class="form-label" for="name">\(l("Name"))</label>
                <input class="form-control" id="name" name="name" maxlength="100" value="\(viewer.user.name)"></div>
              <div class="mb-3"><label class="form-label" for="language">\(l("Language"))</label>
                <select class="form-select" id="language" name="language">\(languages)</select></div>
              <button class="btn btn-primary" type="submit">\(l("Save"))</button>
            </form></div>
            <div class="col-12 col-lg-6">
            <form method="post" action="/profile/password" class="card card-body">\(csrfField(viewer))
              <div class="mb-3"><label class="form-label" for="current">\(l("Current password"))</label>
                <input class="form-control" id="current" name="current" type="password" autocomplete="current-password" required></div>
              <div class="mb-3"><label class="form-label" for="password">\(l("New password ({0} characters or more)", String(DirectoryRules.minPasswordLength)))</label>
                <input class="form-control" id="password" name="password" type="password" autocomplete="new-password" required minlength="\(DirectoryRules.minPasswordLength)"></div>
              <div class="mb-3"><label class="form-label" for="repeat">\(l("Repeat the new password"))</label>
                <input class="form-control" id="repeat" name="repeat" type="password" autocomplete="new-password" required></div>
              <button class="btn btn-primary" type="submit">\(l("Change password"))</button>
            </form></div></div>
            """
        return page(request, viewer, title: l("Profile"), active: "profile", body: body)
    }

    func saveProfile(_ request: Request, _ viewer: Viewer, _ form: Form) async throws -> Response {
        let name = form["name"] ?? ""
        let language = form["language"].flatMap(Language.init(rawValue:)) ?? viewer.language
        let l = Words(language)
        do { try DirectoryRules.checkText(name, field: .name, maxLength: 100) } catch let error as DirectoryError {
            return redirect("/profile", flash: error.message(l), kind: "danger")
        }
        try await directory.setProfile(userID: viewer.user.id, name: name.isEmpty ? nil : name, language: language)
        return redirect("/profile", flash: l("Profile saved."))
    }

    func changePassword(_ request: Request, _ viewer: Viewer, _ form: Form, address: String) async throws -> Response {
        let l = viewer.l
        // The current password is a password guess like a login's: throttled the same way.
        let account = LoginThrottle.accountKey(viewer.user.username)
        let client = LoginThrottle.addressKey(address)
        if let wait = try await reserveAttempt(keys: [account, client]) {
            return throttled(
                redirect(
                    "/profile",
                    flash: l("Too many failed attempts. Wait {0} s.", String(wait)),
                    kind: "danger"), seconds: wait)
        }
        guard await verify(form.values["current"] ?? "", against: viewer.user.passwordHash) else {
            logger.notice("wrong current password for \(LogText.quoted(viewer.user.username)) from \(address)")
            return redirect(
                "/profile", flash: l("The current password is wrong."),
                kind: "danger")
        }
        try await directory.attemptSucceeded(account: account, others: [client])
        let password = form.values["password"] ?? ""
        guard password == form.values["repeat"] else {
            return redirect(
                "/profile", flash: l("The new passwords do not match."),
                kind: "danger")
        }
        do {
            try await DirectoryAdmin(store: directory, hasher: hasher).changePassword(
                username: viewer.user.username, password: password
            ) {
                try await self.hash($0)
            }
        } catch let error as DirectoryError {
            return redirect("/profile", flash: error.message(l), kind: "danger")
        }
        // Every session of this user has ended; this browser gets a new one.
        let session = try await directory.createSession(
            userID: viewer.user.id, replacing: nil, now: Date().milliseconds)
        return redirect(
            "/profile", flash: l("Password changed."), cookies: [sessionCookie(session.id)])
    }
}

extension String {
    var nonEmpty: String? { isEmpty ? nil : self }
}
