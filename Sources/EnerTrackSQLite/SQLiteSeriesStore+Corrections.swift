import EnerTrackCore
import Foundation
import GRDB

/// Corrections (`enertrack readings delete|correct`): a day of readings per write transaction,
/// changed or deleted and the buckets they decide recomputed in the same transaction, so a
/// report never sees readings and rollups that disagree and ingest waits a moment at most.
extension SQLiteSeriesStore: Correctable {
    public func correct(
        node: String, from: Int64, to: Int64, walk: inout CorrectionWalk, progress: (@Sendable (Int64, Int64) -> Void)?
    ) async throws -> Int {
        try await refreshDirty(node: node)
        var changed = 0
        var start = from
        while start < to {
            let end = min(start + 86_400_000, to)
            let (chunkStart, state) = (start, walk)
            let (count, next) = try await write { [limits] db -> (Int, CorrectionWalk) in
                var walk = state
                let readings = try Self.fetch(
                    db,
                    "SELECT \(Self.allColumns) FROM readings WHERE node = ? AND time >= ? AND time < ? ORDER BY time",
                    node, [chunkStart, end]
                )
                guard let first = readings.first, let last = readings.last else { return (0, walk) }
                let corrected = try walk.apply(readings)
                if case .delete = walk.change {
                    // An earlier correction's counter break stays.
                    try db.execute(
                        sql:
                            "DELETE FROM readings WHERE node = ? AND time >= ? AND time < ? AND (energy IS NULL OR energy >= 0)",
                        arguments: [node, chunkStart, end])
                } else {
                    try Self.upsertRows(db, corrected)
                }
                try Self.refreshAround(db, node: node, from: first.time, to: last.time, limits: limits)
                return (readings.count { !$0.isCounterBreak }, walk)
            }
            walk = next
            changed += count
            progress?(end - from, to - from)
            start = end
        }
        if changed > 0, let mark = walk.endBreak {
            try await write { [limits] db in
                try Self.upsertRows(db, [mark])
                try Self.refreshAround(db, node: node, from: mark.time, to: mark.time, limits: limits)
            }
        }
        return changed
    }
}
