import EnerTrackCore
import EnerTrackKit
import Foundation

/// Every text the bot and the alerts send, in Spanish and English. Dynamic values are escaped
/// here, so a node named `<b>&amp;` arrives as those characters.
public struct Messages: Sendable {
    public let language: Language
    private let words: Words

    public init(_ language: Language) {
        self.language = language
        words = Words(language)
    }

    private func e(_ text: String) -> String { TelegramText.escape(text) }
    private func kw(_ value: Double) -> String { words.number(value) }
    private func minutes(_ ms: Int64) -> String { String(ms / 60_000) }

    public func alertEntered(node: String, meanKW: Double, thresholdKW: Double, windowMS: Int64) -> String {
        words(
            "⚠️ <b>{0}</b>: mean power {1} kW over the last {2} min, above your threshold of {3} kW.", e(node),
            kw(meanKW), minutes(windowMS), kw(thresholdKW))
    }

    public func alertRepeated(node: String, meanKW: Double, thresholdKW: Double, sinceMinutes: Int64) -> String {
        words(
            "⚠️ <b>{0}</b> is still above the threshold after {1} min: {2} kW (threshold {3} kW).", e(node),
            String(sinceMinutes), kw(meanKW), kw(thresholdKW))
    }

    public func alertResolved(node: String, meanKW: Double, thresholdKW: Double) -> String {
        words("✅ <b>{0}</b> is back to normal: {1} kW (threshold {2} kW).", e(node), kw(meanKW), kw(thresholdKW))
    }

    public func nodeSilent(node: String, lastSeen: String?) -> String {
        if let lastSeen {
            return words("🔇 <b>{0}</b> has sent no readings since {1}.", e(node), e(lastSeen))
        }
        return words("🔇 <b>{0}</b> has never sent a reading.", e(node))
    }

    private func money(_ amount: Decimal, _ currency: String) -> String { words.money(amount, currency: currency) }

    public func budgetExceeded(node: String?, outlook: CostOutlook, budget: Decimal) -> String {
        let (projected, limit, soFar) = (
            money(outlook.projected, outlook.currency), money(budget, outlook.currency),
            money(outlook.soFar, outlook.currency)
        )
        if let node {
            return words(
                "💶 <b>{0}</b>: this month's projected cost is {1}, above your budget of {2} ({3} so far).", e(node),
                projected, limit, soFar)
        }
        return words(
            "💶 This month's projected cost is {0}, above your budget of {1} ({2} so far).", projected, limit, soFar)
    }

    public func cost(_ outlook: CostOutlook) -> String {
        words(
            "💶 {0}: {1} so far this month, {2} projected; {3} today.", outlook.month,
            money(outlook.soFar, outlook.currency), money(outlook.projected, outlook.currency),
            money(outlook.today, outlook.currency))
    }

    public var noTariff: String { words("No tariff is assigned to your meters yet: ask your administrator.") }

    public func linked(username: String) -> String {
        words(
            "✅ This chat is now linked to EnerTrack user <b>{0}</b>. Alerts will arrive here. /status shows your meters.",
            e(username))
    }

    public var codeInvalid: String {
        words(
            "❌ That link code is not valid or was already used. Ask for a new one on the Telegram page of the dashboard."
        )
    }

    public var codeExpired: String {
        words(
            "⌛ That link code has expired (codes are valid for 15 minutes). Ask for a new one on the Telegram page of the dashboard."
        )
    }

    public var howToLink: String {
        words(
            "To link this chat with your EnerTrack account, open the link on the Telegram page of the dashboard (or ask your administrator for one: <code>enertrack telegram link USER</code>). The link opens this chat with a one-time code."
        )
    }

    public func help(username: String) -> String {
        words(
            "Linked as <b>{0}</b>.\n/status: current power, mean and threshold of each meter\n/nodes: your meters and their status\n/cost: this month's cost so far and projected\n/unlink: unlink this chat",
            e(username))
    }

    public var unlinked: String {
        words("This chat is no longer linked. No more alerts will arrive here.")
    }

    public var noNodes: String { words("No meters are assigned to you.") }

    public func statusLine(
        node: String, powerKW: Double?, meanKW: Double?, thresholdKW: Double?, state: AlertState?, windowMS: Int64
    ) -> String {
        var line = "<b>\(e(node))</b>: "
        line += powerKW.map { words("{0} kW now", kw($0)) } ?? words("no readings")
        if let meanKW {
            line += words(", {0}-min mean {1} kW", minutes(windowMS), kw(meanKW))
        }
        if let thresholdKW {
            line += words(", threshold {0} kW", kw(thresholdKW))
            line += state == .firing ? words(" ⚠️ exceeded") : " ✅"
        }
        return line
    }

    public func nodeLine(node: String, status: NodeStatus, lastSeen: String?) -> String {
        let word = words.status(status)
        return "<b>\(e(node))</b>: \(word)" + (lastSeen.map { words(", last seen {0}", e($0)) } ?? "")
    }

    public func test(username: String) -> String {
        words("🔔 Test message from EnerTrack for <b>{0}</b>: alerts will arrive in this chat.", e(username))
    }
}
