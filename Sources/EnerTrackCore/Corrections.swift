import Foundation

/// A correction of a meter's stored readings over a range (`enertrack readings delete|correct`).
///
/// - `delete` removes the readings. With an energy counter the increase across the hole is still
///   consumption, spread over it (DESIGN.md's semantics): deleting removes what the meter reported
///   wrongly in between (spikes, nonsense power), not the energy its counter says it counted.
/// - `energyOffset` adds kWh to the import counter of every reading that carries one (zeros stay
///   missing values): a swapped meter's new counter made continuous with the old one.
/// - `scale` multiplies power and current (totals and phases) and each counter's increase from
///   reading to reading (a reset keeps counting from zero, scaled), anchored at the counter
///   before the range, so consumption inside it scales by the factor: a wrong CT ratio.
/// - `set` gives one quantity the same value in every reading of the range.
///
/// A correction is continuous where the range starts. Where it ends the corrected counter meets
/// the readings after it as stored; a step larger than the meter could count in one interval is
/// a new counter level, not consumption (DESIGN.md), so a scaled week is not counted twice.
public enum ReadingCorrection: Sendable, Equatable {
    case delete
    case energyOffset(Double)
    case scale(Double)
    case set(Quantity, Double)

    /// What `readings history` and the audit trail call it.
    public var action: String {
        switch self {
        case .delete: "delete"
        case .energyOffset: "energy-offset"
        case .scale: "scale"
        case .set: "set"
        }
    }

    /// The parameter, as the command line gave it (`+12.5 kWh`, `0.5`, `frequency=50`).
    public var detail: String {
        switch self {
        case .delete: ""
        case .energyOffset(let kwh): (kwh >= 0 ? "+" : "") + "\(kwh) kWh"
        case .scale(let factor): "× \(factor)"
        case .set(let quantity, let value): "\(quantity.rawValue)=\(value)"
        }
    }

    /// The correction an audit record names (`action`, `detail` as above); nil for a record this
    /// version cannot read (its words are shown as stored).
    public init?(action: String, detail: String) {
        func number(_ text: some StringProtocol) -> Double? {
            Double(text.trimmingCharacters(in: .whitespaces)).flatMap { $0.isFinite ? $0 : nil }
        }
        switch action {
        case "delete": self = .delete
        case "energy-offset":
            guard detail.hasSuffix(" kWh"), let kwh = number(detail.dropLast(4).replacingOccurrences(of: "+", with: ""))
            else { return nil }
            self = .energyOffset(kwh)
        case "scale":
            guard detail.hasPrefix("× "), let factor = number(detail.dropFirst(2)) else { return nil }
            self = .scale(factor)
        case "set":
            let parts = detail.split(separator: "=", maxSplits: 1)
            guard parts.count == 2, let quantity = Quantity(rawValue: String(parts[0])), let value = number(parts[1])
            else { return nil }
            self = .set(quantity, value)
        default: return nil
        }
    }

    /// Whether it changes a counter: its range then ends in a counter break, so the step from
    /// the corrected counter to the stored readings after it is not consumption.
    public var breaksCounters: Bool {
        switch self {
        case .delete: false
        case .energyOffset, .scale: true
        case .set(let quantity, _): quantity.isCounter
        }
    }

    /// The quantities `scale` multiplies, besides the counters' increase.
    static let scaled: [Quantity] = [.power, .current] + Quantity.power.phases + Quantity.current.phases

    /// Refuses parameters that cannot be meant (non-finite, a zero or negative factor, a value
    /// outside the quantity's plausible range), naming why.
    public func validate() throws(CorrectionError) {
        switch self {
        case .delete: return
        case .energyOffset(let kwh):
            guard kwh.isFinite, kwh != 0, abs(kwh) <= 1e9 else {
                throw .badParameter("--energy-offset must be a non-zero number of kWh (got \(kwh))")
            }
        case .scale(let factor):
            guard factor.isFinite, factor > 0, factor != 1, factor <= 1e6 else {
                throw .badParameter("--scale must be a factor above 0 other than 1 (got \(factor))")
            }
        case .set(let quantity, let value):
            do {
                try ReadingRules.check(value: value, of: quantity, node: nil)
            } catch {
                throw .badParameter("--set \(quantity.rawValue)=\(value): \(error.detail)")
            }
        }
    }
}

/// Applies a correction to readings in time order, chunk after chunk: the counters' state (for
/// `scale`) carries from one chunk to the next.
public struct CorrectionWalk: Sendable {
    public let change: ReadingCorrection
    /// Per counter, the last value as stored and as corrected.
    private var counters: [Quantity: (raw: Double, corrected: Double)] = [:]
    /// The counter break the store writes where the range ends (`Reading.counterBreak`), when
    /// the correction changes a counter and no reading has that instant.
    public var endBreak: Reading?

    /// `before`: readings just before the range, in time order (the counters' anchor).
    public init(_ change: ReadingCorrection, before: [Reading]) {
        self.change = change
        for quantity in [Quantity.energy, .energyExport] {
            if let value = before.last(where: { ($0[quantity] ?? 0) > 0 })?[quantity] {
                counters[quantity] = (value, value)
            }
        }
    }

