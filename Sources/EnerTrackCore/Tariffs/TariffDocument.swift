import Foundation

/// A parsed tariff file as plain values: what a TOML parser (TOMLKit, in EnerTrackKit) hands
/// over. Turning it into a `Tariff` checks every key here, without I/O, so the rules are tested
/// (and fuzzed) apart from the parser.
public indirect enum DocumentValue: Sendable, Equatable, Codable {
    case table([String: DocumentValue])
    case array([DocumentValue])
    case string(String)
    case integer(Int)
    case number(Double)
    case bool(Bool)
    case date(CalendarDay)
    /// A value of a type no key takes (a time, a date-time), by its type's name.
    case other(String)

    var typeName: String {
        switch self {
        case .table: "a table"
        case .array: "an array"
        case .string: "a string"
        case .integer: "an integer"
        case .number: "a number"
        case .bool: "a boolean"
        case .date: "a date"
        case .other(let name): name
        }
    }
}

extension Tariff {
    /// Limits on what one file may hold: beyond them a file is a mistake or an attack.
    public static let maxVersions = 200
    public static let maxPeriods = 24
    public static let maxRanges = 48
    public static let maxHolidays = 400
    public static let maxTaxes = 20
    /// The largest price, charge or contracted power a file may give, in either sign.
    public static let maxAmount: Decimal = 100_000

    /// Reads a tariff from a parsed file (DESIGN.md "Money" gives the format); every error names
    /// the key (`version[2].energy.P4`) and says what it expected.
    public init(document: [String: DocumentValue]) throws(TariffError) {
        var reader = KeyReader(document, path: "")
        let name = try reader.string("name")
        guard Tariff.isValidName(name) else {
            throw TariffError(
                "name '\(name)' must be 1 to \(Tariff.maxNameLength) letters, digits, '-', '_' or '.', starting with a letter or digit"
            )
        }
        let currency = try reader.string("currency")
        guard currency.count == 3, currency.unicodeScalars.allSatisfy({ ("A"..."Z").contains($0) }) else {
            throw TariffError("currency '\(currency)' is not an ISO 4217 code like EUR")
        }
        let versionValues = try reader.tables("version")
        guard !versionValues.isEmpty else { throw TariffError("a tariff needs at least one [[version]]") }
        guard versionValues.count <= Tariff.maxVersions else {
            throw TariffError("at most \(Tariff.maxVersions) versions, not \(versionValues.count)")
        }
        try reader.finish()
        var versions: [TariffVersion] = []
        for (index, table) in versionValues.enumerated() {
            let version = try TariffVersion(table, path: "version[\(index + 1)]")
            if let other = versions.first(where: { $0.from == version.from }) {
                throw TariffError(
                    "version[\(index + 1)].from \(version.from): another version starts that day too (\(other.from))")
            }
            versions.append(version)
        }
        self.init(name: name, currency: currency, versions: versions)
    }
}

