import Foundation

/// A tariff written back as the TOML file it can be imported from (`tariff export`), in one
/// canonical form: the stores keep this text, so what is exported is exactly what is used.
extension Tariff {
    public var toml: String {
        var out = "name = \(Self.quoted(name))\ncurrency = \(Self.quoted(currency))\n"
        for version in versions {
            out += "\n[[version]]\nfrom = \(version.from)\n"
            if let preset = version.periods.preset { out += "periods = \(Self.quoted(preset))\n" }
            out += "holidays = \(Self.holidays(version.holidays))\n"
            switch version.energy {
            case .series: out += "energy = \"series\"\n"
            case .periods(let prices):
                out +=
                    "energy = \(Self.inline(version.periods.names.compactMap { name in prices[name].map { (name, $0) } }))\n"
            }
            if let power = version.powerPeriods, let preset = power.preset {
                out += "power_periods = \(Self.quoted(preset))\n"
                out +=
                    "power = \(Self.inline(power.names.compactMap { name in version.power[name].map { (name, $0) } }))\n"
                out +=
                    "contracted_kw = \(Self.inline(power.names.compactMap { name in version.contractedKW[name].map { (name, $0) } }))\n"
            }
            if version.fixedPerDay != 0 { out += "fixed_per_day = \(version.fixedPerDay)\n" }
            if version.fixedPerMonth != 0 { out += "fixed_per_month = \(version.fixedPerMonth)\n" }
            if let export = version.export { out += "export = \(export)\n" }
            if let series = version.exportSeries { out += "export_series = \(Self.quoted(series))\n" }
            if !version.exportCapped { out += "export_cap = \"none\"\n" }
            if !version.taxes.isEmpty {
                out += "taxes = [\n"
                for tax in version.taxes {
                    out +=
                        "  { name = \(Self.quoted(tax.name)), percent = \(tax.percent), on = [\(tax.on.map(Self.quoted).joined(separator: ", "))] },\n"
                }
                out += "]\n"
            }
            guard version.periods.preset == nil else { continue }
            // Rules in their order (the first that claims an instant wins); the default is
            // marked on its first rule, or gets a table of its own.
            var defaultWritten = false
            for rule in version.periods.rules {
                out += "\n[[version.period]]\nname = \(Self.quoted(rule.name))\n"
                if rule.name == version.periods.defaultPeriod, !defaultWritten {
                    out += "default = true\n"
                    defaultWritten = true
                }
                let days = rule.days.sorted().map { Self.quoted(PeriodRule.dayNames[$0 - 1]) }
                out += "days = [\(days.joined(separator: ", "))]\n"
                out += "hours = [\(rule.hours.map { Self.quoted(Self.hours($0)) }.joined(separator: ", "))]\n"
                if !rule.months.isEmpty {
                    out += "months = [\(rule.months.sorted().map(String.init).joined(separator: ", "))]\n"
                }
            }
            if !defaultWritten {
                out += "\n[[version.period]]\nname = \(Self.quoted(version.periods.defaultPeriod))\ndefault = true\n"
            }
        }
        return out
    }

    static func quoted(_ text: String) -> String {
        var out = "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case _ where scalar.value < 0x20 || scalar.value == 0x7F: out += String(format: "\\u%04X", scalar.value)
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out + "\""
    }

    static func inline(_ pairs: [(String, Decimal)]) -> String {
        "{ " + pairs.map { "\($0.0) = \($0.1)" }.joined(separator: ", ") + " }"
    }

    static func holidays(_ calendar: HolidayCalendar) -> String {
        if calendar.dates.isEmpty, calendar.presets.count == 1 { return quoted(calendar.presets[0]) }
        let items = calendar.presets.map(quoted) + calendar.dates.sorted().map { quoted($0.description) }
        return "[" + items.joined(separator: ", ") + "]"
    }

    static func hours(_ range: Range<Int>) -> String {
        String(
            format: "%02d:%02d-%02d:%02d", range.lowerBound / 60, range.lowerBound % 60, range.upperBound / 60,
            range.upperBound % 60)
    }
}
