import EnerTrackCore
import Foundation
import Synchronization

/// A series store that forwards every call to a real one and counts the reads of energy, so a
/// test can say how often a page asks the store.
final class CountingSeries: SeriesStore {
    let store: any SeriesStore
    private let counts = Mutex([String: Int]())

    init(_ store: any SeriesStore) { self.store = store }

    /// Calls by name (`energy(node:)`, `bucketEnergy`, `energy(query)`), and resets them.
    func take() -> [String: Int] {
        counts.withLock { counts in
            defer { counts = [:] }
            return counts
        }
    }
    private func count(_ name: String) { counts.withLock { $0[name, default: 0] += 1 } }

    var location: String { store.location }
    var limits: PowerLimits { store.limits }
    func layoutReport() async throws -> [String] { try await store.layoutReport() }
    func check() async throws { try await store.check() }
    func write(_ readings: [Reading]) async throws { try await store.write(readings) }
    func readings(node: String, from: Int64?, to: Int64?, limit: Int?) async throws -> [Reading] {
        try await store.readings(node: node, from: from, to: to, limit: limit)
    }
    func latest(nodes: [String]) async throws -> [String: Reading] { try await store.latest(nodes: nodes) }
    func firstReadings(nodes: [String]) async throws -> [String: Int64] { try await store.firstReadings(nodes: nodes) }
    func meanPower(nodes: [String], from: Int64, to: Int64) async throws -> [String: Double] {
        try await store.meanPower(nodes: nodes, from: from, to: to)
    }
    func energy(node: String, periods: [Range<Int64>], timeZone: TimeZone) async throws -> [PeriodEnergy]? {
        count("energy(node:)")
        return try await store.energy(node: node, periods: periods, timeZone: timeZone)
    }
    func rollups(node: String, from: Int64, to: Int64) async throws -> [RollupRow]? {
        try await store.rollups(node: node, from: from, to: to)
    }
    func bucketEnergy(nodes: [String], from: Int64, to: Int64, step: Int64) async throws -> [String: [BucketEnergy]] {
        count("bucketEnergy")
        return try await store.bucketEnergy(nodes: nodes, from: from, to: to, step: step)
    }
    func energy(_ query: EnergyQuery, timeZone: TimeZone) async throws -> EnergyAnswer {
        count("energy(query)")
        return try await store.energy(query, timeZone: timeZone)
    }
    func historyVersions(nodes: [String]) async throws -> [String: Int64]? {
        try await store.historyVersions(nodes: nodes)
    }
    func refreshRollups() async throws { try await store.refreshRollups() }
    func refreshSomeRollups(nodes: Int) async throws -> Bool { try await store.refreshSomeRollups(nodes: nodes) }
    var refreshesBesideWrites: Bool { store.refreshesBesideWrites }
    func rebuildRollups(from: Int64?, progress: (@Sendable (Int, Int) -> Void)?) async throws {
        try await store.rebuildRollups(from: from, progress: progress)
    }
}
