import EnerTrackCore
import Foundation

extension CostReport {
    /// `report cost --site`: the site's bills, as its connection meter's with the site's import
    /// and export (the grid meter's own counters, or derived per bucket from a total meter and
    /// the production), priced with that meter's tariff (its own, else its users'): energy per
    /// period, the export compensation, power, fixed charges and taxes.
    public static func site(
        layout: SiteLayout, directory: any CostDirectory, series: any SeriesStore, grouping: Grouping,
        range: DateInterval, timeZone: TimeZone, now: Date = Date()
    ) async throws -> CostReport {
        guard let connection = layout.connection ?? layout.meters.first?.espID else {
            throw SiteError.empty(layout.site.name)
        }
        let meters = try await meters(directory: directory, espIDs: [connection], user: nil)
        let prepared = try await prepare(
            book: try await TariffBook.load(directory), tariffs: directory, series: series, meters: meters,
            grouping: grouping, range: range, timeZone: timeZone, now: now,
            firstReadings: try await series.firstReadings(nodes: layout.espIDs).values.min().map { [connection: $0] }
                ?? [:])
        guard let buckets = prepared.buckets else { return try await prepared.finish([:], series: series) }
        let flows = try await SiteFlows.read(layout: layout, series: series, from: buckets.from, to: buckets.to)
        var energy: [BucketEnergy] = []
        for entry in flows.gridEnergy {
            let start = entry.bucket - EnergyBuckets.floorMod(entry.bucket, buckets.step)
            if energy.last?.bucket == start {
                energy[energy.count - 1].kwh += entry.kwh
                energy[energy.count - 1].exportKwh += entry.exportKwh
            } else {
                energy.append(BucketEnergy(bucket: start, kwh: entry.kwh, exportKwh: entry.exportKwh))
            }
        }
        return try await prepared.finish([connection: energy], series: series)
    }
}
