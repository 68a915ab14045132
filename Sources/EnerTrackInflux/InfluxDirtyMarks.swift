import EnerTrackCore
import Foundation
import Synchronization

/// A meter's dirty marks: the spans written, and the newest and oldest mark's times.
typealias DirtyMarks = (spans: [(Int64, Int64)], newest: Int64, oldest: Int64)

/// A mark this process wrote: its meter, the buckets its refresh recomputes, and when.
struct WrittenMark: Sendable {
    var node: String
    var low: Int64
    var high: Int64
    var at: Int64
}

/// The marks this process wrote lately, one per meter: a live meter's next batches in the same
/// buckets ride on it instead of writing one each. With ten thousand meters at a reading every
/// 10 s, a mark per batch and meter was a mark per reading: 1,000 a second, faster than any
/// refresh deletes them (364,000 after eight minutes).
final class RecentMarks: Sendable {
    private let marks = Mutex<[String: WrittenMark]>([:])

    /// Whether a mark written less than `reuse` ms before `now` already covers `span` of `node`.
    func covers(_ node: String, _ span: (start: Int64, finish: Int64), now: Int64, reuse: Int64) -> Bool {
        guard reuse > 0, let mark = marks.withLock({ $0[node] }) else { return false }
        return now - mark.at < reuse && mark.low <= span.start && span.finish < mark.high
    }

    /// Marks the store accepted (never before: a failed write's marks were never stored).
    func record(_ written: [WrittenMark]) {
        guard !written.isEmpty else { return }
        marks.withLock { marks in
            for mark in written { marks[mark.node] = mark }
        }
    }
}

/// Dirty marks (`<measurement>_dirty`, tags `node` and `writer`, fields `start` and `finish`, the
/// mark's time when it was written). Every batch written carries one per meter whose span no
/// recent mark of this process covers. The rule that keeps that safe: a process lets later
/// writes ride on its mark for a third of `markHold` (60 s) after writing it, and a refresh, in
/// any process, deletes only the marks it read that were written `markHold` (180 s) before it
/// began reading, so a mark outlives every write that rode on it by two minutes. Younger marks
/// are recomputed again by the next refresh: a live meter has one anyway.
extension InfluxSeriesStore {
    var markReuse: Int64 { settings.markHold / 3 }

    /// Appends the marks of a batch's spans; with `reusing`, not those a recent mark of this
    /// process covers. The marks to `recentMarks.record` once the store took the batch.
    @discardableResult
    func appendDirtyMarks(_ readings: [Reading], to body: inout [UInt8], reusing: Bool = false) -> [WrittenMark] {
        let now = markClock.next()
        var written: [WrittenMark] = []
        for (node, span) in EnergyBuckets.writtenSpans(readings).sorted(by: { $0.key < $1.key }) {
            if reusing, recentMarks.covers(node, span, now: now, reuse: markReuse) { continue }
            let line =
                "\(LineProtocol.escapeMeasurement(dirtyMeasurement)),node=\(LineProtocol.escapeTag(node)),writer=\(writerID) start=\(span.start)i,finish=\(span.finish)i \(now)\n"
            body.append(contentsOf: line.utf8)
            written.append(
                WrittenMark(
                    node: node, low: EnergyBuckets.floor(span.start),
                    high: EnergyBuckets.floor(span.finish) + EnergyBuckets.bucket, at: now))
        }
        return written
    }

    /// Dirty marks per node (one node, or all).
    func dirtyMarks(node: String?) async throws -> [String: DirtyMarks] {
        var query = "SELECT start, finish FROM \(Self.identifier(dirtyMeasurement))"
        if let node { query += " WHERE node = \(Self.literal(node))" }
        query += " GROUP BY node"
        return Self.marks(in: try await series(query))
    }

    /// Dirty marks of these nodes only (a page's meters, not the whole fleet's marks).
    func dirtyMarks(nodes: [String]) async throws -> [String: DirtyMarks] {
        guard !nodes.isEmpty else { return [:] }
        let measurement = Self.identifier(dirtyMeasurement)
        return Self.marks(
            in: try await seriesByGroups(nodes, tag: "node") {
                "SELECT start, finish FROM \(measurement) WHERE \($0) GROUP BY node"
            })
    }

    private static func marks(in answer: [Series]) -> [String: DirtyMarks] {
        var marks: [String: DirtyMarks] = [:]
        for series in answer {
            guard let node = series.tags["node"] else { continue }
            for row in series.values where row.count >= 3 {
                guard let time = row[0].time, let start = row[1].time, let finish = row[2].time else { continue }
                var entry = marks[node] ?? ([], Int64.min, Int64.max)
                entry.spans.append((start, finish))
                entry.newest = max(entry.newest, time)
                entry.oldest = min(entry.oldest, time)
                marks[node] = entry
            }
        }
        return marks
    }

    /// After a refresh that began reading at `readAt`: deletes the marks it handled that were
    /// written `markHold` before (none younger: a write may still ride on them).
    func deleteHandledMarks(node: String, marks: DirtyMarks, readAt: Int64) async throws {
        let through = min(marks.newest, readAt - settings.markHold)
        guard marks.oldest <= through else { return }
        try await delete(measurement: dirtyMeasurement, node: node, from: nil, through: through)
    }
}

/// Strictly increasing ms times for dirty marks of one process.
final class MarkClock: @unchecked Sendable {
    private let lock = NSLock()
    private var last: Int64 = 0

    func next() -> Int64 {
        lock.lock()
        defer { lock.unlock() }
        last = max(last + 1, Date().milliseconds)
        return last
    }
}
