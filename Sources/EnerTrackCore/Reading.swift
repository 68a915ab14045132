import Foundation

/// One of the things a meter measures, in canonical units. `energy` is the import counter (kWh
/// taken from the grid, or used); `energy_export` the export counter (kWh sent to the grid).
///
/// A three-phase meter adds per-phase values of voltage, current, power and power factor
/// (`voltage_l1` … `pf_l3`); its totals are `voltage` (the phases' mean), `current` and `power`
/// (sums) as for any meter (`Reading.completeTotals`). The per-phase cases come last, so that
/// the first seven keep their positions in bit masks written by earlier versions.
public enum Quantity: String, Sendable, CaseIterable, Codable {
    case voltage, current, power, energy, pf, frequency
    case energyExport = "energy_export"
    case voltageL1 = "voltage_l1"
    case voltageL2 = "voltage_l2"
    case voltageL3 = "voltage_l3"
    case currentL1 = "current_l1"
    case currentL2 = "current_l2"
    case currentL3 = "current_l3"
    case powerL1 = "power_l1"
    case powerL2 = "power_l2"
    case powerL3 = "power_l3"
    case pfL1 = "pf_l1"
    case pfL2 = "pf_l2"
    case pfL3 = "pf_l3"

    /// The quantities that have phases, and their per-phase cases in phase order.
    public static let phased: [Quantity] = [.voltage, .current, .power, .pf]
    /// The seven quantities of a single-phase meter.
    public static let totals: [Quantity] = [.voltage, .current, .power, .energy, .pf, .frequency, .energyExport]

    /// The per-phase quantities of `self` (empty for energy and frequency).
    public var phases: [Quantity] {
        switch self {
        case .voltage: Self.voltagePhases
        case .current: Self.currentPhases
        case .power: Self.powerPhases
        case .pf: Self.pfPhases
        default: []
        }
    }

    // Built once: decoders ask for phases per message.
    private static let voltagePhases: [Quantity] = [.voltageL1, .voltageL2, .voltageL3]
    private static let currentPhases: [Quantity] = [.currentL1, .currentL2, .currentL3]
    private static let powerPhases: [Quantity] = [.powerL1, .powerL2, .powerL3]
    private static let pfPhases: [Quantity] = [.pfL1, .pfL2, .pfL3]

    /// 1, 2 or 3 for a per-phase quantity, nil for a total.
    public var phase: Int? {
        guard let slot = phaseSlot else { return nil }
        return slot % 3 + 1
    }

    /// What a per-phase quantity is a phase of (`power_l2` → power); a total is its own.
    public var base: Quantity {
        guard let slot = phaseSlot else { return self }
        return Self.phased[slot / 3]
    }

    /// 0…11 for the per-phase quantities, in declaration order.
    var phaseSlot: Int? {
        switch self {
        case .voltageL1: 0
        case .voltageL2: 1
        case .voltageL3: 2
        case .currentL1: 3
        case .currentL2: 4
        case .currentL3: 5
        case .powerL1: 6
        case .powerL2: 7
        case .powerL3: 8
        case .pfL1: 9
        case .pfL2: 10
        case .pfL3: 11
        default: nil
        }
    }

    /// Every name a topic, JSON key, CSV column or InfluxDB field may use (English and Spanish).
    public var names: [String] {
        switch self {
        case .voltage: ["voltage", "voltaje", "tension"]
        case .current: ["current", "corriente"]
        case .power: ["power", "potencia"]
        case .energy: ["energy", "energia"]
        case .pf: ["pf", "factor_potencia", "fp"]
        case .frequency: ["frequency", "frecuencia"]
        case .energyExport: ["energy_export", "export", "energia_exportada", "energia_vertida"]
        default: Self.phaseNames(base: base.names, phase: phase ?? 1)
        }
    }

    /// `voltage_l1`, `tension_l1`, `voltage_fase1`, `fase1_voltage`, `l1_voltage`, `voltage1`,
    /// `a_voltage` (Shelly's `a_`/`b_`/`c_`), `voltage_a` and `phase_a_voltage`, for each name of the base.
    private static func phaseNames(base names: [String], phase: Int) -> [String] {
        let letter = ["a", "b", "c"][phase - 1]
        return names.flatMap { name in
            [
                "\(name)_l\(phase)", "\(name)_fase\(phase)", "fase\(phase)_\(name)", "l\(phase)_\(name)",
                "\(name)\(phase)", "\(letter)_\(name)", "\(name)_\(letter)", "phase_\(letter)_\(name)",
                "\(name)_phase_\(letter)", "\(name)_phase\(phase)",
            ]
        }
    }

