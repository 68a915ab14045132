import EnerTrackCore
import Foundation

/// Corrections (`enertrack readings delete|correct`) a day at a time: a dirty mark for the
/// day's span first, then the change (corrected points overwrite their fields in place; a delete
/// is InfluxQL `DELETE` or `/api/v2/delete` on the meter's tag), and the marked spans are
/// recomputed at the end. A crash in between leaves the mark, and the next refresh, by any
/// process, recomputes what changed.
extension InfluxSeriesStore: Correctable {
    public func correct(
        node: String, from: Int64, to: Int64, walk: inout CorrectionWalk, progress: (@Sendable (Int64, Int64) -> Void)?
    ) async throws -> Int {
        let layout = try await layout()
        var changed = 0
        var start = from
        while start < to {
            let end = min(start + 86_400_000, to)
            let readings = try await self.readings(node: node, from: start, to: end, limit: nil)
            if let first = readings.first, let last = readings.last {
                let corrected = try walk.apply(readings)
                var mark: [UInt8] = []
                appendDirtyMarks([first, last], to: &mark)
                _ = try await send(writeRequest(body: mark))
                if case .delete = walk.change {
                    try await delete(
                        measurement: settings.measurement, node: node, tag: layout.nodeTag, from: start,
                        through: end - 1)
                }
                // Corrected points overwrite their fields; after a delete, earlier counter breaks come back.
                try await write(corrected)
                changed += readings.count { !$0.isCounterBreak }
            }
            progress?(end - from, to - from)
            start = end
        }
        if changed > 0, let mark = walk.endBreak { try await write([mark]) }
        if let marks = try await dirtyMarks(node: node)[node] { try await refresh(node: node, marks: marks) }
        return changed
    }
}
