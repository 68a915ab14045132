import EnerTrackCore
import EnerTrackKit
import Foundation
import Hummingbird

/// Admin pages: the same operations as `enertrack user|node|assign`, through `DirectoryAdmin`.
extension WebApp {
    var admin: DirectoryAdmin { DirectoryAdmin(store: directory, hasher: hasher) }

    func adminUsers(_ request: Request, _ viewer: Viewer) async throws -> Response {
        let l = viewer.l
        let users = try await admin.users(includeRemoved: true)
        let rows: [HTML] = users.map { user in
            let state =
                user.removedAt != nil
                ? l.t("dado de baja", "removed")
                : (user.isActive ? l.t("activo", "active") : l.t("deshabilitado", "disabled"))
            var actions: [HTML] = []
            if user.removedAt == nil, user.id != viewer.user.id {
                actions.append(
                    action(
                        "/admin/users", user.isActive ? "disable" : "enable", key: "username", value: user.username,
                        label: user.isActive ? l.t("Deshabilitar", "Disable") : l.t("Habilitar", "Enable"),
                        viewer: viewer, style: "outline-secondary"))
                actions.append(
                    action(
                        "/admin/users", "remove", key: "username", value: user.username,
                        label: l.t("Dar de baja", "Remove"), viewer: viewer, style: "outline-danger",
                        confirm: l.t("¿Dar de baja a \(user.username)?", "Remove \(user.username)?")))
            }
            return
                "<tr><td>\(user.username)\(HTML.when(user.isAdmin, " <span class=\"badge text-bg-info\">admin</span>"))</td><td class=\"d-none d-md-table-cell\">\(user.email)</td><td class=\"d-none d-md-table-cell\">\(user.name)</td><td>\(state)</td><td><div class=\"d-flex gap-1\">\(actions)</div></td></tr>"
        }
        let body: HTML = """
            <h1 class="h3 mb-3">\(l.t("Usuarios", "Users"))</h1>
            <div class="table-responsive"><table class="table"><thead><tr><th>\(l.t("Usuario", "Username"))</th><th class="d-none d-md-table-cell">\(l.t("Correo", "Email"))</th><th class="d-none d-md-table-cell">\(l.t("Nombre", "Name"))</th><th>\(l.t("Estado", "State"))</th><th></th></tr></thead><tbody>\(rows)</tbody></table></div>
            <h2 class="h5 mt-4">\(l.t("Nuevo usuario", "New user"))</h2>
            <form method="post" action="/admin/users" class="row g-2">\(csrfField(viewer))<input type="hidden" name="action" value="create">
              <div class="col-12 col-md-3"><input class="form-control" name="username" placeholder="\(l.t("Usuario", "Username"))" required maxlength="64" aria-label="\(l.t("Usuario", "Username"))"></div>
              <div class="col-12 col-md-3"><input class="form-control" name="email" type="email" placeholder="\(l.t("Correo", "Email"))" required aria-label="\(l.t("Correo", "Email"))"></div>
              <div class="col-12 col-md-2"><input class="form-control" name="name" placeholder="\(l.t("Nombre", "Name"))" maxlength="100" aria-label="\(l.t("Nombre", "Name"))"></div>
              <div class="col-12 col-md-2"><input class="form-control" name="password" type="password" placeholder="\(l.t("Contraseña", "Password"))" required minlength="\(DirectoryRules.minPasswordLength)" autocomplete="new-password" aria-label="\(l.t("Contraseña", "Password"))"></div>
              <div class="col-6 col-md-1 form-check pt-2"><input class="form-check-input" type="checkbox" name="admin" value="1" id="admin"><label class="form-check-label" for="admin">admin</label></div>
              <div class="col-6 col-md-1"><button class="btn btn-primary w-100" type="submit">\(l.t("Crear", "Create"))</button></div>
            </form>
            """
        return page(request, viewer, title: l.t("Usuarios", "Users"), active: "users", body: body)
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
                    password: form.values["password"] ?? "", hash: { try await self.hash($0) })
                return l.t("Usuario \(user.username) creado.", "User \(user.username) created.")
            case "disable", "enable":
                let user = try await admin.setUserActive(form["action"] == "enable", username: username)
                return user.isActive
                    ? l.t("\(user.username) habilitado.", "\(user.username) enabled.")
                    : l.t("\(user.username) deshabilitado.", "\(user.username) disabled.")
            case "remove":
                let user = try await admin.removeUser(username: username)
                return l.t("\(user.username) dado de baja.", "\(user.username) removed.")
            default:
                return nil
            }
        }
    }

    func adminNodes(_ request: Request, _ viewer: Viewer) async throws -> Response {
        let l = viewer.l
        let nodes = try await admin.nodes(includeInactive: true)
        let rows: [HTML] = nodes.map { node in
            let status = NodeStatus(node: node, now: Date(), inactiveAfter: options.inactiveAfter)
            let toggle =
                node.isActive
                ? action(
                    "/admin/nodes", "remove", key: "esp_id", value: node.espID, label: l.t("Dar de baja", "Remove"),
                    viewer: viewer, style: "outline-danger",
                    confirm: l.t("¿Dar de baja \(node.espID)?", "Remove \(node.espID)?"))
                : action(
                    "/admin/nodes", "restore", key: "esp_id", value: node.espID, label: l.t("Activar", "Enable"),
                    viewer: viewer, style: "outline-success")
            return
                "<tr><td class=\"esp\">\(node.espID)</td><td>\(node.name)</td><td class=\"d-none d-md-table-cell\">\(node.description)</td><td>\(badge(status, l))</td><td class=\"d-none d-sm-table-cell small\">\(l.time(node.lastSeen, options.timeZone))</td><td>\(toggle)</td></tr>"
        }
        let body: HTML = """
            <h1 class="h3 mb-3">\(l.t("Medidores", "Meters"))</h1>
            <div class="table-responsive"><table class="table"><thead><tr><th>ESP id</th><th>\(l.t("Nombre", "Name"))</th><th class="d-none d-md-table-cell">\(l.t("Descripción", "Description"))</th><th>\(l.t("Estado", "Status"))</th><th class="d-none d-sm-table-cell">\(l.t("Visto", "Last seen"))</th><th></th></tr></thead><tbody>\(rows)</tbody></table></div>
            <h2 class="h5 mt-4">\(l.t("Nuevo medidor", "New meter"))</h2>
            <form method="post" action="/admin/nodes" class="row g-2">\(csrfField(viewer))<input type="hidden" name="action" value="add">
              <div class="col-12 col-md-3"><input class="form-control" name="esp_id" placeholder="ESP32_COCINA" required maxlength="64" pattern="[A-Za-z0-9_-]{1,64}" aria-label="ESP id"></div>
              <div class="col-12 col-md-3"><input class="form-control" name="name" placeholder="\(l.t("Nombre", "Name"))" maxlength="100" aria-label="\(l.t("Nombre", "Name"))"></div>
              <div class="col-12 col-md-4"><input class="form-control" name="description" placeholder="\(l.t("Descripción", "Description"))" maxlength="255" aria-label="\(l.t("Descripción", "Description"))"></div>
              <div class="col-12 col-md-2"><button class="btn btn-primary w-100" type="submit">\(l.t("Añadir", "Add"))</button></div>
            </form>
            """
        return page(request, viewer, title: l.t("Medidores", "Meters"), active: "nodes", body: body)
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
                return l.t("Medidor \(node.espID) añadido.", "Meter \(node.espID) added.")
            case "remove", "restore":
                let node = try await admin.setNodeActive(form["action"] == "restore", espID: espID)
                return node.isActive
                    ? l.t("\(node.espID) activado.", "\(node.espID) enabled.")
                    : l.t("\(node.espID) dado de baja.", "\(node.espID) removed.")
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
        let rows: [HTML] = assignments.map { item in
            "<tr><td>\(item.username)</td><td><span class=\"esp\">\(item.espID)</span> \(item.nodeName)</td><td class=\"d-none d-md-table-cell\">\(item.location)</td><td>\(removeAssignment(item, viewer))</td></tr>"
        }
        let userOptions: [HTML] = users.map { "<option value=\"\($0.username)\">\($0.username)</option>" }
        let nodeOptions: [HTML] = nodes.map {
            "<option value=\"\($0.espID)\">\($0.espID)\($0.name.map { " · \($0)" } ?? "")</option>"
        }
        let body: HTML = """
            <h1 class="h3 mb-3">\(l.t("Asignaciones", "Assignments"))</h1>
            <div class="table-responsive"><table class="table"><thead><tr><th>\(l.t("Usuario", "User"))</th><th>\(l.t("Medidor", "Meter"))</th><th class="d-none d-md-table-cell">\(l.t("Ubicación", "Location"))</th><th></th></tr></thead><tbody>\(rows)</tbody></table></div>
            <h2 class="h5 mt-4">\(l.t("Asignar", "Assign"))</h2>
            <form method="post" action="/admin/assignments" class="row g-2">\(csrfField(viewer))<input type="hidden" name="action" value="add">
              <div class="col-12 col-md-3"><select class="form-select" name="username" required aria-label="\(l.t("Usuario", "User"))">\(userOptions)</select></div>
              <div class="col-12 col-md-3"><select class="form-select" name="esp_id" required aria-label="\(l.t("Medidor", "Meter"))">\(nodeOptions)</select></div>
              <div class="col-12 col-md-4"><input class="form-control" name="location" placeholder="\(l.t("Ubicación", "Location"))" maxlength="100" aria-label="\(l.t("Ubicación", "Location"))"></div>
              <div class="col-12 col-md-2"><button class="btn btn-primary w-100" type="submit">\(l.t("Asignar", "Assign"))</button></div>
            </form>
            """
        return page(request, viewer, title: l.t("Asignaciones", "Assignments"), active: "assignments", body: body)
    }

    private func removeAssignment(_ item: Assignment, _ viewer: Viewer) -> HTML {
        let l = viewer.l
        return """
            <form method="post" action="/admin/assignments">\(csrfField(viewer))<input type="hidden" name="action" value="remove">
            <input type="hidden" name="username" value="\(item.username)"><input type="hidden" name="esp_id" value="\(item.espID)">
            <button class="btn btn-sm btn-outline-danger" type="submit">\(l.t("Quitar", "Remove"))</button></form>
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
                return l.t("\(item.espID) asignado a \(item.username).", "\(item.espID) assigned to \(item.username).")
            case "remove":
                let item = try await admin.unassign(username: username, espID: espID)
                return l.t(
                    "\(item.espID) ya no está asignado a \(item.username).",
                    "\(item.espID) is no longer assigned to \(item.username).")
            default:
                return nil
            }
        }
    }

    /// Runs an admin form's action: its flash on success, the directory's own message when it
    /// refuses, "unknown action" when `body` answers nil; then back to the list.
    func adminAction(_ path: String, _ l: L10n, _ body: () async throws -> String?) async throws -> Response {
        do {
            guard let done = try await body() else {
                return redirect(path, flash: l.t("Acción desconocida.", "Unknown action."), kind: "danger")
            }
            return redirect(path, flash: done)
        } catch let error as DirectoryError {
            return redirect(path, flash: error.description, kind: "danger")
        }
    }

    /// A one-button form.
    func action(
        _ path: String, _ action: String, key: String, value: String, label: String, viewer: Viewer, style: String,
        confirm: String? = nil
    ) -> HTML {
        """
        <form method="post" action="\(path)"\(HTML.when(confirm != nil, " data-confirm=\"\(confirm ?? "")\""))>\(csrfField(viewer))<input type="hidden" name="action" value="\(action)"><input type="hidden" name="\(key)" value="\(value)"><button class="btn btn-sm btn-\(style)" type="submit">\(label)</button></form>
        """
    }
}
