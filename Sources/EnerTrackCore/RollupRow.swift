import Foundation

/// What rollups keep per node and 15-minute UTC bucket: the energy attributed to it (resets
/// and glitches handled) and how much of it readings covered, and a summary of the readings in
/// it — their count, the mean of each quantity, power extremes, first and last counter.
/// Long chart ranges and reports read these instead of raw readings.
public struct RollupRow: Sendable, Equatable {
    public var bucket: Int64
    public var kwh = 0.0
    /// kWh sent to the grid in the bucket (0 for a meter that reports no export).
    public var exportKwh = 0.0
    /// Covered ms; a full bucket is `EnergyBuckets.bucket`.
    public var covered: Int64 = 0
    public var samples: Int64 = 0
    /// Means over the readings that carry each quantity (nil when none did).
    public var voltage: Double?
    public var current: Double?
    public var power: Double?
    public var pf: Double?
    public var frequency: Double?
    public var powerMin: Double?
    public var powerMax: Double?
    public var firstTime: Int64?
    public var firstEnergy: Double?
    public var lastTime: Int64?
    public var lastEnergy: Double?

    /// Sums and counts while readings are added; `finished()` turns them into means.
    private var sums = [Double](repeating: 0, count: 5)
    private var counts = [Int](repeating: 0, count: 5)

    public init(bucket: Int64) { self.bucket = bucket }

    public init(
        bucket: Int64, kwh: Double, covered: Int64, samples: Int64, voltage: Double?, current: Double?, power: Double?,
        pf: Double?, frequency: Double?, powerMin: Double?, powerMax: Double?, firstTime: Int64?, firstEnergy: Double?,
        lastTime: Int64?, lastEnergy: Double?, exportKwh: Double = 0
    ) {
        (self.bucket, self.kwh, self.covered, self.samples) = (bucket, kwh, covered, samples)
        self.exportKwh = exportKwh
        (self.voltage, self.current, self.power, self.pf, self.frequency) = (voltage, current, power, pf, frequency)
        (self.powerMin, self.powerMax) = (powerMin, powerMax)
        (self.firstTime, self.firstEnergy, self.lastTime, self.lastEnergy) = (
            firstTime, firstEnergy, lastTime, lastEnergy
        )
    }

    /// The quantities averaged, in the order of `sums`.
    public static let averaged: [Quantity] = [.voltage, .current, .power, .pf, .frequency]

    /// Adds a reading of this bucket (readings come in time order).
    mutating func add(_ reading: Reading) {
        samples += 1
        for (index, quantity) in Self.averaged.enumerated() {
            if let value = reading[quantity] {
                sums[index] += value
                counts[index] += 1
            }
        }
        if let power = reading.power {
            powerMin = min(powerMin ?? power, power)
            powerMax = max(powerMax ?? power, power)
        }
        if let energy = reading.energy {
            if firstTime == nil { (firstTime, firstEnergy) = (reading.time, energy) }
            (lastTime, lastEnergy) = (reading.time, energy)
        }
    }

    func finished() -> RollupRow {
        var row = self
        func mean(_ index: Int) -> Double? { counts[index] > 0 ? sums[index] / Double(counts[index]) : nil }
        (row.voltage, row.current, row.power, row.pf, row.frequency) = (mean(0), mean(1), mean(2), mean(3), mean(4))
        row.sums = [Double](repeating: 0, count: 5)
        row.counts = [Int](repeating: 0, count: 5)
        return row
    }
}
