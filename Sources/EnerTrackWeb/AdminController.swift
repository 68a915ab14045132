import EnerTrackCore
import EnerTrackKit
import Foundation
import HTTPTypes
import Hummingbird

/// Administration: users, nodes and assignments (admins only).
struct AdminController: Sendable {
    let site: Site
    let directory: any AdminDirectory

    var routes: RouteCollection<WebContext> {
        let routes = RouteCollection(context: WebContext.self)
        routes.get("admin/users") { request, context in
            try await self.site.signedIn(request, context, admin: true) { try await self.adminUsers(request, $0) }
        }
        routes.post("admin/users") { request, context in
            try await self.site.posted(request, context, admin: true) { try await self.changeUsers(request, $0, $1) }
        }
        routes.get("admin/nodes") { request, context in
            try await self.site.signedIn(request, context, admin: true) { try await self.adminNodes(request, $0) }
        }
        routes.post("admin/nodes") { request, context in
            try await self.site.posted(request, context, admin: true) { try await self.changeNodes(request, $0, $1) }
        }
        routes.get("admin/assignments") { request, context in
            try await self.site.signedIn(request, context, admin: true) { try await self.adminAssignments(request, $0) }
        }
        routes.post("admin/assignments") { request, context in
            try await self.site.posted(request, context, admin: true) {
                try await self.changeAssignments(request, $0, $1)
            }
        }
        return routes
    }
}

extension AdminController {
    var admin: DirectoryAdmin { DirectoryAdmin(store: directory, hasher: site.hasher) }

    func adminUsers(_ request: Request, _ viewer: Viewer) async throws -> Response {
        let l = viewer.l
        let users = try await admin.users(includeRemoved: true)
        let columns: [Component.Column] = [
            .init(l("Username")), .init(l("Email"), from: "md"), .init(l("Name"), from: "md"), .init(l("State")),
            .init(""),
        ]
        let rows: [[HTML]] = users.map { user in
            let state =
                user.removedAt != nil
                ? l("removed")
                : (user.isActive ? l("active") : l("disabled"))
            var actions: [HTML] = []
            if user.removedAt == nil, user.id != viewer.user.id {
                actions.append(
                    action(
                        "/admin/users", user.isActive ? "disable" : "enable", key: "username", value: user.username,
                        label: user.isActive ? l("Disable") : l("Enable"),
                        viewer: viewer, style: "outline-secondary"))
                actions.append(
                    action(
                        "/admin/users", "remove", key: "username", value: user.username,
                        label: l("Remove"), viewer: viewer, style: "outline-danger",
                        confirm: l("Remove {0}?", user.username)))
            }
            let badge = HTML.when(user.isAdmin, " <span class=\"badge text-bg-info\">admin</span>")
            return [
                "\(user.username)\(badge)", "\(user.email)", "\(user.name)", "\(state)",
                "<div class=\"d-flex gap-1\">\(actions)</div>",
            ]
        }
        let body: HTML = """
            <h1 class="h3 mb-3">\(l("Users"))</h1>
            \(Component.table(columns, rows: rows))
            <h2 class="h5 mt-4">\(l("New user"))</h2>
            <form method="post" action="/admin/users" class="row g-2">\(site.csrfField(viewer))<input type="hidden" name="action" value="create">
              \(Component.input("username", placeholder: l("Username"), width: 3, required: true, attributes: "maxlength=\"64\""))
              \(Component.input("email", placeholder: l("Email"), width: 3, type: "email", required: true))
              \(Component.input("name", placeholder: l("Name"), width: 2, attributes: "maxlength=\"100\""))
              \(Component.input("password", placeholder: l("Password"), width: 2, type: "password", required: true,
                attributes: "minlength=\"\(DirectoryRules.minPasswordLength)\" autocomplete=\"new-password\""))
              <div class="col-6 col-md-1 form-check pt-2"><input class="form-check-input" type="checkbox" name="admin" value="1" id="admin"><label class="form-check-label" for="admin">admin</label></div>
              \(Component.submit(l("Create"), width: 1))
            </form>
            """
        return site.page(request, viewer, title: l("Users"), active: "users", body: body)
    }

