import EnerTrackCore
import EnerTrackKit
import Foundation
import HTTPTypes
import Hummingbird

/// Tariffs for admins: import a definition, assign it to meters or users from a day, export and
/// remove; the same rules as `enertrack tariff` (both go through `TariffAdmin`).
struct TariffsController: Sendable {
    let site: Site
    let directory: any TariffStore & UserStore & NodeStore

    var routes: RouteCollection<WebContext> {
        let routes = RouteCollection(context: WebContext.self)
        routes.get("admin/tariffs") { request, context in
            try await self.site.signedIn(request, context, admin: true) { try await self.page(request, $0) }
        }
        routes.post("admin/tariffs") { request, context in
            try await self.site.posted(request, context, admin: true) { try await self.change(request, $0, $1) }
        }
        routes.get("admin/tariffs/:name") { request, context in
            let name = context.parameters.get("name") ?? ""
            return try await self.site.signedIn(request, context, admin: true) { _ in try await self.export(name) }
        }
        return routes
    }
}

extension TariffsController {
    var admin: TariffAdmin {
        TariffAdmin(store: directory, timeZone: site.options.timeZone, parser: site.options.tariffParser)
    }

    func page(_ request: Request, _ viewer: Viewer) async throws -> Response {
        let l = viewer.l
        let book = try await TariffBook.load(directory)
        let today = CalendarDay.today(timeZone: site.options.timeZone)
        let tariffs = book.tariffs.values.sorted { $0.name < $1.name }
        let columns: [Component.Column] = [
            .init(l("Tariff")), .init(l("Versions"), from: "md"), .init(l("Energy")),
            .init(l("Assigned to"), from: "sm"),
            .init(""),
        ]
        let rows: [[HTML]] = tariffs.map { tariff in
            let current = tariff.version(on: today) ?? tariff.versions[0]
            let energy: String =
                switch current.energy {
                case .series: l("price series")
                case .periods(let prices):
                    current.periods.names.map { "\(l.period($0)) \(l.price(prices[$0] ?? 0))" }.joined(separator: " · ")
                }
            let assigned = book.assignments.filter { $0.tariff == tariff.name }.map { item in
                switch item.target {
                case .node(let espID): "\(espID) (\(item.from))"
                case .user(let user): "\(l("user")) \(user) (\(item.from))"
                }
            }
            return [
                "<a href=\"/admin/tariffs/\(tariff.name)\">\(tariff.name)</a> <span class=\"text-body-secondary\">\(tariff.currency)</span>",
                "\(tariff.versions.map(\.from.description).joined(separator: ", "))", "\(energy)",
                "\(assigned.isEmpty ? "–" : assigned.joined(separator: ", "))",
                HTML.when(
                    assigned.isEmpty,
                    """
                    <form method="post" action="/admin/tariffs" data-confirm="\(l("Remove {0}?", tariff.name))">\(site.csrfField(viewer))<input type="hidden" name="action" value="remove"><input type="hidden" name="name" value="\(tariff.name)"><button class="btn btn-sm btn-outline-danger" type="submit">\(l("Remove"))</button></form>
                    """),
            ]
        }
        let assignmentRows: [[HTML]] = book.assignments.map { item in
            let (kind, target): (String, String) =
                switch item.target {
                case .node(let espID): ("node", espID)
                case .user(let user): ("user", user)
                }
            return [
                "\(kind == "node" ? l("Meter") : l("User")) \(target)", "\(item.tariff)", "\(item.from.description)",
                """
                <form method="post" action="/admin/tariffs">\(site.csrfField(viewer))<input type="hidden" name="action" value="unassign"><input type="hidden" name="target" value="\(kind):\(target)"><input type="hidden" name="from" value="\(item.from.description)"><button class="btn btn-sm btn-outline-danger" type="submit">\(l("Unassign"))</button></form>
                """,
            ]
        }
        let nodes = try await directory.nodes(includeInactive: false)
        let users = try await directory.users(includeRemoved: false)
        let targets: [HTML] =
            nodes.map {
                "<option value=\"node:\($0.espID)\">\(l("Meter")) \($0.labelWithID)</option>"
            }
            + users.map { "<option value=\"user:\($0.username)\">\(l("User")) \($0.username)</option>" }
        let names: [HTML] = tariffs.map { "<option value=\"\($0.name)\">\($0.name)</option>" }
        let body: HTML = """
            <h1 class="h3 mb-3">\(l("Tariffs"))</h1>
            \(tariffs.isEmpty ? "<p class=\"text-body-secondary\">\(l("No tariffs yet: import one below."))</p>" as HTML : Component.table(columns, rows: rows))
            <h2 class="h5 mt-4">\(l("Assignments"))</h2>
            <p class="small text-body-secondary">\(l("A meter's own tariff wins over its user's; each applies from its day until the next."))</p>
            \(assignmentRows.isEmpty ? "" as HTML : Component.table([.init(l("Who")), .init(l("Tariff")), .init(l("From")), .init("")], rows: assignmentRows))
            <form method="post" action="/admin/tariffs" class="row g-2">\(site.csrfField(viewer))<input type="hidden" name="action" value="assign">
              <div class="col-12 col-md-4"><select class="form-select" name="target" aria-label="\(l("Who"))">\(targets)</select></div>
              <div class="col-12 col-md-3"><select class="form-select" name="tariff" aria-label="\(l("Tariff"))">\(names)</select></div>
              <div class="col-12 col-md-3"><input class="form-control" type="date" name="from" aria-label="\(l("From"))"></div>
              \(Component.submit(l("Assign"), width: 2))
            </form>
            \(pricesForm(viewer, tariffs: tariffs.filter(\.usesSeries).map(\.name)))
            <h2 class="h5 mt-4">\(l("Import a tariff"))</h2>
            <p class="small text-body-secondary">\(l("The TOML format of examples/tariff-2.0TD.toml; a tariff of the same name is replaced."))</p>
            <form method="post" action="/admin/tariffs">\(site.csrfField(viewer))<input type="hidden" name="action" value="import">
              <textarea class="form-control font-monospace mb-2" name="definition" rows="12" required aria-label="TOML"></textarea>
              <button class="btn btn-primary" type="submit">\(l("Import"))</button>
            </form>
            """
        return site.page(request, viewer, title: l("Tariffs"), active: "tariffs", body: body)
    }

