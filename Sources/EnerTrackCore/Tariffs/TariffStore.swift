import Foundation

/// A tariff as a store keeps it: its canonical file text (`Tariff.toml`), so what `tariff export`
/// prints is exactly what bills use.
public struct StoredTariff: Sendable, Equatable {
    public var name: String
    public var currency: String
    public var definition: String
    public var updatedAt: Int64

    public init(name: String, currency: String, definition: String, updatedAt: Int64) {
        self.name = name
        self.currency = currency
        self.definition = definition
        self.updatedAt = updatedAt
    }
}

/// How many dynamic prices a tariff has, and over which span.
public struct PriceSpan: Sendable, Equatable {
    public var count: Int
    public var first: Int64
    public var last: Int64

    public init(count: Int, first: Int64, last: Int64) {
        self.count = count
        self.first = first
        self.last = last
    }
}

/// Tariffs, who has which from when, and dynamic prices: kept by the directory store.
public protocol TariffStore: Sendable {
    /// Stores a tariff, replacing one of the same name; true when it replaced one.
    @discardableResult
    func saveTariff(_ tariff: StoredTariff) async throws -> Bool
    func storedTariffs() async throws -> [StoredTariff]
    func storedTariff(named name: String) async throws -> StoredTariff?
    /// Removes a tariff with its prices; refused (`TariffError`) while a meter or user has it.
    func removeTariff(named name: String) async throws
    /// Gives a meter or a user a tariff from a local day (replacing an assignment of that day).
    func assignTariff(_ assignment: TariffAssignment) async throws
    /// Removes the assignment of a target that starts on a day; false when there was none.
    func unassignTariff(target: TariffAssignment.Target, from day: CalendarDay) async throws -> Bool
    /// Every assignment, by target and day.
    func tariffAssignments() async throws -> [TariffAssignment]
    /// Every tariff and every assignment, read together (what a report's tariff book is made of).
    func tariffsAndAssignments() async throws -> (tariffs: [StoredTariff], assignments: [TariffAssignment])
    /// Stores dynamic prices, replacing the tariff's prices in the span they cover; the count stored.
    @discardableResult
    func replacePrices(tariff: String, _ points: [PricePoint]) async throws -> Int
    /// The prices that overlap `[from, to)`, ascending.
    func prices(tariff: String, from: Int64, to: Int64) async throws -> [PricePoint]
    func priceSpan(tariff: String) async throws -> PriceSpan?
}

extension TariffStore {
    public func tariffsAndAssignments() async throws -> (tariffs: [StoredTariff], assignments: [TariffAssignment]) {
        (try await storedTariffs(), try await tariffAssignments())
    }
}

/// A monthly budget: a message when the month's projected cost crosses it, once per month.
public struct BudgetRule: Sendable, Equatable {
    public var id: Int64
    public var userID: Int64
    public var username: String
    /// Nil: all the user's meters.
    public var nodeID: Int64?
    public var espID: String?
    public var monthly: Decimal
    /// The month (`YYYY-MM`) the rule last sent its message.
    public var notifiedMonth: String?
    public var chatID: Int64?
    public var language: Language?

    public init(
        id: Int64, userID: Int64, username: String, nodeID: Int64?, espID: String?, monthly: Decimal,
        notifiedMonth: String?, chatID: Int64?, language: Language?
    ) {
        self.id = id
        self.userID = userID
        self.username = username
        self.nodeID = nodeID
        self.espID = espID
        self.monthly = monthly
        self.notifiedMonth = notifiedMonth
        self.chatID = chatID
        self.language = language
    }

    /// The largest budget accepted (a typo guard, not a policy).
    public static let maxMonthly: Decimal = 1_000_000
}

/// Budget rules and their once-a-month state, kept by the directory store.
public protocol BudgetStore: Sendable {
    /// Sets (or changes) a user's budget for one meter or all; the rule may notify again this month.
    func setBudget(userID: Int64, nodeID: Int64?, monthly: Decimal, now: Int64) async throws
    @discardableResult
    func clearBudget(userID: Int64, nodeID: Int64?) async throws -> Bool
    /// Rules of active users (a meter's rule only while it is actively assigned to them).
    func budgetRules(userID: Int64?) async throws -> [BudgetRule]
    /// Marks the rule notified for `month` and queues `text`, at once; false when another run
    /// marked it first (then nothing is queued).
    func budgetNotified(rule: BudgetRule, month: String, text: String?, now: Int64) async throws -> (
        changed: Bool, queued: Int64?
    )
}
