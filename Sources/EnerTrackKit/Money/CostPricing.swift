import EnerTrackCore
import Foundation

extension CostReport {
    /// The rows of every meter priced: bills kept from earlier requests where `closed` has them,
    /// the others made from one bucket read that starts at the first row not kept.
    struct Pricing: Sendable {
        var rows: [Range<Int64>]
        var timelines: [(meter: Meter, timeline: TariffTimeline)]
        var schedules: [(timeline: TariffTimeline, schedule: CostSchedule)]
        /// A bill's range is listed whole; otherwise rows before a meter's first reading are not.
        var listAll: Bool
        var firstReadings: [String: Int64]
        var timeZone: TimeZone
        var now: Date
        var closed: ClosedPeriods.Snapshot?
        /// Each meter's bills kept (nil: to make), by row.
        var kept: [[Bill?]] = []
        /// Each meter's timeline's number in the cache (nil: its bills are not kept).
        var ids: [Int?] = []
        /// The bucket energy the bills not kept are made of: from the first row not kept.
        var buckets: EnergyQuery.Buckets?

        init(
            rows: [Range<Int64>], timelines: [(meter: Meter, timeline: TariffTimeline)],
            schedules: [(timeline: TariffTimeline, schedule: CostSchedule)], listAll: Bool,
            firstReadings: [String: Int64], timeZone: TimeZone, now: Date, closed: ClosedPeriods.Snapshot?, step: Int64
        ) {
            self.rows = rows
            self.timelines = timelines
            self.schedules = schedules
            self.listAll = listAll
            self.firstReadings = firstReadings
            self.timeZone = timeZone
            self.now = now
            self.closed = closed
            let end = rows.last?.upperBound ?? 0
            var readFrom = end
            for (meter, timeline) in timelines {
                let id = closed?.timelineID(timeline)
                let bills = rows.map { closed?.bill(node: meter.espID, timeline: id, span: $0, timeZone: timeZone) }
                if let index = bills.firstIndex(where: { $0 == nil }) {
                    readFrom = min(readFrom, rows[index].lowerBound)
                }
                kept.append(bills)
                ids.append(id)
            }
            if readFrom < end {
                buckets = EnergyQuery.Buckets(nodes: timelines.map(\.meter.espID), from: readFrom, to: end, step: step)
            }
        }

        /// Every meter's rows priced, the bills not kept made from `energy` (the answer to `buckets`).
        /// A dynamic price missing where a meter used energy is an error, or with `leaveOut` that
        /// meter's rows are left out and the instants lacking a price listed under its id.
        func price(_ energy: [String: [BucketEnergy]], leaveOut: Bool = false) throws -> (
            rows: [Row], unpriced: [String: [Int64]]
        ) {
            var priced: [Row] = []
            var unpriced: [String: [Int64]] = [:]
            meters: for (position, (meter, timeline)) in timelines.enumerated() {
                guard let schedule = schedules.first(where: { $0.timeline == timeline })?.schedule else { continue }
                let firstReading = firstReadings[meter.espID] ?? Int64.max
                let missing = rows.indices.filter { kept[position][$0] == nil }
                let usages = schedule.usage(rows: missing.map { rows[$0] }, energy: energy[meter.espID] ?? [])
                var bills = kept[position]
                var lacking: [Int64] = []
                for (index, usage) in zip(missing, usages) {
                    let bill = schedule.bill(usage)
                    if let missing = bill.missingPrice, leaveOut {
                        lacking.append(missing)
                        continue
                    }
                    if let missing = bill.missingPrice {
                        throw TariffError(
                            "no dynamic price for \(ISO8601.format(milliseconds: missing, timeZone: timeZone)) (meter \(meter.espID) used energy then): import them with enertrack tariff prices import",
                            status: .dataError)
                    }
                    bills[index] = bill
                    closed?.keep(
                        bill: bill, node: meter.espID, timeline: ids[position], span: rows[index], timeZone: timeZone)
                }
                if !lacking.isEmpty {
                    unpriced[meter.espID] = lacking
                    continue meters
                }
                for (range, bill) in zip(rows, bills) where listAll || range.upperBound > firstReading {
                    guard let bill else { continue }
                    priced.append(
                        Row(
                            node: meter.espID, start: Date(milliseconds: range.lowerBound),
                            end: Date(milliseconds: range.upperBound), bill: bill,
                            complete: range.upperBound <= now.milliseconds))
                }
            }
            return (priced, unpriced)
        }
    }
}
