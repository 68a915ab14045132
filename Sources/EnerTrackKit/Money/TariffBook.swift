import EnerTrackCore
import Foundation
import Synchronization

/// The tariffs of a directory store, read once for a report: each stored definition parsed, and
/// each meter's timeline (its own assignments, before them its user's).
public struct TariffBook: Sendable {
    public var tariffs: [String: Tariff]
    public var assignments: [TariffAssignment]

    public static func load(_ store: any TariffStore) async throws -> TariffBook {
        let (stored, assignments) = try await store.tariffsAndAssignments()
        var tariffs: [String: Tariff] = [:]
        for tariff in stored { tariffs[tariff.name] = try ParsedTariffs.shared.tariff(tariff) }
        return TariffBook(tariffs: tariffs, assignments: assignments)
    }

    /// The timeline of a meter: the user's assignments (the given user's, else those of the
    /// first user, by name, that has one among `users`) until the meter's own first one.
    public func timeline(node: String, users: [String]) -> TariffTimeline? {
        func entries(_ target: TariffAssignment.Target) -> [(from: CalendarDay, tariff: Tariff)] {
            assignments.filter { $0.target == target }.compactMap { assignment in
                tariffs[assignment.tariff].map { (assignment.from, $0) }
            }
        }
        let own = entries(.node(node))
        let inherited = users.sorted().lazy.map { entries(.user($0)) }.first { !$0.isEmpty } ?? []
        let first = own.map(\.from).min()
        let combined = inherited.filter { entry in first.map { entry.from < $0 } ?? true } + own
        guard !combined.isEmpty else { return nil }
        return TariffTimeline(assignments: combined)
    }
}

/// Stored tariffs parsed once per process: keyed by their canonical text, so a tariff imported
/// again (by this process or another sharing the store) is a new key and parsed anew. Bounded:
/// past `capacity` texts it starts over.
final class ParsedTariffs: Sendable {
    static let shared = ParsedTariffs(capacity: 256)

    private let parsed = Mutex<[String: Tariff]>([:])
    let capacity: Int

    init(capacity: Int) { self.capacity = capacity }

    func tariff(_ stored: StoredTariff) throws -> Tariff {
        if let known = parsed.withLock({ $0[stored.definition] }) { return known }
        let tariff: Tariff
        do {
            tariff = try TariffFile.parse(stored.definition, source: "stored tariff \(stored.name)")
        } catch {
            throw TariffError("\(error.description) (re-import it with tariff import)", status: .software)
        }
        parsed.withLock { parsed in
            if parsed.count >= capacity { parsed.removeAll() }
            parsed[stored.definition] = tariff
        }
        return tariff
    }
}

/// Cost schedules (a timeline's days, periods and charges over a range) made once per process
/// for the ranges pages ask for again and again: the same timeline, range and zone give the same
/// schedule. Schedules with dynamic prices are made anew each time (their prices may change).
/// Bounded: the most recent `capacity` are kept.
final class CostSchedules: Sendable {
    static let shared = CostSchedules(capacity: 32)

    private struct Key: Equatable {
        var timeline: TariffTimeline
        var from: Int64
        var to: Int64
        var timeZone: String
    }

    private let made = Mutex<[(key: Key, schedule: CostSchedule)]>([])
    let capacity: Int

    init(capacity: Int) { self.capacity = capacity }

    func schedule(
        timeline: TariffTimeline, from: Int64, to: Int64, timeZone: TimeZone, prices: [String: [PricePoint]]
    ) throws -> CostSchedule {
        guard prices.isEmpty else {
            return try CostSchedule(timeline: timeline, from: from, to: to, timeZone: timeZone, prices: prices)
        }
        let key = Key(timeline: timeline, from: from, to: to, timeZone: timeZone.identifier)
        if let known = made.withLock({ made in made.first { $0.key == key }?.schedule }) { return known }
        let schedule = try CostSchedule(timeline: timeline, from: from, to: to, timeZone: timeZone, prices: [:])
        made.withLock { made in
            if made.count >= capacity { made.removeFirst() }
            made.append((key, schedule))
        }
        return schedule
    }
}
