import Foundation

/// How the messages of a source are read: EnerTrack's own topics, or a device's.
public enum DecoderKind: String, Sendable, CaseIterable, Codable {
    case enertrack, tasmota
    case shellyGen1 = "shelly-gen1"
    case shellyGen2 = "shelly-gen2"
    case esphome

    /// The filter a source of this kind usually has (what `source add` suggests).
    public var exampleFilter: String {
        switch self {
        case .enertrack: "enertrack/#"
        case .tasmota: "tele/+/SENSOR"
        case .shellyGen1: "shellies/#"
        case .shellyGen2: "+/status/#"
        case .esphome: "+/sensor/+/state"
        }
    }
}

/// One configured source of readings (`enertrack source add`): a topic filter and the decoder
/// that reads what arrives on it. Stored in the directory, so every `ingest` worker shares it.
public struct MeterSource: Sendable, Equatable, Codable {
    public var name: String
    public var filter: String
    public var decoder: DecoderKind
    /// ESPHome: object id → quantity (and unit), for devices that send no discovery messages.
    public var map: [String: SensorMapping]
    /// ESPHome: the discovery prefix whose `sensor/<node>/<object_id>/config` messages say what
    /// each sensor measures (ESPHome's default `homeassistant`); nil: do not subscribe to them.
    public var discoveryPrefix: String?

    public init(
        name: String, filter: String, decoder: DecoderKind, map: [String: SensorMapping] = [:],
        discoveryPrefix: String? = nil
    ) {
        self.name = name
        self.filter = filter
        self.decoder = decoder
        self.map = map
        self.discoveryPrefix = discoveryPrefix
    }

    /// The filters `ingest` subscribes to for this source.
    public var filters: [String] {
        var filters = [filter]
        if decoder == .esphome, let prefix = discoveryPrefix { filters.append("\(prefix)/sensor/+/+/config") }
        return filters
    }

    /// The prefix of EnerTrack's topics under an `enertrack` source's filter (`site/a/#` → `site/a`).
    public var enertrackPrefix: String {
        var parts = filter.split(separator: "/", omittingEmptySubsequences: false)
        while let last = parts.last, last == "#" || last == "+" { parts.removeLast() }
        return parts.joined(separator: "/")
    }

    /// Names, filters and maps as `source add` takes them: checked before anything is stored.
    public static func check(name: String, filter: String) throws(SourceError) {
        guard DirectoryRules.isESPID(name) else { throw .badName(name) }
        if let problem = TopicFilter.problem(filter) { throw .badFilter(filter, problem) }
    }
}

/// What a sensor of a device measures, in which unit.
public struct SensorMapping: Sendable, Equatable, Codable {
    public var quantity: Quantity
    /// What a value is multiplied by to be in the quantity's unit (Wh → kWh: 0.001).
    public var scale: Double

    public init(quantity: Quantity, scale: Double = 1) {
        self.quantity = quantity
        self.scale = scale
    }

    /// `quantity` or `quantity:unit` (`energy:Wh`, `current_l1:mA`); the unit must be one the
    /// quantity is measured in.
    public init(parsing text: String) throws(SourceError) {
        let parts = text.split(separator: ":", maxSplits: 1).map(String.init)
        guard let quantity = Quantity(name: parts[0]) else { throw .badMapping(text, "unknown quantity \(parts[0])") }
        let unit = parts.count > 1 ? parts[1] : quantity.unit
        guard let scale = Units.scale(unit, to: quantity) else {
            throw .badMapping(text, "\(quantity.rawValue) is not measured in '\(unit)'")
        }
        self.init(quantity: quantity, scale: scale)
    }
}

