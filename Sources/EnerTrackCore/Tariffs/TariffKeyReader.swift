import Foundation

/// Takes a table's keys one by one, so what is left at the end is an unknown key (a typo is an
/// error, never silently ignored).
struct KeyReader {
    var values: [String: DocumentValue]
    let path: String

    init(_ values: [String: DocumentValue], path: String) {
        self.values = values
        self.path = path
    }

    func name(_ key: String) -> String { path.isEmpty ? key : "\(path).\(key)" }

    mutating func take(_ key: String) -> DocumentValue? { values.removeValue(forKey: key) }

    func finish() throws(TariffError) {
        if let key = values.keys.sorted().first {
            throw TariffError("{0}: unknown key", ["\(name(key))"])
        }
    }

    func wrong(_ key: String, _ value: DocumentValue, _ expected: String) -> TariffError {
        TariffError("{0} is {1}: expected {2}", ["\(name(key))", "\(value.typeName)", "\(expected)"])
    }

    mutating func optionalString(_ key: String) throws(TariffError) -> String? {
        switch take(key) {
        case nil: return nil
        case .string(let text): return text
        case let other?: throw wrong(key, other, Words.noop("a string"))
        }
    }

    mutating func string(_ key: String) throws(TariffError) -> String {
        guard let text = try optionalString(key) else { throw TariffError("{0} is missing", ["\(name(key))"]) }
        return text
    }

    mutating func optionalBool(_ key: String) throws(TariffError) -> Bool? {
        switch take(key) {
        case nil: return nil
        case .bool(let value): return value
        case let other?: throw wrong(key, other, Words.noop("true or false"))
        }
    }

    mutating func optionalStrings(_ key: String) throws(TariffError) -> [String]? {
        switch take(key) {
        case nil: return nil
        case .array(let items):
            var strings: [String] = []
            for item in items {
                guard case .string(let text) = item else { throw wrong(key, item, Words.noop("an array of strings")) }
                strings.append(text)
            }
            return strings
        case let other?: throw wrong(key, other, Words.noop("an array of strings"))
        }
    }

    mutating func optionalMonths(_ key: String) throws(TariffError) -> Set<Int> {
        switch take(key) {
        case nil: return []
        case .array(let items):
            var months: Set<Int> = []
            for item in items {
                guard case .integer(let month) = item, (1...12).contains(month) else {
                    throw TariffError("{0}: give months as numbers 1 to 12", ["\(name(key))"])
                }
                months.insert(month)
            }
            return months
        case let other?: throw wrong(key, other, Words.noop("an array of months 1 to 12"))
        }
    }

    mutating func tables(_ key: String) throws(TariffError) -> [[String: DocumentValue]] {
        guard let tables = try optionalTables(key) else { throw TariffError("{0} is missing", ["\(name(key))"]) }
        return tables
    }

    mutating func optionalTables(_ key: String) throws(TariffError) -> [[String: DocumentValue]]? {
        switch take(key) {
        case nil: return nil
        case .array(let items):
            var tables: [[String: DocumentValue]] = []
            for item in items {
                guard case .table(let table) = item else { throw wrong(key, item, "[[\(name(key))]] tables") }
                tables.append(table)
            }
            return tables
        case let other?: throw wrong(key, other, "[[\(name(key))]] tables")
        }
    }

    mutating func day(_ key: String) throws(TariffError) -> CalendarDay {
        switch take(key) {
        case .date(let day)?:
            guard let valid = CalendarDay(checking: day.description) else {
                throw TariffError("{0} {1} is not a date from 2000 to 2199", ["\(name(key))", "\(day)"])
            }
            return valid
        case .string(let text)?:
            guard let day = CalendarDay(checking: text) else {
                throw TariffError(
                    "{0} '{1}' is not a date like 2025-01-01 (2000 to 2199)", ["\(name(key))", "\(text)"])
            }
            return day
        case nil:
            throw TariffError("{0} is missing: the local date the version starts, like 2025-01-01", ["\(name(key))"])
        case let other?: throw wrong(key, other, Words.noop("a date like 2025-01-01"))
        }
    }

    mutating func holidays(_ key: String) throws(TariffError) -> HolidayCalendar? {
        func preset(_ text: String) throws(TariffError) -> String {
            guard HolidayCalendar.knownPresets.contains(text) else {
                throw TariffError(
                    "{0}: '{1}' is neither a date like 2026-03-19 nor a calendar ({2})",
                    ["\(name(key))", "\(text)", "\(HolidayCalendar.knownPresets.joined(separator: ", "))"]
                )
            }
            return text
        }
        switch take(key) {
        case nil: return nil
        case .string(let text)?: return HolidayCalendar(presets: [try preset(text)])
        case .array(let items)?:
            guard items.count <= Tariff.maxHolidays else {
                throw TariffError("{0}: at most {1} entries", ["\(name(key))", "\(Tariff.maxHolidays)"])
            }
            var calendar = HolidayCalendar()
            for item in items {
                switch item {
                case .date(let day):
                    guard let valid = CalendarDay(checking: day.description) else {
                        throw TariffError("{0}: {1} is not a date from 2000 to 2199", ["\(name(key))", "\(day)"])
                    }
                    calendar.dates.insert(valid)
                case .string(let text):
                    if let day = CalendarDay(checking: text) {
                        calendar.dates.insert(day)
                    } else {
                        let name = try preset(text)
                        if !calendar.presets.contains(name) { calendar.presets.append(name) }
                    }
                default: throw wrong(key, item, Words.noop("dates or calendar names"))
                }
            }
            return calendar
        case let other?: throw wrong(key, other, Words.noop("\"es-national\" or an array of dates"))
        }
    }

