import Foundation

/// What electricity costs: a currency and dated versions, each in force from its date (a local
/// date in the site zone) until the next one's, so a new price never applies to the past.
///
/// A version prices energy per period (the periods are rules: weekday sets × local time ranges,
/// months, a holiday calendar whose days take the default period) or by a price series (dynamic
/// tariffs: PVPC, day-ahead indexed contracts); adds a power term per period (price per kW per
/// day × contracted kW), fixed charges per day and per month, and ordered taxes, each a
/// percentage of named parts and earlier taxes. Everything here is pure: files and stores turn
/// into this, and bills are computed from it (`TariffTimeline`, `Bill`).
public struct Tariff: Sendable, Equatable {
    public var name: String
    /// ISO 4217 code (`EUR`).
    public var currency: String
    /// Ascending by `from`, at least one, dates distinct.
    public var versions: [TariffVersion]

    public init(name: String, currency: String, versions: [TariffVersion]) {
        self.name = name
        self.currency = currency
        self.versions = versions.sorted { $0.from < $1.from }
    }

    /// The version in force on a local day: the last that starts on or before it; nil before the first.
    public func version(on day: CalendarDay) -> TariffVersion? {
        versions.last { $0.from <= day }
    }

    /// Whether any version prices energy from an imported price series.
    public var usesSeries: Bool { versions.contains { $0.energy == .series } }

    /// The longest name a tariff may have (it is a key, a file name, a word on a page).
    public static let maxNameLength = 64

    /// Names: letters, digits, `-`, `_`, `.`; starting with a letter or digit.
    public static func isValidName(_ name: String) -> Bool {
        guard let first = name.unicodeScalars.first, name.count <= maxNameLength else { return false }
        let allowed = CharacterSet.alphanumerics.union(CharacterSet(charactersIn: "-_."))
        return CharacterSet.alphanumerics.contains(first) && name.unicodeScalars.allSatisfy(allowed.contains)
            && name.unicodeScalars.allSatisfy(\.isASCII)
    }
}

/// One dated version of a tariff.
public struct TariffVersion: Sendable, Equatable {
    public enum Energy: Sendable, Equatable {
        /// A price per kWh for each period of `periods`.
        case periods([String: Decimal])
        /// Prices per hour or 15 minutes from `tariff prices import` (the period is still
        /// reported, for the kWh split).
        case series
    }

    public var from: CalendarDay
    public var periods: PeriodScheme
    public var holidays: HolidayCalendar
    public var energy: Energy
    /// Periods of the power term; nil when the version has none.
    public var powerPeriods: PeriodScheme?
    /// Price per kW per day, by power period.
    public var power: [String: Decimal]
    /// Contracted kW, by power period.
    public var contractedKW: [String: Decimal]
    public var fixedPerDay: Decimal
    /// Prorated by days: amount × days of the range in that month / days of that month.
    public var fixedPerMonth: Decimal
    /// Compensation per kWh exported to the grid.
    public var export: Decimal?
    /// Whether a bill's compensation is capped at its energy term (`export_cap = "energy"`, the
    /// default, as Spain's simplified compensation) or credits all (`"none"`).
    public var exportCapped: Bool
    /// The tariff whose dynamic prices (`tariff prices import`) are this version's export prices
    /// (`export_series = "NAME"`), instead of a fixed `export`.
    public var exportSeries: String?
    public var taxes: [Tax]

    public init(
        from: CalendarDay, periods: PeriodScheme, holidays: HolidayCalendar, energy: Energy,
        powerPeriods: PeriodScheme? = nil, power: [String: Decimal] = [:], contractedKW: [String: Decimal] = [:],
        fixedPerDay: Decimal = 0, fixedPerMonth: Decimal = 0, export: Decimal? = nil, exportCapped: Bool = true,
        exportSeries: String? = nil, taxes: [Tax] = []
    ) {
        self.from = from
        self.periods = periods
        self.holidays = holidays
        self.energy = energy
        self.powerPeriods = powerPeriods
        self.power = power
        self.contractedKW = contractedKW
        self.fixedPerDay = fixedPerDay
        self.fixedPerMonth = fixedPerMonth
        self.export = export
        self.exportCapped = exportCapped
        self.exportSeries = exportSeries
        self.taxes = taxes
    }

