import EnerTrackCore
import Foundation

/// The language of a page: every visible text exists in Spanish and English.
public struct L10n: Sendable {
    public let language: Language

    public init(_ language: Language) { self.language = language }

    /// The text in this page's language: Spanish first, English second.
    public func t(_ es: String, _ en: String) -> String { language == .es ? es : en }

    public func number(_ value: Double?, decimals: Int = 2) -> String {
        guard let value, value.isFinite else { return "–" }
        let text = String(format: "%.\(decimals)f", value)
        return language == .es ? text.replacingOccurrences(of: ".", with: ",") : text
    }

    public func status(_ status: NodeStatus) -> String {
        switch status {
        case .active: t("activo", "active")
        case .inactive: t("inactivo", "inactive")
        case .noData: t("sin datos", "no data")
        case .removed: t("dado de baja", "removed")
        }
    }

    public func time(_ date: Date?, _ zone: TimeZone) -> String {
        guard let date else { return "–" }
        let iso = ISO8601.format(milliseconds: date.milliseconds, timeZone: zone)
        // 2026-11-27T14:05:09+01:00 → 2026-11-27 14:05
        return String(iso.prefix(16)).replacingOccurrences(of: "T", with: " ")
    }
}
