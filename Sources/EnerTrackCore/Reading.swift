import Foundation

/// One of the things a meter measures, in canonical units. `energy` is the import counter (kWh
/// taken from the grid, or used); `energy_export` the export counter (kWh sent to the grid).
public enum Quantity: String, Sendable, CaseIterable, Codable {
    case voltage, current, power, energy, pf, frequency
    case energyExport = "energy_export"

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
        }
    }

    private static let byName: [String: Quantity] = {
        var map: [String: Quantity] = [:]
        for quantity in allCases { for name in quantity.names { map[name] = quantity } }
        return map
    }()

    private static let byteNames: [([UInt8], Quantity)] = allCases.flatMap { quantity in
        quantity.names.map { (Array($0.utf8), quantity) }
    }

    /// The quantity a name in raw bytes means, ASCII case-insensitively, without making a String
    /// (the MQTT thread matches every JSON key through here).
    public static func match<C: Collection>(_ bytes: C) -> Quantity? where C.Element == UInt8 {
        let count = bytes.count
        candidates: for (name, quantity) in byteNames where name.count == count {
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
            }
        }
    }

    public var isEmpty: Bool { Quantity.allCases.allSatisfy { self[$0] == nil } }

    /// The quantities present, with their values, in canonical order.
    public var values: [(Quantity, Double)] { Quantity.allCases.compactMap { q in self[q].map { (q, $0) } } }

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