    /// The power periods that are charged: those with both a price and a contracted power.
    public var chargedPowerPeriods: [String] {
        (powerPeriods?.names ?? []).filter { power[$0] != nil && contractedKW[$0] != nil }
    }
}

/// A tax: a percentage of the named parts of a bill (`energy`, `power`, `fixed`) and of earlier taxes.
public struct Tax: Sendable, Equatable {
    public var name: String
    public var percent: Decimal
    public var on: [String]

    public init(name: String, percent: Decimal, on: [String]) {
        self.name = name
        self.percent = percent
        self.on = on
    }

    /// The parts a tax can name besides earlier taxes.
    public static let parts = ["energy", "power", "fixed"]
}

/// Periods as rules: the first rule that claims an instant names its period; every other instant,
/// and every hour of a holiday, is the default period.
public struct PeriodScheme: Sendable, Equatable {
    /// The preset this scheme is (`es-2.0TD`, `es-2.0TD-power`, `flat`), kept so export writes it back by name.
    public var preset: String?
    public var rules: [PeriodRule]
    public var defaultPeriod: String

    public init(preset: String? = nil, rules: [PeriodRule], defaultPeriod: String) {
        self.preset = preset
        self.rules = rules
        self.defaultPeriod = defaultPeriod
    }

    /// Period names, rules first (in order, each once), the default last.
    public var names: [String] {
        var names: [String] = []
        for rule in rules where !names.contains(rule.name) { names.append(rule.name) }
        if !names.contains(defaultPeriod) { names.append(defaultPeriod) }
        return names
    }

    /// The period of a wall-clock quarter: `weekday` 1 Sunday … 7 Saturday, `minute` of the day (0..<1440).
    public func period(weekday: Int, month: Int, minute: Int, holiday: Bool) -> String {
        guard !holiday else { return defaultPeriod }
        for rule in rules where rule.claims(weekday: weekday, month: month, minute: minute) { return rule.name }
        return defaultPeriod
    }

    // MARK: Presets

    /// Spain's 2.0TD energy periods: working days P1 10–14 and 18–22, P2 8–10, 14–18 and
    /// 22–24, P3 the rest; weekends and holidays P3.
    public static let es20TD = PeriodScheme(
        preset: "es-2.0TD",
        rules: [
            PeriodRule(name: "P1", days: PeriodRule.workingDays, hours: [600..<840, 1080..<1320]),
            PeriodRule(name: "P2", days: PeriodRule.workingDays, hours: [480..<600, 840..<1080, 1320..<1440]),
        ],
        defaultPeriod: "P3")

    /// Spain's 2.0TD power periods: working days P1 8–24, P2 the rest.
    public static let es20TDPower = PeriodScheme(
        preset: "es-2.0TD",
        rules: [PeriodRule(name: "P1", days: PeriodRule.workingDays, hours: [480..<1440])],
        defaultPeriod: "P2")

    /// One period, `flat`, all the time.
    public static let flat = PeriodScheme(preset: "flat", rules: [], defaultPeriod: "flat")

    public static let energyPresets: [String: PeriodScheme] = ["es-2.0TD": es20TD, "flat": flat]
    public static let powerPresets: [String: PeriodScheme] = ["es-2.0TD": es20TDPower, "flat": flat]
}

/// Days of the week × local time ranges (minutes of the day, on quarter hours), optionally only
/// in some months.
public struct PeriodRule: Sendable, Equatable {
    public var name: String
    /// Weekdays as Foundation numbers them: 1 Sunday … 7 Saturday.
    public var days: Set<Int>
    /// Minutes of the day, half-open, `0..<1440` at most.
    public var hours: [Range<Int>]
    /// Months 1…12 the rule applies in; empty is every month.
    public var months: Set<Int>

