import EnerTrackCore
import Foundation
import Synchronization

/// Figures of periods that ended more than an hour ago, kept by a long-running process (`serve`)
/// so a page over thirty days does not recompute twenty-nine of them on every request: each
/// meter's kWh of a period, and the bill of its energy under a tariff timeline.
///
/// A kept figure is used only while its meter's history version (`SeriesStore.historyVersions`)
/// is the one it was made under: the store bumps it whenever it recomputes energy more than half
/// an hour old (late readings from a spool, an `import`, `db rollup --rebuild`), in whichever
/// process does it. Stores without history versions (InfluxDB) keep nothing, and neither do
/// bills with dynamic prices (prices may be imported later). Bounded: past `capacity` figures of
/// a kind it starts over.
public final class ClosedPeriods: Sendable {
    /// About 1 KB a bill: 20,000 keep a school of 50 meters by day for a year within ~20 MB.
    public static let shared = ClosedPeriods(capacity: 20_000)

    /// How long ago a period must have ended to be kept.
    public static let age: Int64 = 3_600_000

    struct EnergyKey: Hashable {
        /// The series store's location: one process may read several (the tests do).
        var store: String
        var node: String
        var span: Range<Int64>
        var timeZone: String
    }

    struct BillKey: Hashable {
        var store: String
        var node: String
        var timeline: Int
        var span: Range<Int64>
        var timeZone: String
    }

    /// A site's consumption of a period: the meters it is made of (ESP id and role) are part of
    /// the key, their history versions the version.
    struct SiteKey: Hashable {
        var store: String
        var site: String
        var meters: [String]
        var span: Range<Int64>
        var timeZone: String
    }

    private struct State {
        var energy: [EnergyKey: (version: Int64, value: PeriodEnergy)] = [:]
        var sites: [SiteKey: (versions: [Int64], value: Double)] = [:]
        var bills: [BillKey: (version: Int64, value: Bill)] = [:]
        /// Timelines seen, each known by its index here (a timeline is compared, not hashed).
        var timelines: [TariffTimeline] = []
    }

    private let state = Mutex(State())
    let capacity: Int

    public init(capacity: Int) { self.capacity = capacity }

    /// How many figures of each kind are kept.
    var count: (energy: Int, bills: Int) { state.withLock { ($0.energy.count, $0.bills.count) } }

    /// What one request may use: the cache, the meters' history versions read at its start, and
    /// the time before which a period counts as closed.
    public struct Snapshot: Sendable {
        let cache: ClosedPeriods
        let store: String
        let versions: [String: Int64]
        let closedBefore: Int64

        /// The snapshot for `nodes`, or nil when the store keeps no history versions.
        public static func read(
            _ cache: ClosedPeriods = .shared, series: any SeriesStore, nodes: [String], now: Date
        ) async throws -> Snapshot? {
            guard let versions = try await series.historyVersions(nodes: nodes) else { return nil }
            return Snapshot(
                cache: cache, store: series.location, versions: versions,
                closedBefore: now.milliseconds - ClosedPeriods.age)
        }

        func closed(_ span: Range<Int64>) -> Bool { span.upperBound <= closedBefore }

        func energy(node: String, span: Range<Int64>, timeZone: TimeZone) -> PeriodEnergy? {
            guard closed(span), let version = versions[node] else { return nil }
            let key = EnergyKey(store: store, node: node, span: span, timeZone: timeZone.identifier)
            return cache.state.withLock { state in
                state.energy[key].flatMap { $0.version == version ? $0.value : nil }
            }
        }

        func keep(energy: PeriodEnergy, node: String, span: Range<Int64>, timeZone: TimeZone) {
            guard closed(span), let version = versions[node] else { return }
            let key = EnergyKey(store: store, node: node, span: span, timeZone: timeZone.identifier)
            cache.state.withLock { state in
                if state.energy.count >= cache.capacity { state.energy.removeAll() }
                state.energy[key] = (version, energy)
            }
        }

        /// The cache's number for `timeline`, or nil when its bills may not be kept (dynamic prices).
        func timelineID(_ timeline: TariffTimeline) -> Int? {
            guard
                !timeline.segments.contains(where: { $0.version.energy == .series || $0.version.exportSeries != nil })
            else { return nil }
            return cache.state.withLock { state in
                if let index = state.timelines.firstIndex(of: timeline) { return index }
                if state.timelines.count >= 1_000 {
                    state.timelines.removeAll()
                    state.bills.removeAll()
                }
                state.timelines.append(timeline)
                return state.timelines.count - 1
            }
        }

        /// The meters a site's consumption is made of (its connection and production meters),
        /// their versions, and the key of one period.
        func siteKey(_ layout: SiteLayout, span: Range<Int64>, timeZone: TimeZone) -> (SiteKey, [Int64])? {
            let involved = layout.meters.filter { $0.role != .consumption }
            guard closed(span) else { return nil }
            var versions: [Int64] = []
            for meter in involved {
                guard let version = self.versions[meter.espID] else { return nil }
                versions.append(version)
            }
            let key = SiteKey(
                store: store, site: layout.site.name, meters: involved.map { "\($0.espID):\($0.role.rawValue)" },
                span: span, timeZone: timeZone.identifier)
            return (key, versions)
        }

        func siteConsumption(_ layout: SiteLayout, span: Range<Int64>, timeZone: TimeZone) -> Double? {
            guard let (key, versions) = siteKey(layout, span: span, timeZone: timeZone) else { return nil }
            return cache.state.withLock { state in
                state.sites[key].flatMap { $0.versions == versions ? $0.value : nil }
            }
        }

        func keep(siteConsumption kwh: Double, _ layout: SiteLayout, span: Range<Int64>, timeZone: TimeZone) {
            guard let (key, versions) = siteKey(layout, span: span, timeZone: timeZone) else { return }
            cache.state.withLock { state in
                if state.sites.count >= cache.capacity { state.sites.removeAll() }
                state.sites[key] = (versions, kwh)
            }
        }

        func bill(node: String, timeline: Int?, span: Range<Int64>, timeZone: TimeZone) -> Bill? {
            guard let timeline, closed(span), let version = versions[node] else { return nil }
            let key = BillKey(store: store, node: node, timeline: timeline, span: span, timeZone: timeZone.identifier)
            return cache.state.withLock { state in
                state.bills[key].flatMap { $0.version == version ? $0.value : nil }
            }
        }

        func keep(bill: Bill, node: String, timeline: Int?, span: Range<Int64>, timeZone: TimeZone) {
            guard let timeline, closed(span), let version = versions[node] else { return }
            let key = BillKey(store: store, node: node, timeline: timeline, span: span, timeZone: timeZone.identifier)
            cache.state.withLock { state in
                if state.bills.count >= cache.capacity { state.bills.removeAll() }
                state.bills[key] = (version, bill)
            }
        }
    }
}