    /// The two cumulative counters, whose increase is energy (the same rules for both).
    public var isCounter: Bool { self == .energy || self == .energyExport }

    public var unit: String {
        switch self {
        case .voltage: "V"
        case .current: "A"
        case .power: "W"
        case .energy, .energyExport: "kWh"
        case .pf: ""
        case .frequency: "Hz"
        default: base.unit
        }
    }

    /// Values outside these bounds are not physical for a PZEM-style meter and are rejected.
    /// Power and current may be negative (export to the grid); the energy counters may not.
    public var plausibleRange: ClosedRange<Double> {
        switch self {
        case .voltage: 0...1_000
        case .current: -2_000...2_000
        case .power: -1_000_000...1_000_000
        case .energy, .energyExport: 0...1_000_000_000
        case .pf: -1...1
        case .frequency: 0...100
        default: base.plausibleRange
        }
    }

    private static let byName: [String: Quantity] = {
        var map: [String: Quantity] = [:]
        for quantity in allCases { for name in quantity.names { map[name] = quantity } }
        return map
    }()

    /// Every name as bytes, by length (the per-phase names make a long list; a key is compared
    /// with the names of its own length only).
    private static let byteNames: [[([UInt8], Quantity)]] = {
        var byLength = [[([UInt8], Quantity)]](repeating: [], count: 33)
        for quantity in allCases {
            for name in quantity.names where name.utf8.count < byLength.count {
                byLength[name.utf8.count].append((Array(name.utf8), quantity))
            }
        }
        return byLength
    }()

    /// The quantity a name in raw bytes means, ASCII case-insensitively, without making a String
    /// (the MQTT thread matches every JSON key through here).
    public static func match<C: Collection>(_ bytes: C) -> Quantity? where C.Element == UInt8 {
        let count = bytes.count
        guard count < byteNames.count else { return nil }
        candidates: for (name, quantity) in byteNames[count] {
            var index = 0
            for byte in bytes {
                let folded = byte >= 0x41 && byte <= 0x5A ? byte | 0x20 : byte
                guard folded == name[index] else { continue candidates }
                index += 1
            }
            return quantity
        }
        return nil
    }

    /// The quantity a name means, case-insensitively (`Voltaje` → voltage).
    public init?(name: String) {
        guard let quantity = Self.byName[name] ?? Self.byName[name.lowercased()] else { return nil }
        self = quantity
    }
}

/// What one meter measured at one instant. Absent quantities are nil; two readings of the same
/// node and time merge field by field, which is how per-quantity MQTT messages become one row.
public struct Reading: Sendable, Hashable {
    public var node: String
    /// Milliseconds since the Unix epoch, UTC.
    public var time: Int64
    public var voltage: Double?
    public var current: Double?
    public var power: Double?
    public var energy: Double?
    public var pf: Double?
    public var frequency: Double?
    /// The export counter (kWh sent to the grid), for meters that report one.
    public var energyExport: Double?
    /// The per-phase values (`Quantity.phaseSlot` order), allocated only for a reading that has
    /// one: a single-phase reading stays as small and as fast as before.
    private var phaseValues: [Double?]?

    public init(
        node: String, time: Int64, voltage: Double? = nil, current: Double? = nil, power: Double? = nil,
        energy: Double? = nil, pf: Double? = nil, frequency: Double? = nil, energyExport: Double? = nil
    ) {
        self.node = node
        self.time = time
        self.voltage = voltage
        self.current = current
        self.power = power
        self.energy = energy
        self.pf = pf
        self.frequency = frequency
        self.energyExport = energyExport
    }

    public subscript(quantity: Quantity) -> Double? {
        get {
            switch quantity {
            case .voltage: voltage
            case .current: current
            case .power: power
            case .energy: energy
            case .pf: pf
            case .frequency: frequency
            case .energyExport: energyExport
            default: phaseValues?[quantity.phaseSlot ?? 0] ?? nil
            }
        }
        set {
            switch quantity {
            case .voltage: voltage = newValue
            case .current: current = newValue
            case .power: power = newValue
            case .energy: energy = newValue
            case .pf: pf = newValue
            case .frequency: frequency = newValue
            case .energyExport: energyExport = newValue
            default:
                guard let slot = quantity.phaseSlot else { return }
                if phaseValues == nil {
                    guard newValue != nil else { return }
                    phaseValues = Array(repeating: nil, count: 12)
                }
                phaseValues?[slot] = newValue
            }
        }
    }

