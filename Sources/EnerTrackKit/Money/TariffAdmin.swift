import EnerTrackCore
import Foundation

/// Managing tariffs, the one place the CLI and the admin page go through: import (checked, then
/// kept as its canonical text), assignment with its default day, dynamic prices.
public struct TariffAdmin: Sendable {
    public let store: any TariffStore & UserStore & NodeStore
    public let timeZone: TimeZone
    public let parser: TariffParser

    public init(store: any TariffStore & UserStore & NodeStore, timeZone: TimeZone, parser: TariffParser) {
        self.store = store
        self.timeZone = timeZone
        self.parser = parser
    }

    /// Checks a tariff file and stores it (replacing one of the same name); with `dryRun` only checks.
    public func importTariff(text: String, source: String, dryRun: Bool = false, now: Date = Date()) async throws -> (
        tariff: Tariff, replaced: Bool
    ) {
        let tariff = try await parser.parse(text, source: source)
        // The canonical text must read back as the same tariff: what is stored is what bills use.
        let canonical = tariff.toml
        guard (try? TariffFile.parse(canonical)) == tariff else {
            throw TariffError(
                "internal error: tariff {0} does not survive being written back", ["\(tariff.name)"], status: .software)
        }
        if dryRun { return (tariff, try await store.storedTariff(named: tariff.name) != nil) }
        let replaced = try await store.saveTariff(
            StoredTariff(
                name: tariff.name, currency: tariff.currency, definition: canonical, updatedAt: now.milliseconds))
        return (tariff, replaced)
    }

    public func tariff(named name: String) async throws -> Tariff {
        guard let stored = try await store.storedTariff(named: name) else {
            throw TariffError.unknown(name)
        }
        return try TariffFile.parse(stored.definition, source: "stored tariff \(name)")
    }

    /// The first day a new assignment starts when none is given: a target's first tariff covers
    /// all its history; a later one starts today.
    public func defaultStart(for target: TariffAssignment.Target, now: Date = Date()) async throws -> CalendarDay {
        let existing = try await store.tariffAssignments().filter { $0.target == target }
        guard !existing.isEmpty else { return CalendarDay(year: 2000, month: 1, day: 1) }
        return CalendarDay.today(now: now, timeZone: timeZone)
    }

    public func assign(tariff: String, to target: TariffAssignment.Target, from: CalendarDay?, now: Date = Date())
        async throws -> TariffAssignment
    {
        let canonicalTarget: TariffAssignment.Target
        switch target {
        case .node(let espID): canonicalTarget = .node(try await store.existingNode(espID: espID).espID)
        case .user(let name): canonicalTarget = .user(try await store.existingUser(named: name).username)
        }
        let day: CalendarDay
        if let from { day = from } else { day = try await defaultStart(for: canonicalTarget, now: now) }
        let assignment = TariffAssignment(target: canonicalTarget, tariff: tariff, from: day)
        try await store.assignTariff(assignment)
        return assignment
    }

    /// Reads a price file and stores it for a tariff priced by series.
    public func importPrices(tariff name: String, text: String, perMWh: Bool) async throws -> [PricePoint] {
        let tariff = try await tariff(named: name)
        guard tariff.usesSeries else {
            throw TariffError(
                "tariff {0} has no version with energy = \"series\": its prices come from its file, not from a price series",
                ["\(name)"]
            )
        }
        let points = try PriceSeries.parse(text, timeZone: timeZone, perMWh: perMWh)
        try await store.replacePrices(tariff: name, points)
        return points
    }
}

extension CalendarDay {
    /// The local day an instant falls on.
    public init(_ date: Date, timeZone: TimeZone) {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = timeZone
        let parts = calendar.dateComponents([.year, .month, .day], from: date)
        self.init(year: parts.year ?? 2000, month: parts.month ?? 1, day: parts.day ?? 1)
    }

    public static func today(now: Date = Date(), timeZone: TimeZone) -> CalendarDay {
        CalendarDay(now, timeZone: timeZone)
    }
}
