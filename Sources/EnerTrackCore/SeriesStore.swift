import Foundation
import Synchronization

/// Where readings live: embedded SQLite (default) or InfluxDB.
///
/// Writes are idempotent: a reading with the node and time of a stored one overwrites the
/// quantities it carries and keeps the others, so a replayed batch changes nothing and
/// per-quantity messages of one second merge into one row. Times are ms since the epoch;
/// ranges are half-open, `from <= time < to`.
public protocol SeriesStore: Sendable {
    /// Where the store is, for messages (`sqlite:/var/lib/enertrack/series.sqlite`, `influxdb:http://…/enertrack`).
    var location: String { get }
    /// The plausible maximum power per node its consumption figures assume (spikes beyond it are
    /// faulty readings).
    var limits: PowerLimits { get }

    /// Answers when the store is reachable and ready (creating what it needs); throws `SeriesError` otherwise.
    /// What `db status` says of where the readings are: InfluxDB lists its measurements with
    /// their tags and fields, and which it reads and writes.
    func layoutReport() async throws -> [String]
    func check() async throws

    /// Stores a batch; returns only when the store confirmed all of it.
    func write(_ readings: [Reading]) async throws

    /// Raw readings of one node, oldest first.
    func readings(node: String, from: Int64?, to: Int64?, limit: Int?) async throws -> [Reading]

    /// The newest reading of each node that has any (only the quantities that newest row carries).
    func latest(nodes: [String]) async throws -> [String: Reading]

    /// The time of each node's first reading (nodes without readings are absent).
    func firstReadings(nodes: [String]) async throws -> [String: Int64]

    /// Mean power (W) per node over `from <= time < to`; nodes without power readings there are absent.
    func meanPower(nodes: [String], from: Int64, to: Int64) async throws -> [String: Double]

    /// The energy of each period (ms, on bucket boundaries, ascending; calendar periods of
    /// `timeZone`) from maintained rollups, or nil when the store keeps none for this node
    /// (reports then compute from raw readings).
    func energy(node: String, periods: [Range<Int64>], timeZone: TimeZone) async throws -> [PeriodEnergy]?

    /// The rollup rows of one node in `[from, to)`, bucket order (long chart ranges); nil when
    /// the store keeps none.
    func rollups(node: String, from: Int64, to: Int64) async throws -> [RollupRow]?
    /// The energy of each node's buckets in `[from, to)` (on bucket boundaries), ascending, empty
    /// buckets left out: 15-minute buckets, or with `step` an hour, hours (four buckets summed,
    /// on UTC hours). A node is absent when the store keeps no rollups for it (costs then come
    /// from raw readings). What cost reports multiply by prices.
    func bucketEnergy(nodes: [String], from: Int64, to: Int64, step: Int64) async throws -> [String: [BucketEnergy]]

    /// A consumption page's energy in one read: each node's `periods` (as `energy`) and the
    /// bucket energy of `buckets` (as `bucketEnergy`), from one snapshot where the store allows.
    /// A node whose periods the store cannot answer from rollups is absent from `periods`.
    func energy(_ query: EnergyQuery, timeZone: TimeZone) async throws -> EnergyAnswer

    /// Each node's history version, after bringing its rollups up to date: a number that grows
    /// whenever the store recomputes energy more than half an hour old (late readings, an
    /// import, a rebuild), so figures of periods that ended over an hour ago may be kept while
    /// it stays the same. Nil when the store keeps no such number (nothing may be kept).
    func historyVersions(nodes: [String]) async throws -> [String: Int64]?