    static func amount(_ value: DocumentValue, path: String, signed: Bool = false) throws(TariffError) -> Decimal {
        let amount: Decimal
        switch value {
        case .integer(let number): amount = Decimal(number)
        case .number(let number):
            guard number.isFinite else { throw TariffError("{0} is not a finite number", ["\(path)"]) }
            guard abs(number) <= 1e9 else {
                throw TariffError("{0} {1} is out of range (±{2})", ["\(path)", "\(number)", "\(Tariff.maxAmount)"])
            }
            guard let decimal = Decimal(string: "\(number)", locale: Locale(identifier: "en_US_POSIX"))
            else { throw TariffError("{0} is not a finite number", ["\(path)"]) }
            amount = decimal
        default: throw TariffError("{0} is {1}: expected a number", ["\(path)", "\(value.typeName)"])
        }
        guard abs(amount) <= Tariff.maxAmount else {
            throw TariffError("{0} {1} is out of range (±{2})", ["\(path)", "\(amount)", "\(Tariff.maxAmount)"])
        }
        guard signed || amount >= 0 else { throw TariffError("{0} {1} cannot be negative", ["\(path)", "\(amount)"]) }
        return amount
    }

    mutating func optionalAmount(_ key: String) throws(TariffError) -> Decimal? {
        guard let value = take(key) else { return nil }
        return try Self.amount(value, path: name(key))
    }

    mutating func amounts(_ key: String, allowed: [String]?, what: String) throws(TariffError) -> [String: Decimal] {
        switch take(key) {
        case nil: return [:]
        case .table(let table)?:
            var map: [String: Decimal] = [:]
            for (period, value) in table {
                if let allowed, !allowed.contains(period) {
                    throw TariffError(
                        "{0}.{1}: no such {2} ({3})",
                        ["\(name(key))", "\(period)", "\(what)", "\(allowed.joined(separator: ", "))"])
                }
                map[period] = try Self.amount(value, path: "\(name(key)).\(period)")
            }
            return map
        case let other?: throw wrong(key, other, Words.noop("a table by period"))
        }
    }

    mutating func taxes(_ key: String) throws(TariffError) -> [Tax] {
        switch take(key) {
        case nil: return []
        case .array(let items)?:
            guard items.count <= Tariff.maxTaxes else {
                throw TariffError("{0}: at most {1} taxes", ["\(name(key))", "\(Tariff.maxTaxes)"])
            }
            var taxes: [Tax] = []
            for (index, item) in items.enumerated() {
                let here = "\(name(key))[\(index + 1)]"
                guard case .table(let table) = item else {
                    throw TariffError("{0} is {1}: expected { name, percent, on }", ["\(here)", "\(item.typeName)"])
                }
                var reader = KeyReader(table, path: here)
                let taxName = try reader.string("name")
                guard PeriodScheme.isValidName(taxName), !Tax.parts.contains(taxName) else {
                    throw TariffError(
                        "{0}.name '{1}' must be 1 to 32 letters, digits, '-' or '_', and not a part's name",
                        ["\(here)", "\(taxName)"])
                }
                guard !taxes.contains(where: { $0.name == taxName }) else {
                    throw TariffError("{0}: a second tax named {1}", ["\(here)", "\(taxName)"])
                }
                guard let percentValue = reader.take("percent") else {
                    throw TariffError("{0}.percent is missing", ["\(here)"])
                }
                let percent = try Self.amount(percentValue, path: "\(here).percent")
                guard percent <= 100 else {
                    throw TariffError("{0}.percent {1} is over 100", ["\(here)", "\(percent)"])
                }
                guard let on = try reader.optionalStrings("on"), !on.isEmpty else {
                    throw TariffError(
                        "{0}.on is missing: the parts it applies to (energy, power, fixed, earlier taxes)", ["\(here)"])
                }
                for part in on where !Tax.parts.contains(part) && !taxes.contains(where: { $0.name == part }) {
                    throw TariffError(
                        "{0}.on: '{1}' is neither a part (energy, power, fixed) nor an earlier tax",
                        ["\(here)", "\(part)"])
                }
                try reader.finish()
                taxes.append(Tax(name: taxName, percent: percent, on: on))
            }
            return taxes
        case let other?: throw wrong(key, other, Words.noop("an array of { name, percent, on }"))
        }
    }
}
