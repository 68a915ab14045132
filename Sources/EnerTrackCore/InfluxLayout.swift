/// Where readings live in an InfluxDB measurement: the tag that names the meter and the field
/// of each quantity.
///
/// Ours are tag `node` and the English field names. The earlier deployment's are not specified,
/// so the store finds them in the measurement (`SHOW TAG KEYS`, `SHOW FIELD KEYS`): a tag of
/// `LineProtocol.nodeTags` and, per quantity, any of its English or Spanish names (as import
/// recognises them), unless `INFLUX_NODE_TAG` / `INFLUX_FIELDS` say. Writes use the same names,
/// so new readings land beside the earlier ones.
public struct InfluxLayout: Sendable, Equatable {
    public private(set) var nodeTag: String
    public private(set) var fields: [Quantity: String]
    /// `,<tag>=` and `<field>=` as bytes, for the write path.
    let nodeTagBytes: [UInt8]
    let fieldBytes: [[UInt8]]

    public init(nodeTag: String = "node", fields: [Quantity: String] = [:]) {
        self.nodeTag = nodeTag
        self.fields = Dictionary(uniqueKeysWithValues: Quantity.allCases.map { ($0, fields[$0] ?? $0.rawValue) })
        nodeTagBytes = [0x2C] + Array(LineProtocol.escapeTag(nodeTag).utf8) + [0x3D]
        fieldBytes = Quantity.allCases.map { quantity in
            Array(LineProtocol.escapeTag(fields[quantity] ?? quantity.rawValue).utf8) + [0x3D]
        }
    }

    public static let standard = InfluxLayout()

    public func field(_ quantity: Quantity) -> String { fields[quantity] ?? quantity.rawValue }

    /// The quantity a field of the measurement holds, by this layout or by any of its names.
    public func quantity(field name: String) -> Quantity? {
        if let mapped = Quantity.allCases.first(where: { field($0) == name }) { return mapped }
        let lower = name.lowercased()
        return Quantity.allCases.first { $0.names.contains(lower) }
    }

    /// The layout of a measurement that has these tag and field keys. Explicit settings win; a
    /// measurement with none of a quantity's names gets the English one (what we write).
    public static func detect(
        tags: [String], fields present: [String], nodeTag explicitTag: String?, fields explicit: [Quantity: String]
    ) -> InfluxLayout {
        let lowerTags = Dictionary(tags.map { ($0.lowercased(), $0) }, uniquingKeysWith: { first, _ in first })
        let tag =
            explicitTag ?? LineProtocol.nodeTags.lazy.compactMap { lowerTags[$0] }.first ?? "node"
        let lowerFields = Dictionary(present.map { ($0.lowercased(), $0) }, uniquingKeysWith: { first, _ in first })
        var fields: [Quantity: String] = [:]
        for quantity in Quantity.allCases {
            fields[quantity] =
                explicit[quantity] ?? quantity.names.lazy.compactMap { lowerFields[$0] }.first ?? quantity.rawValue
        }
        return InfluxLayout(nodeTag: tag, fields: fields)
    }

    /// `INFLUX_FIELDS`: `power=potencia,energy=energia` (any name of the quantity on the left).
    public static func parseFields(_ text: String) throws(ConfigError) -> [Quantity: String] {
        var fields: [Quantity: String] = [:]
        for pair in text.split(whereSeparator: { $0 == "," || $0 == " " }) {
            let parts = pair.split(separator: "=", maxSplits: 1).map(String.init)
            guard parts.count == 2, !parts[1].isEmpty, parts[1].utf8.count <= 64,
                let quantity = Quantity.allCases.first(where: { $0.names.contains(parts[0].lowercased()) })
            else {
                throw ConfigError(
                    "INFLUX_FIELDS: '\(pair)' is not QUANTITY=FIELD (quantities: \(Quantity.allCases.map(\.rawValue).joined(separator: ", ")))"
                )
            }
            guard parts[1].unicodeScalars.allSatisfy({ $0.value >= 0x20 && $0.value != 0x7F }) else {
                throw ConfigError("INFLUX_FIELDS: field name '\(parts[1])' has control characters")
            }
            fields[quantity] = parts[1]
        }
        return fields
    }
}