    /// Brings every maintained rollup up to date (a no-op for stores that keep none), so the
    /// next report does not pay for it.
    func refreshRollups() async throws
    /// Brings the rollups of at most `nodes` meters up to date; true while more wait. Ingest
    /// refreshes a few at a time (between batches, or beside them: `refreshesBesideWrites`), so
    /// no reading waits for ten thousand meters.
    func refreshSomeRollups(nodes: Int) async throws -> Bool
    /// Whether ingest refreshes rollups in a task of its own, beside its writes, rather than
    /// between batches while the spool is empty: a store whose refresh is many round trips
    /// (InfluxDB), which at a thousand readings a second would otherwise never get its turn.
    var refreshesBesideWrites: Bool { get }
    /// Recomputes the rollups from the raw readings, from `from` on (all history when nil).
    /// `progress` gets (meters done, meters) after each meter.
    func rebuildRollups(from: Int64?, progress: (@Sendable (Int, Int) -> Void)?) async throws
    /// The time (ms) before which raw readings were pruned (`db prune`): reports and charts read
    /// the rollups there. Nil when nothing was (stores that prune by their own policy say nil).
    func prunedBefore() async throws -> Int64?
}

/// The meters of a rollup refresh under way (`refreshSomeRollups`): read once when a refresh
/// starts and handed out a few at a time. Meters written meanwhile wait for the next refresh;
/// else ten thousand meters, each dirty again within seconds, would keep it going for ever.
public final class RefreshQueue<Item: Sendable>: Sendable {
    private let pending = Mutex<[Item]>([])

    public init() {}

    /// Up to `count` items, a new round read by `fetch` when the last one is done; and whether
    /// items of this round remain.
    public func next(_ count: Int, fetch: () async throws -> [Item]) async throws -> (batch: [Item], more: Bool) {
        var batch = pending.withLock { pending in
            let batch = Array(pending.prefix(count))
            pending.removeFirst(batch.count)
            return batch
        }
        if batch.isEmpty {
            let all = try await fetch()
            batch = Array(all.prefix(count))
            pending.withLock { $0 = Array(all.dropFirst(count)) }
        }
        return (batch, pending.withLock { !$0.isEmpty })
    }
}

/// A series store that prunes its own raw readings (`ENERTRACK_RETENTION`: `db prune`, ingest's
/// idle day). It records the horizon first, then deletes each meter's readings before it except
/// the few the first buckets after it are computed with; the rollups stay, and buckets before the
/// horizon are never recomputed again.
public protocol Prunable: Sendable {
    /// Readings before `horizon` (ms; about what a prune would delete).
    func countReadings(before horizon: Int64) async throws -> Int
    /// Deletes raw readings before `horizon` (floored to a bucket); `progress` gets (meters
    /// done, meters).
    func prune(before horizon: Int64, progress: (@Sendable (Int, Int) -> Void)?) async throws -> PruneSummary
}

extension Prunable {
    /// Deletes raw readings before `horizon`; the number deleted.
    public func pruneReadings(before horizon: Int64) async throws -> Int {
        try await prune(before: horizon, progress: nil).deleted
    }
}

/// What one prune did.
public struct PruneSummary: Sendable, Equatable {
    public var horizon: Int64
    public var deleted = 0
    public var meters = 0
    /// Bytes the store's file shrank by (nil: a server's store, which frees space itself).
    public var freedBytes: Int64?

    public init(horizon: Int64) { self.horizon = horizon }
}

/// What `SeriesStore.energy(_:timeZone:)` is asked.
public struct EnergyQuery: Sendable, Equatable {
    /// Bucket energy of `nodes` in `[from, to)`, in steps of `step` ms.
    public struct Buckets: Sendable, Equatable {
        public var nodes: [String]
        public var from: Int64
        public var to: Int64
        public var step: Int64

        public init(nodes: [String], from: Int64, to: Int64, step: Int64) {
            self.nodes = nodes
            self.from = from
            self.to = to
            self.step = step
        }
    }

    /// Each node's periods, ascending.
    public var periods: [String: [Range<Int64>]]
    public var buckets: Buckets?

    public init(periods: [String: [Range<Int64>]], buckets: Buckets?) {
        self.periods = periods
        self.buckets = buckets
    }

    /// The nodes either part asks about, each once, in a stable order.
    public var nodes: [String] { Array(Set(periods.keys).union(buckets?.nodes ?? [])).sorted() }
}

