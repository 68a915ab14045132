import EnerTrackCore
import Foundation

/// The last step of `ingest` and `import`: resolves ESP ids against the directory (the
/// directory's spelling wins; unknown ids are registered inactive, or dropped with
/// `knownOnly`), writes to the series store in batches, and moves each node's last-seen
/// time forward at most once per `lastSeenInterval`.
public actor ReadingSink {
    public struct Outcome: Sendable {
        public var stored = 0
        /// Readings of unregistered nodes dropped because of `knownOnly`.
        public var unknown = 0
        /// Readings of new ids dropped because more ids than `maxNewNodesPerHour` appeared.
        public var overCap = 0
        /// Nodes registered inactive by this call.
        public var registered: [String] = []
        /// The readings are stored; only the last-seen update failed (it is retried next time).
        public var lastSeenError: (any Error)?
    }

    public let series: any SeriesStore
    public let directory: any NodeStore
    public let knownOnly: Bool
    public let batchSize: Int
    public let lastSeenInterval: TimeInterval
    /// At most this many unknown ids are registered in any hour (nil: no cap, as for `import`):
    /// a publisher inventing ids must not grow the directory and these maps without bound.
    public let maxNewNodesPerHour: Int?
    /// When each of the last hour's registrations happened.
    private var registrations: [Date] = []
    private var canonical: [String: String] = [:]
    /// With `knownOnly`: ids found unknown, and until when that answer is trusted.
    private var unknownUntil: [String: Date] = [:]
    /// Newest time seen per node, not yet written to the directory.
    private var lastSeenPending: [String: Date] = [:]
    /// When each node's last-seen was last written (the throttle).
    private var lastSeenUpdatedAt: [String: Date] = [:]

    /// Entries each id map may hold before it is pruned (known nodes are re-read when needed).
    static let maxCachedIDs = 20_000

    public init(
        series: any SeriesStore, directory: any NodeStore, knownOnly: Bool, batchSize: Int = 5_000,
        lastSeenInterval: TimeInterval = 30, maxNewNodesPerHour: Int? = nil
    ) {
        self.series = series
        self.directory = directory
        self.knownOnly = knownOnly
        self.batchSize = batchSize
        self.lastSeenInterval = lastSeenInterval
        self.maxNewNodesPerHour = maxNewNodesPerHour
    }

    /// Stores all of `readings` or throws (nothing is confirmed then; the caller retries the
    /// whole set, which is harmless because writes are idempotent).
    public func store(_ readings: [Reading], now: Date = Date()) async throws -> Outcome {
        // A three-phase meter's totals, from its phases where it sent none (every path: MQTT
        // messages of any decoder, `import`); single-phase batches pass through untouched.
        let readings = Reading.completingTotals(readings)
        var outcome = Outcome()
        let unresolved = Set(readings.map(\.node)).filter { id in
            canonical[id] == nil && (unknownUntil[id].map { $0 < now } ?? true)
        }
        if !unresolved.isEmpty {
            try await resolve(unresolved, now: now, into: &outcome)
        }
        // No other coalescing: both stores merge readings of the same node and time field by field.
        var accepted: [Reading] = []
        accepted.reserveCapacity(readings.count)
        var newest: [String: Int64] = [:]
        for var reading in readings {
            guard let name = canonical[reading.node] else {
                if !knownOnly, maxNewNodesPerHour != nil { outcome.overCap += 1 } else { outcome.unknown += 1 }
                continue
            }
            reading.node = name
            if newest[name].map({ $0 < reading.time }) ?? true { newest[name] = reading.time }
            accepted.append(reading)
        }
        var start = 0
        while start < accepted.count {
            let end = min(start + batchSize, accepted.count)
            try await series.write(Array(accepted[start..<end]))
            start = end
        }
        outcome.stored = accepted.count

        let nowMS = now.milliseconds
        for (node, newestTime) in newest {
            let time = Date(timeIntervalSince1970: Double(min(newestTime, nowMS)) / 1000)
            if lastSeenPending[node].map({ $0 < time }) ?? true { lastSeenPending[node] = time }
        }
        // The directory itself never moves a last-seen back, so late readings need no check here.
        let due = lastSeenPending.filter { node, _ in
            now.timeIntervalSince(lastSeenUpdatedAt[node] ?? .distantPast) >= lastSeenInterval
        }
        if !due.isEmpty {
            do {
                try await directory.recordLastSeen(due)
                for node in due.keys {
                    lastSeenUpdatedAt[node] = now
                    lastSeenPending[node] = nil
                }
            } catch {
                outcome.lastSeenError = error
            }
        }
        return outcome
    }

    /// Looks ids up; registers unknown ones inactive (unless `knownOnly`), within the hourly cap.
    private func resolve(_ ids: Set<String>, now: Date, into outcome: inout Outcome) async throws {
        prune(now: now)
        var register = !knownOnly
        var allowed = ids.count
        if register, let cap = maxNewNodesPerHour {
            registrations.removeAll { now.timeIntervalSince($0) >= 3600 }
            allowed = max(0, cap - registrations.count)
            // Over the cap ask first which ids are known, then register only what the cap allows.
            if allowed < ids.count { register = false }
        }
        let resolved = try await directory.resolveSeenNodes(Array(ids), register: register)
        outcome.registered = resolved.registered
        var unknown = ids.filter { resolved.canonical[$0] == nil }.sorted()
        if !register, !knownOnly, allowed > 0, !unknown.isEmpty {
            let chosen = Array(unknown.prefix(allowed))
            let more = try await directory.resolveSeenNodes(chosen, register: true)
            outcome.registered += more.registered
            for (id, name) in more.canonical { canonical[id] = name }
            unknown.removeAll { more.canonical[$0] != nil }
        }
        if maxNewNodesPerHour != nil { registrations += Array(repeating: now, count: outcome.registered.count) }
        for (id, name) in resolved.canonical { canonical[id] = name }
        for id in ids where canonical[id] != nil { unknownUntil[id] = nil }
        // A node added meanwhile (or a new hour's room under the cap) is seen within a minute.
        for id in unknown { unknownUntil[id] = now.addingTimeInterval(60) }
    }

    /// Keeps the id maps bounded whatever ids arrive: expired answers go, and a map past
    /// `maxCachedIDs` starts over (its entries are only a cache of the directory).
    private func prune(now: Date) {
        if unknownUntil.count > Self.maxCachedIDs / 2 { unknownUntil = unknownUntil.filter { $0.value > now } }
        if unknownUntil.count > Self.maxCachedIDs { unknownUntil.removeAll() }
        if canonical.count > Self.maxCachedIDs { canonical.removeAll() }
        if lastSeenUpdatedAt.count > Self.maxCachedIDs {
            lastSeenUpdatedAt = lastSeenUpdatedAt.filter { now.timeIntervalSince($0.value) < lastSeenInterval }
        }
    }

    /// Writes last-seen times still held back by the interval (at shutdown, so none is lost).
    public func flushLastSeen() async {
        guard !lastSeenPending.isEmpty else { return }
        try? await directory.recordLastSeen(lastSeenPending)
        lastSeenPending.removeAll()
    }
}