    public init(name: String, days: Set<Int>, hours: [Range<Int>], months: Set<Int> = []) {
        self.name = name
        self.days = days
        self.hours = hours
        self.months = months
    }

    public static let workingDays: Set<Int> = [2, 3, 4, 5, 6]
    public static let dayNames = ["sun", "mon", "tue", "wed", "thu", "fri", "sat"]

    func claims(weekday: Int, month: Int, minute: Int) -> Bool {
        days.contains(weekday) && (months.isEmpty || months.contains(month)) && hours.contains { $0.contains(minute) }
    }
}

/// The days every hour of which is a tariff's default period.
public struct HolidayCalendar: Sendable, Equatable {
    /// Named calendars (`es-national`: Spain's national holidays, 6 January, Good Friday).
    public var presets: [String]
    public var dates: Set<CalendarDay>

    public init(presets: [String] = [], dates: Set<CalendarDay> = []) {
        self.presets = presets
        self.dates = dates
    }

    public static let none = HolidayCalendar()
    public static let esNational = HolidayCalendar(presets: ["es-national"])
    public static let knownPresets = ["es-national"]

    public func contains(_ day: CalendarDay) -> Bool {
        if dates.contains(day) { return true }
        return presets.contains { $0 == "es-national" && SpanishHolidays.contains(day) }
    }
}

/// A tariff definition that cannot be used, naming where in the file and why.
public struct TariffError: ExitStatusError, Equatable {
    public var exitStatus: ExitStatus
    /// In English: what the command line prints.
    public var description: String
    /// The English text with `{0}`, `{1}`… and what fills them, for `message(_:)` in another
    /// language; nil for a text that has no translation (a parser's own words).
    public var template: String?
    public var arguments: [String]

    public init(_ description: String, status: ExitStatus = .dataError) {
        self.exitStatus = status
        self.description = description
        template = nil
        arguments = []
    }

    /// A text of the string tables (`Words`), its arguments filled in.
    public init(_ template: String, _ arguments: [String], status: ExitStatus = .dataError) {
        self.exitStatus = status
        self.template = template
        self.arguments = arguments
        description = Words.fill(template, arguments)
    }

    /// What the error is about, before its text: the file or form (`prefixed(_:)`).
    public var context: String?

    /// The error in `words`' language; each argument the tables know (a value's kind, what was
    /// expected) translated too.
    public func message(_ words: Words) -> String {
        guard let template else { return description }
        let text = Words.fill(words(template), arguments.map { words($0) })
        return context.map { $0 + ": " + text } ?? text
    }

    /// The error as a child process hands it to its parent (`tariff check-syntax`): the template
    /// and its arguments, so the parent can still word it in its viewer's language.
    public struct Carried: Codable, Sendable {
        public var template: String
        public var arguments: [String]
        public var context: String?
    }

    public var carried: Carried? {
        template.map { Carried(template: $0, arguments: arguments, context: context) }
    }

    public init(_ carried: Carried, status: ExitStatus = .dataError) {
        self.init(carried.template, carried.arguments, status: status)
        if let context = carried.context { self = self.prefixed(context) }
    }

    /// The same error after `prefix` and a colon (the file or form it is about).
    public func prefixed(_ prefix: String) -> TariffError {
        var error = self
        error.description = prefix + ": " + description
        error.context = context.map { prefix + ": " + $0 } ?? prefix
        return error
    }

    /// A name no stored tariff has (exit 67, as an unknown user or meter).
    public static func unknown(_ name: String) -> TariffError {
        TariffError(
            "no tariff named '{0}' (tariff list shows them; tariff import FILE adds one)", ["\(name)"], status: .noUser)
    }
}