    /// The corrected readings (none for `delete`), each value checked as ingest checks it:
    /// a correction that would store a value ingest refuses is refused whole.
    /// Counter breaks of earlier corrections are kept as they are, a `delete` too.
    public mutating func apply(_ readings: [Reading]) throws(CorrectionError) -> [Reading] {
        if case .delete = change { return readings.filter(\.isCounterBreak) }
        var corrected: [Reading] = []
        corrected.reserveCapacity(readings.count)
        for reading in readings {
            if reading.isCounterBreak {
                corrected.append(reading)
                continue
            }
            var reading = reading
            switch change {
            case .delete: break
            case .energyOffset(let kwh):
                if let energy = reading.energy, energy > 0 { reading.energy = energy + kwh }
            case .scale(let factor):
                for quantity in ReadingCorrection.scaled { reading[quantity] = reading[quantity].map { $0 * factor } }
                for quantity in [Quantity.energy, .energyExport] {
                    guard let raw = reading[quantity], raw > 0 else { continue }  // zeros are missing values
                    let value: Double
                    if let last = counters[quantity] {
                        value = raw >= last.raw ? last.corrected + (raw - last.raw) * factor : raw * factor
                    } else {
                        value = raw
                    }
                    counters[quantity] = (raw, value)
                    reading[quantity] = value
                }
            case .set(let quantity, let value):
                reading[quantity] = value
            }
            for quantity in Quantity.allCases {
                guard let value = reading[quantity] else { continue }
                do {
                    try ReadingRules.check(value: value, of: quantity, node: reading.node)
                } catch {
                    throw .outOfRange(
                        "the reading of \(ISO8601.format(milliseconds: reading.time, timeZone: .gmt)) would have \(error.detail)"
                    )
                }
            }
            corrected.append(reading)
        }
        return corrected
    }
}

/// Why a correction is refused.
public enum CorrectionError: ExitStatusError, Equatable {
    case badParameter(String)
    /// A corrected value ingest would refuse.
    case outOfRange(String)
    /// The range reaches before the retention horizon: those readings are gone.
    case pruned(before: String)
    /// No reading of the meter in the range.
    case nothingToCorrect(node: String)
    /// The series store keeps readings it cannot correct.
    case unsupported(store: String)

    public var exitStatus: ExitStatus {
        switch self {
        case .badParameter: .usage
        case .outOfRange, .pruned: .dataError
        case .nothingToCorrect: .noInput
        case .unsupported: .configuration
        }
    }

    public var description: String {
        switch self {
        case .badParameter(let text): text
        case .outOfRange(let text): "refused, nothing was changed: \(text)"
        case .pruned(let before):
            "readings before \(before) were pruned (ENERTRACK_RETENTION): their figures come from the rollups and cannot be corrected; start the range at \(before) or later"
        case .nothingToCorrect(let node): "\(node) has no readings in that range: nothing was changed"
        case .unsupported(let store): "series store \(store) cannot correct readings"
        }
    }
}

/// A series store whose raw readings can be corrected. Each applies the correction a day at a
/// time (so ingest waits a moment at most), then recomputes the rollups of exactly the range the
/// changed readings decide, so consumption, cost and the history versions follow.
public protocol Correctable: SeriesStore {
    /// Applies `walk` to the node's readings in `[from, to)` and writes its `endBreak`; the
    /// number of readings changed or deleted. `progress` gets (ms done, ms in the range).
    func correct(
        node: String, from: Int64, to: Int64, walk: inout CorrectionWalk, progress: (@Sendable (Int64, Int64) -> Void)?
    ) async throws -> Int
}

/// One correction as the audit trail keeps it.
public struct CorrectionRecord: Sendable, Equatable, Codable {
    /// The energy of one affected calendar day, before and after.
    public struct Day: Sendable, Equatable, Codable {
        public var day: String
        public var beforeKWh: Double
        public var afterKWh: Double
        public var beforeExportKWh: Double
        public var afterExportKWh: Double

        public init(day: String, beforeKWh: Double, afterKWh: Double, beforeExportKWh: Double, afterExportKWh: Double) {
            self.day = day
            self.beforeKWh = beforeKWh
            self.afterKWh = afterKWh
            self.beforeExportKWh = beforeExportKWh
            self.afterExportKWh = afterExportKWh
        }

        enum CodingKeys: String, CodingKey {
            case day
            case beforeKWh = "before_kwh"
            case afterKWh = "after_kwh"
            case beforeExportKWh = "before_export_kwh"
            case afterExportKWh = "after_export_kwh"
        }
    }

    public var id: Int64
    public var node: String
    public var action: String
    public var detail: String
    public var from: Int64
    public var to: Int64
    /// Who: the web admin's user name, or the system user who ran the command.
    public var actor: String
    public var at: Int64
    public var readings: Int
    public var days: [Day]
    public var reason: String?
    /// The series store it was applied to.
    public var store: String

    public init(
        id: Int64 = 0, node: String, action: String, detail: String, from: Int64, to: Int64, actor: String, at: Int64,
        readings: Int, days: [Day], reason: String?, store: String
    ) {
        self.id = id
        self.node = node
        self.action = action
        self.detail = detail
        self.from = from
        self.to = to
        self.actor = actor
        self.at = at
        self.readings = readings
        self.days = days
        self.reason = reason
        self.store = store
    }

    public var beforeKWh: Double { days.reduce(0) { $0 + $1.beforeKWh } }
    public var afterKWh: Double { days.reduce(0) { $0 + $1.afterKWh } }
}

/// The audit trail of corrections (`readings history`, the node page).
public protocol CorrectionStore: Sendable {
    /// Stores the record; its id.
    func recordCorrection(_ record: CorrectionRecord) async throws -> Int64
    /// The newest first; one node's, or every node's when nil.
    func corrections(node: String?, limit: Int) async throws -> [CorrectionRecord]
}
