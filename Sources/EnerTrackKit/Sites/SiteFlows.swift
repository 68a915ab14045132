import EnerTrackCore
import Foundation

/// A site's energy flows over some time: what came from the grid and went to it, what was
/// produced and used, and where it was used (DESIGN.md, "Sites, meter roles and flows").
public struct FlowFigures: Sendable, Equatable {
    public var importKwh = 0.0
    public var exportKwh = 0.0
    public var productionKwh = 0.0
    public var consumptionKwh = 0.0
    public var selfConsumptionKwh = 0.0
    /// Consumption no top-level circuit metered.
    public var untrackedKwh = 0.0
    /// Each circuit's kWh, by ESP id.
    public var circuits: [String: Double] = [:]
    /// Each parent circuit's own remainder (parent − Σ its children), by ESP id.
    public var remainders: [String: Double] = [:]

    public init() {}

    /// Self-consumption over consumption; nil without consumption.
    public var selfSufficiency: Double? { consumptionKwh > 0 ? selfConsumptionKwh / consumptionKwh : nil }

    public mutating func add(_ other: FlowFigures) {
        importKwh += other.importKwh
        exportKwh += other.exportKwh
        productionKwh += other.productionKwh
        consumptionKwh += other.consumptionKwh
        selfConsumptionKwh += other.selfConsumptionKwh
        untrackedKwh += other.untrackedKwh
        for (meter, kwh) in other.circuits { circuits[meter, default: 0] += kwh }
        for (meter, kwh) in other.remainders { remainders[meter, default: 0] += kwh }
    }
}

/// The flows of each 15-minute bucket of a site, from its meters' bucket energy.
///
/// Per bucket: import I and export E are the grid meter's two counters (never netted against
/// each other); without a grid meter, I = max(0, C − P) and E = max(0, P − C) from the total
/// meter's consumption C (or, with neither, the sum of the top-level circuits). Production P is
/// the sum of the production meters: each meter's export counter where it reports one in the
/// range (a bidirectional meter on an inverter), else its import counter. Self-consumption
/// S = P − E, never below zero (meters that disagree, export above production, give 0);
/// consumption C = I + S (or the total meter); untracked = C − Σ top-level circuits, and each
/// parent circuit's remainder = parent − Σ its children. A child circuit counts inside its
/// parent only. Periods sum their buckets.
public struct SiteFlows: Sendable {
    public let layout: SiteLayout
    /// Flows by bucket start, only buckets where some meter had energy.
    public let buckets: [Int64: FlowFigures]
    /// The bucket starts in time order: totals add in this order, so the same range always gives
    /// the same figure to the last bit.
    let order: [Int64]

    public init(layout: SiteLayout, energy: [String: [BucketEnergy]]) {
        self.layout = layout
        var byBucket: [Int64: [String: BucketEnergy]] = [:]
        for (meter, rows) in energy {
            for row in rows { byBucket[row.bucket, default: [:]][meter] = row }
        }
        let exporting = Set(
            layout.meters(.production).filter { meter in energy[meter]?.contains { $0.exportKwh != 0 } ?? false })
        var buckets: [Int64: FlowFigures] = [:]
        for (bucket, meters) in byBucket {
            buckets[bucket] = Self.flow(layout, meters, exportingProducers: exporting)
        }
        self.buckets = buckets
        order = buckets.keys.sorted()
    }

    static func flow(_ layout: SiteLayout, _ meters: [String: BucketEnergy], exportingProducers: Set<String>)
        -> FlowFigures
    {
        var flow = FlowFigures()
        func kwh(_ meter: String) -> Double { meters[meter]?.kwh ?? 0 }
        for meter in layout.meters(.production) {
            flow.productionKwh += exportingProducers.contains(meter) ? meters[meter]?.exportKwh ?? 0 : kwh(meter)
        }
        let top = layout.topCircuits
        let circuitSum = top.reduce(0) { $0 + kwh($1) }
        if let grid = layout.meters(.grid).first {
            flow.importKwh = kwh(grid)
            flow.exportKwh = meters[grid]?.exportKwh ?? 0
            flow.selfConsumptionKwh = max(0, flow.productionKwh - flow.exportKwh)
            flow.consumptionKwh = flow.importKwh + flow.selfConsumptionKwh
        } else {
            let consumption = layout.meters(.total).first.map(kwh) ?? circuitSum
            flow.importKwh = max(0, consumption - flow.productionKwh)
            flow.exportKwh = max(0, flow.productionKwh - consumption)
            flow.selfConsumptionKwh = flow.productionKwh - flow.exportKwh
            flow.consumptionKwh = consumption
        }
        for meter in layout.meters where meter.role == .consumption {
            flow.circuits[meter.espID] = kwh(meter.espID)
            let children = layout.children(of: meter.espID)
            if !children.isEmpty {
                flow.remainders[meter.espID] = kwh(meter.espID) - children.reduce(0) { $0 + kwh($1) }
            }
        }
        flow.untrackedKwh = flow.consumptionKwh - circuitSum
        return flow
    }

    /// The flows of `[from, to)`: the sum of its buckets.
    public func total(from: Int64, to: Int64) -> FlowFigures {
        var total = FlowFigures()
        for meter in layout.meters where meter.role == .consumption {
            total.circuits[meter.espID] = 0
            if !layout.children(of: meter.espID).isEmpty { total.remainders[meter.espID] = 0 }
        }
        var low = 0
        var high = order.count
        while low < high {
            let middle = (low + high) / 2
            if order[middle] < from { low = middle + 1 } else { high = middle }
        }
        var index = low
        while index < order.count, order[index] < to {
            if let flow = buckets[order[index]] { total.add(flow) }
            index += 1
        }
        return total
    }

    /// The site's import and export per bucket, as a grid meter's bucket energy (what bills of
    /// the site are made of), ascending.
    public var gridEnergy: [BucketEnergy] {
        order.compactMap { bucket in
            buckets[bucket].map { BucketEnergy(bucket: bucket, kwh: $0.importKwh, exportKwh: $0.exportKwh) }
        }.filter { $0.kwh != 0 || $0.exportKwh != 0 }
    }

    /// Reads the meters' bucket energy of `[from, to)` and makes the flows (rollups where the
    /// store keeps them, raw readings otherwise).
    public static func read(layout: SiteLayout, series: any SeriesStore, from: Int64, to: Int64) async throws
        -> SiteFlows
    {
        let meters = layout.espIDs
        var energy = try await series.bucketEnergy(nodes: meters, from: from, to: to, step: EnergyBuckets.bucket)
        for meter in meters where energy[meter] == nil {
            energy[meter] = try await CostReport.rawBucketEnergy(series: series, node: meter, from: from, to: to)
        }
        return SiteFlows(layout: layout, energy: energy)
    }
}
