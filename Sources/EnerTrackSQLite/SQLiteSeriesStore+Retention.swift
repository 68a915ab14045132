import EnerTrackCore
import Foundation
import GRDB

/// Retention (`ENERTRACK_RETENTION`, `enertrack db prune`): raw readings older than the horizon
/// are deleted in small batches; the rollups — what reports, bills and long charts read — stay,
/// and buckets before the horizon are never recomputed again (their readings are gone). Each
/// meter keeps the few readings before the horizon that the first buckets after it are computed
/// with. Freed pages go back to the file system (`auto_vacuum = INCREMENTAL`).
extension SQLiteSeriesStore: Prunable {
    static func prunedBefore(_ db: Database) throws -> Int64? {
        guard try db.tableExists("series_meta") else { return nil }
        return try Int64.fetchOne(
            db.cachedStatement(sql: "SELECT value FROM series_meta WHERE key = 'pruned_before'"))
    }

    public func prunedBefore() async throws -> Int64? {
        try await read { db in try Self.prunedBefore(db) }
    }

    /// Deletes readings before `horizon` (floored to a 15-minute bucket), a meter and a day at
    /// a time so ingest's writes wait a moment at most; `progress` gets (meters done, meters).
    public func prune(before horizon: Int64, progress: (@Sendable (Int, Int) -> Void)?) async throws
        -> PruneSummary
    {
        let horizon = EnergyBuckets.floor(horizon)
        var summary = PruneSummary(horizon: horizon)
        // Every bucket before the horizon is computed from its readings one last time.
        try await refreshRollups()
        let sizeBefore = try await fileSize()
        try await write { db in
            let known = try Self.prunedBefore(db) ?? Int64.min
            try db.execute(
                sql:
                    "INSERT INTO series_meta (key, value) VALUES ('pruned_before', ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                arguments: [max(known, horizon)])
        }
        let nodes = try await read { db in try String.fetchAll(db, sql: "SELECT DISTINCT node FROM readings") }
        for (index, node) in nodes.enumerated() {
            defer { progress?(index + 1, nodes.count) }
            // The readings the buckets after the horizon are computed with stay.
            let (first, keepFrom) = try await read { db -> (Int64?, Int64?) in
                let first = try Int64.fetchOne(
                    db, sql: "SELECT min(time) FROM readings WHERE node = ?", arguments: [node])
                let keep = try Int64.fetchAll(
                    db,
                    sql:
                        "SELECT time FROM readings WHERE node = ? AND time < ? ORDER BY time DESC LIMIT \(EnergyBuckets.contextReadings)",
                    arguments: [node, horizon]
                ).last
                return (first, keep)
            }
            guard let first, let keepFrom, first < keepFrom else { continue }
            summary.meters += 1
            var start = first
            while start < keepFrom {
                let end = min(start + 86_400_000, keepFrom)
                let day = start
                summary.deleted += try await write { db in
                    try db.execute(
                        sql: "DELETE FROM readings WHERE node = ? AND time >= ? AND time < ?",
                        arguments: [node, day, end])
                    return db.changesCount
                }
                start = end
            }
        }
        try await reclaim()
        summary.freedBytes = max(0, sizeBefore - (try await fileSize()))
        return summary
    }

    /// Readings before `horizon`, less those each meter keeps (what a prune would delete, about).
    public func countReadings(before horizon: Int64) async throws -> Int {
        try await read { db in
            try Int.fetchOne(
                db, sql: "SELECT count(*) FROM readings WHERE time < ?", arguments: [EnergyBuckets.floor(horizon)])
                ?? 0
        }
    }

    /// Gives freed pages back: a store made before retention existed is switched to incremental
    /// vacuum once (a full VACUUM), then free pages go in steps of 4 MiB.
    func reclaim() async throws {
        let mode = try await read { db in try Int.fetchOne(db, sql: "PRAGMA auto_vacuum") ?? 0 }
        if mode != 2 {
            try await writeWithoutTransaction { db in
                try db.execute(sql: "PRAGMA auto_vacuum = INCREMENTAL")
                try db.execute(sql: "VACUUM")
            }
            return
        }
        while try await read({ db in try Int.fetchOne(db, sql: "PRAGMA freelist_count") ?? 0 }) > 0 {
            try await writeWithoutTransaction { db in try db.execute(sql: "PRAGMA incremental_vacuum(1024)") }
        }
    }

    func fileSize() async throws -> Int64 {
        try await read { db in
            (try Int64.fetchOne(db, sql: "PRAGMA page_count") ?? 0)
                * (try Int64.fetchOne(db, sql: "PRAGMA page_size") ?? 0)
        }
    }
}
