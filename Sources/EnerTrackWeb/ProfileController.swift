import EnerTrackCore
import EnerTrackKit
import Foundation
import HTTPTypes
import Hummingbird

/// The user's own profile and password.
struct ProfileController: Sendable {
    let site: Site
    let directory: any AdminDirectory & SessionStore & UserSettingsStore

    var routes: RouteCollection<WebContext> {
        let routes = RouteCollection(context: WebContext.self)
        routes.get("profile") { request, context in
            try await self.site.signedIn(request, context) { self.profilePage(request, $0) }
        }
        routes.post("profile") { request, context in
            try await self.site.posted(request, context) { try await self.saveProfile(request, $0, $1) }
        }
        routes.post("profile/password") { request, context in
            try await self.site.posted(request, context) {
                try await self.changePassword(request, $0, $1, address: self.site.clientAddress(request, context))
            }
        }
        return routes
    }
}

extension ProfileController {
    func profilePage(_ request: Request, _ viewer: Viewer) -> Response {
        let l = viewer.l
        let languages: [HTML] = [("es", "Español"), ("en", "English")].map { code, label in
            "<option value=\"\(code)\"\(HTML.when(code == viewer.language.rawValue, " selected"))>\(label)</option>"
        }
        let body: HTML = """
            <h1 class="h3 mb-3">\(l("Profile"))</h1>
            <div class="row g-4"><div class="col-12 col-lg-6">
            <form method="post" action="/profile" class="card card-body">\(site.csrfField(viewer))
              <p class="mb-2">\(l("Username")): <strong>\(viewer.user.username)</strong> · \(viewer.user.email)</p>
              <div class="mb-3"><label class="form-label" for="name">\(l("Name"))</label>
                <input class="form-control" id="name" name="name" maxlength="100" value="\(viewer.user.name)"></div>
              <div class="mb-3"><label class="form-label" for="language">\(l("Language"))</label>
                <select class="form-select" id="language" name="language">\(languages)</select></div>
              <button class="btn btn-primary" type="submit">\(l("Save"))</button>
            </form></div>
            <div class="col-12 col-lg-6">
            <form method="post" action="/profile/password" class="card card-body">\(site.csrfField(viewer))
              <div class="mb-3"><label class="form-label" for="current">\(l("Current password"))</label>
                <input class="form-control" id="current" name="current" type="password" autocomplete="current-password" required></div>
              \(Component.newPassword(
                label: l("New password ({0} characters or more)", String(DirectoryRules.minPasswordLength)),
                repeatLabel: l("Repeat the new password")))
              <button class="btn btn-primary" type="submit">\(l("Change password"))</button>
            </form></div></div>
            """
        return site.page(request, viewer, title: l("Profile"), active: "profile", body: body)
    }

    func saveProfile(_ request: Request, _ viewer: Viewer, _ form: Form) async throws -> Response {
        let name = form["name"] ?? ""
        let language = form["language"].flatMap(Language.init(rawValue:)) ?? viewer.language
        let l = Words(language)
        do { try DirectoryRules.checkText(name, field: .name, maxLength: 100) } catch let error as DirectoryError {
            return site.redirect("/profile", flash: error.message(l), kind: "danger")
        }
        try await directory.setProfile(userID: viewer.user.id, name: name.isEmpty ? nil : name, language: language)
        return site.redirect("/profile", flash: l("Profile saved."))
    }

    func changePassword(_ request: Request, _ viewer: Viewer, _ form: Form, address: String) async throws -> Response {
        let l = viewer.l
        // The current password is a password guess like a login's: throttled the same way.
        let account = LoginThrottle.accountKey(userID: viewer.user.id)
        let client = LoginThrottle.addressKey(address)
        if let wait = try await site.reserveAttempt(keys: [account, client]) {
            return site.throttled(
                site.redirect(
                    "/profile",
                    flash: l("Too many failed attempts. Wait {0} s.", String(wait)),
                    kind: "danger"), seconds: wait)
        }
        guard await site.verify(form.values["current"] ?? "", against: viewer.user.passwordHash) else {
            site.logger.notice("wrong current password for \(LogText.quoted(viewer.user.username)) from \(address)")
            return site.redirect(
                "/profile", flash: l("The current password is wrong."),
                kind: "danger")
        }
        try await directory.attemptSucceeded(account: account, others: [client])
        let password = form.values["password"] ?? ""
        guard password == form.values["repeat"] else {
            return site.redirect(
                "/profile", flash: l("The new passwords do not match."),
                kind: "danger")
        }
        // Every session of this user ends and this browser gets a new one, in one transaction.
        let opened: (id: String, csrf: String)?
        do {
            opened = try await DirectoryAdmin(store: directory, hasher: site.hasher).changePassword(
                username: viewer.user.username, password: password, openSessionAt: Date().milliseconds
            ) {
                try await self.site.hash($0)
            }
        } catch let error as DirectoryError {
            return site.redirect("/profile", flash: error.message(l), kind: "danger")
        }
        guard let session = opened else { return site.redirect("/login") }
        return site.redirect(
            "/profile",
            flash: l("Password changed. Your other sessions, API tokens and Telegram link have ended."),
            cookies: [site.sessionCookie(session.id)])
    }
}
