import Foundation

/// The texts people read (pages, bot messages, alerts, domain errors), in one language.
///
/// The English text is the key, as in gettext: code reads as the sentence it shows, and a text
/// a table lacks shows in English, never as a key. `{0}`, `{1}`… are filled in after the lookup,
/// so each language puts them where its word order needs them. Each language other than English
/// is one table (`Languages/Spanish.swift`, tariff file messages in `SpanishTariffs.swift`);
/// `WordsTests` fails when a table lacks a text the code uses or a translation drops a
/// placeholder. Tariff errors carry their template and arguments (`TariffError.message(_:)`).
public struct Words: Sendable {
    public let language: Language
    private let table: [String: String]

    public init(_ language: Language) {
        self.language = language
        table = language.table
    }

    /// `english` in this language, with `{0}`, `{1}`… replaced by `arguments` in order.
    public func callAsFunction(_ english: String, _ arguments: String...) -> String {
        let text = table[english] ?? english
        guard !arguments.isEmpty else { return text }
        return Self.fill(text, arguments)
    }

    /// A text to be translated where it is shown, not here (gettext's `N_`): the string tables
    /// hold it, and `WordsTests` finds it.
    public static func noop(_ english: String) -> String { english }

    public static func fill(_ text: String, _ arguments: [String]) -> String {
        var result = ""
        var rest = Substring(text)
        while let open = rest.firstIndex(of: "{") {
            result += rest[..<open]
            let after = rest[rest.index(after: open)...]
            if let close = after.firstIndex(of: "}"), let index = Int(after[..<close]),
                arguments.indices.contains(index)
            {
                result += arguments[index]
                rest = after[after.index(after: close)...]
            } else {
                result += "{"
                rest = after
            }
        }
        return result + rest
    }

    /// A number with this language's decimal mark; "–" for none.
    public func number(_ value: Double?, decimals: Int = 2) -> String {
        guard let value, value.isFinite else { return "–" }
        let point: Character = language.decimalComma ? "," : "."
        // printf's digits, written without printf where binary scaling gives them (`scaledFigure`):
        // pages write thousands of figures.
        guard let units = Decimal.scaledFigure(value, scale: decimals) else {
            let text = String(format: "%.\(decimals)f", value)
            return language.decimalComma ? text.replacingOccurrences(of: ".", with: ",") : text
        }
        var digits = String(units.magnitude)
        if decimals > 0 {
            if digits.count <= decimals { digits = String(repeating: "0", count: decimals - digits.count + 1) + digits }
            digits.insert(point, at: digits.index(digits.endIndex, offsetBy: -decimals))
        }
        return value.sign == .minus ? "-" + digits : digits
    }

    /// An amount of money to the cent with its currency (`12,34 €`, `12.34 USD`).
    public func money(_ amount: Decimal?, currency: String) -> String {
        guard let amount else { return "–" }
        let symbol = currency == "EUR" ? "€" : currency
        return number(Double("\(amount.rounded(2))"), decimals: 2) + " " + symbol
    }

    /// An amount in cents with its currency, written from the integer (pages write hundreds).
    public func money(cents: Int128?, currency: String) -> String {
        guard let cents else { return "–" }
        let magnitude = cents.magnitude
        let fraction = Int(magnitude % 100)
        var text = cents < 0 ? "-" : ""
        text += String(magnitude / 100)
        text.append(language.decimalComma ? "," : ".")
        if fraction < 10 { text.append("0") }
        text += String(fraction)
        return text + " " + (currency == "EUR" ? "€" : currency)
    }

    public func status(_ status: NodeStatus) -> String {
        switch status {
        case .active: self("active")
        case .inactive: self("inactive")
        case .noData: self("no data")
        case .removed: self("removed")
        }
    }

    /// A local time to the minute (`2026-11-27 14:05`); "–" for none.
    public func time(_ date: Date?, _ zone: TimeZone) -> String {
        guard let date else { return "–" }
        let iso = ISO8601.format(milliseconds: date.milliseconds, timeZone: zone)
        return String(iso.prefix(16)).replacingOccurrences(of: "T", with: " ")
    }
}

extension Language {
    /// This language's texts by their English form (English itself needs none).
    public var table: [String: String] {
        switch self {
        case .es: Spanish.texts.merging(SpanishTariffs.texts) { first, _ in first }
        case .en: [:]
        }
    }

    /// Whether numbers are written `1,5` rather than `1.5`.
    public var decimalComma: Bool { self == .es }

    /// The language's name in English (for messages of the command line).
    public var englishName: String {
        switch self {
        case .es: "Spanish"
        case .en: "English"
        }
    }
}

extension String {
    /// The text, or nil when it is empty (a form field left blank).
    public var nonEmpty: String? { isEmpty ? nil : self }
}
