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
        /// Nodes registered inactive by this call.
        public var registered: [String] = []
        /// The readings are stored; only the last-seen update failed (it is retried next time).
        public var lastSeenError: (any Error)?
    }

    public let series: any SeriesStore
    public let directory: any DirectoryStore
    public let knownOnly: Bool
    public let batchSize: Int
    public let lastSeenInterval: TimeInterval
    private var canonical: [String: String] = [:]
    /// With `knownOnly`: ids found unknown, and until when that answer is trusted.
    private var unknownUntil: [String: Date] = [:]
    /// Newest time seen per node, not yet written to the directory.
    private var lastSeenPending: [String: Date] = [:]
    /// When each node's last-seen was last written (the throttle).
    private var lastSeenUpdatedAt: [String: Date] = [:]

    public init(
        series: any SeriesStore, directory: any DirectoryStore, knownOnly: Bool, batchSize: Int = 5_000,
        lastSeenInterval: TimeInterval = 30
    ) {
        self.series = series
        self.directory = directory
        self.knownOnly = knownOnly
        self.batchSize = batchSize
        self.lastSeenInterval = lastSeenInterval
    }

    /// Stores all of `readings` or throws (nothing is confirmed then; the caller retries the
    /// whole set, which is harmless because writes are idempotent).
    public func store(_ readings: [Reading], now: Date = Date()) async throws -> Outcome {
        var outcome = Outcome()
        let unresolved = Set(readings.map(\.node)).filter { id in
            canonical[id] == nil && (unknownUntil[id].map { $0 < now } ?? true)
        }
        if !unresolved.isEmpty {
            let resolved = try await directory.resolveSeenNodes(Array(unresolved), register: !knownOnly)
            outcome.registered = resolved.registered
            for id in unresolved {
                if let name = resolved.canonical[id] {
                    canonical[id] = name
                    unknownUntil[id] = nil
                } else {
                    unknownUntil[id] = now.addingTimeInterval(60)  // a node added meanwhile is seen within a minute
                }
            }
        }
        // No coalescing here: both stores merge readings of the same node and time field by field.
        var accepted: [Reading] = []
        accepted.reserveCapacity(readings.count)
        var newest: [String: Int64] = [:]
        for var reading in readings {
            guard let name = canonical[reading.node] else {
                outcome.unknown += 1
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

    /// Writes last-seen times still held back by the interval (at shutdown, so none is lost).
    public func flushLastSeen() async {
        guard !lastSeenPending.isEmpty else { return }
        try? await directory.recordLastSeen(lastSeenPending)
        lastSeenPending.removeAll()
    }
}