extension TariffVersion {
    init(_ table: [String: DocumentValue], path: String) throws(TariffError) {
        var reader = KeyReader(table, path: path)
        let from = try reader.day("from")
        // Energy periods: a preset or [[version.period]] tables.
        let preset = try reader.optionalString("periods")
        let custom = try reader.optionalTables("period")
        let periods: PeriodScheme
        switch (preset, custom) {
        case (let name?, nil):
            guard let scheme = PeriodScheme.energyPresets[name] else {
                throw TariffError(
                    "\(path).periods '\(name)' is not a preset (\(PeriodScheme.energyPresets.keys.sorted().joined(separator: ", "))); or give [[version.period]] tables"
                )
            }
            periods = scheme
        case (nil, let tables?):
            periods = try PeriodScheme(tables, path: "\(path).period")
        case (nil, nil):
            throw TariffError("\(path) needs periods = \"es-2.0TD\" or \"flat\", or [[version.period]] tables")
        case (_?, _?):
            throw TariffError("\(path) gives both periods = and [[version.period]] tables: give one")
        }
        let holidays =
            try reader.holidays("holidays") ?? (periods.preset == "es-2.0TD" ? HolidayCalendar.esNational : .none)
        // Energy prices, one per period, or "series".
        let energy: Energy
        switch reader.take("energy") {
        case .string("series"):
            energy = .series
        case .table(let prices):
            let names = periods.names
            var map: [String: Decimal] = [:]
            for (key, value) in prices {
                guard names.contains(key) else {
                    throw TariffError(
                        "\(path).energy.\(key): no such period (the periods are \(names.joined(separator: ", ")))")
                }
                map[key] = try KeyReader.amount(value, path: "\(path).energy.\(key)", signed: true)
            }
            if let missing = names.first(where: { map[$0] == nil }) {
                throw TariffError("\(path).energy has no price for period \(missing)")
            }
            energy = .periods(map)
        case nil:
            throw TariffError("\(path).energy is missing: a table of prices per kWh by period, or \"series\"")
        case let other?:
            throw TariffError("\(path).energy is \(other.typeName): give a table of prices by period, or \"series\"")
        }
        // The power term.
        var powerPeriods: PeriodScheme?
        if let name = try reader.optionalString("power_periods") {
            guard let scheme = PeriodScheme.powerPresets[name] else {
                throw TariffError(
                    "\(path).power_periods '\(name)' is not a preset (\(PeriodScheme.powerPresets.keys.sorted().joined(separator: ", ")))"
                )
            }
            powerPeriods = scheme
        }
        let power = try reader.amounts("power", allowed: powerPeriods?.names, what: "power periods")
        let contracted = try reader.amounts("contracted_kw", allowed: powerPeriods?.names, what: "power periods")
        if powerPeriods == nil, !power.isEmpty || !contracted.isEmpty {
            throw TariffError("\(path).power needs power_periods = \"es-2.0TD\" or \"flat\"")
        }
        if let names = powerPeriods?.names {
            for name in names where power[name] == nil || contracted[name] == nil {
                throw TariffError("\(path): power period \(name) needs both power.\(name) and contracted_kw.\(name)")
            }
        }
        if let negative = contracted.first(where: { $0.value < 0 }) {
            throw TariffError("\(path).contracted_kw.\(negative.key) cannot be negative")
        }
        let fixedPerDay = try reader.optionalAmount("fixed_per_day") ?? 0
        let fixedPerMonth = try reader.optionalAmount("fixed_per_month") ?? 0
        let export = try reader.optionalAmount("export")
        let taxes = try reader.taxes("taxes")
        try reader.finish()
        self.init(
            from: from, periods: periods, holidays: holidays, energy: energy, powerPeriods: powerPeriods, power: power,
            contractedKW: contracted, fixedPerDay: fixedPerDay, fixedPerMonth: fixedPerMonth, export: export,
            taxes: taxes)
    }
}

extension PeriodScheme {
    init(_ tables: [[String: DocumentValue]], path: String) throws(TariffError) {
        guard !tables.isEmpty, tables.count <= Tariff.maxPeriods else {
            throw TariffError("\(path): give 1 to \(Tariff.maxPeriods) [[version.period]] tables")
        }
        var rules: [PeriodRule] = []
        var defaults: [String] = []
        for (index, table) in tables.enumerated() {
            let here = "\(path)[\(index + 1)]"
            var reader = KeyReader(table, path: here)
            let name = try reader.string("name")
            guard PeriodScheme.isValidName(name) else {
                throw TariffError("\(here).name '\(name)' must be 1 to 32 letters, digits, '-' or '_'")
            }
            if try reader.optionalBool("default") == true { defaults.append(name) }
            let days = try reader.optionalStrings("days")
            let hours = try reader.optionalStrings("hours")
            let months = try reader.optionalMonths("months")
            try reader.finish()
            if days == nil, hours == nil {
                guard defaults.last == name else {
                    throw TariffError("\(here) (\(name)) needs days and hours, or default = true")
                }
                continue
            }
            var weekdays: Set<Int> = []
            for day in days ?? PeriodRule.dayNames {
                guard let number = PeriodRule.dayNames.firstIndex(of: day.lowercased()) else {
                    throw TariffError(
                        "\(here).days: '\(day)' is not a day (\(PeriodRule.dayNames.joined(separator: ", ")))")
                }
                weekdays.insert(number + 1)
            }
            var ranges: [Range<Int>] = []
            for text in hours ?? ["00:00-24:00"] {
                guard let range = PeriodScheme.minutes(text) else {
                    throw TariffError(
                        "\(here).hours: '\(text)' is not a range like 10:00-14:00 on quarter hours (00:00 to 24:00)")
                }
                ranges.append(range)
            }
            guard !weekdays.isEmpty, !ranges.isEmpty, ranges.count <= Tariff.maxRanges else {
                throw TariffError("\(here) needs at least one day and 1 to \(Tariff.maxRanges) hour ranges")
            }
            rules.append(PeriodRule(name: name, days: weekdays, hours: ranges, months: months))
        }
        guard defaults.count == 1, let defaultPeriod = defaults.first else {
            throw TariffError(
                "\(path): exactly one period needs default = true (it takes every hour no rule claims, and holidays); \(defaults.count) do"
            )
        }
        self.init(preset: nil, rules: rules, defaultPeriod: defaultPeriod)
    }