    func changeUsers(_ request: Request, _ viewer: Viewer, _ form: Form) async throws -> Response {
        let l = viewer.l
        let username = form["username"] ?? ""
        return try await adminAction("/admin/users", l) {
            switch form["action"] {
            case "create":
                let user = try await admin.addUser(
                    username: username, email: form["email"] ?? "", name: (form["name"] ?? "").nonEmpty,
                    isAdmin: form["admin"] == "1",
                    password: form.values["password"] ?? "", hash: { try await self.site.hash($0) })
                return l("User {0} created.", user.username)
            case "disable", "enable":
                let user = try await admin.setUserActive(form["action"] == "enable", username: username)
                return user.isActive
                    ? l("{0} enabled.", user.username)
                    : l("{0} disabled.", user.username)
            case "remove":
                let user = try await admin.removeUser(username: username)
                return l("{0} removed.", user.username)
            default:
                return nil
            }
        }
    }

    func adminNodes(_ request: Request, _ viewer: Viewer) async throws -> Response {
        let l = viewer.l
        let nodes = try await admin.nodes(includeInactive: true)
        let columns: [Component.Column] = [
            .init("ESP id"), .init(l("Name")), .init(l("Description"), from: "md"), .init(l("Status")),
            .init(l("Last seen"), from: "sm"), .init(""),
        ]
        let rows: [[HTML]] = nodes.map { node in
            let status = NodeStatus(node: node, now: Date(), inactiveAfter: site.options.inactiveAfter)
            let toggle =
                node.isActive
                ? action(
                    "/admin/nodes", "remove", key: "esp_id", value: node.espID, label: l("Remove"),
                    viewer: viewer, style: "outline-danger",
                    confirm: l("Remove meter {0}?", node.espID))
                : action(
                    "/admin/nodes", "restore", key: "esp_id", value: node.espID, label: l("Restore"),
                    viewer: viewer, style: "outline-success")
            return [
                "<span class=\"esp\">\(node.espID)</span>", "\(node.name)", "\(node.description)",
                site.badge(status, l),
                "<small>\(l.time(node.lastSeen, site.options.timeZone))</small>", toggle,
            ]
        }
        let body: HTML = """
            <h1 class="h3 mb-3">\(l("Meters"))</h1>
            \(Component.table(columns, rows: rows))
            <h2 class="h5 mt-4">\(l("New meter"))</h2>
            <form method="post" action="/admin/nodes" class="row g-2">\(site.csrfField(viewer))<input type="hidden" name="action" value="add">
              \(Component.input("esp_id", placeholder: "ESP32_COCINA", width: 3, required: true,
                attributes: "maxlength=\"64\" pattern=\"[A-Za-z0-9_-]{1,64}\""))
              \(Component.input("name", placeholder: l("Name"), width: 3, attributes: "maxlength=\"100\""))
              \(Component.input("description", placeholder: l("Description"), width: 4, attributes: "maxlength=\"255\""))
              \(Component.submit(l("Add"), width: 2))
            </form>
            """
        return site.page(request, viewer, title: l("Meters"), active: "nodes", body: body)
    }

    func changeNodes(_ request: Request, _ viewer: Viewer, _ form: Form) async throws -> Response {
        let l = viewer.l
        let espID = form["esp_id"] ?? ""
        return try await adminAction("/admin/nodes", l) {
            switch form["action"] {
            case "add":
                let node = try await admin.addNode(
                    espID: espID, name: (form["name"] ?? "").nonEmpty, description: (form["description"] ?? "").nonEmpty
                )
                return l("Meter {0} added.", node.espID)
            case "remove", "restore":
                let node = try await admin.setNodeActive(form["action"] == "restore", espID: espID)
                return node.isActive
                    ? l("{0} restored.", node.espID)
                    : l("{0} removed.", node.espID)
            default:
                return nil
            }
        }
    }

