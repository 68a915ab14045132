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
    /// Stores dynamic prices, replacing the tariff's prices in the span they cover; the count stored.
    @discardableResult
    func replacePrices(tariff: String, _ points: [PricePoint]) async throws -> Int
    /// The prices that overlap `[from, to)`, ascending.
    func prices(tariff: String, from: Int64, to: Int64) async throws -> [PricePoint]
    func priceSpan(tariff: String) async throws -> PriceSpan?
}
