import EnerTrackCore
import Foundation

/// How a set of meters adds up when some of them make sites: each site whose connection meter
/// (grid or total) is in the set counts once, as the site, by its consumption (its circuits are
/// inside it, its production is not consumption); a production meter never counts as
/// consumption; every other meter counts as itself. The one rule the dashboard's totals, the
/// home and consumption pages and `report kpi` follow.
public struct SiteScope: Sendable {
    /// The sites counted as a whole, by their connection meter's ESP id.
    public let sites: [String: SiteLayout]
    /// Meters left out of totals: production meters, and the circuits of the sites counted.
    public let excluded: Set<String>

    public init(layouts: [SiteLayout], meters: [String]) {
        let present = Set(meters)
        var sites: [String: SiteLayout] = [:]
        var excluded: Set<String> = []
        for layout in layouts where layout.site.isActive {
            excluded.formUnion(layout.meters(.production).filter(present.contains))
            guard let connection = layout.connection, present.contains(connection) else { continue }
            sites[connection] = layout
            excluded.formUnion(layout.meters.filter { $0.espID != connection }.map(\.espID).filter(present.contains))
        }
        self.sites = sites
        self.excluded = excluded
    }

    public static let none = SiteScope(layouts: [], meters: [])

    /// The scope of `meters` from the store's sites (one read when no meter is in a site).
    public static func read(_ store: any SiteStore, meters: [String]) async throws -> SiteScope {
        let placed = try await store.siteMeters()
        let ids = Set(meters)
        guard placed.contains(where: { ids.contains($0.espID) }) else { return .none }
        let layouts = try await store.sites(includeRemoved: false).map { site in
            SiteLayout(site: site, meters: placed.filter { $0.site.lowercased() == site.name.lowercased() })
        }
        return SiteScope(layouts: layouts, meters: meters)
    }

    /// Whether a meter's own figures count in totals (a site's connection meter counts, as the site).
    public func counts(_ espID: String) -> Bool { !excluded.contains(espID) }

    /// The site a connection meter stands for.
    public func site(of connection: String) -> SiteLayout? { sites[connection] }

    /// Each counted site's consumption per period (`unit` periods of `range`), by connection
    /// meter and period start. With `cache`, periods closed over an hour ago are kept (as each
    /// meter's kWh are, `ClosedPeriods`) and only the rest is read.
    public func consumption(
        series: any SeriesStore, unit: PeriodUnit, range: DateInterval, timeZone: TimeZone, now: Date,
        cache: ClosedPeriods? = nil
    ) async throws -> [String: [Date: Double]] {
        var figures: [String: [Date: Double]] = [:]
        let periods = unit.periods(from: range.start, to: range.end, in: timeZone).filter { $0.start < now }
        for (connection, layout) in sites {
            let involved = layout.meters.filter { $0.role != .consumption }.map(\.espID)
            var closed: ClosedPeriods.Snapshot?
            if let cache {
                closed = try await ClosedPeriods.Snapshot.read(cache, series: series, nodes: involved, now: now)
            }
            var known: [Date: Double] = [:]
            var firstMissing: Date?
            for period in periods {
                let span = period.start.milliseconds..<period.end.milliseconds
                if let kwh = closed?.siteConsumption(layout, span: span, timeZone: timeZone) {
                    known[period.start] = kwh
                } else if firstMissing == nil {
                    firstMissing = period.start
                }
            }
            if let start = firstMissing {
                let report = try await SiteReport.compute(
                    layout: layout, series: series, unit: unit,
                    range: DateInterval(start: max(start, range.start), end: max(range.end, start)), timeZone: timeZone,
                    now: now)
                for row in report.rows where known[row.start] == nil {
                    known[row.start] = row.flows.consumptionKwh
                    closed?.keep(
                        siteConsumption: row.flows.consumptionKwh, layout,
                        span: row.start.milliseconds..<row.end.milliseconds, timeZone: timeZone)
                }
            }
            figures[connection] = known
        }
        return figures
    }

    /// A site's flow now, in W: the grid meter's signed power (negative: exporting), what its
    /// production meters make, and what the home uses (their sum; for a total meter, its power).
    public struct Now: Sendable {
        public var layout: SiteLayout
        public var gridW: Double?
        public var solarW: Double
        public var homeW: Double?
    }

    /// Each counted site's flow now from the latest readings, in site name order.
    public func now(latest: [String: Reading]) -> [Now] {
        sites.values.sorted { $0.site.name < $1.site.name }.compactMap { layout in
            guard let connection = layout.connection else { return nil }
            let solar = layout.meters(.production).reduce(0) { $0 + abs(latest[$1]?.power ?? 0) }
            let grid = layout.meters(.grid).first.flatMap { latest[$0]?.power }
            return Now(layout: layout, gridW: grid, solarW: solar, homeW: powerW(of: connection, latest: latest))
        }
    }

    /// A site's power now: the grid meter's signed power plus what its production meters make
    /// (or the total meter's), from the latest readings; nil when the connection meter has none.
    public func powerW(of connection: String, latest: [String: Reading]) -> Double? {
        powerW(of: connection) { latest[$0]?.power }
    }

    /// The same rule over any per-meter power (the latest, or a mean over a window): the grid
    /// meter's signed value plus its production meters' (unsigned), or the total meter's; nil
    /// when the connection meter has no value or is not a counted site's.
    public func powerW(of connection: String, _ power: (String) -> Double?) -> Double? {
        guard let layout = sites[connection], let base = power(connection) else { return nil }
        guard layout.meters(.grid).first == connection else { return base }
        return base + layout.meters(.production).reduce(0) { $0 + abs(power($1) ?? 0) }
    }
}