/// What `SeriesStore.energy(_:timeZone:)` answers.
public struct EnergyAnswer: Sendable {
    public var periods: [String: [PeriodEnergy]]
    public var buckets: [String: [BucketEnergy]]

    public init(periods: [String: [PeriodEnergy]] = [:], buckets: [String: [BucketEnergy]] = [:]) {
        self.periods = periods
        self.buckets = buckets
    }
}

/// A series store failure with the exit status it means.
public enum SeriesError: ExitStatusError, Equatable {
    /// The store cannot be reached or did not answer in time (network, server down).
    case unavailable(store: String, reason: String)
    /// The store refused our credentials.
    case unauthorized(store: String, reason: String)
    /// The store answered with something we cannot use (bad request, parse error).
    case failed(store: String, reason: String)
    /// Local file problems (the embedded store's file cannot be opened or written).
    case cannotWrite(store: String, reason: String)

    public var exitStatus: ExitStatus {
        switch self {
        case .unavailable: .unavailable
        case .unauthorized: .noPermission
        case .failed: .software
        case .cannotWrite: .cannotCreate
        }
    }

    public var description: String {
        switch self {
        case .unavailable(let store, let reason): "series store \(store) is unavailable: \(reason)"
        case .unauthorized(let store, let reason): "series store \(store) refused the credentials: \(reason)"
        case .failed(let store, let reason): "series store \(store) failed: \(reason)"
        case .cannotWrite(let store, let reason): "series store \(store) cannot be written: \(reason)"
        }
    }
}

extension SeriesStore {
    public func layoutReport() async throws -> [String] { [] }

    public var refreshesBesideWrites: Bool { false }

    public func refreshSomeRollups(nodes: Int) async throws -> Bool {
        try await refreshRollups()
        return false
    }

    public func prunedBefore() async throws -> Int64? { nil }

    public func rebuildRollups(from: Int64?) async throws { try await rebuildRollups(from: from, progress: nil) }

    /// Each node's mean power per phase over `[from, to)` in W (nodes without three phase
    /// powers in the range are left out), from the readings: per-phase values are not rolled
    /// up, and only rules on three-phase meters ask.
    public func meanPhasePower(nodes: [String], from: Int64, to: Int64) async throws -> [String: [Double]] {
        var means: [String: [Double]] = [:]
        for node in Set(nodes) {
            let readings = try await readings(node: node, from: from, to: to, limit: 100_000)
            let phases = Quantity.power.phases.map { phase in readings.compactMap { $0[phase] } }
            guard phases.allSatisfy({ !$0.isEmpty }) else { continue }
            means[node] = phases.map { $0.reduce(0, +) / Double($0.count) }
        }
        return means
    }

    public func firstReadings(nodes: [String]) async throws -> [String: Int64] {
        var first: [String: Int64] = [:]
        for node in nodes {
            if let time = try await readings(node: node, from: nil, to: nil, limit: 1).first?.time {
                first[node] = time
            }
        }
        return first
    }
    public func bucketEnergy(nodes: [String], from: Int64, to: Int64, step: Int64) async throws -> [String:
        [BucketEnergy]]
    { [:] }
    public func historyVersions(nodes: [String]) async throws -> [String: Int64]? { nil }

    /// The two questions one after the other (stores without one read for both).
    public func energy(_ query: EnergyQuery, timeZone: TimeZone) async throws -> EnergyAnswer {
        var answer = EnergyAnswer()
        for (node, periods) in query.periods.sorted(by: { $0.key < $1.key }) where !periods.isEmpty {
            answer.periods[node] = try await energy(node: node, periods: periods, timeZone: timeZone)
        }
        if let buckets = query.buckets, !buckets.nodes.isEmpty, buckets.to > buckets.from {
            answer.buckets = try await bucketEnergy(
                nodes: buckets.nodes, from: buckets.from, to: buckets.to, step: buckets.step)
        }
        return answer
    }
}
