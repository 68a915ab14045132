import EnerTrackCore
import Foundation
import Synchronization

/// The tariffs of a directory store, read once for a report: each stored definition parsed, and
/// each meter's timeline (its own assignments, before them its user's).
public struct TariffBook: Sendable {
    public var tariffs: [String: Tariff]
    public var assignments: [TariffAssignment]

    public static func load(_ store: any TariffStore) async throws -> TariffBook {
        var tariffs: [String: Tariff] = [:]
        for stored in try await store.storedTariffs() {
            tariffs[stored.name] = try ParsedTariffs.shared.tariff(stored)
        }
        return TariffBook(tariffs: tariffs, assignments: try await store.tariffAssignments())
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
