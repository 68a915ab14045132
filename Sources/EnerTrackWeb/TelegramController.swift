import EnerTrackCore
import EnerTrackKit
import EnerTrackTelegram
import Foundation
import HTTPTypes
import Hummingbird

/// Linking a Telegram chat, and Telegram's webhook (only with the secret Telegram was given).
struct TelegramController: Sendable {
    let site: Site
    let directory: any TelegramLinkStore & SiteStateStore
    let bot: BotAPI?
    let telegram: TelegramBotService?

    var routes: RouteCollection<WebContext> {
        let routes = RouteCollection(context: WebContext.self)
        routes.get("telegram") { request, context in
            try await self.site.signedIn(request, context) { try await self.telegramPage(request, $0) }
        }
        routes.post("telegram/link") { request, context in
            try await self.site.posted(request, context) { viewer, _ in try await self.telegramLink(request, viewer) }
        }
        routes.post("telegram/unlink") { request, context in
            try await self.site.posted(request, context) { viewer, _ in try await self.telegramUnlink(request, viewer) }
        }
        routes.post("telegram/webhook") { request, context in try await self.webhook(request, context) }
        return routes
    }
}

extension TelegramController {
    func telegramPage(_ request: Request, _ viewer: Viewer, link: TelegramLinker.Link? = nil, error: String? = nil)
        async throws -> Response
    {
        let l = viewer.l
        let linked = try await directory.telegramLink(userID: viewer.user.id)
        var body: HTML = "<h1 class=\"h3 mb-3\">Telegram</h1>"
        if let error { body = "\(body)<div class=\"alert alert-warning\">\(error)</div>" }
        if let linked {
            body = """
                \(body)<p>\(l("Your account is linked to a Telegram chat since")) \(l.time(Date(milliseconds: linked.linkedAt), site.options.timeZone)).</p>
                <form method="post" action="/telegram/unlink" data-confirm="\(l("Unlink Telegram?"))">\(site.csrfField(viewer))
                <button class="btn btn-outline-danger" type="submit">\(l("Unlink"))</button></form>
                """
        } else if let link {
            body = """
                \(body)<p>\(l("Open this link on the device where you use Telegram and press Start. It works once, until")) \(l.time(link.expiresAt, site.options.timeZone)).</p>
                <p><a class="btn btn-primary" href="\(link.url)" rel="noopener">\(l("Open Telegram"))</a></p>
                <p class="deep-link small text-body-secondary">\(link.url)</p>
                <p><a href="/telegram">\(l("Done"))</a></p>
                """
        } else {
            body = """
                \(body)<p>\(l("Link your account to get alerts on Telegram."))</p>
                <form method="post" action="/telegram/link">\(site.csrfField(viewer))<button class="btn btn-primary" type="submit">\(l("Link Telegram"))</button></form>
                """
        }
        return site.page(request, viewer, title: "Telegram", active: "telegram", body: body)
    }

    func telegramLink(_ request: Request, _ viewer: Viewer) async throws -> Response {
        do {
            let link = try await TelegramLinker(directory: directory, bot: bot).link(userID: viewer.user.id)
            return try await telegramPage(request, viewer, link: link)
        } catch let error as BotAPIError {
            site.logger.warning("cannot make a Telegram link: \(error.description)")
            return try await telegramPage(
                request, viewer,
                error: viewer.l("Cannot make a link now: the Telegram bot is not configured or does not answer."))
        }
    }

    func telegramUnlink(_ request: Request, _ viewer: Viewer) async throws -> Response {
        try await directory.unlinkTelegram(userID: viewer.user.id)
        return site.redirect("/telegram", flash: viewer.l("Telegram unlinked."))
    }

    /// An update Telegram posts (webhook mode), only with the secret it was given (constant-time check).
    func webhook(_ request: Request, _ context: WebContext) async throws -> Response {
        guard let secret = site.options.webhookSecret, let telegram else {
            return site.jsonError(.notFound, "no webhook here")
        }
        let sent = request.headers[HTTPField.Name("X-Telegram-Bot-Api-Secret-Token")!] ?? ""
        guard RandomToken.constantTimeEqual(sent, secret) else {
            return site.jsonError(.forbidden, "wrong secret token")
        }
        let body = try await request.body.collect(upTo: context.maxUploadSize)
        guard let update = TelegramUpdate.decode(Data(buffer: body)) else {
            return site.jsonError(.badRequest, "not a Telegram update")
        }
        try await telegram.handleWebhook(update)
        return site.json(WebhookAnswer())
    }
}

/// What the webhook answers Telegram: it reads only the status.
struct WebhookAnswer: Encodable {
    var ok = true
}
