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
        case .table: Words.noop("a table")
        case .array: Words.noop("an array")
        case .string: Words.noop("a string")
        case .integer: Words.noop("an integer")
        case .number: Words.noop("a number")
        case .bool: Words.noop("a boolean")
        case .date: Words.noop("a date")
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
                "name '{0}' must be 1 to {1} letters, digits, '-', '_' or '.', starting with a letter or digit",
                ["\(name)", "\(Tariff.maxNameLength)"]
            )
        }
        let currency = try reader.string("currency")
        guard currency.count == 3, currency.unicodeScalars.allSatisfy({ ("A"..."Z").contains($0) }) else {
            throw TariffError("currency '{0}' is not an ISO 4217 code like EUR", ["\(currency)"])
        }
        let versionValues = try reader.tables("version")
        guard !versionValues.isEmpty else { throw TariffError("a tariff needs at least one [[version]]") }
        guard versionValues.count <= Tariff.maxVersions else {
            throw TariffError("at most {0} versions, not {1}", ["\(Tariff.maxVersions)", "\(versionValues.count)"])
        }
        try reader.finish()
        var versions: [TariffVersion] = []
        for (index, table) in versionValues.enumerated() {
            let version = try TariffVersion(table, path: "version[\(index + 1)]")
            if let other = versions.first(where: { $0.from == version.from }) {
                throw TariffError(
                    "version[{0}].from {1}: another version starts that day too ({2})",
                    ["\(index + 1)", "\(version.from)", "\(other.from)"])
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
                    "{0}.periods '{1}' is not a preset ({2}); or give [[version.period]] tables",
                    ["\(path)", "\(name)", "\(PeriodScheme.energyPresets.keys.sorted().joined(separator: ", "))"]
                )
            }
            periods = scheme
        case (nil, let tables?):
            periods = try PeriodScheme(tables, path: "\(path).period")
        case (nil, nil):
            throw TariffError("{0} needs periods = \"es-2.0TD\" or \"flat\", or [[version.period]] tables", ["\(path)"])
        case (_?, _?):
            throw TariffError("{0} gives both periods = and [[version.period]] tables: give one", ["\(path)"])
        }
        let holidays =
            try reader.holidays("holidays") ?? (periods.preset == "es-2.0TD" ? HolidayCalendar.esNational : .none)
        let energy = try Self.energy(reader.take("energy"), periods: periods, path: path)
        let (powerPeriods, power, contracted) = try Self.power(&reader, path: path)
        let fixedPerDay = try reader.optionalAmount("fixed_per_day") ?? 0
        let fixedPerMonth = try reader.optionalAmount("fixed_per_month") ?? 0
        let export = try reader.optionalAmount("export")
        let exportCapped: Bool
        switch try reader.optionalString("export_cap") {
        case nil, "energy": exportCapped = true
        case "none": exportCapped = false
        case let other?:
            throw TariffError(
                "{0}.export_cap is '{1}': it is \"energy\" (compensation up to the energy term) or \"none\"",
                ["\(path)", "\(other.prefix(40))"])
        }
        let exportSeries = try Self.exportSeriesName(&reader, fixed: export != nil, path: path)
        let taxes = try reader.taxes("taxes")
        try reader.finish()
        self.init(
            from: from, periods: periods, holidays: holidays, energy: energy, powerPeriods: powerPeriods, power: power,
            contractedKW: contracted, fixedPerDay: fixedPerDay, fixedPerMonth: fixedPerMonth, export: export,
            exportCapped: exportCapped, exportSeries: exportSeries, taxes: taxes)
    }

    /// `export_series`: the tariff whose dynamic prices are the export prices (not with `export`).
    static func exportSeriesName(_ reader: inout KeyReader, fixed: Bool, path: String) throws(TariffError)
        -> String?
    {
        guard let name = try reader.optionalString("export_series") else { return nil }
        guard Tariff.isValidName(name) else {
            throw TariffError("{0}.export_series '{1}' is not a tariff name", ["\(path)", "\(name.prefix(64))"])
        }
        guard !fixed else { throw TariffError("{0} gives both export = and export_series =: give one", ["\(path)"]) }
        return name
    }

    /// Energy prices, one per period, or "series".
    static func energy(_ value: DocumentValue?, periods: PeriodScheme, path: String) throws(TariffError) -> Energy {
        switch value {
        case .string("series"):
            return .series
        case .table(let prices):
            let names = periods.names
            var map: [String: Decimal] = [:]
            for (key, value) in prices {
                guard names.contains(key) else {
                    throw TariffError(
                        "{0}.energy.{1}: no such period (the periods are {2})",
                        ["\(path)", "\(key)", "\(names.joined(separator: ", "))"])
                }
                map[key] = try KeyReader.amount(value, path: "\(path).energy.\(key)", signed: true)
            }
            if let missing = names.first(where: { map[$0] == nil }) {
                throw TariffError("{0}.energy has no price for period {1}", ["\(path)", "\(missing)"])
            }
            return .periods(map)
        case nil:
            throw TariffError("{0}.energy is missing: a table of prices per kWh by period, or \"series\"", ["\(path)"])
        case let other?:
            throw TariffError(
                "{0}.energy is {1}: give a table of prices by period, or \"series\"", ["\(path)", "\(other.typeName)"])
        }
    }

    /// The power term: its periods, price and contracted power for each.
    static func power(_ reader: inout KeyReader, path: String) throws(TariffError) -> (
        PeriodScheme?, [String: Decimal], [String: Decimal]
    ) {
        var powerPeriods: PeriodScheme?
        if let name = try reader.optionalString("power_periods") {
            guard let scheme = PeriodScheme.powerPresets[name] else {
                throw TariffError(
                    "{0}.power_periods '{1}' is not a preset ({2})",
                    ["\(path)", "\(name)", "\(PeriodScheme.powerPresets.keys.sorted().joined(separator: ", "))"]
                )
            }
            powerPeriods = scheme
        }
        let power = try reader.amounts("power", allowed: powerPeriods?.names, what: Words.noop("power periods"))
        let contracted = try reader.amounts(
            "contracted_kw", allowed: powerPeriods?.names, what: Words.noop("power periods"))
        if powerPeriods == nil, !power.isEmpty || !contracted.isEmpty {
            throw TariffError("{0}.power needs power_periods = \"es-2.0TD\" or \"flat\"", ["\(path)"])
        }
        if let names = powerPeriods?.names {
            for name in names where power[name] == nil || contracted[name] == nil {
                throw TariffError(
                    "{0}: power period {1} needs both power.{2} and contracted_kw.{3}",
                    ["\(path)", "\(name)", "\(name)", "\(name)"])
            }
        }
        if let negative = contracted.first(where: { $0.value < 0 }) {
            throw TariffError("{0}.contracted_kw.{1} cannot be negative", ["\(path)", "\(negative.key)"])
        }
        return (powerPeriods, power, contracted)
    }
}

