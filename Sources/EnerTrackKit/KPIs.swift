import EnerTrackCore
import Foundation

/// The key figures of a set of meters, with one rule for every front end (the dashboard, the
/// API, `report kpi`): power "now" sums the latest power of the *active* meters only (a meter
/// silent for a day does not draw its last reading's power), and is nil when none is active;
/// mean voltage, frequency and power factor average every meter's latest reading; today's energy
/// sums every meter's consumption since local midnight. Where meters make a site (`SiteScope`),
/// the totals count the site once, by its consumption, and never a production meter.
public struct KPIs: Sendable {
    public struct Meter: Sendable {
        public var node: Node
        public var status: NodeStatus
        public var latest: Reading?
        /// Mean power over the window, when one was asked for.
        public var meanPowerW: Double?
        public var todayKWh: Double
    }

    public var meters: [Meter]
    public var powerW: Double?
    /// The sum of the meters' mean power over the window (nil without a window or data).
    public var meanPowerW: Double?
    public var energyTodayKWh: Double
    public var voltage: Double?
    public var frequency: Double?
    public var pf: Double?
    /// The newest reading's time.
    public var latestTime: Date?

    /// `window` in ms adds each meter's mean power over it; `latest`, when the caller read the
    /// newest readings already, saves reading them again.
    public static func compute(
        series: any SeriesStore, nodes: [Node], latest known: [String: Reading]? = nil, window: Int64? = nil,
        inactiveAfter: TimeInterval, timeZone: TimeZone, now: Date = Date(), sites: SiteScope = .none
    ) async throws -> KPIs {
        let ids = nodes.map(\.espID)
        guard !ids.isEmpty else {
            return KPIs(
                meters: [], powerW: nil, meanPowerW: nil, energyTodayKWh: 0, voltage: nil, frequency: nil, pf: nil,
                latestTime: nil)
        }
        let latest: [String: Reading]
        if let known { latest = known } else { latest = try await series.latest(nodes: ids) }
        let nowMS = now.milliseconds
        var means: [String: Double]?
        if let window { means = try await series.meanPower(nodes: ids, from: nowMS - window, to: nowMS + 1) }
        let today = ConsumptionReport.today(now: now, timeZone: timeZone)
        let energy = try await ConsumptionReport.compute(
            series: series, nodes: ids, unit: .day, range: today, timeZone: timeZone, now: now)
        var todayByNode: [String: Double] = [:]
        for row in energy.rows { todayByNode[row.node, default: 0] += row.kwh }
        var counted = todayByNode.filter { sites.counts($0.key) }
        for (connection, days) in try await sites.consumption(
            series: series, unit: .day, range: today, timeZone: timeZone, now: now)
        {
            counted[connection] = days.values.reduce(0, +)
        }
        let meters = nodes.map { node in
            Meter(
                node: node, status: NodeStatus(node: node, now: now, inactiveAfter: inactiveAfter),
                latest: latest[node.espID],
                meanPowerW: means?[node.espID], todayKWh: todayByNode[node.espID] ?? 0)
        }
        func mean(_ values: [Double]) -> Double? { values.isEmpty ? nil : values.reduce(0, +) / Double(values.count) }
        let readings = meters.compactMap(\.latest)
        let active = meters.filter { $0.status == .active && sites.counts($0.node.espID) }.compactMap { meter in
            sites.powerW(of: meter.node.espID, latest: latest) ?? meter.latest?.power
        }
        let meanPowers = meters.filter { sites.counts($0.node.espID) }.compactMap { meter in
            sites.powerW(of: meter.node.espID) { means?[$0] } ?? meter.meanPowerW
        }
        return KPIs(
            meters: meters, powerW: active.isEmpty ? nil : active.reduce(0, +),
            meanPowerW: meanPowers.isEmpty ? nil : meanPowers.reduce(0, +),
            energyTodayKWh: counted.values.reduce(0, +), voltage: mean(readings.compactMap(\.voltage)),
            frequency: mean(readings.compactMap(\.frequency)), pf: mean(readings.compactMap(\.pf)),
            latestTime: readings.map(\.date).max())
    }
}