    /// Whether the reading carries any per-phase value.
    public var hasPhases: Bool { phaseValues?.contains { $0 != nil } ?? false }

    public var isEmpty: Bool { Quantity.totals.allSatisfy { self[$0] == nil } && !hasPhases }

    /// A break in the counters, which a correction stores where its range ends (`readings
    /// correct`): the counter's step across it is not consumption. Counters of −1, which no meter
    /// can send (ingest and import refuse a negative counter); never shown as a reading.
    public static func counterBreak(node: String, time: Int64) -> Reading {
        Reading(node: node, time: time, energy: -1, energyExport: -1)
    }

    public var isCounterBreak: Bool { (energy ?? 0) < 0 || (energyExport ?? 0) < 0 }

    /// The quantities present, with their values, in canonical order.
    public var values: [(Quantity, Double)] {
        (phaseValues == nil ? Quantity.totals : Quantity.allCases).compactMap { q in self[q].map { (q, $0) } }
    }

    /// How unevenly a three-phase meter's lines are loaded: the largest deviation of a phase
    /// current from the three's mean, in % of the mean. Nil without three phase currents or
    /// with no current at all.
    public var phaseImbalancePct: Double? {
        let currents = Quantity.current.phases.compactMap { self[$0] }.map(abs)
        guard currents.count == 3 else { return nil }
        let mean = currents.reduce(0, +) / 3
        guard mean > 0 else { return nil }
        return (currents.map { abs($0 - mean) }.max() ?? 0) / mean * 100
    }

    /// Fills the totals a three-phase reading leaves out from its phases: power and current are
    /// the sums, voltage the mean, power factor total power over apparent power when both are
    /// known. A total the device sent is kept; a total is derived only from all three phases
    /// (a burst of per-phase messages cut in two must not store one phase as the total).
    public mutating func completeTotals() {
        guard hasPhases else { return }
        for quantity in [Quantity.power, .current, .voltage] where self[quantity] == nil {
            let values = quantity.phases.compactMap { self[$0] }
            guard values.count == 3 else { continue }
            // To 9 decimals: a sum of three device values carries no binary noise (312.8, not 312.80000000000007).
            let sum = values.reduce(0, +)
            self[quantity] = ((quantity == .voltage ? sum / 3 : sum) * 1e9).rounded() / 1e9
        }
        if pf == nil {
            let powers = Quantity.power.phases.compactMap { self[$0] }
            let apparent = zip(Quantity.voltage.phases, Quantity.current.phases).compactMap { v, c in
                self[v].flatMap { volts in self[c].map { abs(volts * $0) } }
            }
            if powers.count == 3, apparent.count == 3, apparent.reduce(0, +) > 0 {
                pf = max(-1, min(1, powers.reduce(0, +) / apparent.reduce(0, +)))
            }
        }
    }

    /// `completeTotals` over a batch: readings with phases are merged by node and time first,
    /// so per-phase messages of one burst make one reading with its totals. Single-phase
    /// batches are returned untouched.
    public static func completingTotals(_ readings: [Reading]) -> [Reading] {
        guard readings.contains(where: { $0.phaseValues != nil }) else { return readings }
        return coalesce(readings).map { reading in
            var reading = reading
            reading.completeTotals()
            return reading
        }
    }

    /// Fills in what `other` has; `other` wins where both have a value (the later message overwrites).
    public mutating func merge(_ other: Reading) {
        for (quantity, value) in other.values { self[quantity] = value }
    }

    public var date: Date { Date(timeIntervalSince1970: Double(time) / 1000) }

    /// Merges readings of the same node and time into one, keeping first-seen order.
    public static func coalesce(_ readings: [Reading]) -> [Reading] {
        var index: [NodeTime: Int] = [:]
        var out: [Reading] = []
        out.reserveCapacity(readings.count)
        for reading in readings {
            let key = NodeTime(node: reading.node, time: reading.time)
            if let at = index[key] {
                out[at].merge(reading)
            } else {
                index[key] = out.count
                out.append(reading)
            }
        }
        return out
    }

    private struct NodeTime: Hashable {
        let node: String
        let time: Int64
    }
}

