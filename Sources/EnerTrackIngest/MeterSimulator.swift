import EnerTrackCore
import Foundation

/// Realistic readings of simulated meters for demos and load tests: a household daily load
/// curve scaled per meter, 230 V ± noise, 50 Hz ± noise, a power factor per meter, and an
/// energy counter that rises by exactly the energy the power implies.
public struct MeterSimulator: Sendable {
    public struct Meter: Sendable {
        public var espID: String
        var scale: Double
        var pf: Double
        var energy: Double
        var lastTime: Int64?
    }

    public private(set) var meters: [Meter]
    private var generator: SplitMix

    /// `scale`: the range each meter's share of the household curve is drawn from (a whole
    /// household 0.5–2, a circuit of one a fraction).
    public init(
        count: Int, prefix: String, seed: UInt64 = UInt64(Date().timeIntervalSince1970),
        scale: ClosedRange<Double> = 0.5...2.0
    ) {
        generator = SplitMix(seed: seed)
        var meters: [Meter] = []
        let width = max(3, String(count).count)
        for index in 1...max(count, 1) {
            let number = String(repeating: "0", count: max(0, width - String(index).count)) + String(index)
            meters.append(
                Meter(
                    espID: "\(prefix)-\(number)",
                    scale: scale.lowerBound + generator.unit() * (scale.upperBound - scale.lowerBound),
                    pf: 0.85 + generator.unit() * 0.14,
                    energy: 100 + generator.unit() * 4_900))
        }
        self.meters = meters
    }

    /// The typical household draw at a local hour of day, in W: low at night, a morning and a
    /// larger evening peak.
    public static func loadCurve(hour: Double) -> Double {
        func bump(_ center: Double, _ width: Double, _ height: Double) -> Double {
            let distance = min(abs(hour - center), 24 - abs(hour - center))
            return height * exp(-(distance * distance) / (2 * width * width))
        }
        return 180 + bump(7.5, 1.2, 900) + bump(13.5, 1.5, 500) + bump(20.5, 1.8, 1_600)
    }

    /// The next reading of meter `index` at `time` (ms).
    public mutating func reading(meter index: Int, time: Int64, timeZone: TimeZone = .current) -> Reading {
        var meter = meters[index]
        let offset = Double(timeZone.secondsFromGMT(for: Date(timeIntervalSince1970: Double(time) / 1000)))
        let hour = ((Double(time) / 1000 + offset).truncatingRemainder(dividingBy: 86_400)) / 3600
        let power = max(5, Self.loadCurve(hour: hour) * meter.scale * (1 + generator.gaussian() * 0.05))
        let voltage = 230 + generator.gaussian() * 2
        let frequency = 50 + generator.gaussian() * 0.03
        if let last = meter.lastTime, time > last {
            meter.energy += power * Double(time - last) / 3_600_000 / 1000
        }
        meter.lastTime = time
        meters[index] = meter
        func round(_ value: Double, _ places: Double) -> Double { (value * places).rounded() / places }
        return Reading(
            node: meter.espID, time: time, voltage: round(voltage, 10),
            current: round(power / (voltage * meter.pf), 1000),
            power: round(power, 10), energy: round(meter.energy, 1000), pf: round(meter.pf, 100),
            frequency: round(frequency, 100))
    }

    /// MQTT messages for a reading: one JSON object with `ts`, or one plain number per quantity topic.
    public static func messages(_ reading: Reading, prefix: String, json: Bool) -> [(topic: String, payload: String)] {
        if json {
            let fields = reading.values.map { "\"\($0.0.rawValue)\":\($0.1)" }.joined(separator: ",")
            return [("\(prefix)/\(reading.node)/data", "{\(fields),\"ts\":\(reading.time)}")]
        }
        return reading.values.map { ("\(prefix)/\(reading.node)/\($0.0.rawValue)", "\($0.1)") }
    }
}

/// A small, seedable generator (SplitMix64): simulations and tests are reproducible with a seed.
public struct SplitMix: RandomNumberGenerator, Sendable {
    private var state: UInt64
    public init(seed: UInt64) { state = seed }

    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    mutating func unit() -> Double { Double(next() >> 11) / Double(1 << 53) }

    /// Standard normal (Box-Muller).
    mutating func gaussian() -> Double {
        let u1 = max(unit(), 1e-12)
        let u2 = unit()
        return (-2 * log(u1)).squareRoot() * cos(2 * .pi * u2)
    }
}