    /// Period and tax names are bare TOML keys and words on a bill.
    public static func isValidName(_ name: String) -> Bool {
        !name.isEmpty && name.count <= 32
            && name.unicodeScalars.allSatisfy {
                $0.isASCII && (CharacterSet.alphanumerics.contains($0) || $0 == "-" || $0 == "_")
            }
    }

    /// `HH:MM-HH:MM` on quarter hours, start before end, 24:00 at most.
    public static func minutes(_ text: String) -> Range<Int>? {
        let parts = text.split(separator: "-", omittingEmptySubsequences: false)
        guard parts.count == 2, let start = minute(parts[0]), let end = minute(parts[1]), start < end else {
            return nil
        }
        return start..<end
    }

    static func minute(_ text: Substring) -> Int? {
        let parts = text.trimmingCharacters(in: .whitespaces).split(separator: ":", omittingEmptySubsequences: false)
        guard parts.count == 2, parts[0].count == 2, parts[1].count == 2, let hour = Int(parts[0]),
            let minute = Int(parts[1]), parts[0].allSatisfy(\.isASCII), parts[1].allSatisfy(\.isASCII),
            (0...24).contains(hour), (0..<60).contains(minute), minute % 15 == 0, hour * 60 + minute <= 1440
        else { return nil }
        return hour * 60 + minute
    }
}

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
            throw TariffError("\(name(key)): unknown key")
        }
    }

    func wrong(_ key: String, _ value: DocumentValue, _ expected: String) -> TariffError {
        TariffError("\(name(key)) is \(value.typeName): expected \(expected)")
    }

    mutating func optionalString(_ key: String) throws(TariffError) -> String? {
        switch take(key) {
        case nil: return nil
        case .string(let text): return text
        case let other?: throw wrong(key, other, "a string")
        }
    }

    mutating func string(_ key: String) throws(TariffError) -> String {
        guard let text = try optionalString(key) else { throw TariffError("\(name(key)) is missing") }
        return text
    }

    mutating func optionalBool(_ key: String) throws(TariffError) -> Bool? {
        switch take(key) {
        case nil: return nil
        case .bool(let value): return value
        case let other?: throw wrong(key, other, "true or false")
        }
    }

    mutating func optionalStrings(_ key: String) throws(TariffError) -> [String]? {
        switch take(key) {
        case nil: return nil
        case .array(let items):
            var strings: [String] = []
            for item in items {
                guard case .string(let text) = item else { throw wrong(key, item, "an array of strings") }
                strings.append(text)
            }
            return strings
        case let other?: throw wrong(key, other, "an array of strings")
        }
    }

    mutating func optionalMonths(_ key: String) throws(TariffError) -> Set<Int> {
        switch take(key) {
        case nil: return []
        case .array(let items):
            var months: Set<Int> = []
            for item in items {
                guard case .integer(let month) = item, (1...12).contains(month) else {
                    throw TariffError("\(name(key)): give months as numbers 1 to 12")
                }
                months.insert(month)
            }
            return months
        case let other?: throw wrong(key, other, "an array of months 1 to 12")
        }
    }

    mutating func tables(_ key: String) throws(TariffError) -> [[String: DocumentValue]] {
        guard let tables = try optionalTables(key) else { throw TariffError("\(name(key)) is missing") }
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
                throw TariffError("\(name(key)) \(day) is not a date from 2000 to 2199")
            }
            return valid
        case .string(let text)?:
            guard let day = CalendarDay(checking: text) else {
                throw TariffError("\(name(key)) '\(text)' is not a date like 2025-01-01 (2000 to 2199)")
            }
            return day
        case nil: throw TariffError("\(name(key)) is missing: the local date the version starts, like 2025-01-01")
        case let other?: throw wrong(key, other, "a date like 2025-01-01")
        }
    }

    mutating func holidays(_ key: String) throws(TariffError) -> HolidayCalendar? {
        func preset(_ text: String) throws(TariffError) -> String {
            guard HolidayCalendar.knownPresets.contains(text) else {
                throw TariffError(
                    "\(name(key)): '\(text)' is neither a date like 2026-03-19 nor a calendar (\(HolidayCalendar.knownPresets.joined(separator: ", ")))"
                )
            }
            return text
        }
        switch take(key) {
        case nil: return nil
        case .string(let text)?: return HolidayCalendar(presets: [try preset(text)])
        case .array(let items)?:
            guard items.count <= Tariff.maxHolidays else {
                throw TariffError("\(name(key)): at most \(Tariff.maxHolidays) entries")
            }
            var calendar = HolidayCalendar()
            for item in items {
                switch item {
                case .date(let day):
                    guard let valid = CalendarDay(checking: day.description) else {
                        throw TariffError("\(name(key)): \(day) is not a date from 2000 to 2199")
                    }
                    calendar.dates.insert(valid)
                case .string(let text):
                    if let day = CalendarDay(checking: text) {
                        calendar.dates.insert(day)
                    } else {
                        let name = try preset(text)
                        if !calendar.presets.contains(name) { calendar.presets.append(name) }
                    }
                default: throw wrong(key, item, "dates or calendar names")
                }
            }
            return calendar
        case let other?: throw wrong(key, other, "\"es-national\" or an array of dates")
        }
    }

    static func amount(_ value: DocumentValue, path: String, signed: Bool = false) throws(TariffError) -> Decimal {
        let amount: Decimal
        switch value {
        case .integer(let number): amount = Decimal(number)
        case .number(let number):
            guard number.isFinite else { throw TariffError("\(path) is not a finite number") }
            guard abs(number) <= 1e9 else {
                throw TariffError("\(path) \(number) is out of range (±\(Tariff.maxAmount))")
            }
            guard let decimal = Decimal(string: "\(number)", locale: Locale(identifier: "en_US_POSIX"))
            else { throw TariffError("\(path) is not a finite number") }
            amount = decimal
        default: throw TariffError("\(path) is \(value.typeName): expected a number")
        }
        guard abs(amount) <= Tariff.maxAmount else {
            throw TariffError("\(path) \(amount) is out of range (±\(Tariff.maxAmount))")
        }
        guard signed || amount >= 0 else { throw TariffError("\(path) \(amount) cannot be negative") }
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
                    throw TariffError("\(name(key)).\(period): no such \(what) (\(allowed.joined(separator: ", ")))")
                }
                map[period] = try Self.amount(value, path: "\(name(key)).\(period)")
            }
            return map
        case let other?: throw wrong(key, other, "a table by period")
        }
    }

    mutating func taxes(_ key: String) throws(TariffError) -> [Tax] {
        switch take(key) {
        case nil: return []
        case .array(let items)?:
            guard items.count <= Tariff.maxTaxes else {
                throw TariffError("\(name(key)): at most \(Tariff.maxTaxes) taxes")
            }
            var taxes: [Tax] = []
            for (index, item) in items.enumerated() {
                let here = "\(name(key))[\(index + 1)]"
                guard case .table(let table) = item else {
                    throw TariffError("\(here) is \(item.typeName): expected { name, percent, on }")
                }
                var reader = KeyReader(table, path: here)
                let taxName = try reader.string("name")
                guard PeriodScheme.isValidName(taxName), !Tax.parts.contains(taxName) else {
                    throw TariffError(
                        "\(here).name '\(taxName)' must be 1 to 32 letters, digits, '-' or '_', and not a part's name")
                }
                guard !taxes.contains(where: { $0.name == taxName }) else {
                    throw TariffError("\(here): a second tax named \(taxName)")
                }
                guard let percentValue = reader.take("percent") else { throw TariffError("\(here).percent is missing") }
                let percent = try Self.amount(percentValue, path: "\(here).percent")
                guard percent <= 100 else { throw TariffError("\(here).percent \(percent) is over 100") }
                guard let on = try reader.optionalStrings("on"), !on.isEmpty else {
                    throw TariffError(
                        "\(here).on is missing: the parts it applies to (energy, power, fixed, earlier taxes)")
                }
                for part in on where !Tax.parts.contains(part) && !taxes.contains(where: { $0.name == part }) {
                    throw TariffError(
                        "\(here).on: '\(part)' is neither a part (energy, power, fixed) nor an earlier tax")
                }
                try reader.finish()
                taxes.append(Tax(name: taxName, percent: percent, on: on))
            }
            return taxes
        case let other?: throw wrong(key, other, "an array of { name, percent, on }")
        }
    }
}

extension CalendarDay {
    /// A `YYYY-MM-DD` date that exists, from 2000 to 2199 (the span tariffs and prices may name).
    public init?(checking text: String) {
        let parts = text.split(separator: "-", omittingEmptySubsequences: false)
        guard parts.count == 3, parts[0].count == 4, parts[1].count == 2, parts[2].count == 2,
            parts.allSatisfy({ $0.allSatisfy { $0.isASCII && $0.isNumber } }),
            let year = Int(parts[0]), let month = Int(parts[1]), let day = Int(parts[2]),
            (2000...2199).contains(year), (1...12).contains(month),
            (1...CalendarDay.days(year: year, month: month)).contains(day)
        else { return nil }
        self.init(year: year, month: month, day: day)
    }

    public static func days(year: Int, month: Int) -> Int {
        switch month {
        case 2: (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 ? 29 : 28
        case 4, 6, 9, 11: 30
        default: 31
        }
    }
}