extension PeriodScheme {
    init(_ tables: [[String: DocumentValue]], path: String) throws(TariffError) {
        guard !tables.isEmpty, tables.count <= Tariff.maxPeriods else {
            throw TariffError("{0}: give 1 to {1} [[version.period]] tables", ["\(path)", "\(Tariff.maxPeriods)"])
        }
        var rules: [PeriodRule] = []
        var defaults: [String] = []
        for (index, table) in tables.enumerated() {
            let here = "\(path)[\(index + 1)]"
            var reader = KeyReader(table, path: here)
            let name = try reader.string("name")
            guard PeriodScheme.isValidName(name) else {
                throw TariffError("{0}.name '{1}' must be 1 to 32 letters, digits, '-' or '_'", ["\(here)", "\(name)"])
            }
            if try reader.optionalBool("default") == true { defaults.append(name) }
            let days = try reader.optionalStrings("days")
            let hours = try reader.optionalStrings("hours")
            let months = try reader.optionalMonths("months")
            try reader.finish()
            if days == nil, hours == nil {
                guard defaults.last == name else {
                    throw TariffError("{0} ({1}) needs days and hours, or default = true", ["\(here)", "\(name)"])
                }
                continue
            }
            var weekdays: Set<Int> = []
            for day in days ?? PeriodRule.dayNames {
                guard let number = PeriodRule.dayNames.firstIndex(of: day.lowercased()) else {
                    throw TariffError(
                        "{0}.days: '{1}' is not a day ({2})",
                        ["\(here)", "\(day)", "\(PeriodRule.dayNames.joined(separator: ", "))"])
                }
                weekdays.insert(number + 1)
            }
            var ranges: [Range<Int>] = []
            for text in hours ?? ["00:00-24:00"] {
                guard let range = PeriodScheme.minutes(text) else {
                    throw TariffError(
                        "{0}.hours: '{1}' is not a range like 10:00-14:00 on quarter hours (00:00 to 24:00)",
                        ["\(here)", "\(text)"])
                }
                ranges.append(range)
            }
            guard !weekdays.isEmpty, !ranges.isEmpty, ranges.count <= Tariff.maxRanges else {
                throw TariffError(
                    "{0} needs at least one day and 1 to {1} hour ranges", ["\(here)", "\(Tariff.maxRanges)"])
            }
            rules.append(PeriodRule(name: name, days: weekdays, hours: ranges, months: months))
        }
        guard defaults.count == 1, let defaultPeriod = defaults.first else {
            throw TariffError(
                "{0}: exactly one period needs default = true (it takes every hour no rule claims, and holidays); {1} do",
                ["\(path)", "\(defaults.count)"]
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