    func adminAssignments(_ request: Request, _ viewer: Viewer) async throws -> Response {
        let l = viewer.l
        let assignments = try await admin.assignments(AssignmentFilter(includeInactive: false))
        let users = try await admin.users(includeRemoved: false)
        let nodes = try await admin.nodes(includeInactive: false)
        let columns: [Component.Column] = [
            .init(l("User")), .init(l("Meter")), .init(l("Location"), from: "md"), .init(""),
        ]
        let rows: [[HTML]] = assignments.map { item in
            [
                "\(item.username)", "<span class=\"esp\">\(item.espID)</span> \(item.nodeName)", "\(item.location)",
                removeAssignment(item, viewer),
            ]
        }
        let userOptions = users.map { (value: $0.username, text: $0.username) }
        let nodeOptions = nodes.map { (value: $0.espID, text: $0.espID + ($0.name.map { " · \($0)" } ?? "")) }
        let body: HTML = """
            <h1 class="h3 mb-3">\(l("Assignments"))</h1>
            \(Component.table(columns, rows: rows))
            <h2 class="h5 mt-4">\(l("Assign"))</h2>
            <form method="post" action="/admin/assignments" class="row g-2">\(site.csrfField(viewer))<input type="hidden" name="action" value="add">
              \(Component.select("username", label: l("User"), width: 3, options: userOptions))
              \(Component.select("esp_id", label: l("Meter"), width: 3, options: nodeOptions))
              \(Component.input("location", placeholder: l("Location"), width: 4, attributes: "maxlength=\"100\""))
              \(Component.submit(l("Assign"), width: 2))
            </form>
            """
        return site.page(request, viewer, title: l("Assignments"), active: "assignments", body: body)
    }

    private func removeAssignment(_ item: Assignment, _ viewer: Viewer) -> HTML {
        let l = viewer.l
        return """
            <form method="post" action="/admin/assignments">\(site.csrfField(viewer))<input type="hidden" name="action" value="remove">
            <input type="hidden" name="username" value="\(item.username)"><input type="hidden" name="esp_id" value="\(item.espID)">
            <button class="btn btn-sm btn-outline-danger" type="submit">\(l("Unassign"))</button></form>
            """
    }

    func changeAssignments(_ request: Request, _ viewer: Viewer, _ form: Form) async throws -> Response {
        let l = viewer.l
        let username = form["username"] ?? ""
        let espID = form["esp_id"] ?? ""
        return try await adminAction("/admin/assignments", l) {
            switch form["action"] {
            case "add":
                let item = try await admin.assign(
                    username: username, espID: espID, location: (form["location"] ?? "").nonEmpty)
                return l("{0} assigned to {1}.", item.espID, item.username)
            case "remove":
                let item = try await admin.unassign(username: username, espID: espID)
                return l("{0} is no longer assigned to {1}.", item.espID, item.username)
            default:
                return nil
            }
        }
    }

    /// Runs an admin form's action: its flash on success, the directory's own message when it
    /// refuses, "unknown action" when `body` answers nil; then back to the list.
    func adminAction(_ path: String, _ l: Words, _ body: () async throws -> String?) async throws -> Response {
        do {
            guard let done = try await body() else {
                return site.redirect(path, flash: l("Unknown action."), kind: "danger")
            }
            return site.redirect(path, flash: done)
        } catch let error as DirectoryError {
            return site.redirect(path, flash: error.message(l), kind: "danger")
        } catch let error as SiteError {
            return site.redirect(path, flash: error.message(l), kind: "danger")
        }
    }

    /// A one-button form.
    func action(
        _ path: String, _ action: String, key: String, value: String, label: String, viewer: Viewer, style: String,
        confirm: String? = nil
    ) -> HTML {
        """
        <form method="post" action="\(path)"\(HTML.when(confirm != nil, " data-confirm=\"\(confirm ?? "")\""))>\(site.csrfField(viewer))<input type="hidden" name="action" value="\(action)"><input type="hidden" name="\(key)" value="\(value)"><button class="btn btn-sm btn-\(style)" type="submit">\(label)</button></form>
        """
    }
}
