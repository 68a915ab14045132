import EnerTrackCore
import EnerTrackKit
import Foundation
import Hummingbird

/// Administration of sites and meter roles (admins only): what `enertrack site` and `node edit
/// --site --role --parent` do.
struct SitesAdminController: Sendable {
    let site: Site
    let directory: any AdminDirectory & SiteStore

    var routes: RouteCollection<WebContext> {
        let routes = RouteCollection(context: WebContext.self)
        routes.get("admin/sites") { request, context in
            try await self.site.signedIn(request, context, admin: true) { try await self.page(request, $0) }
        }
        routes.post("admin/sites") { request, context in
            try await self.site.posted(request, context, admin: true) { try await self.change(request, $0, $1) }
        }
        return routes
    }

    var admin: SiteAdmin { SiteAdmin(store: directory, timeZone: site.options.timeZone) }
    var forms: AdminController { AdminController(site: site, directory: directory) }

    func page(_ request: Request, _ viewer: Viewer) async throws -> Response {
        let l = viewer.l
        let layouts = try await admin.layouts(includeRemoved: true)
        let nodes = try await directory.nodes(includeInactive: false)
        let labels = Dictionary(nodes.map { ($0.espID, $0.labelWithID) }, uniquingKeysWith: { first, _ in first })
        let siteRows: [[HTML]] = layouts.map { layout in
            let meters = layout.meters.map { meter in
                "\(labels[meter.espID] ?? meter.espID): \(meter.role.name(l))"
                    + (meter.parent.map { " ↳ \($0)" } ?? "")
            }
            let toggle =
                layout.site.isActive
                ? forms.action(
                    "/admin/sites", "remove", key: "site", value: layout.site.name, label: l("Remove"), viewer: viewer,
                    style: "outline-danger", confirm: l("Remove {0}?", layout.site.label))
                : forms.action(
                    "/admin/sites", "restore", key: "site", value: layout.site.name, label: l("Restore"),
                    viewer: viewer, style: "outline-secondary")
            let name: HTML =
                layout.site.isActive
                ? "<a href=\"/sites/\(layout.site.name)\">\(layout.site.label)</a>"
                : "\(layout.site.label) (\(l("removed")))"
            return [
                name, "\(layout.site.name)", "\(layout.site.timeZone ?? site.options.timeZone.identifier)",
                "\(meters.joined(separator: "; "))", toggle,
            ]
        }
        let placed: [[HTML]] = layouts.flatMap { layout in
            layout.meters.map { meter -> [HTML] in
                [
                    "\(labels[meter.espID] ?? meter.espID)", "\(layout.site.label)", "\(meter.role.name(l))",
                    "\(meter.parent.map { labels[$0] ?? $0 } ?? "")",
                    forms.action(
                        "/admin/sites", "unplace", key: "esp_id", value: meter.espID, label: l("Take out"),
                        viewer: viewer, style: "outline-secondary"),
                ]
            }
        }
        let active = layouts.filter(\.site.isActive)
        let circuits = active.flatMap { $0.meters.filter { $0.role == .consumption } }
        let body: HTML = """
            <h1 class="h3 mb-3">\(l("Sites"))</h1>
            <p class="text-body-secondary">\(l("A site groups the meters of one place: one grid meter (or one total meter), production meters and circuits. Its page shows what came from and went to the grid, what was produced and used, and what each circuit cost."))</p>
            \(Component.table([.init(l("Site")), .init(l("Key"), from: "md"), .init(l("Time zone"), from: "md"), .init(l("Meters")), .init("")], rows: siteRows))
            <h2 class="h5 mt-4">\(l("New site"))</h2>
            <form method="post" action="/admin/sites" class="row g-2">\(site.csrfField(viewer))<input type="hidden" name="action" value="add">
              \(Component.input("site", placeholder: l("Key (letters, digits, _ and -)"), width: 3, required: true, attributes: "maxlength=\"64\" pattern=\"[A-Za-z0-9_-]{1,64}\""))
              \(Component.input("name", placeholder: l("Name"), width: 4, attributes: "maxlength=\"100\""))
              \(Component.input("tz", placeholder: l("Time zone (default {0})", site.options.timeZone.identifier), width: 3, attributes: "maxlength=\"64\""))
              \(Component.submit(l("Create"), width: 2))
            </form>
            <h2 class="h5 mt-4">\(l("Meters in sites"))</h2>
            \(Component.table([.init(l("Meter")), .init(l("Site")), .init(l("Role")), .init(l("Parent circuit"), from: "md"), .init("")], rows: placed))
            <form method="post" action="/admin/sites" class="row g-2">\(site.csrfField(viewer))<input type="hidden" name="action" value="place">
              \(Component.select("esp_id", label: l("Meter"), width: 3, options: nodes.map { ($0.espID, $0.labelWithID) }))
              \(Component.select("site", label: l("Site"), width: 2, options: active.map { ($0.site.name, $0.site.label) }))
              \(Component.select("role", label: l("Role"), width: 2, options: MeterRole.allCases.map { ($0.rawValue, $0.name(l)) }))
              \(Component.select("parent", label: l("Parent circuit"), width: 3, options: [("", l("No parent circuit"))] + circuits.map { ($0.espID, labels[$0.espID] ?? $0.espID) }))
              \(Component.submit(l("Save"), width: 2))
            </form>
            """
        return site.page(request, viewer, title: l("Sites"), active: "sites", body: body)
    }

    func change(_ request: Request, _ viewer: Viewer, _ form: Form) async throws -> Response {
        let l = viewer.l
        let name = form["site"] ?? ""
        return try await forms.adminAction("/admin/sites", l) {
            switch form["action"] {
            case "add":
                let added = try await admin.add(
                    name: name, displayName: (form["name"] ?? "").nonEmpty, timeZone: (form["tz"] ?? "").nonEmpty)
                return l("Site {0} created.", added.name)
            case "remove", "restore":
                let changed = try await admin.setActive(form["action"] == "restore", name: name)
                return changed.isActive ? l("{0} restored.", changed.label) : l("{0} removed.", changed.label)
            case "place":
                guard let role = MeterRole(rawValue: form["role"] ?? "") else { return nil }
                let placed = try await admin.place(
                    espID: form["esp_id"] ?? "", site: name, role: role, parent: form["parent"] ?? "")
                return l("{0} is now {1} of {2}.", placed.espID, role.name(l), placed.site)
            case "unplace":
                _ = try await admin.unplace(espID: form["esp_id"] ?? "")
                return l("{0} is no longer in a site.", form["esp_id"] ?? "")
            default:
                return nil
            }
        }
    }
}