    /// Dynamic prices for a tariff with `energy = "series"`: the CSV of `tariff prices import`.
    func pricesForm(_ viewer: Viewer, tariffs: [String]) -> HTML {
        let l = viewer.l
        guard !tariffs.isEmpty else { return "" }
        let options: [HTML] = tariffs.map { "<option value=\"\($0)\">\($0)</option>" }
        return """
            <h2 class="h5 mt-4" id="prices">\(l("Upload dynamic prices"))</h2>
            <p class="small text-body-secondary">\(l("One line per hour or quarter hour: time,price per kWh (a header line is optional; ';' may separate the columns, then ',' may be the decimal mark). Prices already stored for the same hours are replaced; nothing is stored unless every line is good."))</p>
            <form method="post" action="/admin/tariffs" class="mb-3">\(site.csrfField(viewer))<input type="hidden" name="action" value="prices">
              <div class="row g-2 mb-2">
                <div class="col-12 col-md-4"><label class="form-label" for="prices-tariff">\(l("Tariff"))</label><select class="form-select" id="prices-tariff" name="tariff">\(options)</select></div>
                <div class="col-12 col-md-4 d-flex align-items-end"><div class="form-check"><input class="form-check-input" type="checkbox" id="per-mwh" name="per_mwh" value="1"><label class="form-check-label" for="per-mwh">\(l("Prices per MWh"))</label></div></div>
              </div>
              <label class="form-label" for="prices-csv">\(l("Prices (CSV)"))</label>
              <textarea class="form-control font-monospace mb-2" id="prices-csv" name="prices" rows="8" required placeholder="2026-12-04T00:00,0.1234"></textarea>
              <button class="btn btn-primary" type="submit">\(l("Store prices"))</button>
            </form>
            """
    }

    func change(_ request: Request, _ viewer: Viewer, _ form: Form) async throws -> Response {
        let l = viewer.l
        let path = "/admin/tariffs"
        do {
            switch form["action"] {
            case "import":
                let (tariff, replaced) = try await admin.importTariff(
                    text: form.values["definition"] ?? "", source: l("the tariff"))
                return site.redirect(
                    path, flash: replaced ? l("Tariff {0} replaced.", tariff.name) : l("Tariff {0} added.", tariff.name)
                )
            case "assign", "unassign":
                let parts = (form["target"] ?? "").split(separator: ":", maxSplits: 1).map(String.init)
                guard parts.count == 2, parts[0] == "node" || parts[0] == "user" else {
                    return site.redirect(path, flash: l("Choose a meter or a user."), kind: "danger")
                }
                let target: TariffAssignment.Target = parts[0] == "node" ? .node(parts[1]) : .user(parts[1])
                var day: CalendarDay?
                if let text = form["from"]?.nonEmpty {
                    guard let parsed = CalendarDay(checking: text) else {
                        return site.redirect(
                            path, flash: l("'{0}' is not a date from 2000 to 2199.", text), kind: "danger")
                    }
                    day = parsed
                }
                if form["action"] == "unassign" {
                    guard let day, try await directory.unassignTariff(target: target, from: day) else {
                        return site.redirect(path, flash: l("No such assignment."), kind: "danger")
                    }
                    return site.redirect(path, flash: l("Assignment removed."))
                }
                let assignment = try await admin.assign(tariff: form["tariff"] ?? "", to: target, from: day)
                return site.redirect(
                    path, flash: l("Tariff {0} applies from {1}.", assignment.tariff, assignment.from.description))
            case "prices":
                let name = form["tariff"] ?? ""
                let points = try await admin.importPrices(
                    tariff: name, text: form.values["prices"] ?? "", perMWh: form["per_mwh"] == "1")
                let zone = site.options.timeZone
                let first = points.first.map { l.time(Date(milliseconds: $0.time), zone) } ?? "–"
                let last = points.last.map { l.time(Date(milliseconds: $0.time + $0.duration), zone) } ?? "–"
                return site.redirect(
                    path + "#prices",
                    flash: l("Stored {0} prices for {1}, from {2} to {3}.", String(points.count), name, first, last))
            case "remove":
                try await directory.removeTariff(named: form["name"] ?? "")
                return site.redirect(path, flash: l("{0} removed.", form["name"] ?? ""))
            default:
                return site.redirect(path, flash: l("Unknown action."), kind: "danger")
            }
        } catch let error as TariffError {
            return site.redirect(path, flash: error.message(l), kind: "danger")
        } catch let error as DirectoryError {
            return site.redirect(path, flash: error.message(l), kind: "danger")
        }
    }

    /// The tariff's canonical file (what `tariff export` prints).
    func export(_ name: String) async throws -> Response {
        guard Tariff.isValidName(name), let stored = try await directory.storedTariff(named: name) else {
            return site.respond("no such tariff\n", type: "text/plain; charset=utf-8", status: .notFound)
        }
        return site.respond(
            stored.definition, type: "text/plain; charset=utf-8",
            headers: [.contentDisposition: "attachment; filename=\"\(stored.name).toml\""])
    }
}
