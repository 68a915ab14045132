import EnerTrackCore
import Foundation

/// Every text the bot and the alerts send, in Spanish and English. Dynamic values are escaped
/// here, so a node named `<b>&amp;` arrives as those characters.
public struct Messages: Sendable {
    public let language: Language

    public init(_ language: Language) { self.language = language }

    private func pick(_ es: String, _ en: String) -> String { language == .es ? es : en }
    private func e(_ text: String) -> String { TelegramText.escape(text) }
    private func kw(_ value: Double) -> String {
        let text = String(format: "%.2f", value)
        return language == .es ? text.replacingOccurrences(of: ".", with: ",") : text
    }
    private func minutes(_ ms: Int64) -> String { String(ms / 60_000) }

    public func alertEntered(node: String, meanKW: Double, thresholdKW: Double, windowMS: Int64) -> String {
        pick(
            "⚠️ <b>\(e(node))</b>: potencia media de \(kw(meanKW)) kW en los últimos \(minutes(windowMS)) min, por encima de tu umbral de \(kw(thresholdKW)) kW.",
            "⚠️ <b>\(e(node))</b>: mean power \(kw(meanKW)) kW over the last \(minutes(windowMS)) min, above your threshold of \(kw(thresholdKW)) kW."
        )
    }

    public func alertRepeated(node: String, meanKW: Double, thresholdKW: Double, sinceMinutes: Int64) -> String {
        pick(
            "⚠️ <b>\(e(node))</b> sigue por encima del umbral desde hace \(sinceMinutes) min: \(kw(meanKW)) kW (umbral \(kw(thresholdKW)) kW).",
            "⚠️ <b>\(e(node))</b> is still above the threshold after \(sinceMinutes) min: \(kw(meanKW)) kW (threshold \(kw(thresholdKW)) kW)."
        )
    }

    public func alertResolved(node: String, meanKW: Double, thresholdKW: Double) -> String {
        pick(
            "✅ <b>\(e(node))</b> vuelve a la normalidad: \(kw(meanKW)) kW (umbral \(kw(thresholdKW)) kW).",
            "✅ <b>\(e(node))</b> is back to normal: \(kw(meanKW)) kW (threshold \(kw(thresholdKW)) kW).")
    }

    public func nodeSilent(node: String, lastSeen: String?) -> String {
        if let lastSeen {
            return pick(
                "🔇 <b>\(e(node))</b> no envía lecturas desde \(e(lastSeen)).",
                "🔇 <b>\(e(node))</b> has sent no readings since \(e(lastSeen)).")
        }
        return pick(
            "🔇 <b>\(e(node))</b> no ha enviado ninguna lectura.", "🔇 <b>\(e(node))</b> has never sent a reading.")
    }

    public func linked(username: String) -> String {
        pick(
            "✅ Este chat queda vinculado al usuario <b>\(e(username))</b> de EnerTrack. Aquí recibirás las alertas. /status muestra tus medidores.",
            "✅ This chat is now linked to EnerTrack user <b>\(e(username))</b>. Alerts will arrive here. /status shows your meters."
        )
    }

    public var codeInvalid: String {
        pick(
            "❌ Ese código de vinculación no es válido o ya se usó. Pide uno nuevo en la página Telegram del panel.",
            "❌ That link code is not valid or was already used. Ask for a new one on the Telegram page of the dashboard."
        )
    }

    public var codeExpired: String {
        pick(
            "⌛ Ese código de vinculación ha caducado (valen 15 minutos). Pide uno nuevo en la página Telegram del panel.",
            "⌛ That link code has expired (codes are valid for 15 minutes). Ask for a new one on the Telegram page of the dashboard."
        )
    }

    public var howToLink: String {
        pick(
            "Para vincular este chat con tu cuenta de EnerTrack, abre el enlace de la página Telegram del panel (o pide uno a tu administrador: <code>enertrack telegram link USUARIO</code>). El enlace abre este chat con un código de un solo uso.",
            "To link this chat with your EnerTrack account, open the link on the Telegram page of the dashboard (or ask your administrator for one: <code>enertrack telegram link USER</code>). The link opens this chat with a one-time code."
        )
    }

    public func help(username: String) -> String {
        pick(
            "Vinculado como <b>\(e(username))</b>.\n/status: potencia actual, media y umbral de cada medidor\n/nodes: tus medidores y su estado\n/unlink: desvincular este chat",
            "Linked as <b>\(e(username))</b>.\n/status: current power, mean and threshold of each meter\n/nodes: your meters and their status\n/unlink: unlink this chat"
        )
    }

    public var unlinked: String {
        pick(
            "Este chat ya no está vinculado. No recibirás más alertas.",
            "This chat is no longer linked. No more alerts will arrive here.")
    }

    public var noNodes: String { pick("No tienes medidores asignados.", "No meters are assigned to you.") }

    public func statusLine(
        node: String, powerKW: Double?, meanKW: Double?, thresholdKW: Double?, state: AlertState?, windowMS: Int64
    ) -> String {
        var line = "<b>\(e(node))</b>: "
        line += powerKW.map { pick("\(kw($0)) kW ahora", "\(kw($0)) kW now") } ?? pick("sin lecturas", "no readings")
        if let meanKW {
            line += pick(
                ", media \(minutes(windowMS)) min \(kw(meanKW)) kW", ", \(minutes(windowMS))-min mean \(kw(meanKW)) kW")
        }
        if let thresholdKW {
            line += pick(", umbral \(kw(thresholdKW)) kW", ", threshold \(kw(thresholdKW)) kW")
            line += state == .firing ? pick(" ⚠️ superado", " ⚠️ exceeded") : " ✅"
        }
        return line
    }

    public func nodeLine(node: String, status: NodeStatus, lastSeen: String?) -> String {
        let word =
            switch status {
            case .active: pick("activo", "active")
            case .inactive: pick("inactivo", "inactive")
            case .noData: pick("sin datos", "no data")
            case .removed: pick("dado de baja", "removed")
            }
        return "<b>\(e(node))</b>: \(word)" + (lastSeen.map { pick(", visto \(e($0))", ", last seen \(e($0))") } ?? "")
    }

    public func test(username: String) -> String {
        pick(
            "🔔 Mensaje de prueba de EnerTrack para <b>\(e(username))</b>: las alertas llegarán a este chat.",
            "🔔 Test message from EnerTrack for <b>\(e(username))</b>: alerts will arrive in this chat.")
    }
}