extension KPIs {
    /// One row of key figures, a meter's or the set's (`node` "ALL"): what `report kpi` prints and
    /// `/api/v1/kpi` sends, under the same keys. A reading's quantities keep the reading's names
    /// and units (`power` W, `energy` the counter in kWh, as in `report readings`); `mean_power`
    /// is W over `--window`, `today_kwh` the energy since local midnight.
    public struct Row: Sendable, Codable, Equatable {
        public var node: String
        public var status: String?
        public var time: String?
        public var voltage: Double?
        public var current: Double?
        public var power: Double?
        public var pf: Double?
        public var frequency: Double?
        public var energy: Double?
        public var meanPower: Double?
        public var todayKWh: Double?
        /// A three-phase meter's imbalance (`Reading.phaseImbalancePct`); the set's: its worst meter's.
        public var phaseImbalancePct: Double?

        public enum CodingKeys: String, CodingKey {
            case node, status, time, voltage, current, power, pf, frequency, energy
            case meanPower = "mean_power"
            case todayKWh = "today_kwh"
            case phaseImbalancePct = "phase_imbalance_pct"
        }
    }

    /// Each meter's row, then the set's: the KPIs' rule (power of the active meters, means of the
    /// latest readings) under `Row`'s keys, with the decimals a table shows.
    public var records: [Record] {
        typealias Key = Row.CodingKeys
        let meters = meters.map { meter in
            let reading = meter.latest
            return Record([
                Key.node.rawValue: .text(meter.node.espID), Key.status.rawValue: .text(meter.status.rawValue),
                Key.time.rawValue: .time(reading?.date), Key.voltage.rawValue: .number(reading?.voltage, decimals: 1),
                Key.current.rawValue: .number(reading?.current, decimals: 3),
                Key.power.rawValue: .number(reading?.power, decimals: 1),
                Key.pf.rawValue: .number(reading?.pf, decimals: 2),
                Key.frequency.rawValue: .number(reading?.frequency, decimals: 2),
                Key.energy.rawValue: .number(reading?.energy, decimals: 3),
                Key.meanPower.rawValue: .number(meter.meanPowerW, decimals: 1),
                Key.todayKWh.rawValue: .number(meter.todayKWh, decimals: 3),
                Key.phaseImbalancePct.rawValue: .number(reading?.phaseImbalancePct, decimals: 1),
            ])
        }
        let worst = self.meters.compactMap { $0.latest?.phaseImbalancePct }.max()
        let all = Record([
            Key.node.rawValue: .text("ALL"), Key.status.rawValue: .text(nil), Key.time.rawValue: .time(latestTime),
            Key.voltage.rawValue: .number(voltage, decimals: 1), Key.current.rawValue: .number(nil, decimals: 3),
            Key.power.rawValue: .number(powerW, decimals: 1), Key.pf.rawValue: .number(pf, decimals: 2),
            Key.frequency.rawValue: .number(frequency, decimals: 2), Key.energy.rawValue: .number(nil, decimals: 3),
            Key.meanPower.rawValue: .number(meanPowerW, decimals: 1),
            Key.todayKWh.rawValue: .number(energyTodayKWh, decimals: 3),
            Key.phaseImbalancePct.rawValue: .number(worst, decimals: 1),
        ])
        return meters + [all]
    }
}

extension KPIs {
    /// `/api/v1/kpi`: the set's row (`node` "ALL") with each meter's row under `nodes`, as
    /// `report kpi` renders its records (the same keys and decimals).
    public struct Answer: Encodable {
        let records: [Record]
        let renderer: RecordRenderer

        public func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: AnyKey.self)
            if let all = records.last, case .object(let fields) = renderer.jsonObject(all) {
                for (key, value) in fields { try container.encode(value, forKey: AnyKey(key)) }
            }
            try container.encode(records.dropLast().map(renderer.jsonObject), forKey: AnyKey("nodes"))
        }
    }

    public func answer(timeZone: TimeZone) -> Answer {
        Answer(records: records, renderer: RecordRenderer(timeZone: timeZone))
    }
}