/// Why a message or an imported line was not stored. The raw value is the metric label.
public enum RejectReason: String, Sendable, CaseIterable, Hashable {
    case badTopic = "bad_topic"
    case badNode = "bad_node"
    case unknownQuantity = "unknown_quantity"
    case notANumber = "not_a_number"
    case notFinite = "not_finite"
    case negativeEnergy = "negative_energy"
    case outOfRange = "out_of_range"
    case badJSON = "bad_json"
    case badTimestamp = "bad_timestamp"
    case future = "future_timestamp"
    case tooLarge = "too_large"
    case empty = "empty"
    case unknownNode = "unknown_node"
    /// More new ESP ids in an interval than may be registered (`ENERTRACK_MAX_NEW_NODES`).
    case tooManyNewNodes = "too_many_new_nodes"
    case badLine = "bad_line"
}

/// A rejected message: why, for which node when known, and a short detail for the log.
public struct Rejection: Error, Sendable, Equatable, CustomStringConvertible {
    public var reason: RejectReason
    public var node: String?
    public var detail: String

    public init(_ reason: RejectReason, node: String? = nil, _ detail: String) {
        self.reason = reason
        self.node = node
        self.detail = detail
    }

    public var description: String { "\(reason.rawValue): \(detail)" }
}

/// The checks every reading passes before it is stored, whatever its source.
public enum ReadingRules {
    /// Readings before 2000 come from a device whose clock is not set.
    public static let earliest: Int64 = 946_684_800_000
    /// How far ahead of its arrival a reading may be dated (clock skew), unless configured
    /// otherwise (`ENERTRACK_MAX_CLOCK_AHEAD`): a reading from the future would stay a node's
    /// "latest" until the clock catches up.
    public static let defaultMaxAhead: Int64 = 5 * 60_000

    public static func check(value: Double, of quantity: Quantity, node: String?) throws(Rejection) {
        guard value.isFinite else { throw Rejection(.notFinite, node: node, "\(quantity.rawValue) is \(value)") }
        if quantity.isCounter, value < 0 {
            throw Rejection(.negativeEnergy, node: node, "\(quantity.rawValue) counter \(value) kWh is negative")
        }
        guard quantity.plausibleRange.contains(value) else {
            throw Rejection(
                .outOfRange, node: node,
                "\(quantity.rawValue) \(value) \(quantity.unit) is outside \(quantity.plausibleRange)")
        }
    }

    public static func check(time: Int64, now: Int64, maxAhead: Int64 = defaultMaxAhead, node: String?)
        throws(Rejection)
    {
        guard time >= earliest else {
            throw Rejection(
                .badTimestamp, node: node, "timestamp \(time) ms is before 2000 (the meter's clock is not set)")
        }
        let (limit, overflow) = now.addingReportingOverflow(maxAhead)
        guard overflow || time <= limit else {
            throw Rejection(
                .future, node: node,
                "timestamp \(time) ms is \((time - now) / 1000) s ahead of the arrival time (at most \(maxAhead / 1000) s allowed)"
            )
        }
    }

    /// A time (ms) read back from a series store, when it is one a store may hold (1970 to 9999):
    /// a damaged file or a hostile server answers anything, and times meet arithmetic next.
    public static func storedTime(_ raw: Int64) -> Int64? { TimeArgument.range.contains(raw) ? raw : nil }

    /// A count read back from a series store (samples, covered ms of a bucket): 0 to 2^40.
    public static func storedCount(_ raw: Int64) -> Int64? { (0...(Int64(1) << 40)).contains(raw) ? raw : nil }

    public static func checkNode(_ node: String) throws(Rejection) {
        guard DirectoryRules.isESPID(node) else {
            throw Rejection(.badNode, node: nil, "\(LogText.quoted(node)) is not an ESP id (1-64 of A-Z a-z 0-9 _ -)")
        }
    }

    /// Unix seconds (with fraction) or milliseconds, told apart by size; or ISO 8601. Nil for
    /// anything outside `TimeArgument.range` (1970 to 9999), so no input reaches a trap.
    public static func time(fromNumber number: Double) -> Int64? {
        guard number.isFinite, number > 0 else { return nil }
        let ms = number < 100_000_000_000 ? (number * 1000).rounded() : number.rounded()
        guard ms <= Double(TimeArgument.range.upperBound) else { return nil }
        return Int64(ms)
    }

    public static func time(fromText text: String) -> Int64? {
        if let number = Double(text) { return time(fromNumber: number) }
        return ISO8601.parse(text)?.milliseconds
    }
}
