import EnerTrackCore
import Foundation

/// A household with solar panels, for the demo and `simulate --household`: an inverter whose
/// production follows the sun (a sunny or a cloudy day, decided per day by the seed), the
/// circuits' readings as `MeterSimulator` makes them, a base load no circuit meters, and a grid
/// meter whose import and export counters and signed power are exactly what those imply.
public struct HouseholdSimulator: Sendable {
    public var gridID: String
    public var solarID: String
    /// Peak production on a clear day, in W.
    public var peakW: Double
    /// Draw no circuit meters (the untracked remainder), in W.
    public var baseW: Double
    private var seed: UInt64
    private var imported = 2_400.0
    private var exported = 310.0
    private var produced = 1_850.0
    private var lastTime: Int64?
    private var generator: SplitMix

    public init(gridID: String, solarID: String, peakW: Double = 3_200, baseW: Double = 90, seed: UInt64 = 2026) {
        self.gridID = gridID
        self.solarID = solarID
        self.peakW = peakW
        self.baseW = baseW
        self.seed = seed
        generator = SplitMix(seed: seed ^ 0x5EED)
    }

    /// The sky of a local day: 1 clear, down to 0.2 overcast (about one day in three is cloudy).
    public func sky(day: Int64) -> Double {
        var day = SplitMix(seed: seed &+ UInt64(bitPattern: day) &* 0x9E37_79B9)
        let draw = day.unit()
        return draw < 0.35 ? 0.2 + day.unit() * 0.4 : 0.85 + day.unit() * 0.15
    }

    /// Production at `time`, in W: a bell from 07:00 to 20:00 local time, scaled by the day's sky,
    /// with passing clouds on cloudy days.
    public mutating func solarW(time: Int64, timeZone: TimeZone) -> Double {
        let offset = Int64(timeZone.secondsFromGMT(for: Date(timeIntervalSince1970: Double(time) / 1000))) * 1000
        let local = time + offset
        let day = local.floorDivided(by: 86_400_000)
        let hour = Double(local - day * 86_400_000) / 3_600_000
        guard hour > 7, hour < 20 else { return 0 }
        let sky = sky(day: day)
        let shape = sin(.pi * (hour - 7) / 13)
        let flicker = sky < 0.8 ? max(0.3, 1 + generator.gaussian() * 0.25) : 1
        return max(0, peakW * sky * shape * shape * flicker)
    }

    /// The inverter's and the grid meter's readings at `time`, given the circuits' readings at
    /// the same time.
    public mutating func readings(circuits: [Reading], time: Int64, timeZone: TimeZone) -> [Reading] {
        let solar = solarW(time: time, timeZone: timeZone)
        let load = circuits.reduce(baseW) { $0 + ($1.power ?? 0) }
        let net = load - solar
        if let last = lastTime, time > last {
            let hours = Double(time - last) / 3_600_000
            produced += solar * hours / 1000
            if net > 0 { imported += net * hours / 1000 } else { exported += -net * hours / 1000 }
        }
        lastTime = time
        func round(_ value: Double, _ places: Double) -> Double { (value * places).rounded() / places }
        let voltage = round(230 + generator.gaussian() * 2, 10)
        return [
            Reading(
                node: solarID, time: time, voltage: voltage, current: round(solar / voltage, 1000),
                power: round(solar, 10), energy: round(produced, 1000), pf: 1, frequency: 50),
            Reading(
                node: gridID, time: time, voltage: voltage, current: round(abs(net) / voltage, 1000),
                power: round(net, 10), energy: round(imported, 1000), pf: 0.97, frequency: 50,
                energyExport: round(exported, 1000)),
        ]
    }
}

/// One house with solar panels, whole: its circuits (shares of one household's curve), its
/// inverter and its grid meter, read at the same instants (`demo`, `simulate --household`).
public struct HouseSimulation: Sendable {
    public let circuitIDs: [String]
    private var circuits: MeterSimulator
    private var house: HouseholdSimulator

    public init(gridID: String, solarID: String, circuitIDs: [String], seed: UInt64 = 2026) {
        self.circuitIDs = circuitIDs
        circuits = MeterSimulator(count: circuitIDs.count, prefix: "HOUSE", seed: seed, scale: 0.2...0.45)
        house = HouseholdSimulator(gridID: gridID, solarID: solarID, seed: seed)
    }

    /// Every meter's ESP id: the circuits, then the inverter and the grid meter.
    public var meterIDs: [String] { circuitIDs + [house.solarID, house.gridID] }

    /// The circuits' readings at `time`, then the inverter's and the grid meter's.
    public mutating func readings(time: Int64, timeZone: TimeZone) -> [Reading] {
        var readings: [Reading] = []
        for (index, espID) in circuitIDs.enumerated() {
            var reading = circuits.reading(meter: index, time: time, timeZone: timeZone)
            reading.node = espID
            readings.append(reading)
        }
        return readings + house.readings(circuits: readings, time: time, timeZone: timeZone)
    }
}