/// The units devices state, and the factor to ours. Nothing is guessed: an unknown unit is nil.
public enum Units {
    public static func scale(_ unit: String?, to quantity: Quantity) -> Double? {
        let unit = unit?.trimmingCharacters(in: .whitespaces) ?? ""
        switch quantity.base {
        case .voltage: return ["V": 1, "mV": 0.001, "kV": 1000][unit]
        case .current: return ["A": 1, "mA": 0.001][unit]
        case .power: return ["W": 1, "kW": 1000, "MW": 1_000_000][unit]
        case .energy, .energyExport: return ["kWh": 1, "Wh": 0.001, "MWh": 1000][unit]
        case .pf: return ["": 1, "%": 0.01][unit]
        case .frequency: return ["Hz": 1][unit]
        default: return nil
        }
    }

    /// The quantity a unit alone says (for a sensor without a device class).
    public static func quantity(ofUnit unit: String) -> Quantity? {
        switch unit {
        case "V", "mV", "kV": .voltage
        case "A", "mA": .current
        case "W", "kW", "MW": .power
        case "Wh", "kWh", "MWh": .energy
        case "Hz": .frequency
        default: nil
        }
    }
}

public enum SourceError: ExitStatusError, Equatable {
    case badName(String)
    case badFilter(String, String)
    case badMapping(String, String)
    case notFound(String)
    case exists(String)
    case optionNotFor(String, DecoderKind)

    public var exitStatus: ExitStatus {
        switch self {
        case .notFound: .noUser
        case .exists: .dataError
        default: .usage
        }
    }

    public var description: String {
        switch self {
        case .badName(let name):
            "source name \(LogText.quoted(name)) must be 1-64 of A-Z a-z 0-9 _ -"
        case .badFilter(let filter, let problem): "topic filter \(LogText.quoted(filter)): \(problem)"
        case .badMapping(let text, let problem): "--map \(LogText.quoted(text)): \(problem)"
        case .notFound(let name): "no source named \(LogText.quoted(name)); see 'enertrack source list'"
        case .exists(let name): "a source named \(LogText.quoted(name)) exists already"
        case .optionNotFor(let option, let kind): "\(option) is for esphome sources, not \(kind.rawValue)"
        }
    }
}

/// MQTT topic filters: their rules, and matching a topic against one (`+` one level, `#` the rest).
public enum TopicFilter {
    /// Why a filter is not one a broker accepts, or nil.
    public static func problem(_ filter: String) -> String? {
        guard !filter.isEmpty, filter.utf8.count <= 512 else { return "must be 1-512 bytes" }
        guard !filter.unicodeScalars.contains(where: { $0.value < 0x20 || $0 == "\u{7F}" }) else {
            return "holds control characters"
        }
        let levels = filter.split(separator: "/", omittingEmptySubsequences: false)
        for (index, level) in levels.enumerated() {
            if level.contains("#"), level != "#" || index != levels.count - 1 {
                return "'#' must be a whole last level"
            }
            if level.contains("+"), level != "+" { return "'+' must be a whole level" }
        }
        if filter.hasPrefix("$") { return "must not start with '$' (give the group with ingest --share)" }
        return nil
    }

    /// Whether `topic` (bytes) matches `filter` (split in levels).
    public static func matches(_ topic: UnsafeRawBufferPointer, levels: [[UInt8]]) -> Bool {
        var position = topic.startIndex
        for (index, level) in levels.enumerated() {
            if level == [0x23] { return index > 0 || topic.first != UInt8(ascii: "$") }  // '#'
            if position > topic.endIndex { return false }
            let end = topic[position...].firstIndex(of: UInt8(ascii: "/")) ?? topic.endIndex
            if level == [0x2B] {  // '+'
                if index == 0, topic.first == UInt8(ascii: "$") { return false }
            } else if !topic[position..<end].elementsEqual(level) {
                return false
            }
            position = end + 1
        }
        return position == topic.endIndex + 1
    }

    public static func levels(_ filter: String) -> [[UInt8]] {
        filter.split(separator: "/", omittingEmptySubsequences: false).map { Array($0.utf8) }
    }
}
